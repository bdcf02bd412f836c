"""One `vnarchive ingest` per Redis stream: the writer claims the stream in Redis for as long as
it runs.

The archive lock keeps two writers off one archive, but not off one stream: a second `ingest`
with another `--db` (another machine, a typo) read from the same consumer group under the same
consumer name, so the workers' messages were split between two archives without a word, and
each took over the batch the other was writing. Now the second one is refused (ArchiveBusy's
exit 3) while the first is alive.

The claim is a key holding the writer's host, process and archive, which expires unless renewed
every few seconds by a thread (a long batch must not let it lapse). A writer killed with SIGKILL
leaves its claim to expire; a new `ingest` on the same host whose holder process is gone takes
it over at once, and elsewhere it waits until the claim either expires (taken) or is renewed
(the holder is alive: refused).

A Redis at its maxmemory refuses the claim (a new key), and the writer is what frees its
memory: refusing to start would leave it full, and the workers paused, until someone raised
its maxmemory. So the writer starts unclaimed and takes the claim as soon as a batch it wrote
has freed room (`take_again`, after each batch); one that finds another writer's claim then
stops after its batch. Before, it drained the whole stream unclaimed, and a second `ingest`
started meanwhile was not refused: the two split the workers' messages between archives.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid

from redis import Redis
from redis.exceptions import OutOfMemoryError, RedisError

from archive.lock import ArchiveBusy

logger = logging.getLogger(__name__)

CLAIM_KEY = "vnarchive:ingest:writer"
CLAIM_SECONDS = 15
RENEW_SECONDS = 5
CHECK_SECONDS = 0.25
# Set the claim to ARGV[1] for ARGV[3] s if it is ARGV[2] (ours, or the dead holder's) or absent.
SET_IF_HELD_BY = """
local held = redis.call('get', KEYS[1])
if held and held ~= ARGV[2] then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""
DELETE_IF_OURS = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class StreamBusy(ArchiveBusy):
    """Another `vnarchive ingest` is writing this Redis's stream."""


class StreamClaim:
    def __init__(self, server: Redis, db_path: str):
        self.server = server
        self.value = json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                                 "db": os.path.abspath(db_path), "id": uuid.uuid4().hex})
        self.set_if_held_by = server.register_script(SET_IF_HELD_BY)
        self.delete_if_ours = server.register_script(DELETE_IF_OURS)
        self.lost = threading.Event()  # another writer holds it now: stop after the batch
        self.unclaimed = False  # started at a full Redis: to take once there is room
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, name="vnarchive-ingest-claim",
                                       daemon=True)

    def take(self) -> None:
        """Claim the stream, or raise StreamBusy naming the writer that holds it."""
        try:
            self._take()
        except OutOfMemoryError:  # the writer is what frees a full Redis: it must run
            self.unclaimed = True
            logger.warning("Redis is at its maxmemory: this ingest drains it and claims its "
                           "stream once its first batches have freed room")

    def take_again(self) -> None:
        """Started unclaimed at a full Redis: take the claim now if there is room; another
        writer's claim found (it started meanwhile) makes this one stop after its batch."""
        if not self.unclaimed:
            return
        try:
            self._take()
        except OutOfMemoryError:
            return  # still full: after the next batch
        except StreamBusy as error:
            logger.error("%s; this one, started at a full Redis, stops after its batch", error)
            self.unclaimed = False
            self.lost.set()
            return
        self.unclaimed = False
        logger.warning("Redis has room again: this ingest has claimed its stream")

    def _take(self) -> None:
        last_ttl, deadline = None, time.monotonic() + CLAIM_SECONDS + RENEW_SECONDS
        while True:
            held = self.server.get(CLAIM_KEY)
            if held is None:
                if self.server.set(CLAIM_KEY, self.value, nx=True, ex=CLAIM_SECONDS):
                    break
                continue  # another writer came between the two commands: look again
            if _holder_is_gone(held) and self.set_if_held_by(
                    keys=[CLAIM_KEY], args=[self.value, held, CLAIM_SECONDS]):
                break
            ttl = self.server.pttl(CLAIM_KEY)
            if (last_ttl is not None and ttl > last_ttl) or time.monotonic() > deadline:
                raise StreamBusy(f"another `vnarchive ingest` is writing this Redis's stream "
                                 f"({_describe(held)}): one writer per stream")
            last_ttl = ttl
            time.sleep(CHECK_SECONDS)
        self.thread.start()

    def release(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()
        try:
            self.delete_if_ours(keys=[CLAIM_KEY], args=[self.value])
        except RedisError:
            pass  # Redis gone: the claim expires by itself

    def _renew(self) -> None:
        while not self.stopped.wait(RENEW_SECONDS):
            try:  # absent (a Redis restarted without its data): ours again
                if not self.set_if_held_by(keys=[CLAIM_KEY],
                                           args=[self.value, self.value, CLAIM_SECONDS]):
                    logger.error("another `vnarchive ingest` took this Redis's stream while "
                                 "this one stalled: this one stops after its batch")
                    self.lost.set()
                    return
            except RedisError as error:  # the writer's own commands meet it too
                logger.warning("ingest claim not renewed: %s", error)


def _holder_is_gone(held: bytes) -> bool:
    """Whether the claim `held` was left by a process of this host that no longer runs (or
    by this very process, an earlier `ingest` call in it)."""
    try:
        holder = json.loads(held)
        if holder["host"] != socket.gethostname():
            return False
        pid = int(holder["pid"])
    except (ValueError, KeyError, TypeError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _describe(held: bytes) -> str:
    try:
        holder = json.loads(held)
        return f"host {holder['host']}, process {holder['pid']}, archive {holder['db']}"
    except (ValueError, KeyError, TypeError):
        return held.decode(errors="replace")
