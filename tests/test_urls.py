"""One article, one key: the canonical URL folds what sites vary."""

from __future__ import annotations

import pytest

from crawler.pages import is_url, own_address
from crawler.xml_links import (
    escape_bare_ampersands,
    escape_bare_ampersands_in_bytes,
    feed_links,
    xml_bytes_to_parse,
)
from pipelines.urls import canonical_url, clean_url, fetchable_url

KEY = "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm"


@pytest.mark.parametrize("url", [
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "http://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "https://www.baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "https://m.baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "https://BaoThanhHoa.vn/chinh-tri/ha-trung-185001.htm/",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm?utm_source=rss&utm_medium=feed",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm#comments",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm;jsessionid=A1B2C3",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm?PHPSESSID=abc123",
])
def test_variants_share_one_key(url):
    assert canonical_url(url) == KEY


def test_meaningful_query_parameters_stay():
    url = "https://lynhan.hanam.gov.vn/Pages/default.aspx?ItemID=12&sid=9"
    assert canonical_url(url) == "https://lynhan.hanam.gov.vn/Pages/default.aspx?ItemID=12"
    assert canonical_url(url) != canonical_url(url.replace("ItemID=12", "ItemID=13"))


def test_clean_url_keeps_the_address_fetchable():
    url = "http://127.0.0.1:8703/chinh-tri/a-1.html?utm_source=rss"
    assert clean_url(url) == "http://127.0.0.1:8703/chinh-tri/a-1.html"


@pytest.mark.parametrize(("base", "link", "expected"), [
    ("http://a.vn/tin/", "b-2.html", "http://a.vn/tin/b-2.html"),
    ("http://a.vn/tin/", " /tin/c-3.html ", "http://a.vn/tin/c-3.html"),
    ("http://a.vn/", "https://[::1]:8443/tin/4", "https://[::1]:8443/tin/4"),
    ("http://a.vn/", "http://[URL]/tin/5", None),  # a CMS template's placeholder
    ("http://a.vn/", "https://[::1", None),  # a link cut short
    ("http://a.vn/", "http://a.vn:99999/tin/6", None),
    ("http://a.vn/", "http://a.vn:abc/tin/6", None),
    ("http://a.vn/", "mailto:toasoan@a.vn", None),
    ("http://a.vn/", "javascript:void(0)", None),
    ("", "", None),
    ("", "http:///tin/7", None),
    ("http://a.vn/", "/tin/\ud800-8", None),  # half a UTF-16 pair: no request can encode it
    ("http://a.vn/", "/tin/\U0001f600-9", "http://a.vn/tin/\U0001f600-9"),
])
def test_only_links_that_are_http_urls_are_fetched(base, link, expected):
    assert fetchable_url(base, link) == expected


def test_a_saved_page_whose_own_address_is_no_url_has_none():
    """`sites add` or `sites check` on a saved page: a canonical link of "http://[URL]/..."
    made urlsplit raise; the page is read as having no address of its own."""
    assert own_address(b'<link rel="canonical" href="http://[URL]/tin/1.html">') is None
    assert own_address(b'<link rel="canonical" href="https://a.vn/tin/1.html">') == (
        "https://a.vn/tin/1.html")
    assert [is_url(s) for s in ("https://a.vn/x", "HTTP://A.VN/", "trang.html", "http:///x")] == [
        True, True, False, False]


@pytest.mark.parametrize(("written", "escaped"), [
    ("?a=1&b=2", "?a=1&amp;b=2"),
    ("?a=1&amp;b=2&#38;c=3&#x26;d&nbsp;", "?a=1&amp;b=2&#38;c=3&#x26;d&nbsp;"),
    ("R&D &", "R&amp;D &amp;"),
    ("&#12a; &x y;", "&amp;#12a; &amp;x y;"),
])
def test_only_ampersands_that_begin_no_reference_are_escaped(written, escaped):
    assert escape_bare_ampersands(written) == escaped
    assert escape_bare_ampersands_in_bytes(written.encode()) == escaped.encode()


@pytest.mark.parametrize("reference", ["&#xD800;", "&#xdfff;", "&#55296;", "&#057343;",
                                       "&#x0DC00;"])
def test_a_reference_to_half_a_utf16_pair_costs_only_its_character(reference):
    feed = (f"<rss><channel><item><link>http://a.vn/x{reference}y</link></item>"
            "<item><link>http://a.vn/z</link></item></channel></rss>")
    assert feed_links(feed) == ["http://a.vn/x\ufffdy", "http://a.vn/z"]
    assert xml_bytes_to_parse(feed.encode()) == feed.replace(reference, "&#xFFFD;").encode()


@pytest.mark.parametrize("reference", ["&#xD7FF;", "&#xE000;", "&#55295;", "&#57344;", "&#xD80;"])
def test_references_beside_the_surrogates_are_kept(reference):
    assert xml_bytes_to_parse(reference.encode()) == reference.encode()
