"""Small timings outside the crawl's own loop: what a worker pays on its first odd date
string (pipelines/worker_start.py), and how long a site tool's fetch thread lives
(crawler/pages.py)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from crawler import pages
from crawler.pages import PageUnavailable, fetch
from tests.conftest import PROJECT_ROOT
from testweb.hostile import HostileSite

# A string htmldate's extensive search hands to dateparser and no dateparser locale reads.
FIRST_ODD_DATE = """
import time
from datetime import datetime
{preload}
from htmldate.extractors import try_date_expr
started = time.process_time()
try_date_expr("qzvx 17 wkpq 2023", "%Y-%m-%d", True, datetime(1995, 1, 1), datetime(2030, 1, 1))
print(time.process_time() - started)
"""


@pytest.mark.timeout(120)
def test_a_worker_forked_from_the_server_reads_its_first_odd_date_without_loading_locales():
    """Before, each worker spent about 1.5 s of CPU (of its 10 s per page) on the first such
    string: dateparser loaded every locale to try it. The fork server loads them once now."""
    preloaded = subprocess.run(
        [sys.executable, "-c", FIRST_ODD_DATE.format(preload="import pipelines.worker_start")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=100)
    assert preloaded.returncode == 0, preloaded.stderr[-3000:]
    assert float(preloaded.stdout) < 0.4, preloaded.stdout


def _fetch_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "page-fetch"]


@pytest.mark.timeout(120)
def test_a_fetch_given_up_at_its_deadline_leaves_no_thread_reading(monkeypatch):
    """`sites add`/`sites check` give up a page dripped a byte at a time at FETCH_SECONDS.
    Before, the thread that fetched it read on, a byte every 0.2 s, for half an hour or until
    the command ended; now it stops at the same deadline."""
    monkeypatch.setattr(pages, "FETCH_SECONDS", 1.5)
    with HostileSite() as site:
        site.set_phase("hostile")
        before = set(_fetch_threads())
        with pytest.raises(PageUnavailable, match="no whole answer"):
            fetch(f"http://127.0.0.1:{site.port}/article/slow-drip", obey_robots=False)
        left = [thread for thread in _fetch_threads() if thread not in before]
        for thread in left:
            thread.join(timeout=5)
        assert not [thread for thread in left if thread.is_alive()]
        # The site's honest pages still come whole.
        assert fetch(f"http://127.0.0.1:{site.port}/article/ok-1",
                     obey_robots=False).body.rstrip().endswith(b"</html>")
