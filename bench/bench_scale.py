"""How the archive's costs grow with its size: one archive filled to each size in turn, and
measured at each.

    python bench/bench_scale.py [--sizes 10000,100000,1000000] [--db PATH] [--repeat 3]

At each size the archive is filled further by bench/fill_archive.py in a process of its own
(rows through `ArchiveWriter`, the path a crawl's rows take), then measured:
- the writer's rows/s over the last window of articles before the size, and over the last
  40,000 (one cycle of the story-band move, which a window of 5,000 holds or not), and its peak
  RSS;
- `search` (archive/search.py, as `vnarchive search` calls it): p50 and p95 over a fixed set
  of queries, with no filter and with each filter `vnarchive search` offers;
- `export` to Parquet of the articles table (archive/export.py): rows/s;
- `status` (archive/health.py) and each saved query of archive/metadata.py: seconds;
- Datasette's table page of articles (with its metadata facets) and a faceted page of
  meeting reports, through Datasette's own test client: seconds.
Figures are printed side by side, each size beside the first, with the targets of issue 19.
The default is small (10,000 only); without --db the archive is a temporary file. Each size's
measurements are also printed on stderr as one JSON line; `--report FILE ...` prints the
side-by-side table from such lines saved by earlier runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.export import export  # noqa: E402
from archive.filters import Filters, register_functions  # noqa: E402
from archive.health import site_health  # noqa: E402
from archive.metadata import DATASETTE_SETTINGS, QUERIES, datasette_metadata  # noqa: E402
from archive.query import connect_read_only  # noqa: E402
from archive.search import search  # noqa: E402
from archive.stories import RECENT_BANDS  # noqa: E402
from bench.fill_archive import BATCH_SIZE, fill_history, generated_so_far  # noqa: E402
from pipelines.fingerprint import BAND_ROWS, SIGNATURE_SIZE  # noqa: E402

QUERY_SET = ("triển khai nhiệm vụ quý II", "trien khai nhiem vu quy II", "dang bo",
             "thu ngân sách nhà nước", "hội nghị", "nông thôn mới", "Ba Bể",
             "bí thư huyện ủy", "cai cach hanh chinh", "giải ngân vốn đầu tư công",
             "phòng chống dịch", "an ninh trật tự")
FILTERS = {"no filter": {}, "site": {"site": "testweb_thanhhoa"},
           "province": {"province": "Thanh Hóa"},
           "dates": {"date_from": "2020-01-01", "date_to": "2020-06-30"},
           "meeting only": {"meeting_only": True}}
# Every named parameter of the saved queries: a district and a province; no other filter.
QUERY_PARAMETERS = {**Filters().parameters(), "q": "", "district": "Ba Bể",
                    "province": "Thanh Hóa"}
DATASETTE_ROWS = 1001  # what Datasette reads of a saved query
# Articles between two moves of the recent story bands (an article's signature cut into
# bands): one batch in this many pays the move, several seconds at a million articles.
BAND_CYCLE = RECENT_BANDS // (SIGNATURE_SIZE // BAND_ROWS)
TARGETS = {"writer ratio": 0.8, "search p95 ms": 200, "page s": 1.0, "export rows/s": 50_000}


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call. This process's CPU time (SQLite and Datasette's
    threads included) and that of the children it waited for (a Parquet export's reader) is
    what the call costs; on a busy machine the wall clock adds the wait for a core."""
    started, started_cpu = time.perf_counter(), _cpu_with_children()
    action()
    return time.perf_counter() - started, _cpu_with_children() - started_cpu


def _cpu_with_children() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Stop:
    """SIGTERM stops the fill in progress; the archive is then measured at the size reached."""

    requested = False
    fill: subprocess.Popen | None = None

    @classmethod
    def request(cls, *_: object) -> None:
        cls.requested = True
        if cls.fill is not None:
            cls.fill.terminate()


def fill_to(db: Path, size: int, batch_size: int) -> int:
    """Fill the archive to `size` articles in a process of its own (nothing to do when an
    earlier run filled it that far); the size reached."""
    if generated_so_far(str(db)) < size and not Stop.requested:
        Stop.fill = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "fill_archive.py"), str(db), "--articles",
             str(size), "--batch-size", str(batch_size), "--window",
             str(min(5000, max(1000, size // 10)))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if Stop.fill.wait() != 0:
            raise RuntimeError(f"filling {db} to {size} failed")
        Stop.fill = None
    return generated_so_far(str(db))


def measure_search(db: Path, repeat: int) -> dict[str, dict[str, list[float]]]:
    """p50 and p95 in ms, wall and CPU, per filter over the query set (after a warm-up)."""
    results = {}
    for name, options in FILTERS.items():
        for query in QUERY_SET:
            search(str(db), query, Filters(**options))
        times = [timed(lambda q=query, o=options: search(str(db), q, Filters(**o)))
                 for _ in range(repeat) for query in QUERY_SET]
        for share, label in ((0.5, "p50"), (0.95, "p95")):
            results[f"{name} {label}"] = [percentile([t[i] * 1000 for t in times], share)
                                          for i in (0, 1)]
    return results


def measure_saved_queries(db: Path) -> dict[str, list[float]]:
    """Milliseconds (wall, CPU) of each saved query, the second of two runs, reading the rows
    Datasette reads of one (its max_returned_rows, 1,000, and one more to tell that there are
    more)."""
    results = {}
    with connect_read_only(str(db)) as connection:
        register_functions(connection)
        for name, query in QUERIES.items():
            run = partial(connection.execute, query["sql"], QUERY_PARAMETERS)
            run().fetchmany(DATASETTE_ROWS)
            results[name] = [t * 1000 for t in
                             timed(lambda run=run: run().fetchmany(DATASETTE_ROWS))]
    return results


def measure_export(db: Path, folder: Path) -> list[float]:
    """Rows per second (wall, CPU) of a Parquet export of the articles table."""
    out = folder / "articles.parquet"
    rows = []
    seconds = timed(lambda: rows.append(export(str(db), str(out), "parquet",
                                               table="articles", force=True).rows))
    out.unlink()
    return [rows[0] / max(t, 1e-9) for t in seconds]


def measure_datasette(db: Path) -> tuple[dict[str, list[float]], list[str]]:
    """Milliseconds (wall, CPU) of each page through Datasette's own client (no socket), as
    `vnarchive serve` configures it; each page is read twice and the second read is timed.
    Pages that did not answer 200 are listed."""
    from datasette.app import Datasette

    failures: list[str] = []

    async def fetch_all() -> dict[str, list[float]]:
        datasette = Datasette([str(db)], metadata=datasette_metadata(),
                              settings=DATASETTE_SETTINGS)
        # The archive's route as Datasette names it (archive/browse renames it "vnarchive").
        name = (await datasette.client.get("/-/databases.json")).json()[0]["route"]
        pages = {"articles table": f"/{name}/articles",
                 "meeting_reports faceted": f"/{name}/meeting_reports?_facet=province"
                                            "&_facet=organ&_facet=period_deployed",
                 "articles search": f"/{name}/articles?_search=dang+bo",
                 "search_articles query": f"/{name}/search_articles?q=dang+bo"}
        timings = {}
        for label, path in pages.items():
            await datasette.client.get(path)  # the first read of a page warms caches
            started, started_cpu = time.perf_counter(), time.process_time()
            response = await datasette.client.get(path)
            timings[label] = [(time.perf_counter() - started) * 1000,
                              (time.process_time() - started_cpu) * 1000]
            if response.status_code != 200:  # Datasette's time limit: "took too long"
                failures.append(f"{label}: HTTP {response.status_code}")
        return timings

    return asyncio.run(fetch_all()), failures


def writer_figures(db: Path, size: int) -> tuple[float, float, float, float]:
    """The writer's rows/s, CPU ms per row and MB read from the disk (not the kernel's
    cache) over the window that ended at `size` (or the last window of the fill that reached
    it), and that fill's peak RSS in MB, from the archive's fill history."""
    fill = next(f for f in fill_history(str(db)) if f["from"] < size <= f["to"])
    window = next((w for w in fill["windows"] if w["articles"] == size),
                  fill["windows"][-1] if fill["windows"] else None)
    window = window or {}
    return (window.get("rows_per_s", fill["rows_per_s"]), window.get("cpu_ms_per_row", 0.0),
            window.get("disk_read_mb", 0.0), fill["peak_rss_mb"])


def cycle_figures(db: Path, size: int) -> tuple[float, float, int]:
    """The writer's rows/s and CPU ms per row over the windows of every fill of the archive
    that ended within the last BAND_CYCLE articles before `size`, and how many articles those
    windows hold (up to a window more than BAND_CYCLE; fewer when fills left gaps)."""
    held = []  # (articles, window)
    for fill in fill_history(str(db)):
        start = fill["from"]
        for window in fill["windows"]:
            if size - BAND_CYCLE < window["articles"] <= size:
                held.append((window["articles"] - start, window))
            start = window["articles"]
    articles = sum(count for count, _ in held)
    if not articles:
        return 0.0, 0.0, 0
    seconds = sum(count / window["rows_per_s"] for count, window in held)
    cpu = sum(count * window["cpu_ms_per_row"] for count, window in held) / articles
    return articles / seconds, cpu, articles


def measure(db: Path, size: int, folder: Path, repeat: int) -> dict:
    writer_rate, writer_cpu, writer_read, writer_peak = writer_figures(db, size)
    cycle_rate, cycle_cpu, cycle_articles = cycle_figures(db, size)
    with connect_read_only(str(db)) as connection:
        rows = connection.execute("select count(*) from articles").fetchone()[0]
    pages, failures = measure_datasette(db)
    site_health(str(db))
    return {
        "size": size, "rows": rows, "megabytes": db.stat().st_size / 2**20,
        "writer rows/s": writer_rate, "writer CPU ms/row": writer_cpu,
        "writer disk MB read": writer_read, "writer peak MB": writer_peak,
        "writer cycle rows/s": cycle_rate, "writer cycle CPU ms/row": cycle_cpu,
        "writer cycle articles": cycle_articles,
        "search ms": measure_search(db, repeat),
        "status ms": [t * 1000 for t in timed(lambda: site_health(str(db)))],
        "saved queries ms": measure_saved_queries(db),
        "export rows/s": measure_export(db, folder),
        "datasette ms": pages, "datasette failures": failures,
    }


def divided(value: float, base: float) -> float:
    """A ratio; not a number when the base was not measured (an archive filled earlier)."""
    return value / base if base else float("nan")


def report(results: list[dict]) -> None:
    """One column per size, each ratio against the first; read figures as "wall / CPU"."""
    first, last = results[0], results[-1]
    print(f"{'':<42}" + "".join(f"{r['size']:>16,}" for r in results)
          + f"{'ratio last/first':>20}")

    def line(label: str, values: list[float], digits: int = 1) -> None:
        print(f"{label:<42}" + "".join(f"{v:>16,.{digits}f}" for v in values)
              + f"{divided(values[-1], values[0]):>20.2f}")

    def pair(label: str, values: list[list[float]]) -> None:
        cells = "".join(f"{f'{w:,.0f} / {c:,.0f}':>16}" for w, c in values)
        ratios = " / ".join(f"{divided(values[-1][i], values[0][i]):.2f}" for i in (0, 1))
        print(f"{label:<42}{cells}{ratios:>20}")

    line("archive rows (articles)", [r["rows"] for r in results], 0)
    line("archive MB", [r["megabytes"] for r in results], 0)
    line("writer rows/s (last window)", [r["writer rows/s"] for r in results])
    line("writer CPU ms per row (last window)", [r["writer CPU ms/row"] for r in results], 2)
    # Measurements saved before a figure existed have none: its cells are 0.
    line("writer MB read from disk (last window)",
         [r.get("writer disk MB read", 0.0) for r in results])
    line(f"writer rows/s (last {BAND_CYCLE:,})", [r.get("writer cycle rows/s", 0.0)
                                                  for r in results])
    line(f"writer CPU ms per row (last {BAND_CYCLE:,})",
         [r.get("writer cycle CPU ms/row", 0.0) for r in results], 2)
    line("writer articles in those windows", [r.get("writer cycle articles", 0)
                                              for r in results], 0)
    line("writer peak RSS MB", [r["writer peak MB"] for r in results])
    print("reads: wall / CPU")
    for name in first["search ms"]:
        pair(f"search {name} ms", [r["search ms"][name] for r in results])
    pair("status ms", [r["status ms"] for r in results])
    for name in first["saved queries ms"]:
        pair(f"query {name[:36]} ms", [r["saved queries ms"][name] for r in results])
    pair("export parquet rows/s", [r["export rows/s"] for r in results])
    for name in first["datasette ms"]:
        pair(f"datasette {name} ms", [r["datasette ms"][name] for r in results])
    for result in results:
        for failure in result["datasette failures"]:
            print(f"at {result['size']:,}: datasette {failure}")
    worst_search = max(p95 for name, (p95, _) in last["search ms"].items() if "p95" in name)
    slowest_page = max(wall for wall, _ in [*last["saved queries ms"].values(),
                                            *last["datasette ms"].values()])
    cycle = divided(last.get("writer cycle rows/s", 0.0), first.get("writer cycle rows/s", 0.0))
    print(f"targets at {last['size']:,} (wall clock): writer "
          f"{divided(last['writer rows/s'], first['writer rows/s']):.2f} of its "
          f"{first['size']:,} rate in the last window, {cycle:.2f} over the last "
          f"{BAND_CYCLE:,} (>= {TARGETS['writer ratio']}), search p95 "
          f"{worst_search:.0f} ms (< {TARGETS['search p95 ms']}), slowest saved query or page "
          f"{slowest_page / 1000:.2f} s (< {TARGETS['page s']}), export "
          f"{last['export rows/s'][0]:,.0f} rows/s (>= {TARGETS['export rows/s']:,}), writer "
          f"peak RSS {divided(last['writer peak MB'], first['writer peak MB']):.2f} of its "
          "first figure")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000",
                        help="comma-separated archive sizes, ascending (10000,100000,1000000)")
    parser.add_argument("--db", help="the archive to grow (kept); default a temporary file")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help="the writer's batch size")
    parser.add_argument("--report", nargs="+", metavar="FILE",
                        help="print the side-by-side report of measurements saved from earlier "
                             "runs (the JSON lines they print on stderr), measuring nothing")
    args = parser.parse_args()
    if args.report:
        report(sorted((json.loads(line) for name in args.report
                       for line in Path(name).read_text().splitlines() if line.startswith("{")),
                      key=lambda result: result["size"]))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    signal.signal(signal.SIGTERM, Stop.request)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(args.db) if args.db else Path(folder) / "scale.db"
        for size in sizes:
            reached = fill_to(db, size, args.batch_size)
            results.append(measure(db, reached, Path(folder), args.repeat))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
            if Stop.requested:
                break
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
