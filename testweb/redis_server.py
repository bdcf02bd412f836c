"""A private `redis-server` on a free loopback port, for the distributed-mode tests and bench.

It saves nothing to disk on its own and is stopped with the `with` block; `restart` saves its
data, stops it and starts it again on the same port, as a server restarted by its operator.
`RedisUnavailable` says why it could not start (no binary, or it would not answer), so a test
can skip with that reason.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from testweb.processes import free_port, stop_process

START_SECONDS = 10


class RedisUnavailable(Exception):
    """redis-server cannot be started here."""


class LocalRedis:
    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.port = 0
        self._folder = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> LocalRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisUnavailable("redis-server is not installed (Debian: apt-get install "
                                   "redis-server; .ci/run installs it)")
        if self._folder is None:  # a restart keeps its folder (the saved data) and port
            self._folder = tempfile.TemporaryDirectory(prefix="vnarchive-redis-")
            self.port = free_port()
        log = Path(self._folder.name) / "redis.log"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self._folder.name, "--daemonize", "no",
             "--logfile", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = log.read_text(errors="replace")[-500:] if log.exists() else ""
                self.stop()
                raise RedisUnavailable(f"redis-server exited at start: {output}")
            try:
                Redis.from_url(self.url).ping()
                return self
            except RedisConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RedisUnavailable(f"redis-server did not answer within {START_SECONDS} s")

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop the server, saving its data as it stops (nothing written before is lost), wait
        `down_seconds`, start it again on the same port with that data."""
        Redis.from_url(self.url).shutdown(save=True)
        self.process.wait(timeout=START_SECONDS)
        time.sleep(down_seconds)
        self.start()

    def stop(self) -> None:
        stop_process(self.process)
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
