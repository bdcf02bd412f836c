"""Wait for a child process to reach a point, read from Linux's /proc, rather than sleeping a
fixed time that a loaded machine (or pytest-xdist's other worker) can overrun."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

LIMIT = 60.0


def wait_until_reading_stdin(process: subprocess.Popen, limit: float = LIMIT) -> None:
    """Until the process is blocked reading its standard input: loaded, and waiting for it."""
    syscall = Path(f"/proc/{process.pid}/syscall")
    # The read system call (number 0 on x86-64) on file descriptor 0.
    _wait(process, limit, lambda: syscall.read_text().startswith("0 0x0 "))


def wait_until_open(process: subprocess.Popen, path: Path, limit: float = LIMIT) -> None:
    """Until the process holds `path` open (an archive it has connected to)."""
    folder, target = Path(f"/proc/{process.pid}/fd"), str(path.resolve())

    def opened() -> bool:
        return any(_link(entry) == target for entry in folder.iterdir())

    _wait(process, limit, opened)


def _link(entry: Path) -> str:
    try:
        return os.readlink(entry)
    except OSError:  # closed meanwhile
        return ""


def _wait(process: subprocess.Popen, limit: float, reached) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if reached():
                return
        except OSError:  # no /proc here (or not ours to read): fall back to waiting a while
            time.sleep(3)
            return
        time.sleep(0.05)
