"""Operation and distributed commands: the site tools' fetch (crawler/pages.py), `reprocess`
and `import` on their WARC folders and files (archive/warc_folders.py, archive/importer.py),
the distributed worker's full-Redis patience (archive/redis_patience.py) and the profiles the
commands skip (crawler/profiles.py)."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import crawler.profiles as profiles
from archive.archive_files import IndexedRecord, Location
from archive.captures import record_captures
from archive.importer import Candidate, Importer, file_source
from archive.warc_folders import claim
from crawler import pages
from crawler.pages import PageUnavailable
from tests.conftest import PROJECT_ROOT
from tests.test_distributed_pauses import SCHEDULER_OF
from tests.test_operation_holes import crawled
from vnarchive.cli import main


class HeaderDrip:
    """A loopback server that answers a status line, then headers a byte every `every`
    seconds, for `seconds` at most (then it closes the connection), and notes when each client
    left."""

    def __init__(self, seconds: float = 12.0, every: float = 0.2):
        self.seconds, self.every = seconds, every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.left_at: list[float] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def __enter__(self) -> HeaderDrip:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.listener.close()
        self.thread.join(timeout=self.seconds + 5)

    def serve(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        with client:
            client.recv(65536)  # the request
            client.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            stop = time.monotonic() + self.seconds
            while time.monotonic() < stop:
                try:
                    client.sendall(b"a")
                except OSError:  # the client closed its end
                    break
                time.sleep(self.every)
            self.left_at.append(time.monotonic())


@pytest.mark.timeout(60)
def test_headers_dripped_a_byte_at_a_time_are_given_up_at_the_deadline():
    """Before, the socket's TIMEOUT (20 s) bounded each read of the headers alone: a server
    sending them a byte at a time kept the fetch reading, past its deadline, for as long as it
    dripped. Now every read waits at most the time left."""
    with HeaderDrip(seconds=12) as server:
        started = time.monotonic()
        with pytest.raises(PageUnavailable, match="no whole answer within"):
            pages._get_now(f"http://127.0.0.1:{server.port}/", time.monotonic() + 1)
        elapsed = time.monotonic() - started
    assert elapsed < 6, elapsed  # the old read went on until the server stopped (12 s)


@pytest.mark.timeout(60)
def test_a_fast_drip_of_headers_ends_the_fetch_thread_at_its_deadline(monkeypatch):
    """Each read waited at least 0.01 s even past the deadline, so a server dripping faster
    than that (a byte every 3 ms) kept the fetch thread reading, after its caller had given
    up, for as long as it dripped."""
    monkeypatch.setattr(pages, "FETCH_SECONDS", 1.0)
    with HeaderDrip(seconds=12, every=0.003) as server:
        started = time.monotonic()
        with pytest.raises(PageUnavailable):
            pages._get(f"http://127.0.0.1:{server.port}/")
        server.thread.join(timeout=15)
        assert server.left_at, "the server still dripping"
    # The thread closes the connection at the deadline (1 s); the old one read on, 1.3 s
    # more on a quiet machine and until the drip ended (12 s) on a busy one.
    assert server.left_at[0] - started < 1.5, server.left_at[0] - started


@pytest.mark.timeout(60)
def test_a_fetch_of_dripped_headers_leaves_no_thread_reading_past_its_deadline(monkeypatch):
    """`sites add`/`sites check` (pages.fetch) gave up at FETCH_SECONDS, but their fetch thread
    read the dripped headers on; now it ends, and closes the connection, at the deadline."""
    monkeypatch.setattr(pages, "FETCH_SECONDS", 1.0)
    with HeaderDrip(seconds=12) as server:
        started = time.monotonic()
        with pytest.raises(PageUnavailable, match="no whole answer within 1.0 s"):
            pages.fetch(f"http://127.0.0.1:{server.port}/", obey_robots=False)
        server.thread.join(timeout=10)
        assert server.left_at, "the server still dripping"
    assert server.left_at[0] - started < 6, server.left_at[0] - started


def test_reprocess_names_the_other_archive_its_older_warc_folder_is_marked_for(tmp_path,
                                                                              capsys):
    """`reprocess` of an archive whose `NAME-warc/` is marked (ARCHIVE file) for another
    archive said only "no WARC files at NAME.db-warc"; now it names that folder and whose
    it is."""
    legacy = tmp_path / "a-warc"
    other = crawled(tmp_path / "a.sqlite", range(2, 4), warc_dir=legacy)
    claim(str(other), legacy)  # as a crawl of a.sqlite marks it
    db = crawled(tmp_path / "a.db", range(0, 2), warc_dir=tmp_path / "moved")
    shutil.rmtree(tmp_path / "moved")  # a.db's own files are not beside it
    assert main(["reprocess", "--db", str(db)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert f"no WARC files at {tmp_path / 'a.db-warc'}" in line, line
    assert f"{legacy} is marked in its ARCHIVE file" in line and "archive, a.sqlite" in line, line


# The full-Redis patience set once, in archive/redis_waits.py: the value is changed there
# first, and every place that gives the default must give the changed one.
ONE_FULL_PATIENCE = """
import inspect, json, sys
import archive.redis_waits
archive.redis_waits.FULL_PATIENCE = 123.0
import crawler.settings
from vnarchive.cli import main
try:
    main(["crawl", "--help"])
except SystemExit:
    pass
light = "redis" not in sys.modules  # the settings and the CLI load no redis for it
from scrapy.utils.project import get_project_settings
from crawler.distributed import DistributedMode
from vnarchive.cli.crawling import crawl
from vnarchive.crawl import crawl_worker
option = next(param for param in crawl.params if param.name == "full_timeout")
settings = get_project_settings()
settings.set("VNARCHIVE_REDIS_URL", "redis://127.0.0.1:1/0")
del settings["VNARCHIVE_REDIS_FULL_TIMEOUT"]  # the add-on's own default
DistributedMode().update_settings(settings)  # no Redis is contacted
print(json.dumps({"light": light, "settings": crawler.settings.VNARCHIVE_REDIS_FULL_TIMEOUT,
                  "option": option.default, "help": "(default 123)" in option.help,
                  "crawl_worker": inspect.signature(crawl_worker).parameters[
                      "full_timeout"].default,
                  "add_on": settings["VNARCHIVE_REDIS_PATIENCE"].full_seconds}))
"""


@pytest.mark.timeout(120)
def test_the_full_redis_patience_is_one_number_and_loads_no_redis():
    """The 600 s a worker waits at a full Redis was written out in four places (the settings,
    the CLI option and its help, crawl_worker's default, the add-on's fallback), since
    importing it from archive/redis_patience.py would load redis in every command. Now all
    take it from archive/redis_waits.py, which imports nothing."""
    result = subprocess.run([sys.executable, "-c", ONE_FULL_PATIENCE], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=100)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "light": True, "settings": 123.0, "option": 123.0, "help": True,
        "crawl_worker": 123.0, "add_on": 123.0}


# A profile file the commands skip (crawler/profiles.py) --------------------------------------
@pytest.fixture
def one_broken_profile(tmp_path, monkeypatch) -> Path:
    """The shipped Thanh Hóa profile and a copy of Lý Nhân's without its article pattern, in
    a folder used in place of the shipped one."""
    folder = tmp_path / "sites"
    folder.mkdir()
    shutil.copy(profiles.SITES_DIR / "testweb_thanhhoa.toml", folder)
    text = (profiles.SITES_DIR / "testweb_lynhan.toml").read_text(encoding="utf-8")
    broken = folder / "zz_half_done.toml"
    broken.write_text(text.replace("article_pattern", "# article_pattern"), encoding="utf-8")
    monkeypatch.setattr(profiles, "SITES_DIR", folder)
    return broken


def test_a_skipped_profile_is_a_record_not_a_string(one_broken_profile):
    """It was a `str` subclass carrying its name, files and flag as attributes: any string
    operation on it (a join, a strip) gave a plain string and lost them."""
    skipped: list[profiles.SkippedProfile] = []
    assert "testweb_thanhhoa" in profiles.load_profiles(skipped=skipped)
    [problem] = skipped
    assert not isinstance(problem, str)
    assert problem.name == "testweb_lynhan" and problem.paths == (one_broken_profile,)
    assert not problem.contested and "zz_half_done.toml" in problem.problem
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.name = "other"


def tiny_warc(path: Path) -> Path:
    """One HTML response of a host no profile claims."""
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "http://127.0.0.1:1/tin/1", "response", payload=io.BytesIO(b"<html>x</html>"),
            http_headers=headers))
    return path


def test_the_commands_name_a_skipped_profile_by_its_problem(one_broken_profile, tmp_path,
                                                            capsys):
    """`sites`, `import` and `crawl` of an unknown name each say which profile file they left
    out, in the words of its problem."""
    assert main(["sites"]) == 2
    [warning] = capsys.readouterr().err.strip().splitlines()
    assert warning.startswith("vnarchive sites: warning: ") and "zz_half_done.toml" in warning
    problem = warning.removeprefix("vnarchive sites: warning: ")
    warc = tiny_warc(tmp_path / "one.warc.gz")
    assert main(["import", str(warc), "--db", str(tmp_path / "a.db")]) == 0
    assert (f"vnarchive import: warning: {problem} (that profile's pages are not claimed)"
            in capsys.readouterr().err.splitlines())
    assert main(["crawl", "no_such_site", "--db", str(tmp_path / "a.db")]) == 2
    err = capsys.readouterr().err
    assert f"1 profile files could not be read: {problem}" in err, err


# `import`'s triage of revisits (archive/importer.py) -----------------------------------------
def revisit(number: int, digest: str) -> Candidate:
    """A revisit record of article `number` whose original is in none of the files."""
    record = IndexedRecord(url=f"http://127.0.0.1:1/tin/{number}",
                           captured_at=f"2024-05-{number:02}T00:00:00+00:00",
                           record_type="revisit", status=200, digest=digest,
                           location=Location("/nowhere.warc.gz"))
    return Candidate(record, None, None, "s1")


def test_import_asks_the_archive_once_for_the_originals_of_all_its_revisits(tmp_path):
    """Each revisit whose original is in none of the files cost two queries (a capture of it,
    then a fetch of it); a backfill's thousands of revisits made thousands. Now one query
    answers for them all, with the same outcome: held originals are seen again, the others
    are counted as having none."""
    db = str(tmp_path / "a.db")
    importer = Importer(db, file_source)
    record_captures(importer.db, [{
        "canonical_url": importer.key("http://127.0.0.1:1/tin/1"),
        "url": "http://127.0.0.1:1/tin/1",
        "site": "s1", "captured_at": "2024-04-01T00:00:00+00:00", "digest": "HELD1",
        "status": 200, "source_kind": "file", "source": "/older.warc.gz", "run_id": None,
        "recorded_at": "2024-04-02T00:00:00+00:00"}])
    importer.db.execute("insert into pages (url, site, fetched_at, status, payload_digest) "
                        "values ('http://127.0.0.1:1/tin/2?utm_source=x', 's1', "
                        "'2024-04-01T00:00:00+00:00', 200, 'sha1:HELD2')")
    candidates = [revisit(1, "HELD1"), revisit(2, "HELD2"),
                  *(revisit(number, f"GONE{number}") for number in range(3, 9))]
    statements: list[str] = []
    importer.db.conn.set_trace_callback(statements.append)
    try:
        todo = importer.triage(candidates, set())
    finally:
        importer.db.conn.set_trace_callback(None)
    reads = [sql for sql in statements if sql.lstrip().lower().startswith("select")]
    assert len(reads) == 1, reads
    assert todo == []
    assert (importer.result.unchanged, importer.result.no_original) == (2, 6)
    importer.close("finished")


# A worker that starts at an already-full Redis (crawler/shared_frontier.py) ------------------
OPEN_AT_A_FULL_REDIS = SCHEDULER_OF + """
import threading, time
from redis import Redis
server = Redis.from_url(sys.argv[1])
server.config_set("maxmemory", "1")  # full before the worker's first command

def make_room():
    time.sleep(2.5)  # past the worker timeout (1 s) and its unreachable patience
    server.config_set("maxmemory", "0")

scheduler, spider = scheduler_of("http://127.0.0.1:1/", VNARCHIVE_REDIS_WORKER_TIMEOUT=1,
                                 VNARCHIVE_REDIS_FULL_TIMEOUT=60)
started = time.monotonic()
threading.Thread(target=make_room).start()
scheduler.open(spider)  # joins the round and beats for the first time
waited = time.monotonic() - started
alive = server.ttl("vnarchive:worker:" + scheduler.worker)
scheduler.heartbeat.stop()
# A first beat itself at a full Redis: the key of a worker Redis has not seen yet is written.
server.config_set("maxmemory", "1")
scheduler.beat_script(keys=["vnarchive:worker:new", scheduler.keys["round"]],
                      args=["new", 5, spider.name])
first_beat = server.ttl("vnarchive:worker:new")
server.config_set("maxmemory", "0")
print(json.dumps([waited >= 2, alive > 0, first_beat > 0]))
"""


@pytest.mark.timeout(120)
def test_a_worker_starting_at_a_full_redis_waits_for_room_then_beats(redis_url):
    """A worker's first commands at a Redis already at its maxmemory wait for room under its
    full patience, as its later writes do: joining the round (a SET Redis refuses with OOM)
    is waited out, and the heartbeat script, which EXPIREs first, writes even a new worker's
    key at maxmemory, so its first beat is never refused. (A guard: this held before too.)"""
    result = subprocess.run([sys.executable, "-c", OPEN_AT_A_FULL_REDIS, redis_url],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=100)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True, True], (
        result.stderr)
    assert "Redis is full (at its maxmemory)" in result.stderr, result.stderr
