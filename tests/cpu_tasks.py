"""Tasks for the extraction pool's tests, in a module that imports next to nothing (each new
worker process imports it)."""

import re


def burn_cpu_in_c(_: int) -> bool:
    """A task that never returns to Python: catastrophic backtracking inside `re`."""
    return bool(re.match(r"(a|aa)+$", "a" * 64 + "!"))


def add_one(value: int) -> int:
    return value + 1


# Tasks that kill their worker, as a crash in a C library would ------------------------------
CRASHING_URL = "http://127.0.0.1/tin/2"


def _die() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def add_one_or_die(value: int) -> int:
    """value + 1; the worker dies on a negative value."""
    if value < 0:
        _die()
    return value + 1


def reprocess_or_die(directory, record, *rest):
    """reprocess's task (archive/reprocess_task.py); the worker dies on CRASHING_URL."""
    from archive.reprocess_task import process_stored

    if record.url == CRASHING_URL:
        _die()
    return process_stored(directory, record, *rest)


def prepare_or_die(candidate, region):
    """import's task (archive/importer.py `prepare`); the worker dies on CRASHING_URL."""
    from archive.importer import prepare

    if candidate.record.url == CRASHING_URL:
        _die()
    return prepare(candidate, region)


def loaded_before_any_task(module: str) -> bool:
    """Whether the worker had `module` imported before this task asked for anything."""
    import sys

    return module in sys.modules


def spend_cpu(seconds: float) -> float:
    """Spend `seconds` of this worker's CPU time; returns the worker's CPU time so far."""
    import resource

    def used() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    end = used() + seconds
    while used() < end:
        sum(range(10_000))
    return used()


def gazetteer_indexes_built() -> bool:
    """Whether this worker's gazetteer indexes were built before its first place lookup."""
    from pipelines import gazetteer

    return gazetteer._index.cache_info().currsize == 1 == gazetteer._index_2025.cache_info(
    ).currsize


def frozen_objects() -> int:
    """How many objects the collector leaves alone in this process (gc.freeze)."""
    import gc

    return gc.get_freeze_count()


def kept_in_a_worker(_record) -> bool:
    """A scan's `wanted`: a record is kept only when read in a child process (a worker of the
    pool), not in the test's own."""
    import multiprocessing

    return multiprocessing.parent_process() is not None


def sleep_for(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def slowly_kept(_record) -> bool:
    """A scan's `wanted` that takes 2 ms a record: a file of 600 records scans in over a
    second."""
    import time

    time.sleep(0.002)
    return True
