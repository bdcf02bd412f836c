"""The archive users live in: raw WARC store and re-processing, Vietnamese search, stories of
copies, versions, Datasette and exports, on the crawled local test web."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pyarrow.csv
import pyarrow.json
import pyarrow.parquet
import pytest

from archive.warc import read_records
from archive.writer import ArchiveWriter, warc_folder
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query, run_vnarchive

pytestmark = pytest.mark.timeout(300)
FIRST_VERSION = Path(__file__).parent / "fixtures" / "archive-v1.db"



def copy_archive(source: Path, target_dir: Path) -> Path:
    target = target_dir / "copy.db"
    with sqlite3.connect(source) as connection:
        connection.execute("pragma wal_checkpoint(truncate)")
    shutil.copy(source, target)
    shutil.copytree(warc_folder(str(source)), warc_folder(str(target)))
    return target


# Raw store and re-processing -------------------------------------------------------------------
def test_every_response_is_in_the_warc_files(crawled_archive):
    pages = query(crawled_archive.db, "select url, warc_file, warc_offset, warc_type from pages "
                  "where status is not null")
    assert pages and all(file and offset is not None for _, file, offset, _ in pages)
    records = list(read_records(warc_folder(str(crawled_archive.db))))
    assert len(records) == len(pages)
    assert {r.kind for r in records} >= {"article", "listing", "robots", "sitemap", "feed"}
    article = next(r for r in records if r.kind == "article")
    assert b"<html" in article.body and article.site.startswith("testweb_")


# A local Unix socket is no network: the pool's workers are forked through one.
NO_NETWORK = """
import socket, sys
local_connect = socket.socket.connect
def refuse(*args, **kwargs):
    raise OSError("network refused by the test")
def connect(self, *args, **kwargs):
    if self.family != socket.AF_UNIX:
        refuse()
    return local_connect(self, *args, **kwargs)
socket.socket.connect = connect
socket.create_connection = refuse
from vnarchive.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_reprocess_rebuilds_every_row_without_network(crawled_archive, tmp_path):
    db = copy_archive(crawled_archive.db, tmp_path)
    tables = ("articles", "meeting_reports", "officials", "figures")
    before = {table: sorted(query(db, f"select * from {table}")) for table in tables}
    with sqlite3.connect(db) as connection:
        for table in ("figures", "officials", "meeting_reports", "article_versions",
                      "article_sources", "articles"):
            connection.execute(f"delete from {table}")
    result = subprocess.run([sys.executable, "-c", NO_NETWORK, "reprocess", "--db", str(db)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    ignored = {"officials": 1, "figures": 1}  # their own row ids are renumbered
    for table in tables:
        after = sorted(query(db, f"select * from {table}"))
        if table in ignored:
            after = sorted(row[1:] for row in after)
            before_rows = sorted(row[1:] for row in before[table])
        else:
            before_rows = before[table]
        assert after == before_rows, table
    again = run_vnarchive("reprocess", "--db", str(db))
    assert again.returncode == 0
    assert sorted(query(db, "select * from articles")) == before["articles"]
    assert query(db, "select count(*) from article_versions") == [(0,)]


def test_identical_payloads_are_stored_as_revisits(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "a.db"), batch_size=1)
    from archive.warc import Exchange

    def exchange(at: str) -> Exchange:
        return Exchange(url="http://127.0.0.1:9/a.html", fetched_at=at, method="GET",
                        request_headers=[("User-Agent", "vnarchive")], status=200, reason="OK",
                        response_headers=[("Content-Type", "text/html")], body=b"<html>x</html>",
                        site="s", kind="article")

    first = writer.add_fetch(exchange("2026-01-01T00:00:00+00:00"))
    second = writer.add_fetch(exchange("2026-01-02T00:00:00+00:00"))
    writer.close()
    assert (first.record_type, second.record_type) == ("response", "revisit")
    records = list(read_records(warc_folder(str(tmp_path / "a.db"))))
    assert [r.body for r in records] == [b"<html>x</html>"] * 2


def test_an_exchange_with_letters_beyond_ascii_in_its_lines_and_headers_is_stored(tmp_path):
    """warcio writes the status and request lines and the header names as ASCII and raises on
    anything else, and percent-encodes only some header values: a record imported from another
    archive (an IRI for its address, a reason phrase in Vietnamese, an odd header) stopped the
    whole import."""
    from archive.warc import Exchange

    writer = ArchiveWriter(str(tmp_path / "a.db"), batch_size=1)
    body = "<html><p>Huyện ủy họp</p></html>".encode()
    stored = writer.add_fetch(Exchange(
        url="http://a.vn/tin-tức/bài-1.html", fetched_at="2026-01-01T00:00:00+00:00",
        method="GET", request_headers=[("Người-Gửi", "vnarchive")], status=200,
        reason="Thành công", response_headers=[
            ("Content-Type", "text/html; chaÏset=utf-8"),
            ("Content-Disposition", "attachment; filename=báo cáo.pdf"), ("X-Tên", "Lý Nhân")],
        body=body, site="s", kind="article"))
    writer.close()
    assert stored is not None and stored.record_type == "response"
    [record] = read_records(warc_folder(str(tmp_path / "a.db")))
    assert (record.url, record.status, record.body) == ("http://a.vn/tin-tức/bài-1.html", 200,
                                                        body)
    assert record.headers["content-type"] == "text/html; cha%C3%8Fset=utf-8"


# Search ----------
@pytest.mark.parametrize(("folded", "written"), [
    ("trien khai nhiem vu quy II", "triển khai nhiệm vụ quý II"),
    ("dang bo", "Đảng bộ"),
    ("hòa", "hoà"),
])
def test_search_finds_the_same_with_or_without_diacritics(crawled_archive, folded, written):
    def urls(text):
        result = run_vnarchive("search", text, "--db", str(crawled_archive.db), "--limit",
                               "500", "--format", "json")
        assert result.returncode == 0, result.stderr
        return {hit["canonical_url"] for hit in json.loads(result.stdout)}

    assert urls(folded) == urls(written) and urls(folded)


def test_search_filters_and_snippets(crawled_archive):
    result = run_vnarchive("search", "trien khai nhiem vu quy II", "--province", "Thanh Hóa",
                           "--meeting-only", "--db", str(crawled_archive.db), "--format", "json")
    hits = json.loads(result.stdout)
    assert hits and all(hit["province"] == "Thanh Hóa" and hit["is_meeting_report"]
                        for hit in hits)
    assert "[quý]" in hits[0]["snippet"] or "[Quý]" in hits[0]["snippet"]


# Stories and versions ----------
def test_a_report_on_two_sites_is_one_story(crawled_archive):
    rows = query(crawled_archive.db, "select site, story_id, canonical_url from articles where "
                 "story_id in (select story_id from articles group by story_id "
                 "having count(*) > 1)")
    assert sorted(site for site, _, _ in rows) == ["testweb_backan", "testweb_ngansonportal"]
    (story,) = {story for _, story, _ in rows}
    earliest = next(url for site, _, url in rows if site == "testweb_backan")
    assert story == earliest  # the paper ran it that morning, the portal in the afternoon


def test_changed_text_keeps_the_old_version(tmp_path):
    def article(text: str, at: str) -> dict:
        return {"canonical_url": "https://x/a", "url": "https://x/a", "site": "s",
                "title": "T", "text": text, "fetched_at": at, "html": "", "encoding": "utf-8"}

    for text, at in (("first text", "2026-01-01T00:00:00+00:00"),
                     ("second text", "2026-02-01T00:00:00+00:00")):
        writer = ArchiveWriter(str(tmp_path / "a.db"))
        writer.add_article(article(text, at))
        writer.close()
    assert query(tmp_path / "a.db", "select text from articles") == [("second text",)]
    assert query(tmp_path / "a.db", "select text, fetched_at, replaced_at from "
                 "article_versions") == [("first text", "2026-01-01T00:00:00+00:00",
                                          "2026-02-01T00:00:00+00:00")]


# Exports ----------
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_exports_read_back(crawled_archive, tmp_path, fmt):
    out = tmp_path / f"reports.{fmt}"
    result = run_vnarchive("export", str(out), "--format", fmt, "--table", "meeting_reports",
                           "--db", str(crawled_archive.db))
    assert result.returncode == 0, result.stderr
    expected = query(crawled_archive.db, "select count(*) from meeting_reports")[0][0]
    reader = {"csv": pyarrow.csv.read_csv, "jsonl": pyarrow.json.read_json,
              "parquet": pyarrow.parquet.read_table}[fmt]
    table = reader(out)
    assert table.num_rows == expected
    assert str(table.schema.field("confidence").type) == "double"
    # Parquet carries the day type; the text formats are typed by the reader's inference.
    expected_day = {"parquet": "date32[day]", "csv": "date32[day]", "jsonl": "timestamp[s]"}
    assert str(table.schema.field("meeting_date").type) == expected_day[fmt]
    datasheet = out.with_name(out.name + ".datasheet.md").read_text(encoding="utf-8")
    assert f"{expected} rows" in datasheet and "testweb_lynhan" in datasheet
    assert "| province_2025 | text | Province after the 1 July 2025 merger |" in datasheet


def test_json_lines_are_strict_json_when_a_figure_is_infinite(crawled_archive, tmp_path):
    """An archive of an older version may hold a figure of infinity (400 digits, read before
    such numbers stopped being figures): Python wrote it as `Infinity`, which strict JSON
    readers refuse. It is null; every other value as it was."""
    db = copy_archive(crawled_archive.db, tmp_path)
    with sqlite3.connect(db) as connection:
        infinite = connection.execute("select min(id) from figures").fetchone()[0]
        connection.execute("update figures set value = 9e999 where id = ?", [infinite])
    out = tmp_path / "figures.jsonl"
    result = run_vnarchive("export", str(out), "--table", "figures", "--db", str(db))
    assert result.returncode == 0, result.stderr

    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    rows = [json.loads(line, parse_constant=refuse) for line in out.read_text().splitlines()]
    assert [row["value"] for row in rows if row["id"] == infinite] == [None]
    assert {row["id"]: row["value"] for row in rows if row["id"] != infinite} == dict(
        query(db, "select id, value from figures where id != ?", [infinite]))


def test_export_of_a_query_and_clear_errors(crawled_archive, tmp_path):
    out = tmp_path / "q.parquet"
    result = run_vnarchive("export", str(out), "--format", "parquet", "--query",
                           "select province, count(*) as n from meeting_reports group by 1",
                           "--db", str(crawled_archive.db))
    assert result.returncode == 0
    table = pyarrow.parquet.read_table(out)
    assert str(table.schema.field("n").type) == "int64" and table.num_rows >= 15
    missing = run_vnarchive("export", str(tmp_path / "missing.csv"), "--table", "nope",
                            "--db", str(crawled_archive.db))
    assert missing.returncode == 2 and "no table 'nope'" in missing.stderr


# Datasette ----------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def test_datasette_serves_the_archive_with_metadata_and_search(crawled_archive):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "vnarchive", "serve", "--port", str(port),
                               "--db", str(crawled_archive.db)], cwd=PROJECT_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/vnarchive"  # whatever the file is called
    try:
        for _ in range(100):
            try:
                fetch(base + ".json")
                break
            except OSError:
                time.sleep(0.2)
        status, page = fetch(base + "/meeting_reports")
        assert status == 200 and "Province after the 1 July 2025 merger" in page
        def searched(terms: str) -> set[str]:
            rows = json.loads(fetch(f"{base}/articles.json?_search={quote(terms)}"
                                    "&_shape=array&_col=title&_size=max")[1])
            return {row["canonical_url"] for row in rows}

        cli = run_vnarchive("search", "dang bo", "--db", str(crawled_archive.db), "--limit",
                            "1000", "--format", "json")
        assert searched("dang bo") == {hit["canonical_url"] for hit in json.loads(cli.stdout)}
        # Written with its "Đ", the query is narrower: the folded one also finds "dâng".
        assert searched("Đảng bộ") and searched("Đảng bộ") <= searched("dang bo")
        assert searched("hòa") == searched("hoà") and searched("hòa")
        assert searched("trien khai nhiem vu quy II") == searched("triển khai nhiệm vụ quý II")
        saved = json.loads(fetch(base + "/meeting_reports_by_province_and_quarter.json"
                                 "?_shape=array")[1])
        assert sum(row["reports"] for row in saved) == query(
            crawled_archive.db, "select count(*) from meeting_reports where period_deployed "
            "like '%-Q%'")[0][0]
        facets = json.loads(fetch(base + "/meeting_reports.json")[1])["facet_results"]
        assert {"province", "organ", "kind"} <= set(facets)
    finally:
        server.terminate()
        server.wait(timeout=20)
    # Stopping `vnarchive serve` stopped its Datasette: nothing answers on the port any more.
    for _ in range(50):
        try:
            fetch(base + ".json")
        except OSError:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("Datasette outlived `vnarchive serve`")


# An archive of the first version ----------
def test_upgraded_first_version_archive_works_like_a_new_one(testweb, tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIRST_VERSION, db)
    site = testweb.sites["lynhan"]
    result = run_vnarchive("crawl", "testweb_lynhan", "--db", str(db), "--base-urls",
                           json.dumps({"testweb_lynhan": site.base_url}))
    assert result.returncode == 0, result.stderr[-3000:]
    # The old rows were keyed by http URLs; the new key folds the scheme, so both remain.
    assert query(db, "select count(*) from articles where canonical_url like 'https://%'") == [
        (len(site.family.articles),)]
    search = run_vnarchive("search", "uy ban nhan dan", "--db", str(db), "--format", "json")
    assert search.returncode == 0 and json.loads(search.stdout)
    assert run_vnarchive("reprocess", "--db", str(db)).returncode == 0
    export = run_vnarchive("export", str(tmp_path / "a.parquet"), "--format", "parquet",
                           "--db", str(db))
    assert export.returncode == 0
    assert pyarrow.parquet.read_table(tmp_path / "a.parquet").num_rows == query(
        db, "select count(*) from articles")[0][0]
