"""How the processes of a distributed crawl meet a Redis that went away (restarted, a network
blip): each command that cannot reach it is tried again every half second where it was
called, for up to a patience, so the work pauses rather than fails. Past that, Redis is taken
for lost by the whole process: every later command fails at once with RedisLost.

A worker's patience is its worker timeout (the reactor waits in the command; once Redis is
lost its spiders close as `redis_unreachable`, crawler/shared_frontier.py and
crawler/distributed.py, and the requests it had in flight go back on the queue for the other
workers once its heartbeat key expires). Before, the scheduler's command raised from the
engine's loop every half second for as long as Redis was gone: a worker whose Redis restarted
wrote a traceback twice a second and never ended. `ingest` waits INGEST_PATIENCE, then stops
with one line: the batch it held is written by the next `ingest`, which claims it.

redis-py tries a failed command again by its `Retry` policy, which sleeps what a `Backoff`
computes between tries; the patience is such a Backoff (the library's extension point) that
ends the tries, by raising, once the time is up.
"""

from __future__ import annotations

import logging
import threading
import time

from redis.backoff import AbstractBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

STEP_SECONDS = 0.5
INGEST_PATIENCE = 60.0
WAITING_NOTE_SECONDS = 10  # a warning at most this often while Redis is away


class RedisLost(RedisConnectionError):
    """Redis stayed unreachable for the worker's whole patience."""


class Patience(AbstractBackoff):
    """A Backoff that waits STEP_SECONDS between tries of one command, and raises RedisLost
    once that command has waited `seconds` (and, from then on, at a command's first failure).
    One is shared by every Redis client of a worker; its threads (the reactor's, the
    heartbeat's) each time their own command."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.lost = False
        self._command = threading.local()
        self._noted = 0.0

    def __deepcopy__(self, memo) -> Patience:
        return self  # one worker, one patience: Scrapy deep-copies settings that hold it

    def reset(self) -> None:  # a command starts
        self._command.started = time.monotonic()

    def compute(self, failures: int) -> float:  # it failed for the `failures`-th time
        if self.lost:  # another command waited its whole patience: the same reason, whichever
            # command's failure stops the worker first (they race on a loaded machine)
            raise RedisLost(f"Redis unreachable for {self.seconds:g} s")
        waited = time.monotonic() - getattr(self._command, "started", time.monotonic())
        if waited >= self.seconds:
            self.lost = True
            raise RedisLost(f"Redis unreachable for {self.seconds:g} s")
        if time.monotonic() - self._noted >= WAITING_NOTE_SECONDS:
            self._noted = time.monotonic()
            logger.warning("Redis unreachable for %.0f s: waiting up to %g s for it (the crawl "
                           "pauses)", waited, self.seconds)
        return STEP_SECONDS


def patient_params(patience: Patience) -> dict:
    """redis-py client options under which commands wait out an absent Redis with `patience`
    (scrapy-redis's REDIS_PARAMS take them, so every client of the worker shares it)."""
    return {"retry": Retry(patience, retries=-1),  # until the patience raises
            "retry_on_error": [RedisConnectionError, RedisTimeoutError]}
