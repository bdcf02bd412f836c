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

Each task also has a CPU-time limit (VNARCHIVE_PAGE_CPU_SECONDS, default 10 s; a page takes
about 20 ms): a page whose parse goes quadratic inside libxml2 never returns to Python, so no
Python timer could stop it, but the kernel's RLIMIT_CPU kills its worker with SIGXCPU. The
pool is then replaced as after a crash, and the page, tried once more, fails with
WorkerCrashed saying it went over the limit.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_pool: ProcessPoolExecutor | None = None
_workers = 0
_users = 0
_cpu_seconds: float = 10.0
DEFAULT_CPU_SECONDS = 10.0


class WorkerCrashed(RuntimeError):
    """A worker process died twice while handling this task."""


def workers_setting(settings) -> int:
    configured = settings.get("VNARCHIVE_WORKERS")
    return os.cpu_count() or 1 if configured is None else int(configured)


def cpu_seconds_setting(settings) -> float:
    return settings.getfloat("VNARCHIVE_PAGE_CPU_SECONDS", DEFAULT_CPU_SECONDS)


def acquire(workers: int, cpu_seconds: float = DEFAULT_CPU_SECONDS) -> ProcessPoolExecutor | None:
    """The shared pool (created on first use); None when the work is to run inline."""
    global _pool, _users, _workers, _cpu_seconds
    if workers <= 0:
        return None
    _cpu_seconds = cpu_seconds
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
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker over its CPU limit dumps no core
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_gone, args=(parent.sentinel,), daemon=True,
                         name="follow-the-crawl").start()


def _exit_when_gone(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _within_cpu_limit(cpu_seconds: float, function: Callable, *args: Any) -> Any:
    """In a worker: `function(*args)`, the process killed (SIGXCPU) once it has spent
    `cpu_seconds` more of CPU time than it had when the task began."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, resource.getrlimit(resource.RLIMIT_CPU)[1]))
    return function(*args)


def _over_cpu_limit(pool: ProcessPoolExecutor) -> bool:
    """Whether a worker of this broken pool was killed for its CPU time. The pool keeps its
    processes in a private attribute; without it the reason is only unknown."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    deadline = time.monotonic() + 1
    while True:  # the pool's own thread may be reaping the dead worker at this moment
        if any(process.exitcode == -signal.SIGXCPU for process in processes):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


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
    task = (_within_cpu_limit, _cpu_seconds, function, *args)
    try:
        return await asyncio.wrap_future(current.submit(*task))
    except BrokenProcessPool:  # this task or another one killed a worker: try once more
        current = _replace_broken(current)
    try:
        return await asyncio.wrap_future(current.submit(*task))
    except BrokenProcessPool:
        reason = (f"over its CPU-time limit of {_cpu_seconds:g} s" if _over_cpu_limit(current)
                  else "a crash")
        _replace_broken(current)
        raise WorkerCrashed(f"a worker process died twice running {function.__name__} "
                            f"({reason})") from None


class PooledPipeline:
    """Base of the pipeline steps whose work runs in the pool: holds the pool for the crawl."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.pool = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.pool = acquire(workers_setting(self.crawler.settings),
                            cpu_seconds_setting(self.crawler.settings))

    def close_spider(self):
        if self.pool is not None:
            release()
