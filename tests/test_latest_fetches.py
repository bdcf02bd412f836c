"""Each article's latest fetch, kept on disk for `vnarchive reprocess`
(archive/latest_fetches.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.latest_fetches import LatestFetches, NoRoomForFetches
from archive.warc import ReadRecord


def fetch(url: str, fetched_at: str, file: str, offset: int) -> ReadRecord:
    return ReadRecord(url=url, fetched_at=fetched_at, status=200,
                      headers={"content-type": "text/html; charset=windows-1258",
                               "server": "nginx", "date": "Tue, 02 Jan 2024 00:00:00 GMT"},
                      body=b"", site="lynhan", kind="article", found_via="sitemap", run_id=3,
                      file=file, offset=offset, payload_file=file, payload_offset=offset)


def test_the_latest_fetch_of_each_url_comes_back_in_the_urls_order():
    with LatestFetches() as fetches:
        fetches.add("https://b.vn/1", fetch("https://b.vn/1", "2023-12-31T08:00:00+00:00",
                                            "one.warc.gz", 40))
        fetches.add("https://a.vn/1", fetch("http://a.vn/1", "2024-01-02T08:00:00+00:00",
                                            "one.warc.gz", 10))
        fetches.add("https://a.vn/1", fetch("https://a.vn/1", "2024-01-01T08:00:00+00:00",
                                            "one.warc.gz", 20))
        # The same second as the first: the one read later wins, as the dict's update did.
        fetches.add("https://a.vn/1", fetch("https://a.vn/1?x", "2024-01-02T08:00:00+00:00",
                                            "two.warc.gz", 5))
        assert fetches.settle() == 2
        everything = list(fetches.latest())
        assert [(key, record.file, record.offset, first) for key, record, first in everything] == [
            ("https://a.vn/1", "two.warc.gz", 5, "2024-01-01T08:00:00+00:00"),
            ("https://b.vn/1", "one.warc.gz", 40, "2023-12-31T08:00:00+00:00")]
        record = everything[0][1]
        assert record.url == "https://a.vn/1?x" and record.run_id == 3 and record.status == 200
        # The one header a page's processing reads (its declared charset); the rest are gone.
        assert record.headers == {"content-type": "text/html; charset=windows-1258"}
        # Since a day: the URLs last fetched on it or after.
        assert fetches.settle(since="2024-01-01") == 1
        assert [key for key, _, _ in fetches.latest()] == ["https://a.vn/1"]
        assert fetches.settle(since="2024-01-03") == 0


def test_the_fetches_are_kept_in_a_temporary_file_removed_at_the_end():
    fetches = LatestFetches()
    for number in range(25_000):  # more than one batch
        url = f"https://a.vn/{number % 1_000}"
        fetches.add(url, fetch(url, f"2024-01-{1 + number // 1_000:02d}T00:00:00+00:00",
                               "one.warc.gz", number))
    folder = Path(fetches._folder.name)
    assert any(folder.iterdir())
    assert fetches.settle() == 1_000
    latest = {key: (record.offset, first) for key, record, first in fetches.latest()}
    assert len(latest) == 1_000
    assert latest["https://a.vn/7"] == (24_007, "2024-01-01T00:00:00+00:00")
    fetches.close()
    assert not folder.exists()


def test_a_full_temporary_disk_says_where_and_what_to_do():
    with LatestFetches() as fetches:
        # SQLite's own "database or disk is full", as a full TMPDIR gives it.
        fetches._db.execute("pragma max_page_count = 3")
        with pytest.raises(NoRoomForFetches, match="TMPDIR names a folder with more room"):
            for number in range(20_000):
                url = f"https://a.vn/{number}"
                fetches.add(url, fetch(url, "2024-01-01T00:00:00+00:00", "one.warc.gz", number))


def test_a_revisit_finds_its_first_response_in_the_index_on_disk(tmp_path, monkeypatch):
    from archive import latest_fetches
    from archive.warc import Exchange, read_records
    from archive.warc_folders import warc_folder
    from archive.writer import ArchiveWriter

    def exchange(number: int, at: str) -> Exchange:
        return Exchange(url=f"http://127.0.0.1:9/{number}.html", fetched_at=at, method="GET",
                        request_headers=[], status=200, reason="OK",
                        response_headers=[("Content-Type", "text/html")],
                        body=f"<p>{number}</p>".encode(), site="s", kind="article")

    monkeypatch.setattr(latest_fetches, "BATCH", 3)  # the first responses' places on disk
    db = str(tmp_path / "a.db")
    writer = ArchiveWriter(db, batch_size=1)
    for number in range(7):
        writer.add_fetch(exchange(number, f"2026-01-01T00:00:0{number}+00:00"))
    assert writer.add_fetch(exchange(0, "2026-01-02T00:00:00+00:00")).record_type == "revisit"
    writer.close()
    with LatestFetches() as fetches:
        on_disk = list(read_records(warc_folder(db), with_bodies=False,
                                    payloads=fetches.payloads))
    in_memory = list(read_records(warc_folder(db), with_bodies=False))
    assert on_disk == in_memory
    assert (on_disk[-1].payload_file, on_disk[-1].payload_offset) == (on_disk[0].file,
                                                                      on_disk[0].offset)
