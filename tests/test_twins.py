"""Code that was written twice, now written once: each merged helper serves all its callers
the same way (a review's leftovers)."""

from __future__ import annotations

import pytest

from vnarchive.cli import exits


@pytest.mark.parametrize("command, stops", [("crawl", exits.CRAWL_STOPS),
                                            ("crawl", exits.WORKER_STOPS),
                                            ("ingest", exits.INGEST_STOPS)])
def test_every_run_ending_gives_the_same_exit_codes_and_names_its_command(command, stops,
                                                                           capsys):
    """A crawl, a distributed worker and its writer end with the same codes (0, 4, 5, else 1);
    only their stop lines differ, each naming its command."""
    codes = {status: exits.run_exit_code(command, status, stops)
             for status in ("finished", "interrupted", "killed", "failed")}
    assert codes == {"finished": 0, "interrupted": 4, "killed": 5, "failed": 1}
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(stops)  # one line per stop it has words for, none otherwise
    assert all(line.startswith(f"vnarchive {command}: ") for line in lines)
    assert lines[0].removeprefix(f"vnarchive {command}: ").startswith("interrupted")
