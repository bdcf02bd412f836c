"""Scrapy settings for crawls of the hostile test server (SCRAPY_SETTINGS_MODULE): the
project's settings, with short timeouts and the test-only host table that gives the hostile
server public-looking names, and private addresses the crawler must refuse to reach."""

from crawler.settings import *  # noqa: F403

DOWNLOAD_TIMEOUT = 2
VNARCHIVE_WORKERS = 0  # extraction inline: a few pages, no process pool to start
VNARCHIVE_BREAKER_COOLDOWN = 600  # the breaker stays open for the whole test crawl
# Belt and braces: connections leave from 127.0.0.1, which the kernel cannot route anywhere
# but loopback, so even a broken filter could not reach another address.
DOWNLOAD_BIND_ADDRESS = "127.0.0.1"

PUBLIC_LABELS = ["", "slow", "broken", "storm", "busy", "busy-date", "busy-long", "robots-5xx",
                 "robots-timeout", "robots-html", "robots-huge", "robots-slow"]
PUBLIC_NAMES = [f"{label}.hostile.test" if label else "hostile.test" for label in PUBLIC_LABELS]
VNARCHIVE_TEST_HOSTS = {
    **{name: "127.0.0.1" for name in PUBLIC_NAMES},  # stand-ins for public servers
    "metadata.hostile.test": "169.254.169.254",
    "intranet.hostile.test": "10.20.30.40",
    "router.hostile.test": "192.168.1.1",
}
