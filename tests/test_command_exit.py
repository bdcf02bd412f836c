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
