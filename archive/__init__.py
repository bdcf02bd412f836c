"""The archive: its schema, the writer the crawl uses, and the queries users run on it."""
