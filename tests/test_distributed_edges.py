"""What an operator of a distributed crawl meets at its edges: Redis addresses with a typo,
a Redis that asks for a password, two writers on one stream."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from redis import Redis
from redis.exceptions import OutOfMemoryError

from archive.ingest import ensure_group, ingest
from archive.ingest_claim import CLAIM_SECONDS
from archive.stream import STREAM, archived_key
from crawler.distributed import SEEN_KEY, RedisArchiveSink
from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from tests.test_ingest_messages import send_good_messages
from testweb.server import TestWeb

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


def _start_ingest(redis_url: str, db, idle_timeout: str = "30") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "ingest", "--redis", redis_url, "--db", str(db),
         "--idle-timeout", idle_timeout], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


def _wait_for_the_writer(redis_url: str, process: subprocess.Popen) -> None:
    """Until it reads the stream: its consumer group made, then its claim seen (a writer
    without one, as before, is given 3 s more)."""
    server = Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while not server.exists("vnarchive:archive"):
        assert process.poll() is None, process.communicate()[0][-3000:]
        assert time.monotonic() < deadline, "the first ingest never started"
        time.sleep(0.1)
    grace = time.monotonic() + 3
    while not server.exists("vnarchive:ingest:writer") and time.monotonic() < grace:
        time.sleep(0.1)


def _start_slow_worker(redis_url: str, web: TestWeb) -> subprocess.Popen:
    """A worker crawling every site of the web, each answering after 0.3 s: still at work
    seconds later."""
    for site in web.sites.values():
        site.delay = 0.3
    names = [site.profile_name for site in web.sites.values()]
    return subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "crawl", *names, "--redis", redis_url,
         "--base-urls", json.dumps(web.base_urls()), "--idle-timeout", "2",
         "--worker-timeout", "3"], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)



@pytest.mark.timeout(180)
def test_a_second_ingest_on_one_stream_is_refused_and_a_killed_ones_successor_is_not(
        redis_url, tmp_path):
    """Two `ingest`s with different archives on one Redis: before, both read the same consumer
    group as the same consumer, splitting the workers' messages between two archives without a
    word. The second is refused (exit 3, busy) while the first lives; once the first is killed
    with SIGKILL, a new one starts at once (its claim's process is gone), not refused."""
    first = _start_ingest(redis_url, tmp_path / "first.db")
    try:
        _wait_for_the_writer(redis_url, first)
        second = run_vnarchive("ingest", "--redis", redis_url, "--db",
                               str(tmp_path / "second.db"), "--idle-timeout", "0")
        assert second.returncode == 3, second.stdout + second.stderr[-3000:]
        assert "another `vnarchive ingest` is writing this Redis's stream" in second.stderr
        assert "first.db" in second.stderr  # names the writer to look for
        assert not (tmp_path / "second.db").exists()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    started = time.monotonic()
    again = run_vnarchive("ingest", "--redis", redis_url, "--db", str(tmp_path / "second.db"),
                          "--idle-timeout", "0")
    assert again.returncode == 0, again.stderr[-3000:]
    assert time.monotonic() - started < CLAIM_SECONDS  # did not wait for the claim to expire
    assert not Redis.from_url(redis_url).exists("vnarchive:ingest:writer")  # let go at its end


@pytest.mark.timeout(120)
def test_ingest_drains_a_redis_at_its_maxmemory(redis_url, tmp_path):
    """A Redis full of pages refuses the workers' messages; the writer is what frees it. It
    refuses every command queued in a MULTI, and the acknowledgement was one: the first batch
    was committed, then ingest died with a traceback, and every later one did the same, so the
    backlog never drained. Now it drains, and publishes the archived URLs once there is room."""
    server = Redis.from_url(redis_url)
    ensure_group(server)  # an earlier ingest made it
    send_good_messages(redis_url, 30)
    sink = RedisArchiveSink(server, "testweb_lynhan", "w2")
    for _ in range(10):  # pages of 100 KB: the backlog that filled it, freed by the drain
        sink.add_page({"site": "testweb_lynhan", "url": "http://127.0.0.1:1/big",
                       "status": 500, "error": "x" * 100_000})
    server.config_set("maxmemory", str(server.info("memory")["used_memory"] + 1000))
    with pytest.raises(OutOfMemoryError):  # what the workers meet meanwhile
        send_good_messages(redis_url, 1)
    result = ingest(redis_url, str(tmp_path / "a.db"), idle_timeout=0.2, batch_size=10)
    assert result.status == "finished"
    assert query(tmp_path / "a.db", "select count(*) from articles") == [(30,)]
    assert server.xlen(STREAM) == 0
    assert server.hlen(archived_key("testweb_lynhan")) == 30


@pytest.mark.timeout(60)
def test_ingest_at_a_full_redis_without_its_group_is_one_line(redis_url, tmp_path):
    """A Redis that filled before any ingest made its consumer group: making it is refused.
    One line says Redis is full and what to do, not a traceback."""
    server = Redis.from_url(redis_url)
    send_good_messages(redis_url, 5)
    server.config_set("maxmemory", str(server.info("memory")["used_memory"] + 1000))
    result = run_vnarchive("ingest", "--redis", redis_url, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is full (maxmemory)" in lines[0], result.stderr


@pytest.mark.timeout(180)
def test_ctrl_c_on_a_worker_and_on_the_writer_is_exit_4_with_one_line(redis_url, tmp_path):
    """Ctrl-C (SIGINT) stops a worker and the writer cleanly: exit 4 ('stopped by one SIGTERM
    or Ctrl-C', as every command), with a line saying what happens to the rest. Before, both
    ended 1, as a failure, and the writer said nothing on stderr."""
    writer = _start_ingest(redis_url, tmp_path / "a.db")
    _wait_for_the_writer(redis_url, writer)
    with TestWeb(families=["lynhan"]) as web:
        worker = _start_slow_worker(redis_url, web)  # still crawling when Ctrl-C comes
        server = Redis.from_url(redis_url)
        deadline = time.monotonic() + 90
        while server.xlen(STREAM) + _ingested(tmp_path / "a.db") < 3:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.2)
        for process in (worker, writer):
            process.send_signal(signal.SIGINT)
        _, worker_err = worker.communicate(timeout=120)
        writer_out, _ = writer.communicate(timeout=120)
    assert worker.returncode == 4, worker_err[-3000:]
    assert "vnarchive crawl: interrupted: what it had not finished went back" in worker_err
    assert writer.returncode == 4, writer_out[-3000:]
    assert "vnarchive ingest: interrupted: every batch it took was written" in writer_out


def _ingested(db) -> int:
    try:
        return query(db, "select count(*) from pages")[0][0]
    except Exception:  # not made yet
        return 0


@pytest.mark.timeout(180)
def test_a_worker_writes_no_library_warning(redis_url):
    """Before, every worker wrote scrapy-redis's ScrapyDeprecationWarning (a `spider` argument
    to the stats) to stderr: noise in every cron mail, among the lines that matter."""
    with TestWeb(families=["lynhan"]) as web:
        names = [site.profile_name for site in web.sites.values()]
        result = run_vnarchive("crawl", *names, "--redis", redis_url, "--base-urls",
                               json.dumps(web.base_urls()), "--idle-timeout", "1",
                               "--worker-timeout", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    assert Redis.from_url(redis_url).xlen(STREAM) > 0  # it crawled
    assert "Warning" not in result.stderr, result.stderr[-3000:]


@pytest.mark.timeout(180)
def test_ingest_goes_on_when_redis_loses_its_data(redis_url, tmp_path):
    """Redis restarted without saving (or flushed) under a running writer: before, `ingest`
    died with a traceback (UNBLOCKED the stream key no longer exists, or NOGROUP). Now it says
    so, makes its group again, publishes the archive again for the workers' frontier, and
    writes what the workers send next."""
    server = Redis.from_url(redis_url)
    db = tmp_path / "a.db"
    writer = _start_ingest(redis_url, db, idle_timeout="4")
    try:
        _wait_for_the_writer(redis_url, writer)
        send_good_messages(redis_url, 3)
        _wait(lambda: server.hlen(archived_key("testweb_lynhan")) == 3, writer)
        server.flushdb()
        _wait(lambda: server.hlen(archived_key("testweb_lynhan")) == 3, writer)  # again
        send_good_messages(redis_url, 6)  # three new ones, three already archived
        output, _ = writer.communicate(timeout=120)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    assert "Redis lost its data under this writer" in output
    assert query(db, "select count(*) from articles") == [(6,)]


def _wait(condition, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()[0][-3000:]
        assert time.monotonic() < deadline, "never came"
        time.sleep(0.1)


@pytest.mark.timeout(60)
def test_rediss_to_a_redis_without_tls_says_which(redis_url):
    """rediss:// (TLS) to a Redis that speaks plain: redis-py's 'Timeout connecting to server'
    named no cause; the line now says what rediss:// means."""
    result = run_vnarchive("rejected", "--redis", redis_url.replace("redis://", "rediss://"))
    assert result.returncode == 1, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "rediss:// speaks TLS" in lines[0], result.stderr


@pytest.mark.timeout(180)
def test_a_worker_with_another_profile_of_the_site_leaves_it_to_the_round(redis_url):
    """A worker joins a live round of a site whose workers crawl with another profile (an
    older profile file on that machine, other --base-urls). Before, it crawled the same queue
    by its own rules without a word; now it says so, fetches nothing and ends 1."""
    server = Redis.from_url(redis_url)
    site = "testweb_lynhan"
    server.set("vnarchive:worker:elsewhere", site, ex=120)  # the round's live worker
    server.set(f"vnarchive:{site}:round", "elsewhere", ex=120)
    server.set(f"vnarchive:{site}:profile", "another profile's fingerprint")
    with TestWeb(families=["lynhan"]) as web:
        result = run_vnarchive("crawl", site, "--redis", redis_url, "--base-urls",
                               json.dumps(web.base_urls()), "--idle-timeout", "1",
                               "--worker-timeout", "3")
        fetched = {path for served in web.sites.values() for path in served.requests
                   if path != "/robots.txt"}  # robots.txt is read outside the frontier
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "profile of the site differs" in result.stderr
    kinds = {fields[b"kind"] for _, fields in server.xrange(STREAM)}
    assert b"fetch" not in kinds and b"article" not in kinds, kinds
    assert not fetched, fetched


@pytest.mark.timeout(180)
def test_a_worker_whose_redis_lost_its_data_says_so(redis_url):
    """Redis restarted without its data under a worker: the shared queue and seen-set are gone
    and the worker's round ends short. Before, it ended 'finished' without a word, then with
    the word but exit 0; now it says Redis no longer knew it and that the crawl should run
    again, and ends 11, which a script or systemd can tell from a whole round."""
    server = Redis.from_url(redis_url)
    with TestWeb(families=["lynhan"]) as web:
        worker = _start_slow_worker(redis_url, web)
        try:
            deadline = time.monotonic() + 90
            while server.xlen(STREAM) < 3:
                assert worker.poll() is None, worker.communicate()
                assert time.monotonic() < deadline, "the worker sent nothing"
                time.sleep(0.1)
            server.flushdb()
            # The seen-sets written again at once, as the next request a worker queues
            # writes its site's (it is what the worker looked at before to tell a loss).
            for site in web.sites.values():
                server.sadd(SEEN_KEY % {"spider": site.profile_name}, "after the loss")
            _, err = worker.communicate(timeout=120)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert "Redis no longer knew this worker" in err, err[-3000:]
    assert worker.returncode == 11, err[-3000:]
    assert "run the same crawl again" in err.strip().splitlines()[-1], err[-3000:]
