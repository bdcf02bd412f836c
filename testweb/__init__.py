"""The local test web: sites served on 127.0.0.1 that imitate the real families of Vietnamese
provincial newspapers and district portals, with hand-written articles and hand labels."""
