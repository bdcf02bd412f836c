"""A whole file read into the kernel's page cache in one sequential pass, before SQLite reads
all of it page by page.

SQLite's `quick_check` walks every B-tree, and a tree filled at random keys lies at random
places in the file: one 4 KiB read after another. On this project's machine, a 14 GB archive
out of the page cache took 131 s to check; read in order first (6.4 s) and then checked from
memory (12.6 s), 19 s (docs/performance-history.md). SQLite has no prefetch, and
`posix_fadvise(WILLNEED)` starts only a little readahead, so the file is read here: with
`sendfile` into /dev/null, which brings each page into the cache without copying it to this
process (a read loop, which costs a copy, where `sendfile` cannot).

Only a file that fits in the memory the kernel can give (a quarter kept free; in a container,
within its memory limit) is read: a larger one would push out its own first pages before the
check asked for them.
"""

from __future__ import annotations

import os
from pathlib import Path

CHUNK = 64 << 20
KEPT_FREE = 4  # a file up to (available memory) * (1 - 1/KEPT_FREE) is read


def available_memory(meminfo: Path = Path("/proc/meminfo"),
                     cgroup: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The kernel's estimate of the memory it could give without swapping (MemAvailable,
    which counts the page cache it could drop), in bytes, at most the memory limit of the
    container this runs in (whose page cache counts against it, where /proc/meminfo shows
    the host's); None where the kernel does not say."""
    try:
        available = next((int(value.split()[0]) * 1024
                          for name, _, value in (line.partition(":") for line in
                                                 meminfo.read_text().splitlines())
                          if name == "MemAvailable"), None)
    except (OSError, ValueError, IndexError):
        return None
    limit = memory_limit(cgroup)
    return available if available is None or limit is None else min(available, limit)


def memory_limit(cgroup: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The memory limit of this process's control group (version 2's memory.max, version 1's
    memory.limit_in_bytes), None when there is none."""
    for name in ("memory.max", "memory/memory.limit_in_bytes"):
        try:
            text = (cgroup / name).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # "max", or v1's "unlimited" 2^63 - 4096
            return int(text)
    return None


def fits_in_memory(size: int, available: int | None) -> bool:
    return available is not None and size <= available - available // KEPT_FREE


def read_into_page_cache(path: str | Path, available: int | None = None) -> int:
    """Reads `path` once from start to end when it fits in memory (`available`, else the
    kernel's figure): the bytes read, 0 when it was left alone. Any error ends the read early
    and quietly: this only makes the reads after it faster."""
    try:
        with open(path, "rb", buffering=0) as handle:
            size = os.fstat(handle.fileno()).st_size
            memory = available_memory() if available is None else available
            if not size or not fits_in_memory(size, memory):
                return 0
            return _read_through(handle, size)
    except OSError:
        return 0


def _read_through(handle, size: int) -> int:
    done = 0
    try:
        with open(os.devnull, "wb", buffering=0) as null:
            while done < size:
                sent = os.sendfile(null.fileno(), handle.fileno(), done,
                                   min(CHUNK, size - done))
                if not sent:
                    return done
                done += sent
        return done
    except (OSError, AttributeError):  # no sendfile into a file here (macOS, Windows)
        return _read_loop(handle, done, size)


def _read_loop(handle, done: int, size: int) -> int:
    buffer = memoryview(bytearray(8 << 20))
    try:
        handle.seek(done)
        while done < size:
            read = handle.readinto(buffer)
            if not read:
                break
            done += read
    except OSError:
        pass
    return done
