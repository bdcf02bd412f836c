"""What a crawl's frontier reads of a large archive at its start: the articles' keys and fetch
times, and the stories the moved-article check looks into, from indexes (archive/schema.py
m028), not from the rows, where they lie after the texts; and what a `crawl --wayback` reads
of the fetches (m031)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.article_rows import article_record, write_articles
from archive.schema import open_database
from crawler.frontier import Frontier
from tests.conftest import bytes_read_by_this_process

ARTICLES = 300
TEXT = "Hội nghị triển khai nhiệm vụ trọng tâm của huyện trong quý tới. " * 125  # 8 KB


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory) -> str:
    """300 articles of site "p" with long texts, 60 of another site, and one article of "p"
    that moved (a later copy of its story, title and day at another address)."""
    path = str(tmp_path_factory.mktemp("frontier") / "a.db")
    db = open_database(path)
    records = [article_record({
        "canonical_url": f"https://{site}.vn/bai-{number}", "url": f"https://{site}.vn/bai-{number}",
        "site": site, "title": f"Bài {number}", "text": TEXT,
        "published": "2024-05-02T08:00:00+07:00",
        "fetched_at": "2024-05-02T09:00:00+00:00"}, None)
        for site, count in (("p", ARTICLES), ("q", 60)) for number in range(count)]
    moved = {"site": "p", "title": "Huyện ủy họp", "text": TEXT,
             "published": "2024-05-02T08:00:00+07:00"}
    records.append(article_record({**moved, "canonical_url": "https://p.vn/cu",
                                   "url": "https://p.vn/cu",
                                   "fetched_at": "2024-05-02T09:00:00+00:00"}, None))
    records.append(article_record({**moved, "canonical_url": "https://p.vn/moi",
                                   "url": "https://p.vn/moi",
                                   "fetched_at": "2024-05-20T09:00:00+00:00"}, None))
    with db.atomic():
        write_articles(db, records)
        # As the writer's story search leaves them (archive/stories.py): an article alone is
        # its own story, the moved one's two addresses are one.
        db.execute("update articles set story_id = canonical_url")
        db.execute("update articles set story_id = 'https://p.vn/cu' "
                   "where canonical_url in ('https://p.vn/cu', 'https://p.vn/moi')")
    db.conn.commit()
    db.close()
    return path


def test_the_frontier_reads_a_sites_keys_from_its_index_not_from_the_rows(archive_path):
    before = bytes_read_by_this_process()
    frontier = Frontier.from_archive(archive_path, "p")
    read = bytes_read_by_this_process() - before
    assert len(frontier.archived) == ARTICLES + 2
    assert frontier.archived["https://p.vn/bai-7"] == "2024-05-02T09:00:00+00:00"
    assert [url for url, _ in frontier.moved_checks] == ["https://p.vn/cu"]
    # Reading the site's rows would read their texts (3 MB): the fetch times and story ids
    # lie after them. Before schema m028, 8 MB were read.
    assert read < 1_000_000, f"{read:,} bytes read"


def test_an_archive_whose_site_index_has_no_keys_gives_the_same_frontier(archive_path, tmp_path):
    """An archive a crawl reads before it is upgraded (the frontier opens it read-only)."""
    copy = str(tmp_path / "older.db")
    with sqlite3.connect(archive_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as connection:
        connection.execute("drop index idx_articles_site_published")
        connection.execute("drop index idx_articles_joined_stories")
        connection.execute("create index idx_articles_site_published on articles (site, published)")
    older, upgraded = Frontier.from_archive(copy, "p"), Frontier.from_archive(archive_path, "p")
    assert older.archived == upgraded.archived
    assert older.moved_checks == upgraded.moved_checks == [("https://p.vn/cu", None)]


def archive_of(path: Path, **tables: list[dict]) -> str:
    """An archive holding these rows, made by the project's own schema."""
    db = open_database(str(path))
    for table, rows in tables.items():
        db[table].insert_all(rows)
    db.conn.commit()
    db.close()
    return str(path)


def read_with_a_tiny_cache(path: str, reading):
    """What `reading(connection)` returns, and the bytes it read: with SQLite's cache at 8
    pages, every page it reads is the kernel's to count."""
    connection = sqlite3.connect(path)
    connection.execute("pragma cache_size = 8")
    before = bytes_read_by_this_process()
    try:
        return reading(connection), bytes_read_by_this_process() - before
    finally:
        connection.close()


def test_the_wayback_crawls_known_payloads_read_each_fetch_once(tmp_path):
    """`crawl --wayback` starts with the payloads the site's articles were fetched from: the
    fetches matched to the articles' WARC records by index (m031), not read once per article."""
    from archive.captures import known_digests

    path = archive_of(
        tmp_path / "a.db",
        pages=[{"site": "p", "url": f"https://p.vn/bai-{n}", "kind": "article", "status": 200,
                "fetched_at": "2024-05-02T09:00:00+00:00", "warc_file": f"p-{n // 500}.warc.gz",
                "warc_offset": n * 900, "payload_digest": f"sha1:D{n}"} for n in range(3000)],
        articles=[{"canonical_url": f"https://p.vn/bai-{n}", "site": "p",
                   "url": f"https://p.vn/bai-{n}", "text": "Nội dung.",
                   "warc_file": f"p-{n // 500}.warc.gz", "warc_offset": n * 900}
                  for n in range(0, 3000, 10)])
    digests, read = read_with_a_tiny_cache(path, lambda db: known_digests(db, "p"))
    size = Path(path).stat().st_size
    assert digests == {f"D{n}" for n in range(0, 3000, 10)}  # without "sha1:"
    assert read < 10 * size, (read, size)  # without the index: 80 times the file


def test_ingest_finds_an_archived_fetchs_record_by_its_sites_index(tmp_path):
    """A worker's message that came again after the writer restarted: its fetch is archived,
    and the article's WARC record is looked up by site and URL, not among every fetch."""
    from archive.ingest import stored_pointer

    path = archive_of(
        tmp_path / "a.db",
        pages=[{"site": f"s{n % 4}", "url": f"https://s{n % 4}.vn/bai-{n}", "kind": "article",
                "status": 200, "fetched_at": "2025-07-01", "warc_file": f"s{n % 4}.warc.gz",
                "warc_offset": n * 900} for n in range(20000)])
    (found, missing), read = read_with_a_tiny_cache(path, lambda db: (
        stored_pointer(db, "s3", "https://s3.vn/bai-19999", "2025-07-01"),
        stored_pointer(db, "s3", "https://s3.vn/bai-5", "2025-07-01")))
    size = Path(path).stat().st_size
    assert found == ("s3.warc.gz", 19999 * 900) and missing == (None, None)
    assert read < size / 20, (read, size)


def test_the_wayback_crawls_start_reads_its_sites_captures_alone(tmp_path):
    """Imported captures of many sites, a site's file after another's: the crawl of one reads
    its own (m032), not them all."""
    from archive.captures import known_digests

    path = archive_of(
        tmp_path / "a.db",
        captures=[{"canonical_url": f"https://s{n // 1000}.vn/bai-{n}",
                   "url": f"https://s{n // 1000}.vn/bai-{n}", "site": f"s{n // 1000}",
                   "captured_at": "2019-03-01T00:00:00+00:00", "digest": f"D{n}",
                   "status": 200, "source_kind": "file", "source": "/a.warc.gz"}
                  for n in range(20000)])
    digests, read = read_with_a_tiny_cache(path, lambda db: known_digests(db, "s7"))
    size = Path(path).stat().st_size
    assert digests == {f"D{n}" for n in range(7000, 8000)}
    assert read < size / 10, (read, size)
