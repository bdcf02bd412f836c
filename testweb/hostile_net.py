"""The hostile test server's endpoints for the network cases of issue 7: timeouts, cut
bodies, sizes and bombs, redirects, private addresses, rate limits and storms, robots.txt and
sitemaps (testweb/hostile.py serves them; tests/test_hostile_net.py crawls them).

The main site is `hostile.test` (a test maps it to 127.0.0.1 as a stand-in for a public server);
cases that must not disturb each other have hosts of their own under it.
"""

from __future__ import annotations

import asyncio
import importlib
import struct
import sys
import time
import zlib
from email.utils import formatdate
from functools import cache

from testweb.hostile import (
    LOOPBACK,
    MAIN_HOST,
    Connection,
    Handler,
    HostileRequest,
    article_html,
    at_startup,
    endpoint,
    listing_html,
    redirect,
    send_html,
)

MiB = 1024 * 1024


# The "public" site's listing ----------------------------------------------------------------
# Articles that misbehave only in the "hostile" phase, by host label: a first crawl archives
# them, a second crawl must leave those rows as they were.
KEEP_ARTICLES = {"broken": ("reset-mid-body", "short-body", "broken-chunks"),
                 "": ("too-big", "gzip-bomb")}

# Articles linked from the main listing (all match the test profile's /article/ pattern), by
# host label ("" is the main host). Timeouts and broken bodies have hosts of their own, so
# that their failures in a row do not trip the circuit breaker of the main host.
HOSTILE_ARTICLES = {
    "": (
        "/article/ok-1", "/article/ok-2",
        # 3. sizes and bombs
        "/article/too-big", "/article/too-big-chunked", "/article/gzip-bomb",
        "/article/deflate-bomb", "/article/br-bomb", "/article/zstd-bomb",
        "/article/double-gzip", "/article/unknown-encoding",
        # 4. redirects
        "/article/loop-a", "/article/self-redirect", "/article/chain/0", "/article/mixed/0",
        "/article/to-file", "/article/to-data", "/article/to-ftp", "/article/offsite",
        "/article/to-metadata-name", "/article/to-metadata-ip", "/article/to-loopback-ip",
        # 6. robots
        "/private/article/secret",
    ),
    # 1. timeouts
    "slow": ("/article/hang-before-headers", "/article/hang-after-headers", "/article/slow-drip"),
    # 2. broken bodies
    "broken": ("/article/reset-mid-body", "/article/short-body", "/article/broken-chunks"),
    # 5. rate limits and a storm
    "busy": ("/article/busy-1", "/article/busy-2"),
    "busy-date": ("/article/busy-date-1", "/article/busy-date-2"),
    "busy-long": ("/article/busy-long-1", "/article/busy-long-2"),
    "storm": tuple(f"/article/storm-{n}" for n in range(30)),
}


def host_name(label: str) -> str:
    return f"{label}.{MAIN_HOST}" if label else MAIN_HOST


def main_links(request: HostileRequest) -> list[str]:
    if request.server.phase == "good":
        return [request.url(f"/article/{slug}", host_name(label))
                for label, slugs in KEEP_ARTICLES.items() for slug in slugs]
    links = [request.url(path, host_name(label))
             for label, paths in HOSTILE_ARTICLES.items() for path in paths]
    # Links into private, loopback and link-local addresses (the profile's allowed_domains
    # lets them through, so only the address check can refuse them).
    port = request.server.port
    return links + [f"http://intranet.{MAIN_HOST}:{port}/article/intranet",
                    f"http://router.{MAIN_HOST}:{port}/article/router",
                    f"http://metadata.{MAIN_HOST}:{port}/article/metadata",
                    f"http://{LOOPBACK}:{port}/article/loopback-from-public"]


@endpoint("/", host=MAIN_HOST)
async def main_listing(request, connection):
    await send_html(connection, listing_html("Tin tức", main_links(request)))


@endpoint("/article/ok-", prefix=True)
async def ok_article(request, connection):
    await send_html(connection, article_html(request.path.rsplit("/", 1)[1]))


def serve_good_copy(handler: Handler) -> Handler:
    """In the "good" phase the page is an honest article; in the "hostile" phase, `handler`."""
    async def wrapper(request, connection):
        if request.server.phase == "good":
            await send_html(connection, article_html(request.path.rsplit("/", 1)[1]))
        else:
            await handler(request, connection)
    wrapper.__name__ = handler.__name__
    return wrapper


# 1. Timeouts --------------------------------------------------------------------------------
@endpoint("/article/hang-before-headers")
async def hang_before_headers(request, connection):
    await connection.hang()


@endpoint("/article/hang-after-headers")
async def hang_after_headers(request, connection):
    await connection.send_head(200, [("Content-Type", "text/html"), ("Content-Length", "5000")])
    await connection.hang()


@endpoint("/article/slow-drip")
async def slow_drip(request, connection):
    """One byte every 0.2 s of a 10,000-byte page: it would take half an hour."""
    body = article_html("slow-drip", padding=10000).encode()
    await connection.send_head(200, [("Content-Type", "text/html"),
                                     ("Content-Length", str(len(body)))])
    for byte in body:
        await connection.write(bytes([byte]))
        await asyncio.sleep(0.2)


# 2. Broken bodies ---------------------------------------------------------------------------
def partial_article(slug: str) -> tuple[bytes, bytes]:
    """A page cut in two: what is sent, and what never comes."""
    body = article_html(slug, padding=20000).encode()
    return body[:len(body) // 3], body[len(body) // 3:]


@endpoint("/article/reset-mid-body")
@serve_good_copy
async def reset_mid_body(request, connection):
    sent, rest = partial_article("reset-mid-body")
    await connection.send_head(200, [("Content-Type", "text/html; charset=utf-8"),
                                     ("Content-Length", str(len(sent) + len(rest)))])
    await connection.write(sent)
    await connection.reset()


@endpoint("/article/short-body")
@serve_good_copy
async def short_body(request, connection):
    """Content-Length promises more than is sent; then a clean close."""
    sent, rest = partial_article("short-body")
    await connection.send_head(200, [("Content-Type", "text/html; charset=utf-8"),
                                     ("Content-Length", str(len(sent) + len(rest)))])
    await connection.write(sent)


@endpoint("/article/broken-chunks")
@serve_good_copy
async def broken_chunks(request, connection):
    """A good first chunk, then a chunk size that is not hexadecimal."""
    sent, rest = partial_article("broken-chunks")
    await connection.send_head(200, [("Content-Type", "text/html; charset=utf-8"),
                                     ("Transfer-Encoding", "chunked")])
    await connection.write(b"%x\r\n%s\r\n" % (len(sent), sent))
    await connection.write(b"zz-not-a-size\r\n" + rest[:100])


# 3. Sizes and bombs -------------------------------------------------------------------------
BOMB_SIZE = 1024 * MiB  # what a bomb expands to
OVERSIZE = 6 * MiB  # an HTML page over the crawler's limit


@endpoint("/article/too-big")
@serve_good_copy
async def too_big(request, connection):
    await send_html(connection, article_html("too-big", padding=OVERSIZE))


@endpoint("/article/too-big-chunked")
async def too_big_chunked(request, connection):
    """No Content-Length to refuse up front: the limit must cut the stream itself."""
    await connection.send_head(200, [("Content-Type", "text/html"),
                                     ("Transfer-Encoding", "chunked")])
    chunk = b"<p>" + b"x" * (64 * 1024) + b"</p>"
    for _ in range(OVERSIZE // len(chunk) + 10):
        await connection.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    await connection.write(b"0\r\n\r\n")


def repeated_deflate(size: int) -> bytes:
    """Raw deflate of `size` zero bytes, built from one fully flushed block repeated (each
    block stands alone after a full flush), so a 1 GiB bomb costs milliseconds to make."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block_size = MiB
    zeros = bytes(block_size)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size // block_size) + compressor.flush()


BOMB_ENCODINGS = ("gzip", "deflate", "br", "zstd", "gzip, gzip")


@cache
def bomb(encoding: str) -> bytes:
    if encoding == "deflate":  # raw deflate, as some Microsoft servers send it
        return repeated_deflate(BOMB_SIZE)
    if encoding == "gzip":
        crc = 0
        zeros = bytes(MiB)
        for _ in range(BOMB_SIZE // MiB):
            crc = zlib.crc32(zeros, crc)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        return header + repeated_deflate(BOMB_SIZE) + struct.pack("<II", crc,
                                                                 BOMB_SIZE & 0xFFFFFFFF)
    if encoding == "br":
        import brotli
        compressor = brotli.Compressor(quality=1)
        zeros = bytes(16 * MiB)
        return b"".join(compressor.process(zeros) for _ in range(BOMB_SIZE // len(zeros))
                        ) + compressor.finish()
    if encoding == "zstd":
        zstd = importlib.import_module("compression.zstd" if sys.version_info >= (3, 14)
                                       else "backports.zstd")
        compressor = zstd.ZstdCompressor(level=1)
        zeros = bytes(16 * MiB)
        return b"".join(compressor.compress(zeros) for _ in range(BOMB_SIZE // len(zeros))
                        ) + compressor.flush()
    if encoding == "gzip, gzip":  # a bomb inside a small gzip: only the second layer explodes
        outer = zlib.compressobj(9, zlib.DEFLATED, 31)
        return outer.compress(bomb("gzip")) + outer.flush()
    raise ValueError(encoding)


@at_startup
def build_bombs() -> None:
    """A second or so of work: done while the first crawl runs."""
    for encoding in BOMB_ENCODINGS:
        bomb(encoding)


async def send_bomb(connection: Connection, encoding: str) -> None:
    payload = await asyncio.to_thread(bomb, encoding)
    await connection.send(200, payload, headers=[("Content-Encoding", encoding)])


@endpoint("/article/gzip-bomb")
@serve_good_copy
async def gzip_bomb(request, connection):
    await send_bomb(connection, "gzip")


@endpoint("/article/deflate-bomb")
async def deflate_bomb(request, connection):
    await send_bomb(connection, "deflate")


@endpoint("/article/br-bomb")
async def br_bomb(request, connection):
    await send_bomb(connection, "br")


@endpoint("/article/zstd-bomb")
async def zstd_bomb(request, connection):
    await send_bomb(connection, "zstd")


@endpoint("/article/double-gzip")
async def double_gzip(request, connection):
    await send_bomb(connection, "gzip, gzip")


@endpoint("/article/unknown-encoding")
async def unknown_encoding(request, connection):
    """An encoding no client asked for and none can decode: the bytes are not the page."""
    await connection.send(200, bytes(range(256)) * 8, headers=[("Content-Encoding", "x-evil")])


# 4. Redirects -------------------------------------------------------------------------------
@endpoint("/article/loop-a")
async def loop_a(request, connection):
    await redirect(connection, "/article/loop-b")


@endpoint("/article/loop-b")
async def loop_b(request, connection):
    await redirect(connection, "/article/loop-a")


@endpoint("/article/self-redirect")
async def self_redirect(request, connection):
    await redirect(connection, "/article/self-redirect", status=301)


@endpoint("/article/chain/", prefix=True)
async def redirect_chain(request, connection):
    """/article/chain/N redirects to N+1 up to 20 (the end is a real article)."""
    step = int(request.path.rsplit("/", 1)[1])
    if step >= 20:
        await send_html(connection, article_html("chain-end"))
    else:
        await redirect(connection, f"/article/chain/{step + 1}")


@endpoint("/article/mixed/", prefix=True)
async def mixed_chain(request, connection):
    """Alternating HTTP redirects and meta refreshes: both must count toward one limit."""
    step = int(request.path.rsplit("/", 1)[1])
    target = f"/article/mixed/{step + 1}"
    if step >= 20:
        await send_html(connection, article_html("mixed-end"))
    elif step % 2:
        await send_html(connection, f'<html><head><meta http-equiv="refresh" content="0; '
                                    f'url={target}"></head><body>Đang chuyển trang</body></html>')
    else:
        await redirect(connection, target)


@endpoint("/article/to-file")
async def to_file(request, connection):
    await redirect(connection, "file:///etc/passwd")


@endpoint("/article/to-data")
async def to_data(request, connection):
    await redirect(connection, "data:text/html,<h1>Huy%E1%BB%87n %E1%BB%A7y</h1>")


@endpoint("/article/to-ftp")
async def to_ftp(request, connection):
    await redirect(connection, f"ftp://{LOOPBACK}:{request.server.port}/article/ftp")


@endpoint("/article/offsite")
async def offsite(request, connection):
    await redirect(connection, "http://elsewhere.example/article/offsite")


@endpoint("/article/to-metadata-name")
async def to_metadata_name(request, connection):
    """A redirect to a name of the site's own domain that resolves to link-local."""
    await redirect(connection, request.url("/latest/meta-data/", f"metadata.{MAIN_HOST}"))


@endpoint("/article/to-metadata-ip")
async def to_metadata_ip(request, connection):
    await redirect(connection, "http://169.254.169.254/latest/meta-data/")


@endpoint("/article/to-loopback-ip")
async def to_loopback_ip(request, connection):
    await redirect(connection, request.url("/article/loopback-by-redirect", LOOPBACK))


# 5. Rate limits and storms ------------------------------------------------------------------
def retry_after_value(host: str, now: float) -> tuple[str, float]:
    """The Retry-After header a busy host sends, and the moment it names."""
    if host.startswith("busy-date."):
        moment = int(now) + 3  # an HTTP date has whole seconds: 2 to 3 s from now
        return formatdate(moment, usegmt=True), float(moment)
    if host.startswith("busy-long."):
        return "86400", now + 86400
    return "2", now + 2


@endpoint("/article/busy-", prefix=True)
async def busy(request, connection):
    """429 (busy.) or 503 (busy-date., busy-long.) with Retry-After until the named moment
    has passed; then the article. A request before that moment is answered the same way."""
    now = time.time()
    opens_at = request.server.state.get(("busy", request.host))
    if opens_at is None or now < opens_at:
        value, moment = retry_after_value(request.host, now)
        request.server.state.setdefault(("busy", request.host), moment)
        status = 429 if request.host.startswith("busy.") else 503
        await connection.send(status, "<html><body>Quá tải, thử lại sau</body></html>",
                              headers=[("Retry-After", value)])
        return
    await send_html(connection, article_html(request.path.rsplit("/", 1)[1]))


@endpoint("/article/storm-", prefix=True)
async def storm(request, connection):
    await connection.send(500, "<html><body>Server Error in '/' Application.</body></html>")


# 6. robots.txt ------------------------------------------------------------------------------
HUGE_ROBOTS_PADDING = 2 * MiB
ROBOTS_SLOW_SECONDS = 1.0


@endpoint("/robots.txt")
async def robots(request, connection):
    """robots.txt by host: main and huge have rules; 5xx fails, timeout hangs, html is a
    web page; slow has the main rules after a second, while the crawl's first requests to
    the host wait for them."""
    label = request.host.split(".")[0]
    sitemap = request.url("/sitemaps/index.xml", MAIN_HOST)
    if label == "robots-slow":
        await asyncio.sleep(ROBOTS_SLOW_SECONDS)
    if label == "robots-5xx":
        await connection.send(503, "<html><body>Service Unavailable</body></html>")
    elif label == "robots-timeout":
        await connection.hang()
    elif label == "robots-html":
        await send_html(connection, listing_html("Trang chủ", ["/", "/lien-he"]))
    elif label == "robots-huge":
        # The rule that matters first; past 500 KiB, a rule a parser must not reach.
        padding = "".join(f"# {'-' * 70}\n" for _ in range(HUGE_ROBOTS_PADDING // 73))
        text = f"User-agent: *\nDisallow: /private/\n{padding}Disallow: /\n"
        await connection.send(200, text, content_type="text/plain")
    else:
        await connection.send(200, f"User-agent: *\nDisallow: /private/\nSitemap: {sitemap}\n",
                              content_type="text/plain")


@endpoint("/list")
async def robots_host_listing(request, connection):
    """Each robots host's own listing, with one article and one private one."""
    await send_html(connection, listing_html("Tin tức", [
        f"/article/{request.host.split('.')[0]}", "/private/article/secret"]))


@endpoint("/article/robots-", prefix=True)
async def robots_host_article(request, connection):
    await send_html(connection, article_html(request.path.rsplit("/", 1)[1]))


# 7. Sitemaps --------------------------------------------------------------------------------
SITEMAP_URLS = 50_000  # the protocol's limit per file
SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(entries: list[str], doctype: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<urlset {SITEMAP_NS}>'
            + "".join(entries) + "</urlset>")


def url_entry(loc: str, lastmod: str | None = None) -> str:
    lastmod_tag = f"<lastmod>{lastmod}</lastmod>" if lastmod is not None else ""
    return f"<url><loc>{loc}</loc>{lastmod_tag}</url>"


def sitemap_index(locations: list[str]) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {SITEMAP_NS}>'
            + "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locations)
            + "</sitemapindex>")


async def send_xml(connection: Connection, xml: str) -> None:
    await connection.send(200, xml, content_type="application/xml")


@endpoint("/sitemaps/index.xml")
async def sitemap_root(request, connection):
    """Lists itself (twice), an endless chain of indexes and the hostile sitemaps."""
    if request.server.phase == "good":
        await send_xml(connection, sitemap_index([]))
        return
    names = ["index.xml", "index.xml", "chain/1.xml", "xxe.xml", "laughs.xml", "big.xml",
             "lastmod.xml"]
    await send_xml(connection, sitemap_index([request.url(f"/sitemaps/{n}") for n in names]))


@endpoint("/sitemaps/chain/", prefix=True)
async def sitemap_chain(request, connection):
    step = int(request.path.rsplit("/", 1)[1].split(".")[0])
    await send_xml(connection, sitemap_index([request.url(f"/sitemaps/chain/{step + 1}.xml")]))


@endpoint("/sitemaps/xxe.xml")
async def sitemap_xxe(request, connection):
    probe = request.url("/xxe-probe")
    doctype = (f'<!DOCTYPE urlset [<!ENTITY local SYSTEM "file:///etc/hostname">'
               f'<!ENTITY remote SYSTEM "{probe}">]>')
    await send_xml(connection, urlset([
        url_entry(request.url("/article/sitemap-xxe-&local;")),
        url_entry("&remote;"),
        url_entry(request.url("/article/sitemap-xxe-ok")),
    ], doctype))


@endpoint("/sitemaps/laughs.xml")
async def sitemap_laughs(request, connection):
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    await send_xml(connection, urlset([
        url_entry(request.url("/article/sitemap-laughs-&lol9;")),
        url_entry(request.url("/article/sitemap-laughs-ok")),
    ], f"<!DOCTYPE urlset [{entities}]>"))


@endpoint("/sitemaps/big.xml")
async def sitemap_big(request, connection):
    """50,003 entries, over 4 MiB: three articles first, then tags up to the protocol's
    limit, then three articles past it."""
    first = [url_entry(request.url(f"/article/sitemap-big-first-{n}")) for n in range(3)]
    filler = [url_entry(request.url(f"/tag/{n:06d}-{'chu-de' * 8}"))
              for n in range(SITEMAP_URLS - len(first))]
    beyond = [url_entry(request.url(f"/article/sitemap-big-beyond-{n}")) for n in range(3)]
    await send_xml(connection, urlset(first + filler + beyond))


@endpoint("/sitemaps/lastmod.xml")
async def sitemap_lastmod(request, connection):
    """Bad lastmod values, and one URL listed a hundred times."""
    bad = ["not a date", "2024-13-45", "", "9999-99-99T99:99:99Z", "2024-02-30T25:61:00+07:00",
           "1" * 5000]
    entries = [url_entry(request.url(f"/article/sitemap-lastmod-{n}"), value)
               for n, value in enumerate(bad)]
    entries += [url_entry(request.url("/article/sitemap-repeated"), "2025-07-01")] * 100
    await send_xml(connection, urlset(entries))


@endpoint("/article/sitemap-", prefix=True)
async def sitemap_article(request, connection):
    await send_html(connection, article_html(request.path.rsplit("/", 1)[1][:80]))


# A calm site on loopback itself (its own profile may fetch loopback) -------------------------
@endpoint("/calm/", host=LOOPBACK)
async def calm_listing(request, connection):
    links = [f"/calm/article/{n}" for n in range(1, 4)]
    links.append("http://169.254.169.254/calm/article/metadata")  # link-local: never
    await send_html(connection, listing_html("Tin tức", links))


@endpoint("/calm/article/", prefix=True, host=LOOPBACK)
async def calm_article(request, connection):
    await send_html(connection, article_html(f"calm-{request.path.rsplit('/', 1)[1]}"))
