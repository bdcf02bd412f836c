"""Shared fixtures: run the `vnarchive` command in a subprocess (one Twisted reactor per
process), serve the local test web in this process, and crawl it once per session."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from testweb.families import ARTICLE_FAMILIES
from testweb.redis_server import LocalRedis, RedisUnavailable
from testweb.server import TestWeb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMMAND_TIMEOUT = 240


def query(db, sql: str, params=()) -> list[tuple]:
    """Rows of one SQL statement on an archive file."""
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


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


@dataclass
class CrawledArchive:
    db: Path
    output: str
    requests: dict[str, Counter]  # family -> path -> times the test web served it
    user_agents: set[str]


@pytest.fixture(scope="session")
def crawled_archive(testweb, tmp_path_factory) -> CrawledArchive:
    """The whole local test web crawled once with `vnarchive crawl` into a temp archive."""
    db = tmp_path_factory.mktemp("crawl") / "archive.db"
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


@pytest.fixture
def redis_url():
    """A private redis-server on a free loopback port; the test skips, saying why, without one."""
    try:
        with LocalRedis() as server:
            yield server.url
    except RedisUnavailable as reason:
        pytest.skip(f"no Redis for this test: {reason}")
