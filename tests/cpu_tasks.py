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


def prepare_or_die(candidate):
    """import's task (archive/importer.py `prepare`); the worker dies on CRASHING_URL."""
    from archive.importer import prepare

    if candidate.record.url == CRASHING_URL:
        _die()
    return prepare(candidate)
