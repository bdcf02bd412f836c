"""The hostile web (issue 7, cases 1 to 7, and the security settings).

Two crawls of the hostile test server (testweb/hostile.py), once per module: the first, with
the server in its "good" phase, archives a few honest articles; the second, in the "hostile"
phase with --refresh, meets every misbehaviour, including at the URLs archived by the first.
Each test then checks one case against the archive and the server's request counts: a `pages`
row with the error kind, what was fetched and what was not, and that the rows of the first
crawl are unchanged. A public site is played by names under `hostile.test` that the test
settings (tests/hostile_settings.py) resolve to 127.0.0.1; names that stand for private
addresses are refused before any connection.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import scrapy
from packaging.version import Version
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler.backoff import retry_after_seconds
from crawler.robots import DISALLOW_ALL, rules_for
from crawler.safety import address_refusal, parse_address
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query
from testweb.hostile import LOOPBACK, HostileSite
from vnarchive.crawl import project_settings

pytestmark = pytest.mark.timeout(180)

ROBOTS_HOSTS = ("robots-5xx", "robots-timeout", "robots-html", "robots-huge", "robots-slow")
# Start pages of the slow robots.txt host that robots.txt disallows: the crawl asks for them
# all at once, so they all wait for the one robots.txt fetch.
SLOW_ROBOTS_PRIVATE = tuple(f"/private/list-{n}" for n in range(1, 5))
MAX_DEFERRALS = 3
SLOW = ("hang-before-headers", "hang-after-headers", "slow-drip")
BROKEN = ("reset-mid-body", "short-body", "broken-chunks")
BOMBS = ("gzip-bomb", "deflate-bomb", "br-bomb", "zstd-bomb", "double-gzip")
MEMORY_BOUND_KB = 700 * 1024  # a crawl's peak RSS; a bomb expands to 1 GiB


def public_profile(port: int) -> str:
    starts = [f"http://hostile.test:{port}/"] + [
        f"http://{host}.hostile.test:{port}/list" for host in ROBOTS_HOSTS] + [
        f"http://robots-slow.hostile.test:{port}{path}" for path in SLOW_ROBOTS_PRIVATE]
    return f"""name = "hostile_public"
title = "Cổng thông tin thử nghiệm (công khai)"
kind = "portal"
start_urls = {json.dumps(starts)}
# Careless on purpose: only the address check stands between these and a fetch.
allowed_domains = ["hostile.test", "127.0.0.1", "169.254.169.254"]
article_pattern = '/article/'
sitemaps = ["http://hostile.test:{port}/sitemaps/index.xml"]
download_delay = 0
autothrottle = false
concurrency = 8
"""


def loopback_profile(port: int) -> str:
    return f"""name = "hostile_loopback"
title = "Trang thử nghiệm trên máy"
kind = "portal"
start_urls = ["http://{LOOPBACK}:{port}/calm/"]
allowed_domains = ["{LOOPBACK}", "169.254.169.254"]
article_pattern = '/calm/article/'
download_delay = 0
autothrottle = false
"""


@dataclass
class HostileCrawl:
    db: Path
    port: int
    first_articles: dict[str, tuple]  # url -> (text, fetched_at, content_hash) after crawl 1
    requests: Counter  # "host/path" -> times the server answered it in crawl 2
    log: str
    max_rss_kb: int  # peak resident memory of crawl 2

    def url(self, path: str, label: str = "") -> str:
        host = f"{label}.hostile.test" if label else "hostile.test"
        return f"http://{host}:{self.port}{path}"

    def served(self, path: str, label: str = "") -> int:
        host = f"{label}.hostile.test" if label else "hostile.test"
        return self.requests[host + path]

    def errors(self, url: str) -> list[str]:
        return [row[0] for row in query(self.db, "select error from pages where run_id = 2 and "
                                        "url = ? and error is not null", [url])]

    def statuses(self, url: str) -> list[int]:
        return [row[0] for row in query(self.db, "select status from pages where run_id = 2 "
                                        "and url = ? and status is not null", [url])]

    def archived(self, url: str) -> bool:
        return bool(query(self.db, "select 1 from articles where url = ?", [url]))


LAUNCHER = """
import os, signal, sys
rss_file, command = sys.argv[1], sys.argv[2:]
pid = os.spawnv(os.P_NOWAIT, command[0], command)
signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
_, status, usage = os.wait4(pid, 0)
open(rss_file, "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def crawl(db: Path, profiles: list[Path], *extra: str) -> tuple[str, int]:
    """`vnarchive crawl` under the hostile test settings; its log and its peak RSS (KiB, from
    wait4 in a small launcher: a child forked straight from this test process would count the
    test process's own resident memory, whatever earlier tests left there, as its peak)."""
    rss_file = db.with_suffix(f".rss{len(extra)}")
    command = [sys.executable, "-c", LAUNCHER, str(rss_file), sys.executable, "-m", "vnarchive",
               "crawl", "--db", str(db), "--log-level", "INFO", *extra]
    for profile in profiles:
        command += ["--profile", str(profile)]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "tests.hostile_settings"}
    log_path = db.with_suffix(f".log{len(extra)}")
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT)
        # SIGTERM to the launcher kills the crawl: never a hang, no crawl left behind.
        timer = threading.Timer(COMMAND_TIMEOUT, process.terminate)
        timer.start()
        try:
            process.wait()
        except BaseException:  # a test timeout
            process.terminate()
            process.wait()
            raise
        finally:
            timer.cancel()
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, log[-3000:]
    return log, int(rss_file.read_text())


def article_rows(db: Path) -> dict[str, tuple]:
    return {url: rest for url, *rest in query(
        db, "select url, text, fetched_at, content_hash from articles")}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> HostileCrawl:
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "archive.db"
    with HostileSite() as site:
        profiles = [folder / "public.toml", folder / "loopback.toml"]
        profiles[0].write_text(public_profile(site.port), encoding="utf-8")
        profiles[1].write_text(loopback_profile(site.port), encoding="utf-8")
        site.set_phase("good")
        crawl(db, profiles)
        first = article_rows(db)
        site.set_phase("hostile")
        site.control("reset")
        log, rss = crawl(db, profiles, "--refresh")
        return HostileCrawl(db=db, port=site.port, first_articles=first,
                            requests=site.requests(), log=log, max_rss_kb=rss)


def unchanged_since_first_crawl(hostile: HostileCrawl, url: str) -> bool:
    return url in hostile.first_articles and article_rows(hostile.db)[url] == \
        hostile.first_articles[url]


# Pure rules, without a crawl ----------------------------------------------------------------
@pytest.mark.parametrize(("host", "loopback_site", "refused"), [
    ("169.254.169.254", True, "link-local"), ("10.1.2.3", True, "private"),
    ("192.168.0.1", False, "private"), ("172.16.5.4", False, "private"),
    ("100.64.0.1", False, "reserved"), ("0.0.0.0", False, "private"),
    ("::ffff:169.254.169.254", True, "link-local"), ("fe80::1", True, "link-local"),
    ("fd00::1", False, "private"), ("127.0.0.1", False, "loopback"), ("::1", False, "loopback"),
    ("127.0.0.1", True, None), ("8.8.8.8", False, None), ("2001:4860::8888", False, None),
])
def test_which_addresses_a_site_may_reach(host, loopback_site, refused):
    assert address_refusal(parse_address(host), loopback_site) == refused


@pytest.mark.parametrize(("value", "seconds"), [
    (b"120", 120.0), ("0", 0.0), ("Wed, 01 Jul 2025 00:00:30 GMT", 30.0),
    ("Wed, 01 Jul 2025 00:00:00 GMT", 0.0), ("Tue, 30 Jun 2025 23:00:00 GMT", 0.0),
    ("soon", None), ("", None), (None, None), ("-5", None),
])
def test_retry_after_is_read_as_seconds_or_an_http_date(value, seconds):
    now = datetime(2025, 7, 1, tzinfo=UTC).timestamp()
    assert retry_after_seconds(value, now=now) == seconds


@pytest.mark.parametrize(("status", "rules"), [
    (503, DISALLOW_ALL), (500, DISALLOW_ALL), (429, DISALLOW_ALL), (404, b""), (403, b""),
    (200, b"User-agent: *\nDisallow: /x\n"),
])
def test_robots_rules_by_status(status, rules):
    assert rules_for(status, b"User-agent: *\nDisallow: /x\n") == rules


# 1. Slow drip and hangs ---------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLOW)
def test_hanging_and_dripping_pages_time_out_after_bounded_retries(hostile, slug):
    url = hostile.url(f"/article/{slug}", "slow")
    assert hostile.served(f"/article/{slug}", "slow") == 3  # RETRY_TIMES = 2
    assert any(error.startswith("DownloadTimeoutError") for error in hostile.errors(url))
    assert not hostile.archived(url)


# 2. Cut bodies ------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", BROKEN)
def test_a_cut_body_is_never_stored_and_the_archived_copy_stays(hostile, slug):
    url = hostile.url(f"/article/{slug}", "broken")
    assert hostile.served(f"/article/{slug}", "broken") >= 1
    assert hostile.errors(url), "no pages row for the failed fetch"
    assert 200 not in hostile.statuses(url)  # nothing of the partial response was recorded
    assert unchanged_since_first_crawl(hostile, url)


# 3. Sizes and bombs -------------------------------------------------------------------------
@pytest.mark.parametrize("slug", ["too-big", "too-big-chunked"])
def test_a_page_over_the_size_limit_is_cancelled(hostile, slug):
    url = hostile.url(f"/article/{slug}")
    assert any(error.startswith("DownloadCancelledError") for error in hostile.errors(url))
    assert 200 not in hostile.statuses(url)
    if slug == "too-big":
        assert unchanged_since_first_crawl(hostile, url)
    else:
        assert not hostile.archived(url)


@pytest.mark.parametrize("slug", BOMBS)
def test_compression_bombs_are_refused(hostile, slug):
    url = hostile.url(f"/article/{slug}")
    assert any(error.startswith("too_large") for error in hostile.errors(url))
    if slug == "gzip-bomb":
        assert unchanged_since_first_crawl(hostile, url)
    else:
        assert not hostile.archived(url)


def test_bombs_are_cancelled_with_bounded_memory(hostile):
    assert hostile.max_rss_kb < MEMORY_BOUND_KB, f"peak RSS {hostile.max_rss_kb} KiB"


def test_an_encoding_nobody_can_decode_is_refused(hostile):
    url = hostile.url("/article/unknown-encoding")
    assert any(error.startswith("unsupported_encoding") for error in hostile.errors(url))
    assert not hostile.archived(url)


def test_sitemaps_have_a_larger_size_limit_than_pages(hostile):
    # big.xml is over 5 MiB: over the HTML limit, under the sitemap one.
    assert query(hostile.db, "select bytes from pages where url = ? and status = 200",
                 [hostile.url("/sitemaps/big.xml")])[0][0] > 5 * 1024 * 1024
    assert hostile.archived(hostile.url("/article/sitemap-big-first-0"))


# 4. Redirects -------------------------------------------------------------------------------
def test_redirect_loops_are_refused(hostile):
    for slug in ("loop-a", "self-redirect"):
        errors = hostile.errors(hostile.url(f"/article/{slug}"))
        assert any(error.startswith("redirect_loop") for error in errors), slug
    assert hostile.served("/article/loop-a") == 1 and hostile.served("/article/loop-b") == 1


@pytest.mark.parametrize("chain", ["chain", "mixed"])
def test_redirect_chains_stop_after_five_meta_refresh_included(hostile, chain):
    errors = hostile.errors(hostile.url(f"/article/{chain}/0"))
    assert any(error.startswith("redirect_limit") for error in errors)
    assert [hostile.served(f"/article/{chain}/{step}") for step in range(8)] == \
        [1, 1, 1, 1, 1, 1, 0, 0]


@pytest.mark.parametrize("slug", ["to-file", "to-data", "to-ftp"])
def test_redirects_to_other_schemes_are_refused(hostile, slug):
    errors = hostile.errors(hostile.url(f"/article/{slug}"))
    assert any(error.startswith("refused_scheme") for error in errors)
    assert not query(hostile.db, "select 1 from pages where url not like 'http%'")


def test_an_offsite_redirect_is_refused(hostile):
    errors = hostile.errors(hostile.url("/article/offsite"))
    assert any(error.startswith("offsite_redirect") for error in errors)


@pytest.mark.parametrize("url", [
    "http://intranet.hostile.test:{port}/article/intranet",  # 10.20.30.40
    "http://router.hostile.test:{port}/article/router",  # 192.168.1.1
    "http://metadata.hostile.test:{port}/article/metadata",  # 169.254.169.254
    "http://127.0.0.1:{port}/article/loopback-from-public",
    "http://hostile.test:{port}/article/to-metadata-name",
    "http://hostile.test:{port}/article/to-metadata-ip",
    "http://hostile.test:{port}/article/to-loopback-ip",
    "http://169.254.169.254/calm/article/metadata",  # even a loopback site never goes there
])
def test_private_and_link_local_addresses_are_refused(hostile, url):
    errors = hostile.errors(url.format(port=hostile.port))
    assert any(error.startswith("refused_address") for error in errors), errors


def test_refused_addresses_were_never_connected_to(hostile):
    """Loopback is the one forbidden address the server could see: it saw nothing."""
    assert not [key for key in hostile.requests if key.startswith(LOOPBACK + "/article/")]
    assert not [key for key in hostile.requests
                if key.split(".")[0] in ("metadata", "intranet", "router")]


def test_a_site_on_loopback_may_fetch_loopback(hostile):
    for number in (1, 2, 3):
        assert hostile.archived(f"http://{LOOPBACK}:{hostile.port}/calm/article/{number}")


# 5. Rate limits and storms ------------------------------------------------------------------
@pytest.mark.parametrize("label", ["busy", "busy-date"])
def test_retry_after_defers_a_hosts_pages_instead_of_failing_them(hostile, label):
    """busy answers 429 with Retry-After in seconds, busy-date 503 with an HTTP date, and
    both answer the same again to any request before that moment."""
    for number in (1, 2):
        path = f"/article/{label}-{number}"
        assert hostile.archived(hostile.url(path, label))
        assert hostile.served(path, label) <= 1 + MAX_DEFERRALS
        assert set(hostile.statuses(hostile.url(path, label))) >= {200}


def test_a_retry_after_longer_than_a_run_leaves_the_host_for_the_next_run(hostile):
    for number in (1, 2):
        path = f"/article/busy-long-{number}"
        errors = hostile.errors(hostile.url(path, "busy-long"))
        assert any(error.startswith("deferred") for error in errors)
        assert hostile.served(path, "busy-long") <= 1  # no immediate retries


def test_a_storm_of_500s_trips_the_hosts_breaker_while_others_carry_on(hostile):
    storm = sum(count for key, count in hostile.requests.items() if key.startswith("storm."))
    assert storm < 30  # without the breaker: 30 pages, 3 tries each
    opened = query(hostile.db, "select count(*) from pages where run_id = 2 and url like "
                   "'http://storm.%' and error like 'circuit_open%'")[0][0]
    assert opened >= 10
    assert hostile.archived(hostile.url("/article/ok-1"))
    assert hostile.archived(hostile.url("/article/ok-2"))


# 6. robots.txt ------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["", "robots-huge"])
def test_robots_disallow_is_obeyed_and_recorded(hostile, label):
    assert hostile.served("/private/article/secret", label) == 0
    assert "robots_disallowed" in hostile.errors(hostile.url("/private/article/secret", label))


def test_every_request_waiting_for_robots_txt_obeys_it(hostile):
    """Scrapy 2.19 gave the parsed robots.txt to the first of the requests waiting for it and
    let the others through unchecked (crawler/robots.py)."""
    for path in SLOW_ROBOTS_PRIVATE:
        assert hostile.served(path, "robots-slow") == 0, path
        assert "robots_disallowed" in hostile.errors(hostile.url(path, "robots-slow")), path
    assert hostile.archived(hostile.url("/article/robots-slow", "robots-slow"))


@pytest.mark.parametrize("label", ["robots-5xx", "robots-timeout"])
def test_unreachable_robots_txt_disallows_the_host(hostile, label):
    """RFC 9309: a robots.txt answered with 5xx, or not at all, means complete disallow."""
    fetched = {key for key in hostile.requests if key.startswith(f"{label}.")}
    assert fetched == {f"{label}.hostile.test/robots.txt"}
    assert "robots_disallowed" in hostile.errors(hostile.url("/list", label))


@pytest.mark.parametrize("label", ["robots-html", "robots-huge"])
def test_html_or_huge_robots_txt_is_parsed_without_harm(hostile, label):
    """An HTML page holds no rules; only the first 500 KiB of a huge file are read, so the
    "Disallow: /" at its end is never reached."""
    assert hostile.archived(hostile.url(f"/article/{label}", label))


# 7. Sitemaps --------------------------------------------------------------------------------
def test_sitemap_entities_are_never_expanded(hostile):
    assert hostile.served("/xxe-probe") == 0  # the external entity was never fetched
    urls = [row[0] for row in query(hostile.db, "select url from pages where run_id = 2")]
    xxe = hostile.url("/article/sitemap-xxe-")  # + "&local;", the contents of /etc/hostname
    assert {url for url in urls if url.startswith(xxe)} <= {xxe, xxe + "ok"}
    assert not [url for url in urls if "lollol" in url]
    assert max(len(url) for url in urls) < 2083
    assert hostile.archived(hostile.url("/article/sitemap-xxe-ok"))


def test_sitemap_indexes_listing_themselves_or_nesting_without_end_are_bounded(hostile):
    assert hostile.served("/sitemaps/index.xml") == 1
    assert [hostile.served(f"/sitemaps/chain/{n}.xml") for n in range(1, 6)] == [1, 1, 1, 0, 0]


def test_sitemap_entries_past_50000_are_ignored(hostile):
    for number in range(3):
        assert hostile.archived(hostile.url(f"/article/sitemap-big-first-{number}"))
        assert hostile.served(f"/article/sitemap-big-beyond-{number}") == 0
    assert not [key for key in hostile.requests if "/tag/" in key]


def test_bad_lastmod_and_repeated_entries(hostile):
    for number in range(6):
        assert hostile.archived(hostile.url(f"/article/sitemap-lastmod-{number}"))
    assert hostile.served("/article/sitemap-repeated") == 1


# The crawl as a whole -----------------------------------------------------------------------
def test_the_hostile_crawl_finishes_and_keeps_every_first_crawl_row(hostile):
    assert query(hostile.db, "select status from crawl_runs order by id") == [
        ("finished",), ("finished",)]
    current = article_rows(hostile.db)
    assert set(hostile.first_articles) <= set(current)
    assert query(hostile.db, "pragma integrity_check") == [("ok",)]


def test_every_refusal_is_logged(hostile):
    kinds = set(re.findall(r"refused \S+: (\w+) \(", hostile.log))
    assert {"refused_address", "refused_scheme", "redirect_loop", "redirect_limit",
            "offsite_redirect", "too_large", "circuit_open", "deferred"} <= kinds


# Security settings --------------------------------------------------------------------------
def test_scrapy_is_pinned_past_every_published_advisory():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [dep for dep in project["project"]["dependencies"] if dep.startswith("scrapy")]
    minimum = Version(re.search(r">=\s*([\d.]+)", pins[0]).group(1))
    assert minimum >= Version("2.13.4")  # the brotli/deflate bomb fix, after 2.11.2's
    assert Version(scrapy.__version__) >= minimum


@pytest.mark.parametrize("scheme", ["file", "data", "ftp", "s3"])
def test_non_web_download_handlers_are_off(scheme):
    """Behind the address filter, a second wall: the downloader has no handler for these
    schemes, so a request for one fails with NotSupported whatever let it through."""
    from scrapy.core.downloader.handlers import DownloadHandlers
    from scrapy.exceptions import NotSupported

    settings = {**dict(project_settings()), "TWISTED_REACTOR_ENABLED": False}
    handlers = DownloadHandlers(get_crawler(settings_dict=settings))
    assert handlers._get_handler(scheme) is None
    with pytest.raises(NotSupported):
        asyncio.run(handlers.download_request_async(Request(f"{scheme}://host/etc/passwd")))


def test_telnet_is_off_and_memory_and_sizes_are_limited():
    settings = project_settings()
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert 0 < settings.getint("MEMUSAGE_LIMIT_MB") <= 8192
    assert settings.getint("DOWNLOAD_MAXSIZE") <= 8 * 1024 * 1024
    assert settings.getint("VNARCHIVE_ATTACHMENT_MAXSIZE") > settings.getint("DOWNLOAD_MAXSIZE")
    assert settings.getbool("DOWNLOAD_FAIL_ON_DATALOSS")


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening socket on `port` (from /proc, without connecting)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


@pytest.mark.timeout(60)
def test_datasette_binds_loopback_and_refuses_writes(hostile, tmp_path):
    import shutil
    import socket
    import urllib.error
    import urllib.parse
    import urllib.request

    db = tmp_path / "served.db"
    shutil.copy(hostile.db, db)
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    # Its own process group: `vnarchive serve` runs Datasette as a child, which a terminate
    # of the parent alone would leave running.
    server = subprocess.Popen([sys.executable, "-m", "vnarchive", "serve", "--port", str(port),
                               "--db", str(db)], cwd=PROJECT_ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = f"http://{LOOPBACK}:{port}/{db.stem}"
    before = query(db, "select count(*) from articles")
    try:
        for _ in range(150):
            if listening_addresses(port):
                break
            time.sleep(0.2)
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 and nothing else
        for sql in ("delete from articles", "drop table articles",
                    "update articles set title = 'x'", "select 1; delete from articles"):
            try:
                with opener.open(f"{base}.json?sql={urllib.parse.quote(sql)}", timeout=10) as r:
                    answer = json.load(r)
            except urllib.error.HTTPError as error:
                answer = json.load(error)
            assert answer.get("ok") is False and answer.get("error"), sql
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    assert query(db, "select count(*) from articles") == before
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from articles").fetchone() == before[0]
