"""The one process pool for the CPU-bound steps (extraction, classification), so a crawl,
`reprocess` and `import` use every core: Scrapy runs on one thread, and threads would share one
core under the GIL.

The pipelines hand a page to the pool and await the result on the asyncio reactor (`run`), so
the downloader keeps fetching meanwhile; `reprocess` and `import` map their pages over it in
order (`map_in_order`). Workers are not forked from the process that runs a reactor and
threads but from multiprocessing's fork server: a fresh process that imports the workers'
modules and loads their data once (pipelines/worker_start.py), started as early as the command
can (`start_worker_server`), so it gets ready while the command starts, and each worker starts
ready in milliseconds instead of importing for half a second of CPU. They live until the work
ends. VNARCHIVE_WORKERS sets their number for a crawl (default: one per core; 0 runs the steps
inline).

A worker that dies (a crash in a C library, the kernel's OOM killer) breaks a
ProcessPoolExecutor for good: every later task would fail. So a broken pool is replaced and the
task tried once more in the new one; a task that breaks the pool twice raises WorkerCrashed,
which fails that page only, and the crawl goes on.

Each task also has a CPU-time limit (VNARCHIVE_PAGE_CPU_SECONDS, default 10 s; a page takes
about 20 ms): a page whose parse goes quadratic inside libxml2 never returns to Python, so no
Python timer could stop it, but the kernel's RLIMIT_CPU kills its worker with SIGXCPU. The
pool is then replaced as after a crash, and the page, tried once more, fails with
WorkerCrashed saying it went over the limit. `map_in_order` is stricter, since it can afford
to be: after a crash it runs each unfinished task alone in the new pool, so only a task that
kills its worker again fails, and no other task of the broken pool is blamed with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib
import math
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_pool: ProcessPoolExecutor | None = None
_workers = 0
_users = 0
_cpu_seconds: float = 10.0
DEFAULT_CPU_SECONDS = 10.0
# Tasks queued per worker by `map_in_order`: enough to keep every worker busy, few enough that
# results wait in memory only briefly.
TASKS_PER_WORKER = 4
# The results' pipe: the most an unprivileged process may ask (/proc/sys/fs/pipe-max-size).
RESULT_PIPE_BYTES = 1 << 20


class WorkerCrashed(RuntimeError):
    """A worker process died twice while handling this task."""


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# What the fork server imports before it forks any worker.
WORKER_MODULES = ["pipelines.worker_start"]
_FORKSERVER = multiprocessing.get_context("forkserver")


class _WorkerProcess(_FORKSERVER.Process):
    """A worker that starts with the stop signals ignored: the fork server is started with them
    ignored (`start_worker_server`, called again here in case the server died), a process
    keeps the signals its parent ignored through fork and exec, and the server hands its own
    dispositions to the workers it forks. A Ctrl-C to the process group while the server
    starts or imports, or a worker starts, gives no KeyboardInterrupt traceback; the server
    leaves stopping to the command, and ends when it does."""

    def start(self) -> None:
        start_worker_server()
        with _stop_signals_blocked():
            super().start()


class _WorkerContext(type(_FORKSERVER)):
    Process = _WorkerProcess


@contextlib.contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def _stop_signals_ignored() -> Iterator[None]:
    """The stop signals ignored, for a process started meanwhile to inherit (a blocked mask
    does not reach the fork server: measured), then this process's handlers back. Blocked
    around it, so a stop signal that comes meanwhile is delivered right after, not lost.
    Only the main thread can set handlers; elsewhere the signals are only blocked."""
    with _stop_signals_blocked():
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handlers = {number: signal.getsignal(number) for number in STOP_SIGNALS}
        handlers = {number: handler for number, handler in handlers.items()
                    if handler is not None}  # None: set outside Python, left alone
        for number in handlers:
            signal.signal(number, signal.SIG_IGN)
        try:
            yield
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)


def start_worker_server(*modules: str) -> None:
    """Start the fork server the workers come from, if it is not running: it imports their
    modules while the caller goes on (a command calls this before its own slow start-up).
    `modules`: what the caller's own tasks need besides (a layer above this one names them)."""
    _FORKSERVER.set_forkserver_preload([*WORKER_MODULES, *modules])
    with _stop_signals_ignored():
        multiprocessing.forkserver.ensure_running()


def workers_setting(settings) -> int:
    configured = settings.get("VNARCHIVE_WORKERS")
    return os.cpu_count() or 1 if configured is None else int(configured)


def cpu_seconds_setting(settings) -> float:
    return settings.getfloat("VNARCHIVE_PAGE_CPU_SECONDS", DEFAULT_CPU_SECONDS)


def acquire(workers: int, cpu_seconds: float = DEFAULT_CPU_SECONDS,
            preload: str | None = None) -> ProcessPoolExecutor | None:
    """The shared pool (created on first use); None when the work is to run inline. A new
    pool starts its workers at once, each importing the module `preload` names (the fork
    server has it already), so the first pages do not wait for a worker to start."""
    global _pool, _users, _workers, _cpu_seconds
    if workers <= 0:
        return None
    _cpu_seconds = cpu_seconds
    if _pool is None:
        start_worker_server()
        _workers = workers
        _pool = _new_pool(workers)
        if preload:
            for _ in range(workers):  # one task each: the executor starts a worker per task
                _pool.submit(_import, preload)
    _users += 1
    return _pool


@contextlib.contextmanager
def kept_pool(workers: int) -> Iterator[None]:
    """The shared pool held for a command's several `map_in_order` calls (an import's scan of
    its files, then its pages): released after each, it would end its workers and their
    server, and the next call start them again (the server's imports, 0.3 s of CPU).
    Nothing is held for 0 workers."""
    held = acquire(workers) is not None
    try:
        yield
    finally:
        if held:
            release()


def _import(module: str) -> None:
    """In a worker: import what its tasks will need, before they come."""
    importlib.import_module(module)


def _follow_the_crawl() -> None:
    """In each worker: leave stopping to the crawl (or reprocess, import) process (a Ctrl-C or
    a service manager's SIGTERM reaches the whole process group, and a graceful stop still
    needs the workers to finish the pages in flight), and exit as soon as that process is gone.
    Without the watch, a crawl killed by SIGKILL leaves its workers behind for ever: each holds
    both ends of the pool's queue, so it never sees the end of its input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked since the spawn
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
        stop_worker_server()


def stop_worker_server() -> None:
    """Once the workers have ended (or when none will be): end the fork server and wait for
    it, so the workers' CPU time (the server waited for them) counts in this process's
    children, as a spawned worker's did (a benchmark's `getrusage`, a service manager's
    accounting). Left running, the server would end with this process, unwaited.
    multiprocessing has no public way to stop it; Python 3.11 to 3.13 have this one."""
    stop = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


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
            # SIGKILL: the workers ignore SIGTERM (`_follow_the_crawl`), so one busy with a
            # long task (a file's scan) went on to its end.
            process.kill()


def _new_pool(workers: int) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=_WorkerContext(),
                               initializer=_follow_the_crawl)
    _widen_result_pipe(pool)
    return pool


def _widen_result_pipe(pool: ProcessPoolExecutor) -> None:
    """Let the results wait in the kernel, not the workers. They come back through one pipe,
    whose buffer Linux makes 64 KB: one result of `reprocess` that held a page's decoded HTML
    (60 KB) filled it, and its worker sat idle until the command's own busy process read it
    (12% of the workers' time). With RESULT_PIPE_BYTES the workers go on, and the reader
    catches up. Results no longer hold the page (pipelines/page_task.py
    `process_archived_page`), but five of a bench page's 13 KB still fill 64 KB.
    The pipe is a private attribute of the executor; where it or the call is missing (another
    Python, another system, a user over the kernel's pipe quota), the pool works as before."""
    reader = getattr(getattr(pool, "_result_queue", None), "_reader", None)
    if reader is None or not hasattr(fcntl, "F_SETPIPE_SZ"):
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(reader.fileno(), fcntl.F_SETPIPE_SZ, RESULT_PIPE_BYTES)


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
        crashed = _second_crash(function, current)
        _replace_broken(current)
        raise crashed from None


def _second_crash(function: Callable, pool: ProcessPoolExecutor) -> WorkerCrashed:
    """What a task whose worker died twice gets, saying whether the CPU-time limit did it
    (read from `pool`, before it is replaced)."""
    reason = (f"over its CPU-time limit of {_cpu_seconds:g} s" if _over_cpu_limit(pool)
              else "a crash")
    return WorkerCrashed(f"a worker process died twice running {function.__name__} ({reason})")


def map_in_order(function: Callable, jobs: Iterable[tuple], workers: int,
                 cpu_seconds: float = DEFAULT_CPU_SECONDS) -> Iterator[Any]:
    """`function(*job)` for each job, in the jobs' order, on the shared pool of `workers`
    processes (inline when 0), each task under the CPU-time limit. A task whose worker died
    gives a WorkerCrashed in its place (not raised: the caller records it and goes on)."""
    pool = acquire(workers, cpu_seconds)
    if pool is None:
        for job in jobs:
            yield function(*job)
        return
    pending: deque[list] = deque()  # [job, future], oldest first
    try:
        for job in jobs:
            pending.append([job, _submit(function, job)])
            if len(pending) >= workers * TASKS_PER_WORKER:
                yield _oldest_outcome(function, pending)
        while pending:
            yield _oldest_outcome(function, pending)
    except KeyboardInterrupt:
        # A Ctrl-C: the tasks in flight are ended, not waited for (an import's scan of a
        # file takes minutes); their outcomes would be dropped anyway.
        stop_workers()
        raise
    finally:
        for _, future in pending:
            future.cancel()
        release()


def _submit(function: Callable, job: tuple, pool: ProcessPoolExecutor | None = None) -> Future:
    try:
        return (pool or _pool).submit(_within_cpu_limit, _cpu_seconds, function, *job)
    except BrokenProcessPool as error:  # the pool broke since the last outcome was read
        return _settled(error=error)


def _settled(result: Any = None, error: BaseException | None = None) -> Future:
    future: Future = Future()
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
    return future


def _oldest_outcome(function: Callable, pending: deque[list]) -> Any:
    try:
        return pending[0][1].result()
    except BrokenProcessPool:
        _rerun_alone(function, pending)
        return pending[0][1].result()
    finally:
        if pending[0][1].done():
            pending.popleft()


def _rerun_alone(function: Callable, pending: deque[list]) -> None:
    """After a worker died: a new pool, and there each task the broken one did not finish,
    one at a time, so the task that kills its worker again is known and fails alone."""
    pool = _replace_broken(_pool)
    for entry in pending:
        job, future = entry
        if not isinstance(future.exception(), BrokenProcessPool):
            continue  # it finished before the crash
        try:
            entry[1] = _settled(_submit(function, job, pool).result())
        except BrokenProcessPool:
            entry[1] = _settled(_second_crash(function, pool))
            pool = _replace_broken(pool)
        except Exception as error:  # the task's own error, raised when its outcome is read
            entry[1] = _settled(error=error)


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
                            cpu_seconds_setting(self.crawler.settings),
                            preload="pipelines.process")

    def close_spider(self):
        if self.pool is not None:
            release()
