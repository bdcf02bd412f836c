"""The places of an import's payloads, kept on disk by digest (archive/payload_places.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.archive_files import IndexedRecord, Location, payload_row
from archive.payload_places import PayloadPlace, PayloadPlaces


def response(digest: str, path: str, offset: int, content_type: str = "text/html",
             member: str = "") -> tuple:
    return payload_row(IndexedRecord(
        url=f"http://example.org/{offset}", captured_at="2019-03-01T00:00:00",
        record_type="response", status=200, digest=digest,
        location=Location(path, member, offset), content_type=content_type))


def test_of_two_responses_with_one_digest_the_later_read_is_found():
    # An index in memory (a dict by digest) kept the last response read with a digest.
    with PayloadPlaces() as places:
        places.add([response("AAA", "one.warc.gz", 10), response("BBB", "one.warc.gz", 900)])
        places.add([response("AAA", "two.wacz", 55, "text/html; charset=utf-8",
                             "archive/a.warc.gz")])
        assert places.latest(["AAA", "BBB", "CCC", "AAA"]) == {
            "AAA": PayloadPlace(200, "text/html; charset=utf-8", "two.wacz",
                                "archive/a.warc.gz", 55),
            "BBB": PayloadPlace(200, "text/html", "one.warc.gz", "", 900)}
        assert places.latest([]) == {}
        assert places.count == 3


def test_the_places_leave_nothing_behind(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with PayloadPlaces() as places:
        places.add([response("AAA", "one.warc.gz", 10)])
        assert len(list(Path(tmp_path).iterdir())) == 1
    assert not list(Path(tmp_path).iterdir())


def test_a_full_temporary_disk_says_where_and_what_to_do():
    from archive.payload_places import NoRoomForPayloadPlaces

    with PayloadPlaces() as places:
        # SQLite's own "database or disk is full", as a full TMPDIR gives it.
        places._db.execute("pragma max_page_count = 3")
        with pytest.raises(NoRoomForPayloadPlaces, match="TMPDIR names a folder with more room"):
            places.add([response(f"D{number:05}", "one.warc.gz", number)
                        for number in range(5_000)])
