"""Small timings outside the crawl's own loop: how long a site tool's fetch thread lives
(crawler/pages.py)."""

from __future__ import annotations

import threading

import pytest

from crawler import pages
from crawler.pages import PageUnavailable, fetch
from testweb.hostile import HostileSite


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
