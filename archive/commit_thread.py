"""The archive writer's batches committed on a thread of their own, so a crawl's reactor thread
never waits on SQLite.

SQLite and zlib release the GIL while they work, so a batch's commit overlaps the reactor's
own Python: the crawl goes on fetching and dispatching pages while the batch before is
written. Batches run one at a time, in the order they were handed over (one writer, each batch
its own transaction, as before); at most MAX_PENDING wait, so a slow disk slows the crawl
instead of filling memory. Once a batch fails, the batches after it are not written either
(the archive stays as it was after its last committed batch), and the failure is raised to the
thread that hands over the next batch or waits for them all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

MAX_PENDING = 2


class CommitThread:
    """One thread that runs the writer's batch commits in order."""

    def __init__(self, max_pending: int = MAX_PENDING):
        self.max_pending = max_pending
        self.failure: BaseException | None = None
        self._pending: deque[Future] = deque()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")

    def submit(self, commit: Callable[..., Any], *args: Any) -> None:
        """Queue one batch's commit; raises an earlier batch's failure (once)."""
        self._settle(wait_for=len(self._pending) - self.max_pending + 1)
        self._pending.append(self._executor.submit(self._run, commit, *args))

    def drain(self) -> None:
        """Wait until every queued batch is committed; raises a batch's failure (once)."""
        self._settle(wait_for=len(self._pending))

    def close(self) -> None:
        """Commit what is queued and end the thread (also when a batch failed)."""
        try:
            self.drain()
        finally:
            self._executor.shutdown(wait=True)

    def _run(self, commit: Callable[..., Any], *args: Any) -> None:
        if self.failure is not None:  # an earlier batch failed: nothing after it is written
            return
        try:
            commit(*args)
        except BaseException as error:
            self.failure = error
            raise

    def _settle(self, wait_for: int) -> None:
        """Wait for the oldest `wait_for` batches, forget every finished one, and raise the
        first failure among them."""
        failure = None
        while self._pending and (wait_for > 0 or self._pending[0].done()):
            future = self._pending.popleft()
            wait_for -= 1
            error = future.exception()  # waits for it
            failure = failure or error
        if failure is not None:
            raise failure
