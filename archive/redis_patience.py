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

A Redis at its maxmemory (policy noeviction, archive/redis_policy.py) answers a worker's
writes with OOM until `ingest` has freed room by writing and deleting what the workers sent.
A worker waits for that the same way, up to its full patience (`--full-timeout`,
archive/redis_waits.py), saying so every 10 s; before, its first refused message stopped it for
good. The writer does not wait for room: it is what makes room (archive/ingest.py).

redis-py tries a failed command again by its `Retry` policy, which sleeps what a `Backoff`
computes between tries; the patience is such a Backoff (the library's extension point) that
ends the tries, by raising, once the time is up. Which error each try met (an absent Redis
or a full one) is told to it by PatientRetry, redis-py's Retry.
"""

from __future__ import annotations

import logging
import threading
import time

from redis.backoff import AbstractBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

STEP_SECONDS = 0.5
INGEST_PATIENCE = 60.0
WAITING_NOTE_SECONDS = 10  # a warning at most this often while Redis is away


class RedisLost(RedisConnectionError):
    """Redis stayed unreachable (or full) for the worker's whole patience."""


class Patience(AbstractBackoff):
    """A Backoff that waits STEP_SECONDS between tries of one command, and raises RedisLost
    once that command has waited `seconds` (and, from then on, at a command's first failure).
    One is shared by every Redis client of a worker; its threads (the reactor's, the
    heartbeat's) each time their own command. With `full_seconds`, a command Redis refuses
    for want of memory (OOM) is tried again too, for up to that long."""

    def __init__(self, seconds: float, full_seconds: float | None = None):
        self.seconds = seconds
        self.full_seconds = full_seconds
        self.lost = False
        self.reason = ""
        self._command = threading.local()
        self._noted = 0.0

    def __deepcopy__(self, memo) -> Patience:
        return self  # one worker, one patience: Scrapy deep-copies settings that hold it

    def reset(self) -> None:  # a command starts
        if getattr(self._command, "depth", 0) > 1:
            return  # the reconnection inside a command's retry: the command's wait goes on
        self._command.started = time.monotonic()
        self._command.full = False

    def note(self, error: Exception) -> None:  # what its last try met (PatientRetry)
        full = isinstance(error, OutOfMemoryError)
        if full != getattr(self._command, "full", False):
            # Another kind of wait starts its own clock: minutes waited out at a full Redis
            # made a first connection error after them "unreachable for 60 s" at once.
            self._command.started = time.monotonic()
        self._command.full = full

    def compute(self, failures: int) -> float:  # it failed for the `failures`-th time
        if self.lost:  # another command waited its whole patience: the same reason, whichever
            # command's failure stops the worker first (they race on a loaded machine)
            raise RedisLost(self.reason)
        full = getattr(self._command, "full", False)
        limit = self.full_seconds if full else self.seconds
        waited = time.monotonic() - getattr(self._command, "started", time.monotonic())
        if waited >= limit:
            self.lost = True
            self.reason = (f"Redis stayed full (at its maxmemory) for {limit:g} s: is "
                           "`vnarchive ingest` running, and has Redis room for a batch?"
                           if full else f"Redis unreachable for {limit:g} s")
            raise RedisLost(self.reason)
        if time.monotonic() - self._noted >= WAITING_NOTE_SECONDS:
            self._noted = time.monotonic()
            if full:
                logger.warning("Redis is full (at its maxmemory) for %.0f s: waiting up to "
                               "%g s for `vnarchive ingest` to free room (the crawl pauses)",
                               waited, limit)
            else:
                logger.warning("Redis unreachable for %.0f s: waiting up to %g s for it (the "
                               "crawl pauses)", waited, limit)
        return STEP_SECONDS


class PatientRetry(Retry):
    """redis-py's Retry, which tells the patience which error each failed try met, and times
    a command's whole wait: redis-py drops the connection after each failed try, and the
    reconnection's own retry (of the same patience) would start the clock again, so a
    command Redis kept refusing (OOM) waited for ever."""

    def call_with_retry(self, do, fail, *args, **kwargs):
        patience = self._backoff
        command = patience._command

        def noted(error, *rest):
            patience.note(error)
            return fail(error, *rest)

        command.depth = getattr(command, "depth", 0) + 1
        try:
            return super().call_with_retry(do, noted, *args, **kwargs)
        finally:
            command.depth -= 1


def patient_params(patience: Patience) -> dict:
    """redis-py client options under which commands wait out an absent Redis with `patience`,
    and a full one if it has `full_seconds` (scrapy-redis's REDIS_PARAMS take them, so every
    client of the worker shares it)."""
    errors = [RedisConnectionError, RedisTimeoutError]
    if patience.full_seconds:
        errors.append(OutOfMemoryError)
    return {"retry": PatientRetry(patience, retries=-1),  # until the patience raises
            "retry_on_error": errors}
