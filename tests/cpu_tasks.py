"""Tasks for the extraction pool's tests, in a module that imports next to nothing (each new
worker process imports it)."""

import re


def burn_cpu_in_c(_: int) -> bool:
    """A task that never returns to Python: catastrophic backtracking inside `re`."""
    return bool(re.match(r"(a|aa)+$", "a" * 64 + "!"))


def add_one(value: int) -> int:
    return value + 1
