"""Spiders: the generic profile-driven one; a subclass only where a CMS needs code."""
