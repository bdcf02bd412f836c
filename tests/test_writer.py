"""The archive writer: tables from the schema module, batches in transactions, upserts."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from archive.schema import open_database
from archive.writer import ArchiveWriter


def page(url: str, status: int = 200, error: str | None = None) -> dict:
    return {"site": "s", "url": url, "status": status, "fetched_at": "2026-01-01T00:00:00+00:00",
            "bytes": 10, "content_type": "text/html", "latency_ms": 5, "error": error}


def article(url: str, text: str, fetched_at: str, report: bool = False) -> dict:
    return {"canonical_url": url, "url": url, "site": "s", "title": "T", "text": text,
            "fetched_at": fetched_at, "status": 200, "html": "<html></html>",
            "encoding": "utf-8", "is_meeting_report": int(report)}


def count(db_path, table: str) -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(f"select count(*) from {table}").fetchone()[0]


def test_schema_is_created_once_and_in_wal_mode(tmp_path):
    path = tmp_path / "a.db"
    first = open_database(str(path))
    assert {"articles", "pages", "crawl_runs", "sites", "article_sources"} <= set(
        first.table_names())
    assert first.execute("pragma journal_mode").fetchone()[0] == "wal"
    first.close()
    again = open_database(str(path))
    applied = again.execute("select name from _sqlite_migrations").fetchall()
    assert applied == [("m001_create_core_tables",), ("m002_extraction_fields",),
                       ("m003_meeting_reports",), ("m004_raw_store_search_and_stories",),
                       ("m005_incremental_crawls_and_health",), ("m006_story_signatures",),
                       ("m007_attachments",), ("m009_fetch_ids",),
                       ("m010_story_lookup_index",), ("m011_band_days",),
                       ("m012_listing_walks_and_schedules",), ("m013_web_archive_captures",),
                       ("m014_report_views",), ("m015_indexes_for_scale",),
                       ("m016_story_bands_by_article",),
                       ("m017_reports_by_place_and_period",), ("m018_site_counts",),
                       ("m019_search_facets",), ("m021_search_index_and_band_batches",),
                       ("m022_figures_within_the_cap",),
                       ("m023_one_key_per_spelling",), ("m024_article_aliases",),
                       ("m025_retired_sites",), ("m026_story_band_filter",),
                       ("m027_search_index_of_folded_words",), ("m028_site_index_with_keys",),
                       ("m029_integrity_checks",), ("m030_site_runs_by_run",),
                       ("m031_pages_by_warc_record",), ("m032_captures_by_site",),
                       ("m033_site_counts_of_reports",)]
    with pytest.raises(sqlite3.OperationalError):  # inserts cannot invent columns
        again.execute("insert into articles (canonical_url, url, site, invented) "
                      "values ('a', 'a', 's', 1)")


KILLED_AFTER_THIRD_MIGRATION = """
import os, sys
from sqlite_utils.migrations import Migrations
from archive.schema import open_database

record, done = Migrations._record_applied, []
def record_then_die(self, db, name):
    record(self, db, name)
    done.append(name)
    if len(done) == 3:
        os._exit(9)  # as a SIGKILL would, between two migrations
Migrations._record_applied = record_then_die
open_database(sys.argv[1])
"""


def test_an_archive_killed_while_created_is_left_empty_not_half_made(tmp_path):
    path = tmp_path / "a.db"
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_THIRD_MIGRATION, str(path)],
                            capture_output=True, text=True, timeout=60)
    assert killed.returncode == 9, killed.stderr
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute(
            "select name from sqlite_master where type = 'table'")}
    assert "pages" not in tables and "articles" not in tables
    db = open_database(str(path))  # the next command makes it whole
    assert "warc_file" in db["pages"].columns_dict
    db.close()


def test_rows_are_written_in_batches(tmp_path):
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=3)
    writer.add_page(page("http://x/1"))
    writer.add_page(page("http://x/2"))
    assert count(path, "pages") == 0  # still buffered
    writer.add_page(page("http://x/3", status=404))
    assert count(path, "pages") == 3
    writer.add_page(page("http://x/4", error="TimeoutError: took too long"))
    writer.close()
    with sqlite3.connect(path) as connection:
        run = connection.execute("select status, pages_fetched, errors from crawl_runs").fetchall()
    assert run == [("finished", 4, 2)]


def test_a_failing_batch_leaves_nothing_half_written(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=100)
    writer.add_page(page("http://x/1"))
    writer.add_article(article("http://x/a", "text", "2026-01-01T00:00:00+00:00"))

    def fail(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    # The batch's last step, after its pages, articles and sources were inserted.
    monkeypatch.setattr("archive.article_rows.assign_stories", fail)
    with pytest.raises(sqlite3.OperationalError):
        writer.flush()
    assert count(path, "pages") == 0
    assert count(path, "articles") == 0


def test_recrawl_updates_the_row_and_keeps_the_first_sighting(tmp_path):
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=10)
    writer.add_article(article("http://x/a", "old", "2026-01-01T00:00:00+00:00", report=True))
    writer.close()
    writer = ArchiveWriter(str(path), batch_size=10)
    writer.add_article(article("http://x/a", "new", "2026-02-01T00:00:00+00:00", report=True))
    writer.add_article(article("http://x/b", "other", "2026-02-01T00:00:00+00:00"))
    writer.close()
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "select canonical_url, text, first_seen_at, fetched_at from articles order by 1"
        ).fetchall()
        runs = connection.execute(
            "select articles_new, articles_updated, meeting_reports from crawl_runs order by id"
        ).fetchall()
    assert rows == [
        ("http://x/a", "new", "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
        ("http://x/b", "other", "2026-02-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
    ]
    assert runs == [(1, 0, 1), (1, 1, 1)]
    assert count(path, "article_sources") == 2


REPORT = ("Sáng 3/7, Huyện ủy Nga Sơn tổ chức hội nghị sơ kết công tác xây dựng Đảng sáu tháng "
          "đầu năm và triển khai nhiệm vụ sáu tháng cuối năm 2025. Theo báo cáo, huyện đã hoàn "
          "thành và vượt mười hai trên mười lăm chỉ tiêu chủ yếu; thu ngân sách trên địa bàn "
          "ước đạt sáu mươi tám phần trăm dự toán; tỷ lệ hộ nghèo giảm còn một phẩy tám phần "
          "trăm. Phát biểu chỉ đạo, đồng chí Bí thư Huyện ủy yêu cầu các cấp ủy tập trung hoàn "
          "thành các chỉ tiêu còn lại, đẩy mạnh cải cách hành chính và chuẩn bị tốt đại hội "
          "đảng bộ các cấp nhiệm kỳ mới.")
OTHER = ("Chiều 5/7, Sở Giáo dục và Đào tạo tổ chức lễ tổng kết năm học với sự tham dự của đại "
         "diện các trường trung học phổ thông trên địa bàn tỉnh; nhiều tập thể và cá nhân có "
         "thành tích xuất sắc được khen thưởng, ngành đề ra phương hướng cho năm học tới với "
         "trọng tâm là đổi mới chương trình, sách giáo khoa và nâng cao chất lượng đội ngũ.")


def story_ids(db_path) -> dict[str, str]:
    with sqlite3.connect(db_path) as connection:
        return dict(connection.execute("select canonical_url, story_id from articles"))


def test_copies_in_one_batch_and_across_batches_share_the_earliest_story(tmp_path):
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=100, site="s")
    writer.add_article(article("http://portal/b", "Ảnh: Minh họa\n" + REPORT + "\nBBT",
                               "2025-07-03T09:00:00+00:00"))
    writer.add_article(article("http://paper/a", REPORT, "2025-07-03T02:00:00+00:00"))
    writer.add_article(article("http://paper/c", OTHER, "2025-07-05T02:00:00+00:00"))
    writer.flush()  # one batch: the copy is found from both sides
    first = story_ids(path)
    assert first["http://portal/b"] == first["http://paper/a"] == "http://paper/a"
    assert first["http://paper/c"] == "http://paper/c"
    writer.add_article(article("http://district/d", REPORT + " (Theo Báo Thanh Hóa)",
                               "2025-07-06T02:00:00+00:00"))
    writer.add_article(article("http://paper/e", REPORT, "2025-09-01T02:00:00+00:00"))
    writer.close()
    later = story_ids(path)
    assert later["http://district/d"] == "http://paper/a"  # a later copy joins the story
    assert later["http://paper/e"] == "http://paper/e"  # the same text two months on: new
    assert later["http://paper/c"] == "http://paper/c"
