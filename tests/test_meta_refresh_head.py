"""The meta-refresh middleware reads a page's text only when its first bytes may hold a refresh
(crawler/safety.py): the same redirects as Scrapy's own check, without decoding the pages that
have none."""

from __future__ import annotations

import pytest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request
from scrapy.utils.response import get_meta_refresh
from scrapy.utils.test import get_crawler

from crawler.safety import REFRESH_HEAD_BYTES, GuardedMetaRefreshMiddleware, may_hold_meta_refresh

REFRESH = '<meta http-equiv="Refresh" content="0; url=/tin/moi.html">'
VIETNAMESE = "Huyện ủy Đắk Song triển khai nhiệm vụ quý II năm 2024. "  # 2-3 bytes a letter


def page(head: str = "", filler: str = "", encoding: str = "utf-8") -> bytes:
    return (f"<html><head><title>Tin</title>{head}</head><body>{filler}"
            "<p>Nội dung bài viết.</p></body></html>").encode(encoding)


def scrapy_reads_a_refresh(body: bytes, encoding: str) -> bool:
    response = HtmlResponse("http://127.0.0.1/tin/1.html", body=body, encoding=encoding)
    return get_meta_refresh(response)[1] is not None


PAGES = {
    "refresh in the head": (page(REFRESH), "utf-8"),
    "no refresh": (page(), "utf-8"),
    "refresh in lower case": (page(REFRESH.lower()), "utf-8"),
    "refresh after 4,000 Vietnamese characters": (
        page("<style>" + VIETNAMESE * 70 + "</style>" + REFRESH), "utf-8"),
    "refresh after 4,096 characters": (page(filler="x" * 5000 + REFRESH), "utf-8"),
    "refresh past the bytes read": (page(filler="x" * REFRESH_HEAD_BYTES + REFRESH), "utf-8"),
    "windows-1258 page with a refresh": (page(REFRESH, "Tin tức huyện"), "cp1258"),
    "windows-1258 page without": (page("", "Tin tức huyện"), "cp1258"),
    "UTF-16 page with a refresh": (page(REFRESH, encoding="utf-16"), "utf-16"),
    "UTF-16 page without": (page(encoding="utf-16"), "utf-16"),
    # The tag ends near the 4,096th character, each character before it four bytes long.
    "four-byte characters, then a refresh": (page("<!--" + "😀" * 3980 + "-->" + REFRESH),
                                             "utf-8"),
}
READ_BY_SCRAPY = ("refresh in the head", "refresh in lower case",
                  "refresh after 4,000 Vietnamese characters", "windows-1258 page with a refresh",
                  "UTF-16 page with a refresh", "four-byte characters, then a refresh")


@pytest.mark.parametrize("name", PAGES)
def test_every_refresh_scrapy_reads_lies_in_the_bytes_looked_at(name):
    body, encoding = PAGES[name]
    assert scrapy_reads_a_refresh(body, encoding) == (name in READ_BY_SCRAPY)
    assert may_hold_meta_refresh(body) or name not in READ_BY_SCRAPY


def test_pages_without_a_refresh_in_their_head_are_let_by():
    assert not may_hold_meta_refresh(page())
    assert not may_hold_meta_refresh(page(filler="x" * REFRESH_HEAD_BYTES + REFRESH))
    assert may_hold_meta_refresh(page(encoding="utf-16"))  # NULs: Scrapy decides


@pytest.fixture()
def middleware(monkeypatch):
    """The middleware, with Scrapy's own check recording the pages it is asked about (the
    redirect itself, and its limits, are crawled in tests/test_hostile_net.py)."""
    asked = []

    def scrapy_check(self, request, response):
        asked.append(response.url)
        return response

    monkeypatch.setattr(MetaRefreshMiddleware, "process_response", scrapy_check)
    middleware = GuardedMetaRefreshMiddleware.from_crawler(get_crawler())
    middleware.asked = asked
    return middleware


def test_a_page_with_a_refresh_goes_to_scrapy_s_check(middleware):
    request = Request("http://127.0.0.1/tin/1.html")
    response = HtmlResponse(request.url, body=page(REFRESH), encoding="utf-8", request=request)
    middleware.process_response(request, response)
    assert middleware.asked == [request.url]


def test_a_page_without_one_is_returned_undecoded(middleware):
    """A page whose declared encoding reads no byte: decoding it would raise."""
    request = Request("http://127.0.0.1/tin/2.html")
    response = HtmlResponse(request.url, body=page(filler=VIETNAMESE * 500),
                            encoding="undefined", request=request)
    assert middleware.process_response(request, response) is response
    assert middleware.asked == []
