"""A command's process ends without the interpreter walking all its objects once more
(vnarchive/__main__.py), and still ends with the command's exit code and output."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT

# `vnarchive` with its command replaced by one that prints and returns argv[1].
STUB_COMMAND = """
import gc, sys
import vnarchive.cli
def command():
    print("the command's last line")
    return int(sys.argv[1])
vnarchive.cli.main = command
from vnarchive.__main__ import run
code = run()
print(gc.get_freeze_count())
sys.exit(code)
"""


def test_the_objects_are_frozen_once_the_command_is_done():
    result = subprocess.run([sys.executable, "-c", STUB_COMMAND, "3"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr
    last_line, frozen = result.stdout.splitlines()
    assert last_line == "the command's last line"
    assert int(frozen) > 10_000  # the command's imports: click, the CLI's modules


# The stub command again, then a Ctrl-C once it has returned, as one reaching a finished crawl
# while its process tears down.
STOPPED_AFTER_THE_COMMAND = """
import os, signal, sys, time
import vnarchive.cli
vnarchive.cli.main = lambda: int(sys.argv[1])
from vnarchive.__main__ import run
code = run()
os.kill(os.getpid(), signal.SIGINT)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(0.2)
sys.exit(code)
"""


def test_a_stop_signal_once_the_command_is_done_keeps_its_exit_code():
    """Python's teardown sets its own signal handlers back to the default, so a Ctrl-C in the
    last milliseconds of a finished crawl ended it by the signal (exit -2, no output)."""
    result = subprocess.run([sys.executable, "-c", STOPPED_AFTER_THE_COMMAND, "3"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr
    assert result.stderr == ""

