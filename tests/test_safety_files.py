"""Issue 20, "never destroy a file": exports, the lock file and the archive checks.

Each case names the file a careless or hostile command line points at, and checks that the
command refuses it with one line and its exit code, and that every file it was not asked to
write is byte-identical afterwards (cases 1, 2, 3, 8 and the export parts of 9).
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from archive.errors import ArchiveReadOnly, ArchiveUnusable
from archive.integrity import (
    ArchiveDamaged,
    check_before_writing,
    check_whole,
    record_whole_check,
)
from archive.lock import archive_lock
from archive.schema import open_database
from archive.writer import warc_folder
from tests.conftest import bytes_read_by_this_process, run_vnarchive
from vnarchive.cli import main

pytestmark = pytest.mark.timeout(120)


def make_archive(path: Path, articles: int = 30) -> Path:
    """A small archive, written by the project's own schema."""
    db = open_database(str(path))
    db["sites"].insert({"name": "s1", "title": "Cổng thử", "kind": "portal",
                        "base_url": "http://127.0.0.1/"})
    for number in range(articles):
        db["articles"].insert({
            "canonical_url": f"http://127.0.0.1/a/{number}", "url": f"http://127.0.0.1/a/{number}",
            "site": "s1", "title": f"Huyện ủy họp phiên {number}", "text": "Nội dung. " * 40,
            "fetched_at": "2024-01-01T00:00:00+00:00", "published": "2024-01-02",
            "is_meeting_report": number % 2})
    db.conn.commit()
    db.close()
    return path


@pytest.fixture
def archive(tmp_path) -> Path:
    return make_archive(tmp_path / "a.db")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, but the -wal and -shm files SQLite keeps beside an archive while a
    reader has it open."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def run_main(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().err.strip().splitlines()


# export: what OUT may not be -------------------------------------------------------------
def _sqlite_file(folder: Path) -> Path:
    other = folder / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("create table notes (body text)")
    return other


def _read_only_file(folder: Path) -> Path:
    path = folder / "read-only.csv"
    path.write_text("kept\n")
    path.chmod(0o444)
    return path


def _existing_file(folder: Path) -> Path:
    path = folder / "existing.csv"
    path.write_text("kept\n")
    return path


REFUSED_OUTPUTS = {
    # case: (how OUT is made, extra arguments, words of the one-line error)
    "the archive itself (case 1)": (lambda f, db: db, ["--force"], "is the archive"),
    "the archive's -wal": (lambda f, db: db.with_name(db.name + "-wal"), ["--force"],
                           "wal file"),
    "the archive's -shm": (lambda f, db: db.with_name(db.name + "-shm"), ["--force"],
                           "shm file"),
    "another SQLite database": (lambda f, db: _sqlite_file(f), ["--force"], "SQLite database"),
    "a WARC file": (lambda f, db: f / "pages.warc.gz", ["--force"], "WARC"),
    "an existing file without --force (case 2)": (lambda f, db: _existing_file(f), [],
                                                   "give --force"),
    "a read-only file, even with --force (case 2)": (lambda f, db: _read_only_file(f),
                                                      ["--force"], "read-only"),
    "a directory (case 9)": (lambda f, db: f / "folder", ["--force"], "is a directory"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_OUTPUTS))
def test_export_refuses_an_output_it_may_not_write(tmp_path, archive, capsys, case):
    make_out, extra, words = REFUSED_OUTPUTS[case]
    (tmp_path / "folder").mkdir()
    out = make_out(tmp_path, archive)
    before = snapshot(tmp_path)
    code, lines = run_main(capsys, "export", str(out), "--format", "csv", "--table", "sites",
                           "--db", str(archive), *extra)
    assert code == 2 and len(lines) == 1 and words in lines[0], lines
    assert snapshot(tmp_path) == before  # nothing written, nothing left behind


def test_read_only_output_is_refused_as_root_too(tmp_path, archive, capsys):
    """Root passes os.access for every file; the mode's write bits still say no."""
    out = _read_only_file(tmp_path)
    code, lines = run_main(capsys, "export", str(out), "--format", "csv", "--db", str(archive),
                           "--force")
    assert code == 2 and "read-only" in lines[0]
    assert out.read_text() == "kept\n"


def test_export_with_force_replaces_whole_and_keeps_nothing_half_written(tmp_path, archive,
                                                                         capsys):
    out = _existing_file(tmp_path)
    code, _ = run_main(capsys, "export", str(out), "--format", "csv", "--table", "articles",
                       "--db", str(archive), "--force")
    assert code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 31
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_query_failing_halfway_leaves_the_old_file_as_it_was(tmp_path, archive, capsys):
    """Case 2: the rows before the failure used to replace the file's content."""
    out = _existing_file(tmp_path)
    failing = ("with recursive n(x) as (select 1 union all select x + 1 from n where x < 20000) "
               "select x, case when x > 15000 then abs(-9223372036854775808) else x end from n")
    code, lines = run_main(capsys, "export", str(out), "--format", "csv", "--query", failing,
                           "--db", str(archive), "--force")
    assert code == 2 and len(lines) == 1 and "integer overflow" in lines[0]
    assert out.read_text() == "kept\n"
    assert sorted(snapshot(tmp_path)) == ["a.db", "existing.csv"]


def test_a_missing_archive_creates_no_folder(tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "x.csv"
    code, lines = run_main(capsys, "export", str(out), "--format", "csv",
                           "--db", str(tmp_path / "missing.db"))
    assert code == 2 and "no archive at" in lines[0]
    assert not (tmp_path / "new").exists()


EXPORT_ONE_LINE_ERRORS = {
    # case 9: what used to be a traceback
    "a statement that returns nothing": (["--query", "pragma writable_schema=1"], "csv",
                                         "not a select"),
    # A query's columns are typed by their values (archive/columns.py): a column whose rows
    # mix an integer and a text has no Parquet type.
    "a value Parquet cannot hold": (["--query", "select 1 as x union all select 'abc'"],
                                    "parquet", "cannot write the rows as parquet"),
}


@pytest.mark.parametrize("case", sorted(EXPORT_ONE_LINE_ERRORS))
def test_export_errors_are_one_line(tmp_path, archive, capsys, case):
    extra, fmt, words = EXPORT_ONE_LINE_ERRORS[case]
    before = snapshot(tmp_path)
    code, lines = run_main(capsys, "export", str(tmp_path / "out.x"), "--format", fmt, *extra,
                           "--db", str(archive))
    assert code == 2 and len(lines) == 1 and words in lines[0], lines
    assert snapshot(tmp_path) == before


def test_jsonl_export_writes_a_blob_as_base64(tmp_path, archive, capsys):
    out = tmp_path / "blob.jsonl"
    code, _ = run_main(capsys, "export", str(out), "--format", "jsonl", "--query",
                       "select x'00ff10' as data", "--db", str(archive))
    assert code == 0
    assert out.read_text().strip() == '{"data": "AP8Q"}'


# the lock ----------------------------------------------------------------------------------
def test_an_archive_named_like_a_lock_file_is_not_the_lock(tmp_path):
    """Case 3: the lock was `db.with_suffix(".lock")`, so `--db x.lock` was its own lock."""
    archive = make_archive(tmp_path / "x.lock")
    before = archive.read_bytes()
    with archive_lock(str(archive)) as path:
        assert path == tmp_path / "x.lock.lock"
        assert archive.read_bytes() == before


def test_a_file_that_is_not_a_lock_is_never_truncated(tmp_path):
    """Case 3: an existing STEM.lock beside the archive was truncated."""
    archive = make_archive(tmp_path / "a.db")
    foreign = tmp_path / "a.db.lock"
    foreign.write_text("someone's notes\n")
    with pytest.raises(ArchiveUnusable, match="not a lock file"), archive_lock(str(archive)):
        pass
    assert foreign.read_text() == "someone's notes\n"


def test_a_lock_of_a_finished_run_is_reused(tmp_path):
    archive = make_archive(tmp_path / "a.db")
    (tmp_path / "a.db.lock").write_text("process 1")
    with archive_lock(str(archive)) as path:
        assert path.read_text() == f"process {os.getpid()}"


# archives that are not ours or not whole (case 8) -----------------------------------------
def _damage_articles(archive: Path) -> None:
    """Overwrite the middle of a page of the articles table, as a disk error would."""
    with sqlite3.connect(archive) as connection:
        connection.execute("pragma wal_checkpoint(truncate)")
        root, = connection.execute(
            "select rootpage from sqlite_master where name = 'articles'").fetchone()
        page_size, = connection.execute("pragma page_size").fetchone()
    with archive.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x0d\xff\xff\xff\xff\x7f" + b"\xee" * 200)


def test_a_crawl_refuses_a_damaged_archive_before_writing(tmp_path):
    archive = make_archive(tmp_path / "a.db")
    _damage_articles(archive)
    before = snapshot(tmp_path)
    result = run_vnarchive("crawl", "testweb_lynhan", "--db", str(archive))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 9, result.stderr
    assert len(lines) == 1 and "is damaged" in lines[0], result.stderr
    after = snapshot(tmp_path)
    after.pop("a.db.lock", None)  # the lock beside it (the refusal comes once it is held)
    assert after == before


def test_a_crawl_refuses_someone_elses_database(tmp_path):
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as connection:
        connection.execute("create table notes (body text)")
        connection.execute("insert into notes values ('mine')")
    before = other.read_bytes()
    result = run_vnarchive("crawl", "testweb_lynhan", "--db", str(other))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "an SQLite database of something else" in lines[0]
    assert other.read_bytes() == before
    assert not other.with_name("notes.db-wal").exists()


def _written_by_a_newer_version(archive: Path) -> None:
    """What a later version's migration leaves: its record, and a column it fills."""
    connection = sqlite3.connect(archive)
    with connection:
        connection.execute("insert into _sqlite_migrations (migration_set, name, applied_at) "
                           "values ('vnarchive', 'm099_a_later_version', '2030-01-01')")
        connection.execute("alter table articles add column filled_later text not null "
                           "default 'x'")
    connection.execute("pragma wal_checkpoint(truncate)")
    connection.close()


def _a_warc(path: Path) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        body = "<html><body><h1>Huyện ủy họp</h1><p>Nội dung.</p></body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warc_record(
            "http://127.0.0.1/a/new", "response", payload=io.BytesIO(body),
            http_headers=headers))
    return path


@pytest.mark.parametrize("command", ["crawl", "reprocess", "import"])
def test_writing_commands_refuse_an_archive_a_newer_version_wrote(tmp_path, command):
    archive = make_archive(tmp_path / "a.db")
    warc_folder(str(archive)).mkdir()
    _written_by_a_newer_version(archive)
    arguments = {"crawl": ["crawl", "testweb_lynhan"], "reprocess": ["reprocess"],
                 "import": ["import", str(_a_warc(tmp_path / "in.warc.gz"))]}[command]
    before = snapshot(tmp_path)
    result = run_vnarchive(*arguments, "--db", str(archive))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "written by a newer vnarchive" in lines[0] and "m099_a_later_version" in lines[0]
    after = snapshot(tmp_path)
    after.pop("a.db.lock", None)
    assert after == before


def test_reading_commands_still_read_an_archive_a_newer_version_wrote(tmp_path):
    archive = make_archive(tmp_path / "a.db", articles=3)
    _written_by_a_newer_version(archive)
    result = run_vnarchive("query", "select count(*) as n from articles", "--db", str(archive),
                           "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["n", "3"]


def test_an_empty_sqlite_file_is_accepted_as_a_new_archive(tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    db = open_database(str(empty))
    assert "articles" in db.table_names()
    db.close()


def test_reprocess_refuses_a_damaged_archive(tmp_path):
    archive = make_archive(tmp_path / "a.db")
    warc_folder(str(archive)).mkdir()
    _damage_articles(archive)
    before = archive.read_bytes()
    result = run_vnarchive("reprocess", "--db", str(archive))
    assert result.returncode == 9 and "is damaged" in result.stderr, result.stderr
    assert archive.read_bytes() == before


# a large archive is checked whole once a day --------------------------------------------------
LARGE = 0  # every_start_below: the tests' small archives count as large
A_DAY_LATER = timedelta(hours=25)


def _checked_whole_today(archive: Path):
    check = check_whole(str(archive), every_start_below=LARGE)
    assert check is not None
    record_whole_check(str(archive), check)
    return check


def test_a_large_archive_checked_whole_today_is_not_read_whole_again(tmp_path, capsys):
    archive = make_archive(tmp_path / "a.db", articles=400)
    check = _checked_whole_today(archive)
    said = capsys.readouterr().err
    assert "checking the whole archive" in said and "the whole archive checked in" in said
    stat = archive.stat()
    assert (check.device, check.inode) == (stat.st_dev, stat.st_ino)
    before = bytes_read_by_this_process()
    assert check_whole(str(archive), every_start_below=LARGE) is None
    read = bytes_read_by_this_process() - before
    assert read < stat.st_size / 4, (read, stat.st_size)
    assert capsys.readouterr().err == ""
    # A small archive is still checked whole at every start, as before.
    assert check_whole(str(archive)) is not None


def test_a_large_archive_is_checked_whole_again_the_next_day(tmp_path):
    archive = make_archive(tmp_path / "a.db")
    check = _checked_whole_today(archive)
    _damage_articles(archive)
    later = datetime.fromisoformat(check.checked_at) + A_DAY_LATER
    with pytest.raises(ArchiveDamaged, match="is damaged"):
        check_whole(str(archive), every_start_below=LARGE, now=later)


def test_a_copy_of_a_large_archive_checked_today_is_checked_whole(tmp_path):
    archive = make_archive(tmp_path / "a.db")
    _checked_whole_today(archive)
    copy = tmp_path / "copy.db"
    shutil.copy(archive, copy)  # its record came along, but it is another file
    _damage_articles(copy)
    with pytest.raises(ArchiveDamaged, match="is damaged"):
        check_whole(str(copy), every_start_below=LARGE)


def test_a_large_archive_cut_short_in_place_is_refused_between_whole_checks(tmp_path):
    archive = make_archive(tmp_path / "a.db", articles=400)
    _checked_whole_today(archive)
    db = open_database(str(archive))  # a day's crawl: the last pages are its articles'
    db["articles"].insert_all({"canonical_url": f"http://127.0.0.1/b/{number}",
                               "url": f"http://127.0.0.1/b/{number}", "site": "s1",
                               "text": "Nội dung mới. " * 200} for number in range(100))
    db.conn.commit()
    db.close()  # its last connection: the WAL is written back
    assert not (tmp_path / "a.db-wal").exists()
    inode = archive.stat().st_ino
    os.truncate(archive, archive.stat().st_size - 8192)  # as a copy written over it, cut
    assert archive.stat().st_ino == inode
    with pytest.raises(ArchiveDamaged, match="is damaged"):
        check_whole(str(archive), every_start_below=LARGE)


def test_a_read_only_archive_is_refused_before_the_check_records_anything(tmp_path):
    """`scrapy crawl` checks the archive before it opens it: the whole check's record was
    written (by root, whom the file's mode does not stop) before the read-only refusal."""
    archive = make_archive(tmp_path / "a.db")
    archive.chmod(0o444)
    before = archive.read_bytes()
    with pytest.raises(ArchiveReadOnly):
        check_before_writing(str(archive))
    assert archive.read_bytes() == before


def test_an_archive_cut_short_is_damaged_not_someone_elses_file(tmp_path):
    """A file cut short (a copy that stopped) failed on its schema's read, and was called
    "not an archive" (exit 2)."""
    archive = make_archive(tmp_path / "a.db")
    warc_folder(str(archive)).mkdir()
    os.truncate(archive, archive.stat().st_size - 4096)
    result = run_vnarchive("reprocess", "--db", str(archive))
    assert result.returncode == 9 and "is damaged" in result.stderr, result.stderr


def test_a_reading_command_that_meets_a_damaged_page_says_the_archive_is_damaged(tmp_path):
    archive = make_archive(tmp_path / "a.db")
    _damage_articles(archive)
    result = run_vnarchive("query", "select title from articles", "--db", str(archive))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 9 and len(lines) == 1, result.stderr
    assert "the archive is damaged" in lines[0] and ".recover" in lines[0]


def test_a_writing_command_records_the_whole_check_it_made(tmp_path):
    archive = make_archive(tmp_path / "a.db")
    warc_folder(str(archive)).mkdir()
    result = run_vnarchive("reprocess", "--db", str(archive))
    assert result.returncode == 0, result.stderr
    stat = archive.stat()
    with sqlite3.connect(archive) as connection:
        rows = connection.execute("select device, inode, size from integrity_checks").fetchall()
    assert [row[:2] for row in rows] == [(stat.st_dev, stat.st_ino)] and rows[0][2] > 0


def test_copy_of_the_archive_is_still_an_archive(tmp_path):
    """The checks accept what they must: a copied archive, its WAL included."""
    archive = make_archive(tmp_path / "a.db")
    copy = tmp_path / "copy.db"
    shutil.copy(archive, copy)
    open_database(str(copy)).close()
