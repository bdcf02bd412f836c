"""Scrapy settings for a crawl whose name server fails a name's first lookup and answers
127.0.0.1 after (tests/test_crawler_requests.py): the site's names as in site_hosts_settings,
and `evil.test` looked up by FlakyResolver."""

from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.safety import GuardedResolver
from tests.site_hosts_settings import *  # noqa: F403

FLAKY_NAME = "evil.test"


class FlakyResolver(GuardedResolver):
    """Fails FLAKY_NAME's first lookup; every later one answers loopback (a DNS rebinding)."""

    asked = 0

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's name)
        if name.lower() != FLAKY_NAME:
            return super().getHostByName(name, timeout)
        FlakyResolver.asked += 1
        if FlakyResolver.asked == 1:
            return defer.fail(DNSLookupError(name))
        return defer.succeed("127.0.0.1").addCallback(self._refuse_forbidden, name)


TWISTED_DNS_RESOLVER = "tests.flaky_dns_settings.FlakyResolver"
