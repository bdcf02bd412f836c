"""vnarchive: crawl Vietnamese provincial news sites and district portals into an SQL archive."""

__version__ = "0.1.0"
