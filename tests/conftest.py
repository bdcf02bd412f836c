"""Shared fixtures: run the `vnarchive` command in a subprocess (one Twisted reactor per
process), serve the local test web in this process, and crawl it once per test run; and how
the tests are spread over pytest-xdist's workers."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from testweb.families import ARTICLE_FAMILIES
from testweb.redis_server import LocalRedis, RedisUnavailable
from testweb.server import DEFAULT_PORTS, LOOPBACK, TestWeb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIRST_VERSION = PROJECT_ROOT / "tests" / "fixtures" / "archive-v1.db"


def first_version_killed_while_opening(folder: Path, script: str) -> Path:
    """A copy of the first archive version that `script` (run with the copy's path) opened
    and was killed in (exit status 9), for the tests of interrupted migrations."""
    path = folder / "old.db"
    shutil.copy(FIRST_VERSION, path)
    killed = subprocess.run([sys.executable, "-c", script, str(path)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert killed.returncode == 9, killed.stderr
    return path


def killed_while_indexing(migration: str) -> str:
    """The script for `first_version_killed_while_opening` that opens the copy as the version
    before `migration` made it, then opens it again and is killed while `migration` makes the
    full-text index again (at its third line of progress, a step being two rowids)."""
    return f"""
import builtins, os, sys
import archive.schema
from archive.schema import migrations, open_database
every = migrations._migrations
migrations._migrations = every[:[m.name for m in every].index({migration!r})]
open_database(sys.argv[1]).close()  # the archive as the version before made it
migrations._migrations = every
archive.schema.SEARCH_INDEX_STEP = 2
printed = []
def print_then_die(*args, **kwargs):
    printed.append(args)
    if len(printed) == 3:
        os._exit(9)  # as a SIGKILL would, in the middle of the rebuild
builtins.print = print_then_die
open_database(sys.argv[1])
"""


COMMAND_TIMEOUT = 240


def query(db, sql: str, params=()) -> list[tuple]:
    """Rows of one SQL statement on an archive file."""
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def bytes_read_by_this_process() -> int:
    """The bytes this process has asked the kernel to read so far (`rchar`, page cache or not):
    a test's bound on what a reader reads, not on how long it takes."""
    with open("/proc/self/io") as counters:
        return next(int(line.split()[1]) for line in counters if line.startswith("rchar:"))


def run_vnarchive(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`vnarchive ARGS` in a fresh Python process; its output, and never a hang."""
    return subprocess.run(
        [sys.executable, "-m", "vnarchive", *args], cwd=cwd or PROJECT_ROOT,
        capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
    )


@pytest.fixture(scope="session")
def testweb():
    with TestWeb() as web:
        yield web


def busy_ports(ports) -> list[int]:
    """Which of these loopback ports a server could not listen on now."""
    busy = []
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
            try:
                probe.bind((LOOPBACK, port))
            except OSError:
                busy.append(port)
    return busy


@pytest.fixture
def default_ports(tmp_path_factory):
    """The test web's default ports, held for one test. `vnarchive demo` serves there so that a
    second demo keeps the first one's URLs; two demos at once on two xdist workers would push
    one onto other ports and make its articles new. Skips, saying why, when something outside
    the suite holds them."""
    shared = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        shared = shared.parent  # the folder every worker of this run shares
    with FileLock(str(shared / "default-ports.lock")):
        busy = busy_ports(DEFAULT_PORTS.values())
        if busy:
            pytest.skip(f"the test web's default ports {busy} are taken by another program")
        yield


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which may not be installed
def pytest_xdist_make_scheduler(config, log):
    """Under `--dist loadgroup`, a module per worker and the timing-sensitive ones together."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.scheduling import ModuleGroups

    return ModuleGroups(config, log)


@dataclass
class CrawledArchive:
    db: Path
    output: str
    requests: dict[str, Counter]  # family -> path -> times the test web served it
    user_agents: set[str]


def crawl_test_web(testweb: TestWeb, folder: Path) -> CrawledArchive:
    """The whole local test web crawled with `vnarchive crawl` into `folder`/archive.db."""
    db = folder / "archive.db"
    for site in testweb.sites.values():
        site.requests.clear()
        site.user_agents.clear()
    names = [f"testweb_{family}" for family in ARTICLE_FAMILIES]
    result = run_vnarchive("crawl", *names, "--db", str(db),
                           "--base-urls", json.dumps(testweb.base_urls()))
    assert result.returncode == 0, result.stderr[-3000:]
    requests = {name: Counter(testweb.sites[name].requests) for name in ARTICLE_FAMILIES}
    user_agents = set().union(*(testweb.sites[name].user_agents for name in ARTICLE_FAMILIES))
    return CrawledArchive(db=db, output=result.stdout, requests=requests,
                          user_agents=user_agents)


@pytest.fixture(scope="session")
def crawled_archive(testweb, tmp_path_factory) -> CrawledArchive:
    """The whole local test web crawled once per test run into a temp archive, which the tests
    only read. Under pytest-xdist the first worker to ask crawls, in a folder all workers
    share, and the others read what it recorded."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return crawl_test_web(testweb, tmp_path_factory.mktemp("crawl"))
    folder = tmp_path_factory.getbasetemp().parent / "crawled-archive"
    record = folder / "crawl.json"
    with FileLock(str(folder) + ".lock"):
        if not record.exists():
            folder.mkdir(exist_ok=True)
            crawled = crawl_test_web(testweb, folder)
            record.write_text(json.dumps({
                "output": crawled.output, "requests": crawled.requests,
                "user_agents": sorted(crawled.user_agents)}), encoding="utf-8")
            return crawled
    recorded = json.loads(record.read_text(encoding="utf-8"))
    return CrawledArchive(
        db=folder / "archive.db", output=recorded["output"],
        requests={name: Counter(paths) for name, paths in recorded["requests"].items()},
        user_agents=set(recorded["user_agents"]))


@pytest.fixture
def redis_url():
    """A private redis-server on a free loopback port; the test skips, saying why, without one."""
    try:
        with LocalRedis() as server:
            yield server.url
    except RedisUnavailable as reason:
        pytest.skip(f"no Redis for this test: {reason}")


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """An archive of 400 articles written by bench/fill_archive.py (no crawl), one a module
    that asks for it."""
    from bench.fill_archive import fill

    db = tmp_path_factory.mktemp("filled") / "archive.db"
    fill(str(db), 400, batch_size=100, window=100)
    return db
