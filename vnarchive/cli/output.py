"""What the `vnarchive` commands print: aligned tables that stream, JSON, a crawl's summary and
progress lines on standard error."""

from __future__ import annotations

import itertools
import json
import re
import sys
import time
from collections.abc import Callable

LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def print_table(columns: list[str], rows, cut: int | None = 60) -> None:
    """Rows as aligned columns, cells cut at `cut` characters (None: whole); widths come from
    the first 1,000 rows, so a stream of any length prints as it comes."""
    def cell(value) -> str:
        if isinstance(value, bytes):
            return blob_cell(value)
        # One line per row: a text's line break printed as it is made the rest of the row
        # look like a row of its own.
        text = "" if value is None else LINE_BREAKS.sub("↵", str(value)).replace("\t", " ")
        return text if cut is None or len(text) <= cut else text[:cut - 3] + "..."

    rows = iter(rows)
    cells = [[cell(value) for value in row] for row in itertools.islice(rows, 1000)]
    widths = [max([len(str(column))] + [len(row[i]) for row in cells])
              for i, column in enumerate(columns)]
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in itertools.chain(cells, ([cell(value) for value in row] for row in rows)):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def blob_cell(value: bytes) -> str:
    """A blob in a table read on a terminal: its size, not its bytes. Python's repr
    (b'\\x00\\xff...') was no use to a reader, and base64 (as CSV and JSON write it, for
    programs) reads no better, cut at the cell's width."""
    return f"<blob: {len(value):,} byte{'s' if len(value) != 1 else ''}>"


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    print()


def print_summary(db_path: str, run_id: int) -> None:
    """A crawl's (or an ingest's) summary: what it fetched and stored, and what the archive
    now holds for its sites."""
    from archive.query import run_summary

    summary = run_summary(db_path, run_id)
    print()
    print(f"Crawl run {run_id}: {summary['status']} in {summary['duration']}")
    print(f"  archive:          {db_path}")
    print(f"  sites:            {summary['sites']}")
    print(f"  pages fetched:    {summary['pages_fetched']}")
    print(f"  articles stored:  {summary['articles_new']} new, "
          f"{summary['articles_updated']} updated")
    print(f"  meeting reports:  {summary['meeting_reports']}")
    print(f"  errors:           {summary['errors']}")
    print()
    print("Archive now holds, for the sites of this run:")
    print_table(*summary["per_site"])


def progress_of(unit: str) -> Callable[[int, int], None]:
    """A progress line every 100 items (or on the last), on stderr."""
    def report(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {done}/{total} {unit}", file=sys.stderr, flush=True)
    return report


def scan_progress(seconds: float = 10.0) -> Callable[[int, int, int], None]:
    """A line at most every `seconds` while `import` scans its files, on stderr: the scan of a
    backfill's files, before any capture is processed, takes minutes to hours."""
    return paced(seconds, lambda file, files, records:
                 f"  scanning file {file}/{files}: {records} records read")


def progress_of_rows() -> Callable[[int], None]:
    """A progress line every 50,000 rows of an export of unknown length, on stderr."""
    def report(done: int) -> None:
        if done % 50000 == 0:
            print(f"  {done} rows", file=sys.stderr, flush=True)
    return report


def progress_every(unit: str, seconds: float = 10.0) -> Callable[[int], None]:
    """A progress line at most every `seconds`, on stderr: for work whose length is not known
    and may come in bursts (`ingest` waits for its workers' messages)."""
    return paced(seconds, lambda done: f"  {done} {unit}")


def paced(seconds: float, line: Callable[..., str]) -> Callable[..., None]:
    """A report that prints `line(*progress)` on stderr at most every `seconds` (the first a
    full interval after it is made): the one timer of every time-paced progress line."""
    last = time.monotonic()

    def report(*progress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= seconds:
            last = now
            print(line(*progress), file=sys.stderr, flush=True)
    return report
