"""The archive sink contract (archive/sink.py): the local writer and the Redis sink implement
every method of the protocol with its signature, and one scenario of calls leaves the same rows
in the archive whichever sink took it (the Redis sink through `vnarchive ingest`). Whole crawls
through both sinks are compared in tests/test_distributed.py."""

from __future__ import annotations

import inspect

import pytest

from archive.ingest import ingest
from archive.sink import ArchiveSink, missing_methods
from archive.stored_pages import stored_page
from archive.warc import Exchange
from archive.writer import ArchiveWriter
from crawler.distributed import RedisArchiveSink, connect
from tests.conftest import query

pytestmark = pytest.mark.timeout(300)

SINKS = [ArchiveWriter, RedisArchiveSink]
SITE = "testweb_contract"
BASE = "http://127.0.0.1:1/tin-tuc/Pages/"
FETCHED_AT = "2025-07-01T01:00:00+00:00"


def protocol_methods() -> list[str]:
    return [name for name in vars(ArchiveSink) if not name.startswith("_")
            and callable(getattr(ArchiveSink, name))]


@pytest.mark.parametrize("sink_class", SINKS, ids=lambda cls: cls.__name__)
def test_every_sink_has_every_method_of_the_protocol(sink_class):
    assert missing_methods(sink_class) == []
    for name in protocol_methods():
        wanted = list(inspect.signature(getattr(ArchiveSink, name)).parameters)
        offered = list(inspect.signature(getattr(sink_class, name)).parameters)
        assert offered[:len(wanted)] == wanted, f"{sink_class.__name__}.{name}"


def test_an_incomplete_sink_is_told_apart():
    class NoAttachments:
        def add_fetch(self, exchange, latency_ms=None): ...
        def add_page(self, page): ...
        def add_article(self, article): ...
        def mark_pages(self, urls, error): ...
        def record_site(self, site): ...
        def close(self, stats=None, reason="finished"): ...

    assert missing_methods(NoAttachments()) == ["add_attachment"]
    assert not isinstance(NoAttachments(), ArchiveSink)


def exchange(path: str, body: bytes, content_type: str = "text/html",
             kind: str = "article") -> Exchange:
    return Exchange(url=BASE + path, fetched_at=FETCHED_AT, method="GET",
                    request_headers=[("Accept", "*/*")], status=200, reason="OK",
                    response_headers=[("Content-Type", content_type)], body=body, site=SITE,
                    kind=kind)


def drive(sink) -> None:
    """One of each call a crawl makes, in a crawl's order."""
    sink.record_site({"name": SITE, "title": "Hợp đồng", "kind": "portal"})
    # The spider gives each item the WARC pointer its fetch returned (none from the Redis
    # sink, whose ingest fills it in).
    article = sink.add_fetch(exchange("a.aspx", b"<html><p>Bai viet</p></html>"), latency_ms=5)
    sink.add_fetch(exchange("gone.aspx", b"<html><p>Khong tim thay trang</p></html>"))
    document = sink.add_fetch(exchange("a.pdf", b"%PDF-1.4 x", "application/pdf", "attachment"))
    sink.add_page({"site": SITE, "url": BASE + "slow.aspx", "status": None,
                   "fetched_at": FETCHED_AT, "bytes": 0, "error": "TimeoutError: slow",
                   "kind": "article"})
    sink.mark_pages([BASE + "gone.aspx"], "soft_404: the page says it does not exist")
    sink.add_article({"canonical_url": BASE + "a.aspx", "url": BASE + "a.aspx", "site": SITE,
                      "title": "Bài", "text": "Bài viết", "fetched_at": FETCHED_AT,
                      "status": 200, "is_meeting_report": 0, "warc_file": article.file,
                      "warc_offset": article.offset, "html": "<html><p>Bài viết</p></html>",
                      "encoding": "utf-8"})
    sink.add_attachment({"canonical_url": BASE + "a.aspx", "url": BASE + "a.pdf",
                         "link_text": "Báo cáo", "type": "pdf", "size": 10, "sha256": "ab",
                         "text": "x", "error": None, "fetched_at": FETCHED_AT,
                         "warc_file": document.file, "warc_offset": document.offset})
    sink.close({}, "finished")


def archive_rows(db) -> dict[str, set[tuple]]:
    return {
        "pages": set(query(db, "select site, url, kind, status, error, warc_file is not null "
                           "from pages")),
        "articles": set(query(db, "select canonical_url, title, text, warc_file is not null "
                              "from articles")),
        "attachments": set(query(db, "select canonical_url, url, type, sha256, error, "
                                 "warc_file is not null from attachments")),
        "site_runs": set(query(db, "select site, finish_reason, errors from site_runs")),
        # The page is in the WARC files, read back decoded; no second copy is kept.
        "article_sources": set(query(db, "select canonical_url from article_sources")),
        "page": {stored_page(str(db), BASE + "a.aspx").html},
    }


def test_both_sinks_leave_the_same_rows(redis_url, tmp_path):
    local = tmp_path / "local.db"
    drive(ArchiveWriter(str(local), site=SITE))
    shared = tmp_path / "shared.db"
    drive(RedisArchiveSink(connect(redis_url), SITE, "w1"))
    assert ingest(redis_url, str(shared), idle_timeout=0.5).status == "finished"

    expected = archive_rows(local)
    assert ("soft_404: the page says it does not exist" in
            {row[4] for row in expected["pages"]})  # the scenario reached every table
    assert expected["attachments"] and expected["articles"]
    assert archive_rows(shared) == expected
    assert expected["page"] == {"<html><p>Bai viet</p></html>"}
    assert expected["article_sources"] == set()


def kept_pages(db) -> set[tuple]:
    return set(query(db, "select canonical_url, html from article_sources"))


def test_both_sinks_keep_the_page_of_an_article_no_warc_record_holds(redis_url, tmp_path):
    """An article given with its decoded page and no fetch (the Python API): each sink keeps
    the page, since no WARC record holds it. A crawl's article carries no page at all
    (pipelines/clean.py), so its message to Redis holds none."""
    article = {"canonical_url": BASE + "b.aspx", "url": BASE + "b.aspx", "site": SITE,
               "title": "Bài", "text": "Bài viết", "fetched_at": FETCHED_AT, "status": 200,
               "is_meeting_report": 0, "html": "<p>Bài viết</p>", "encoding": "utf-8"}
    local = tmp_path / "local.db"
    shared = tmp_path / "shared.db"
    for sink in (ArchiveWriter(str(local), site=SITE),
                 RedisArchiveSink(connect(redis_url), SITE, "w1")):
        sink.record_site({"name": SITE, "title": "Hợp đồng", "kind": "portal"})
        sink.add_article(dict(article))
        sink.close({}, "finished")
    assert ingest(redis_url, str(shared), idle_timeout=0.5).status == "finished"
    assert kept_pages(local) == kept_pages(shared) == {(BASE + "b.aspx", "<p>Bài viết</p>")}
