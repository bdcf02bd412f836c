"""A process pool for the CPU-bound steps (extraction, classification), so a crawl uses every
core: Scrapy runs on one thread, and threads would share one core under the GIL.

The pipelines hand a page to the pool and await the result on the asyncio reactor, so the
downloader keeps fetching meanwhile. Workers are spawned (not forked from a process that runs
a reactor and threads) and live until the crawl ends. VNARCHIVE_WORKERS sets their number
(default: one per core; 0 runs the steps inline).

A worker that dies (a crash in a C library, the kernel's OOM killer) breaks a
ProcessPoolExecutor for good: every later task would fail. So a broken pool is replaced and the
task tried once more in the new one; a task that breaks the pool twice raises WorkerCrashed,
which fails that page only, and the crawl goes on.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_pool: ProcessPoolExecutor | None = None
_workers = 0
_users = 0


class WorkerCrashed(RuntimeError):
    """A worker process died twice while handling this task."""


def workers_setting(settings) -> int:
    configured = settings.get("VNARCHIVE_WORKERS")
    return os.cpu_count() or 1 if configured is None else int(configured)


def acquire(workers: int) -> ProcessPoolExecutor | None:
    """The shared pool (created on first use); None when the work is to run inline."""
    global _pool, _users, _workers
    if workers <= 0:
        return None
    if _pool is None:
        _workers = workers
        _pool = _new_pool(workers)
    _users += 1
    return _pool


def _follow_the_crawl() -> None:
    """In each worker: leave stopping to the crawl process (a Ctrl-C or a service manager's
    SIGTERM reaches the whole process group, and a graceful stop still needs the workers to
    finish the pages in flight), and exit as soon as the crawl process is gone. Without the
    watch, a crawl killed by SIGKILL leaves its workers behind for ever: each holds both ends of
    the pool's queue, so it never sees the end of its input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_gone, args=(parent.sentinel,), daemon=True,
                         name="follow-the-crawl").start()


def _exit_when_gone(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def release() -> None:
    global _pool, _users
    _users = max(0, _users - 1)
    if _users == 0 and _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None


def stop_workers() -> None:
    """Once the crawl has stopped: drop the tasks still queued and end the workers now (after
    a clean end the pool is already gone). Left alone after a forced stop, the interpreter's
    exit waits until they have worked through every queued page, a minute or more after the
    crawl said it stopped; those pages were not archived and the next run fetches them."""
    global _pool, _users
    pool, _pool, _users = _pool, None, 0
    if pool is None:
        return
    # ProcessPoolExecutor has no public way to end its workers before Python 3.14.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_follow_the_crawl)


def _replace_broken(broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
    """The pool to use after `broken` failed: a new one, made once however many tasks saw
    the same pool break."""
    global _pool
    if _pool is broken or _pool is None:
        broken.shutdown(wait=False, cancel_futures=True)
        _pool = _new_pool(_workers or 1)
    return _pool


async def run(pool: ProcessPoolExecutor | None, function: Callable, *args: Any) -> Any:
    """`function(*args)` in the pool (inline when `pool` is None)."""
    if pool is None:
        return function(*args)
    current = _pool or pool  # the shared pool, which may have replaced a broken one
    try:
        return await asyncio.wrap_future(current.submit(function, *args))
    except BrokenProcessPool:  # this task or another one killed a worker: try once more
        current = _replace_broken(current)
    try:
        return await asyncio.wrap_future(current.submit(function, *args))
    except BrokenProcessPool:
        _replace_broken(current)
        raise WorkerCrashed(f"a worker process died twice running {function.__name__}") \
            from None


class PooledPipeline:
    """Base of the pipeline steps whose work runs in the pool: holds the pool for the crawl."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.pool = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.pool = acquire(workers_setting(self.crawler.settings))

    def close_spider(self):
        if self.pool is not None:
            release()
