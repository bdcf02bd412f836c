"""`scrapy crawl` keeps the promises `vnarchive crawl` makes: it refuses an archive another run
holds, and its feed exports (-o/-O in jsonl, json, csv, xml) give one clean record per article."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from archive.lock import archive_lock
from crawler.feeds import FIELDS
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)

SITE = "lynhan"


def scrapy_crawl(web: TestWeb, db: Path, *extra: str) -> subprocess.CompletedProcess:
    """`scrapy crawl testweb_lynhan` from the project root, as a Scrapy user types it."""
    base_urls = json.dumps(web.base_urls())
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", f"testweb_{SITE}", "-s", f"VNARCHIVE_DB={db}",
         "-s", f"VNARCHIVE_BASE_URLS={base_urls}", *extra],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)


@pytest.fixture(scope="module")
def web():
    with TestWeb([SITE]) as served:
        yield served


def test_scrapy_crawl_refuses_an_archive_another_run_holds(web, tmp_path):
    db = tmp_path / "held.db"
    web.sites[SITE].requests.clear()
    with archive_lock(str(db)):
        result = scrapy_crawl(web, db)
    assert result.returncode != 0
    assert "is being crawled by process" in result.stderr
    assert not web.sites[SITE].requests or set(web.sites[SITE].requests) <= {"/robots.txt"}
    assert not db.exists() or query(db, "select count(*) from sqlite_master "
                                        "where name = 'articles'") == [(0,)]


@pytest.fixture(scope="module")
def exported(web, tmp_path_factory) -> dict[str, Path]:
    """One `scrapy crawl` writing four feeds at once; the archive it filled."""
    folder = tmp_path_factory.mktemp("feeds")
    files = {kind: folder / f"items.{kind}" for kind in ("jsonl", "json", "csv", "xml")}
    options = [arg for path in files.values() for arg in ("-O", str(path))]
    result = scrapy_crawl(web, folder / "archive.db", *options)
    assert result.returncode == 0, result.stderr[-3000:]
    files["db"] = folder / "archive.db"
    return files


def test_a_scrapy_crawl_fills_the_archive_and_records_its_run(web, exported):
    articles = query(exported["db"], "select count(*) from articles")[0][0]
    assert articles == len(web.sites[SITE].family.articles)
    assert query(exported["db"], "select status from crawl_runs") == [("finished",)]


def test_feeds_hold_one_clean_record_per_article(exported):
    urls = {url for (url,) in query(exported["db"], "select canonical_url from articles")}
    lines = exported["jsonl"].read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    as_json = json.loads(exported["json"].read_text(encoding="utf-8"))
    with exported["csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    items = ElementTree.parse(exported["xml"]).getroot().findall("item")
    for name, found in (("jsonl", records), ("json", as_json), ("csv", rows), ("xml", items)):
        assert len(found) == len(urls), name
    assert {record["canonical_url"] for record in records} == urls
    assert {record["canonical_url"] for record in as_json} == urls
    assert {row["canonical_url"] for row in rows} == urls
    assert set(records[0]) == set(FIELDS) == set(rows[0])
    assert not {"body", "html", "text_folded"} & set(records[0])
    reports = [record for record in records if record["is_meeting_report"]]
    assert reports and all(isinstance(record["meeting"], dict) for record in reports)
    meeting = next(row["meeting"] for row in rows if row["meeting"])
    assert isinstance(json.loads(meeting), dict)  # JSON text in CSV, not Python's repr
    title = next(record["title"] for record in records if record["title"])
    assert any(item.findtext("title") == title for item in items)
