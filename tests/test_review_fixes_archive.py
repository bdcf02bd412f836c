"""Review fixes in archive/: each test fails on the code before its fix."""

from __future__ import annotations

from archive.health import sites_never_reached
from archive.schema import open_database


# sites_never_reached: only a network failure with no answer ----------------------------------
def test_a_site_whose_requests_were_all_refused_by_the_crawl_was_reached(tmp_path):
    path = str(tmp_path / "a.db")
    db = open_database(path)
    db["crawl_runs"].insert({"id": 1, "started_at": "2026-01-01T00:00:00+00:00",
                             "status": "finished"})
    rows = {
        # Answered a 503 with a Retry-After of a day: every request then left for later.
        "deferred": ["deferred: 503 with Retry-After 86400 s: left for the next run"] * 3,
        "large": ["too_large: 9000000 compressed bytes decode to more than 1000 bytes"],
        # Down: robots.txt unanswered, so every page disallowed; a breaker opened.
        "down": ["TCPTimedOutError: timed out", "robots_disallowed",
                 "circuit_open: 10 consecutive failures from down"],
        "answered": ["TCPTimedOutError: timed out", None],
        "only_robots": ["robots_disallowed"],
    }
    for site, errors in rows.items():
        db["site_runs"].insert({"run_id": 1, "site": site, "pages": len(errors)})
        db["pages"].insert_all(
            {"run_id": 1, "site": site, "url": f"http://{site}/{n}",
             "status": 200 if error is None else None, "error": error}
            for n, error in enumerate(errors))
    db.close()
    unreached = sites_never_reached(path, 1)
    assert [line.split(":")[0] for line in unreached] == ["down"]
