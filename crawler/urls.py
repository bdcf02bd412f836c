"""Canonical URLs: one key per article however a site links to it."""

from urllib.parse import urldefrag

import courlan


def canonical_url(url: str) -> str:
    """Lower-case host, sorted query without tracking parameters, no fragment (courlan)."""
    return urldefrag(courlan.normalize_url(url))[0]
