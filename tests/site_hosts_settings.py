"""Scrapy settings for crawls of a site served under several host names
(SCRAPY_SETTINGS_MODULE; tests/test_crawler_requests.py): the project's settings, with every
name the test site uses resolved to 127.0.0.1, standing for a public server."""

from crawler.settings import *  # noqa: F403

SITE_HOST_NAMES = ["www.portal.test", "portal.test", "m.portal.test", "lynhan.portal.test"]
VNARCHIVE_TEST_HOSTS = dict.fromkeys(SITE_HOST_NAMES, "127.0.0.1")
VNARCHIVE_WORKERS = 0  # extraction inline: a few pages, no process pool to start
# Belt and braces: connections leave from 127.0.0.1, which the kernel cannot route anywhere
# but loopback, so even a broken filter could not reach another address.
DOWNLOAD_BIND_ADDRESS = "127.0.0.1"
