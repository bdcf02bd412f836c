"""The Scrapy project of vnarchive: settings, items, the profile-driven spider, site profiles."""
