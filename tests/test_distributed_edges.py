"""What an operator of a distributed crawl meets at its edges: Redis addresses with a typo,
a Redis that asks for a password, two writers on one stream."""

from __future__ import annotations

import pytest
from redis import Redis

from tests.conftest import run_vnarchive

COMMANDS = [["ingest"], ["rejected"], ["crawl", "testweb_lynhan"]]


def _archive(command, tmp_path) -> list[str]:
    return [] if command == ["rejected"] else ["--db", str(tmp_path / "a.db")]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_redis_does_not_have_is_one_line(redis_url, tmp_path, command):
    """redis://host:port/99 on a Redis of 16 databases: one line naming the database, exit 2
    (the address is wrong), no traceback."""
    url = redis_url.rsplit("/", 1)[0] + "/99"
    result = run_vnarchive(*command, "--redis", url, *_archive(command, tmp_path))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no database 99" in lines[0], result.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_that_is_no_number_is_refused(tmp_path, command):
    """redis://host:6379/l (an l for a 1): redis-py would take database 0 without a word."""
    result = run_vnarchive(*command, "--redis", "redis://127.0.0.1:6379/l",
                           *_archive(command, tmp_path))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "not a Redis database number: 'l'" in result.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_redis_that_wants_a_password_says_so_and_no_password_is_printed(
        redis_url, tmp_path, command):
    """No password given: the line says one is needed (not redis-py's 'HELLO must be called
    with the client already authenticated'). A wrong one: refused, and the password given is
    not printed (the line goes to cron mails and logs)."""
    Redis.from_url(redis_url).config_set("requirepass", "s3cret-hub")
    result = run_vnarchive(*command, "--redis", redis_url, *_archive(command, tmp_path))
    assert result.returncode == 1, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "asks for a password" in lines[0], result.stderr
    wrong = redis_url.replace("redis://", "redis://:not-the-password@")
    result = run_vnarchive(*command, "--redis", wrong, *_archive(command, tmp_path))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "refused the password" in result.stderr
    assert "not-the-password" not in result.stderr + result.stdout
    assert not (tmp_path / "a.db").exists()
