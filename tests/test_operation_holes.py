"""Operation and web-archive imports, each hole with the case that showed it: runs a SIGKILL
or Ctrl-C ended are marked as they ended, each archive reads its own WARC folder, an import
checks the digests of what it reads and records a revisit with no HTTP block, a site dropped
from the schedule can be retired, one broken profile stops only its own crawl, a site that
answers nothing has its own exit code, and several sites' progress is one terminal line."""

from __future__ import annotations

import io
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import importer
from archive.reprocess import reprocess
from archive.warc import Exchange, payload_digest
from archive.writer import ArchiveWriter, warc_folder
from crawler.profiles import SITES_DIR
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query, run_vnarchive
from tests.test_safety_files import run_main
from tests.test_safety_inputs import ARTICLE, write_warc
from vnarchive.cli import main

pytestmark = pytest.mark.timeout(180)


def archive_with_stuck_run(path: Path) -> Path:
    """An archive whose last run was killed by SIGKILL: its row still says `running`."""
    ArchiveWriter(str(path), record_run=False).close()
    with sqlite3.connect(path) as connection:
        connection.execute("insert into crawl_runs (started_at, status, sites) values "
                           "('2024-05-01T00:00:00+00:00', 'running', '[\"s1\"]')")
    return path


def run_statuses(db: Path) -> list[str]:
    return [status for (status,) in query(db, "select status from crawl_runs order by id")]


# A run killed by SIGKILL is marked by every writing command -----------------------------------
@pytest.mark.parametrize("command", ["reprocess", "compact"])
def test_a_killed_run_is_marked_by_reprocess_and_compact(tmp_path, capsys, command):
    db = archive_with_stuck_run(tmp_path / "a.db")
    write_warc(warc_folder(str(db)), "crawl", range(2))
    code, lines = run_main(capsys, command, "--db", str(db))
    assert code == 0, lines
    assert run_statuses(db) == ["killed"]


def test_a_killed_run_is_marked_by_import(tmp_path, capsys):
    db = archive_with_stuck_run(tmp_path / "a.db")
    warc = write_warc(tmp_path / "others", "others", range(2))
    code, lines = run_main(capsys, "import", str(warc), "--all", "--db", str(db))
    assert code == 0, lines
    assert run_statuses(db) == ["killed", "finished"]


# Ctrl-C during an import --------------------------------------------------------------------
def test_ctrl_c_during_an_import_marks_its_run_interrupted(tmp_path, capsys, monkeypatch):
    db = tmp_path / "a.db"
    warc = write_warc(tmp_path / "others", "others", range(4))
    store = importer.Importer.store
    stored = []

    def store_then_stop(self, candidate, prepared):
        if len(stored) == 2:
            raise KeyboardInterrupt
        stored.append(candidate.record.url)
        store(self, candidate, prepared)

    monkeypatch.setattr(importer.Importer, "store", store_then_stop)
    code, lines = run_main(capsys, "import", str(warc), "--all", "--db", str(db))
    assert code == 4, lines
    assert lines[-1] == "vnarchive import: interrupted"
    assert run_statuses(db) == ["interrupted"]
    # What was imported before the stop is kept.
    assert sorted(url for (url,) in query(db, "select url from articles")) == sorted(stored)


# A crawl of a site that answers nothing -------------------------------------------------------
def closed_port() -> int:
    """A loopback port nothing listens on (one just released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_crawl_of_a_site_that_answers_nothing_exits_10(tmp_path):
    db = tmp_path / "a.db"
    base_urls = json.dumps({"testweb_lynhan": f"http://127.0.0.1:{closed_port()}/"})
    result = run_vnarchive("crawl", "testweb_lynhan", "--db", str(db), "--base-urls", base_urls)
    assert result.returncode == 10, result.stderr[-2000:]
    assert "vnarchive crawl: testweb_lynhan: no page could be fetched" in result.stderr
    assert run_statuses(db) == ["finished"]  # the run itself ended cleanly


# One broken profile among the shipped ones ---------------------------------------------------
# `vnarchive ARGS` with the shipped profiles' folder replaced by FOLDER (argv[1]).
WITH_SITES_FOLDER = """
import sys
from pathlib import Path
import crawler.profiles as profiles
shipped, profiles.SITES_DIR = profiles.SITES_DIR, Path(sys.argv[1])
for function in (profiles.load_profiles, profiles.find_profile):  # a default bound to it
    function.__defaults__ = tuple(profiles.SITES_DIR if value == shipped else value
                                  for value in function.__defaults__)
from vnarchive.__main__ import run
sys.argv[1:] = sys.argv[2:]
sys.exit(run())
"""


def run_with_sites(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITH_SITES_FOLDER, str(folder), *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT)


def test_one_broken_profile_stops_only_its_own_crawl(tmp_path):
    folder = tmp_path / "sites"
    shutil.copytree(SITES_DIR, folder)
    # A profile edited by hand and left half done: a required field missing.
    (folder / "testweb_broken.toml").write_text(
        'name = "testweb_broken"\ntitle = "half done"\nkind = "portal"\n', encoding="utf-8")
    db = tmp_path / "a.db"
    base_urls = json.dumps({"testweb_lynhan": f"http://127.0.0.1:{closed_port()}/"})
    other = run_with_sites(folder, "crawl", "testweb_lynhan", "--db", str(db),
                           "--base-urls", base_urls)
    # It ran (the site answers nothing here: exit 10), with a warning naming the broken file.
    assert other.returncode == 10, other.stderr[-3000:]
    assert "vnarchive: warning: " in other.stderr and "testweb_broken.toml" in other.stderr
    assert run_statuses(db) == ["finished"]
    broken = run_with_sites(folder, "crawl", "testweb_broken", "--db", str(tmp_path / "b.db"))
    assert broken.returncode == 2
    assert "no site profile named 'testweb_broken'" in broken.stderr
    assert "testweb_broken.toml" in broken.stderr and "Traceback" not in broken.stderr
    check = run_with_sites(folder, "sites", "check", "testweb_broken")
    assert check.returncode == 1 and "testweb_broken.toml" in check.stdout


# Web archive files whose bytes changed -------------------------------------------------------
def plain_warc(path: Path, numbers: range, block_digest: bool = True) -> Path:
    """An uncompressed WARC file (no gzip CRC guards its bytes) of article pages, each record
    with the digests warcio gives it; without `block_digest`, the payload's alone."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for number in numbers:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"http://127.0.0.1/tin/{number}", "response", http_headers=headers,
            payload=io.BytesIO(ARTICLE.format(n=number).encode())))
    data = buffer.getvalue()
    if not block_digest:
        data = re.sub(rb"WARC-Block-Digest: [^\r]*\r\n", b"", data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("block_digest", [True, False], ids=["both digests", "payload digest"])
def test_a_record_whose_payload_bytes_changed_is_skipped_and_named(tmp_path, capsys,
                                                                   block_digest):
    warc = plain_warc(tmp_path / "others.warc", range(3), block_digest)
    data = warc.read_bytes()
    damaged = data.index("Huyện ủy họp phiên 1</h1>".encode())
    # One letter changed in the second page's heading: the length stays, the text does not.
    warc.write_bytes(data[:damaged] + b"X" + data[damaged + 1:])
    db = tmp_path / "a.db"
    code, lines = run_main(capsys, "import", str(warc), "--all", "--db", str(db))
    assert code == 0, lines
    urls = sorted(url for (url,) in query(db, "select url from articles"))
    assert urls == ["http://127.0.0.1/tin/0", "http://127.0.0.1/tin/2"]
    warned = [line for line in lines if "http://127.0.0.1/tin/1" in line]
    assert len(warned) == 1 and "fails its WARC-" in warned[0] and "skipped" in warned[0]


def test_a_sound_uncompressed_warc_is_imported_whole(tmp_path, capsys):
    warc = plain_warc(tmp_path / "others.warc", range(3))
    db = tmp_path / "a.db"
    code, lines = run_main(capsys, "import", str(warc), "--all", "--db", str(db))
    assert code == 0 and not [line for line in lines if "fails its" in line], lines
    assert query(db, "select count(*) from articles") == [(3,)]


# A revisit record with no HTTP block ---------------------------------------------------------
def test_a_revisit_with_no_http_block_is_a_capture_seen_again(tmp_path, capsys):
    """WARC 1.1 lets a revisit leave out the HTTP block (wget and Heritrix keep it, others
    do not); one without it was dropped, and its capture never recorded."""
    url = "http://127.0.0.1/tin/0"
    body = ARTICLE.format(n=0).encode()
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                               protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=headers,
        warc_headers_dict={"WARC-Date": "2024-05-01T00:00:00Z"}))
    writer.write_record(writer.create_revisit_record(
        url, payload_digest(body), url, "2024-05-01T00:00:00Z",
        warc_headers_dict={"WARC-Date": "2024-06-01T00:00:00Z"}))
    warc = tmp_path / "others.warc.gz"
    warc.write_bytes(buffer.getvalue())
    db = tmp_path / "a.db"
    code, lines = run_main(capsys, "import", str(warc), "--all", "--db", str(db))
    assert code == 0, lines
    assert query(db, "select url, captured_at, status from captures order by captured_at") == [
        (url, "2024-05-01T00:00:00+00:00", 200), (url, "2024-06-01T00:00:00+00:00", 200)]
    assert query(db, "select count(*) from articles") == [(1,)]


# A site dropped from the schedule ------------------------------------------------------------
def archive_of_two_sites(db: Path) -> Path:
    """Two sites crawled once; the page fetched of s1 answered 500 (it is dying)."""
    for site in ("s1", "s2"):
        writer = ArchiveWriter(str(db), site=site)
        writer.add_page({"site": site, "url": f"http://127.0.0.1/{site}/", "bytes": 0,
                         "status": 500 if site == "s1" else 200, "kind": "listing",
                         "fetched_at": "2024-05-01T00:00:00+00:00"})
        writer.close()
    return db


def test_a_retired_site_keeps_its_rows_and_leaves_status(tmp_path, capsys):
    db = archive_of_two_sites(tmp_path / "a.db")
    assert run_main(capsys, "status", "--db", str(db))[0] == 1  # s1 is unhealthy
    code, lines = run_main(capsys, "sites", "retire", "s1", "--db", str(db))
    assert code == 0, lines
    code, _ = run_main(capsys, "status", "--db", str(db))
    assert code == 0  # s2 alone is judged, and is healthy
    capsys.readouterr()
    main(["status", "--db", str(db), "--format", "json"])
    assert [site["site"] for site in json.loads(capsys.readouterr().out)["sites"]] == ["s2"]
    assert query(db, "select site, status from pages order by site") == [("s1", 500),
                                                                          ("s2", 200)]
    assert run_main(capsys, "sites", "retire", "s1", "--undo", "--db", str(db))[0] == 0
    assert run_main(capsys, "status", "--db", str(db))[0] == 1  # judged again


def test_retiring_a_site_the_archive_never_held_is_refused(tmp_path, capsys):
    db = archive_of_two_sites(tmp_path / "a.db")
    code, lines = run_main(capsys, "sites", "retire", "s3", "--db", str(db))
    assert code == 2 and "holds no run, schedule or page of s3" in lines[-1], lines


# Progress of several sites on one terminal ---------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Stats:
    def __init__(self, pages: int, articles: int):
        self.values = {"response_received_count": pages, "item_scraped_count": articles}

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def get_stats(self) -> dict:
        return dict(self.values)


def crawl_progress(site: str, pages: int, articles: int, terminal: Terminal):
    from crawler.progress import CrawlProgress

    crawler = SimpleNamespace(stats=Stats(pages, articles), spider=SimpleNamespace(name=site),
                              signals=SimpleNamespace(connect=lambda *args, **kwargs: None))
    return CrawlProgress(crawler, stream=terminal)


def test_the_progress_of_several_sites_is_one_line_on_a_terminal():
    terminal = Terminal()
    first, second = (crawl_progress("site_a", 10, 2, terminal),
                     crawl_progress("site_b", 30, 5, terminal))
    first.spider_opened(None)
    second.spider_opened(None)
    try:
        for _ in range(2):  # each site's timer fires in turn
            first.report()
            second.report()
        shown = [part.strip() for part in terminal.getvalue().split("\r") if part.strip()]
        # Never one site's line over the other's: their sum, each time.
        assert shown and all(line.startswith("2 sites: 40 pages (") for line in shown), shown
        assert shown[-1].endswith("7 articles, 0 errors")
        first.spider_closed(None)
        second.report()
        kept, now = terminal.getvalue().split("\r")[-2:]
        assert kept.startswith("site_a: 10 pages") and kept.endswith("\n")
        assert now.startswith("site_b: 30 pages")  # alone now: its own line again
    finally:
        for progress in (first, second):
            progress.spider_closed(None)


# Each archive its own WARC folder ------------------------------------------------------------
def page(number: int, site: str = "s1") -> Exchange:
    return Exchange(url=f"http://127.0.0.1/tin/{number}", fetched_at="2024-05-01T00:00:00+00:00",
                    method="GET", request_headers=[], status=200, reason="OK",
                    response_headers=[("Content-Type", "text/html; charset=utf-8")],
                    body=ARTICLE.format(n=number).encode(), site=site, kind="article")


def crawled(db: Path, numbers: range, warc_dir: Path | None = None) -> Path:
    """An archive that fetched these article pages (a crawl's writer)."""
    writer = ArchiveWriter(str(db), site="s1", warc_dir=str(warc_dir) if warc_dir else None)
    for number in numbers:
        writer.add_fetch(page(number))
    writer.close()
    return db


def reprocessed_urls(db: Path) -> list[str]:
    reprocess(str(db), workers=0)
    return sorted(url for (url,) in query(db, "select url from articles"))


def urls(numbers: range) -> list[str]:
    return sorted(f"http://127.0.0.1/tin/{number}" for number in numbers)


def test_two_archives_in_one_folder_reprocess_only_their_own_pages(tmp_path):
    """`a.db` and `a.sqlite` both kept their WARC files in `a-warc/`: re-processing one took
    in the other's articles."""
    first = crawled(tmp_path / "a.db", range(0, 2))
    second = crawled(tmp_path / "a.sqlite", range(2, 4))
    assert warc_folder(str(first)) != warc_folder(str(second))
    assert reprocessed_urls(first) == urls(range(0, 2))
    assert reprocessed_urls(second) == urls(range(2, 4))


def test_an_archive_made_before_keeps_its_warc_folder(tmp_path):
    legacy = tmp_path / "a-warc"
    db = crawled(tmp_path / "a.db", range(0, 2), warc_dir=legacy)  # as older versions did
    assert warc_folder(str(db)) == legacy
    crawled(db, range(2, 3))  # a crawl now: its records go on into the same folder
    assert sorted(path.name for path in (tmp_path).iterdir() if path.is_dir()) == ["a-warc"]
    assert reprocessed_urls(db) == urls(range(0, 3))
    # A new archive beside it gets a folder of its own, not the older one's.
    other = crawled(tmp_path / "a.sqlite", range(5, 6))
    assert warc_folder(str(other)) == tmp_path / "a.sqlite-warc"
    assert reprocessed_urls(other) == urls(range(5, 6))


def test_a_folder_two_older_archives_shared_is_read_file_by_file(tmp_path, capsys):
    legacy = tmp_path / "a-warc"
    first = crawled(tmp_path / "a.db", range(0, 2), warc_dir=legacy)
    crawled(tmp_path / "a.sqlite", range(2, 4), warc_dir=legacy)
    code, lines = run_main(capsys, "reprocess", "--db", str(first))
    assert code == 0, lines
    assert sorted(url for (url,) in query(first, "select url from articles")) == urls(range(2))
    assert any("also holds the WARC files of a.sqlite" in line for line in lines), lines


@pytest.mark.parametrize("first_name, other_name", [("a.db", "a"), ("x[1].db", "x[1].sqlite")])
def test_an_older_shared_folder_is_found_whatever_the_names(first_name, other_name, tmp_path,
                                                            capsys):
    """The archives that shared `STEM-warc/` were looked for as `STEM.*`, a glob: a bare `a`
    beside `a.db` was missed (and `a.db` took the folder as its own, reading `a`'s files), and
    a `[` in a name made the glob a pattern that matched nothing."""
    stem = first_name.rsplit(".", 1)[0]
    legacy = tmp_path / f"{stem}-warc"
    first = crawled(tmp_path / first_name, range(0, 2), warc_dir=legacy)
    crawled(tmp_path / other_name, range(2, 4), warc_dir=legacy)
    code, lines = run_main(capsys, "reprocess", "--db", str(first))
    assert code == 0, lines
    assert sorted(url for (url,) in query(first, "select url from articles")) == urls(range(2))
    assert any(f"also holds the WARC files of {other_name}" in line for line in lines), lines


def test_an_older_archive_whose_first_warc_file_is_gone_keeps_its_folder(tmp_path):
    """Whether an unmarked `NAME-warc/` is an older archive's own was read from the first file
    its rows name: with that file pruned, the archive took a new empty folder and `reprocess`
    stopped reading its files. The last file it names counts too."""
    from archive.warc_folders import warc_folder

    legacy = tmp_path / "a-warc"
    db = crawled(tmp_path / "a.db", range(0, 2), warc_dir=legacy)
    (first,) = query(db, "select warc_file from pages where warc_file is not null "
                         "order by rowid limit 1")
    (legacy / "ARCHIVE").unlink(missing_ok=True)  # an archive made before the mark
    with sqlite3.connect(db) as connection:  # a later file, the first one pruned
        connection.execute("update pages set warc_file = 'later.warc.gz' where rowid = "
                           "(select max(rowid) from pages)")
    (legacy / "later.warc.gz").write_bytes((legacy / first[0]).read_bytes())
    (legacy / first[0]).unlink()
    assert warc_folder(str(db)) == legacy
