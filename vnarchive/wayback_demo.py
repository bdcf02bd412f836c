"""`vnarchive demo --wayback`: the local test web with its Lý Nhân district portal closed, as
the real one closed on 1 July 2025, and taken back from a web archive.

1. The portal is crawled while it is still open, into a recording of its own: the WARC files
   are the captures a web archive would hold.
2. The portal closes (its server stops), and every other site of the test web is crawled live
   into the archive, as `vnarchive demo` does.
3. A real pywb indexes the captures (`wb-manager init/add`, `wayback --port` on loopback), and
   `vnarchive crawl testweb_lynhan --wayback` takes the portal back from it, through its CDX
   API and raw `id_` replay.
4. The portal's meeting reports are listed beside the live sites' own.

Each crawl is a `vnarchive crawl` child process (Twisted's reactor runs once per process).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from archive.warc_folders import warc_folder
from testweb.families import ARTICLE_FAMILIES
from testweb.pywb_server import PywbServer
from testweb.server import DEFAULT_PORTS, TestWeb

CLOSED = "lynhan"  # the family of the test web that plays the closed district portal
CRAWL_TIMEOUT = 1800


class DemoFailed(RuntimeError):
    """A step of the demo failed; the message says which."""


def crawl(*args: str) -> None:
    """One `vnarchive crawl` in a child process, its summary printed as it goes."""
    done = subprocess.run([sys.executable, "-m", "vnarchive", "crawl", *args],
                          timeout=CRAWL_TIMEOUT)
    if done.returncode != 0:
        raise DemoFailed(f"`vnarchive crawl {' '.join(args[:3])} ...` exited with "
                         f"{done.returncode}")


def start_web() -> TestWeb:
    try:
        return TestWeb(list(ARTICLE_FAMILIES), ports=DEFAULT_PORTS).start()
    except OSError:
        print("warning: the test web's default ports are busy; serving on free ports",
              file=sys.stderr)
        return TestWeb(list(ARTICLE_FAMILIES)).start()


def close_site(web: TestWeb, family: str) -> None:
    site = web.sites[family]
    site.server.shutdown()
    site.server.server_close()


def run_wayback_demo(db_path: str, log_level: str = "WARNING") -> None:
    """The four steps above, into the archive at `db_path`."""
    web = start_web()
    portal = f"testweb_{CLOSED}"
    base_urls = web.base_urls()
    portal_url = json.dumps({portal: base_urls[portal]})
    with tempfile.TemporaryDirectory(prefix="vnarchive-wayback-") as folder:
        try:
            print(f"1. recording {portal} while it is open ({base_urls[portal]})", flush=True)
            crawl(portal, "--db", f"{folder}/recording.db", "--base-urls", portal_url,
                  "--log-level", log_level)
            close_site(web, CLOSED)
            others = sorted(name for name in base_urls if name != portal)
            print(f"2. {portal} has closed; crawling the {len(others)} other sites live",
                  flush=True)
            crawl(*others, "--db", db_path, "--base-urls", json.dumps(base_urls),
                  "--log-level", log_level)
        finally:
            web.stop()
        warcs = sorted(warc_folder(f"{folder}/recording.db").glob("*.warc.gz"))
        with PywbServer(Path(folder) / "pywb", warcs) as pywb:
            print(f"3. taking {portal} back from pywb at {pywb.collection_url}", flush=True)
            crawl(portal, "--wayback", pywb.collection_url, "--archive-delay", "0",
                  "--db", db_path, "--base-urls", portal_url, "--log-level", log_level)
    print_side_by_side(db_path, portal)


def print_side_by_side(db_path: str, portal: str) -> None:
    """Meeting reports per site and where they came from, then the recovered ones."""
    with sqlite3.connect(db_path) as db:
        sources = db.execute(
            "select a.site, coalesce(c.source_kind, 'live') as source, count(*), "
            "min(m.meeting_date), max(m.meeting_date) from meeting_reports m join articles a "
            "using (canonical_url) left join captures c on c.canonical_url = a.canonical_url "
            "group by 1, 2 order by 2 desc, 1").fetchall()
        recovered = db.execute(
            "select m.meeting_date, m.organ, m.period_deployed, a.title from meeting_reports m "
            "join articles a using (canonical_url) where a.site = ? order by 1", [portal]
        ).fetchall()
    print("\n4. Meeting reports, live and recovered from the web archive:")
    _table(["site", "source", "reports", "first meeting", "last meeting"], sources)
    print(f"\nRecovered reports of {portal} (closed; taken from its captures):")
    _table(["meeting", "organ", "deployed", "title"], recovered)


def _table(columns: list[str], rows: list) -> None:
    from vnarchive.cli.output import print_table

    print_table(columns, rows)
