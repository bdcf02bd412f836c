"""The writer's WAL checkpoints run on a thread of their own, so a batch's commit does not wait
for them.

In WAL mode a commit appends the batch's pages to the `-wal` file; a checkpoint copies them
back into the database and syncs both files. SQLite runs it in the committing connection as
soon as the WAL passes `wal_autocheckpoint` pages (1,000 by default), so at a million articles,
where a batch of 1,000 writes 60-90 MB of pages, every commit also copied them all and waited
for two syncs: half of the commit's wall time (bench/bench_scale.py). SQLite's WAL documentation
suggests the way out: turn the automatic checkpoint off (here: raise it to a backstop) and
checkpoint from another thread with a connection of its own. A PASSIVE checkpoint never waits
for the writer or a reader; it copies what it can, and the WAL starts again from its beginning
once one has copied every frame. Durability is unchanged: a commit is safe in the WAL either
way (`synchronous = NORMAL`).
"""

from __future__ import annotations

import sqlite3
import threading
import time

# Pages the WAL may hold before the writer checkpoints on its own thread after all: a
# checkpoint thread that cannot keep up (a slow disk, a long reader) never lets it grow
# without bound. 1 GiB of 4 KiB pages: ten batches of 1,000 articles at a million.
BACKSTOP_PAGES = 262_144
# Rows written between two checkpoints: every batch of a million-article fill (1,000 rows), every
# twentieth of a crawl's (50 rows), whose WAL SQLite's own 1,000-page checkpoint had copied back
# every few batches; a checkpoint after each of them cost a crawl's reprocess 7-10% more CPU a
# page (bench/bench_pipeline.py).
ROWS_PER_CHECKPOINT = 1_000


class Checkpointer:
    """A thread with its own connection that checkpoints the WAL after each commit it is told
    of. `cpu_seconds` is the CPU time it has spent (counted beside the writer's in benches),
    `done` the checkpoints it has run."""

    def __init__(self, db_path: str):
        self.cpu_seconds = 0.0
        self.done = 0
        self._rows = 0  # written since the last checkpoint was asked for
        self._wanted = threading.Event()
        self._stopping = False
        self._connection = sqlite3.connect(db_path, check_same_thread=False,
                                           isolation_level=None)
        self._connection.execute("PRAGMA busy_timeout = 0")
        self._thread = threading.Thread(target=self._run, name="archive-checkpoints",
                                        daemon=True)
        self._thread.start()

    def request(self, rows: int) -> None:
        """A commit of `rows` rows has added pages to the WAL: once ROWS_PER_CHECKPOINT rows
        have been written, copy them back when the thread is free."""
        self._rows += rows
        if self._rows >= ROWS_PER_CHECKPOINT:
            self._rows = 0
            self._wanted.set()

    def close(self) -> None:
        """Stop the thread (a checkpoint under way finishes first) and close its connection."""
        self._stopping = True
        self._wanted.set()
        self._thread.join()
        self._connection.close()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopping:
                return
            started = time.thread_time()
            try:
                self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                pass  # busy or failing: the writer's own backstop checkpoint still holds
            self.cpu_seconds += time.thread_time() - started
            self.done += 1
