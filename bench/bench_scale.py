"""How the archive's costs grow with its size: one archive filled to each size in turn, and
measured at each.

    python bench/bench_scale.py [--sizes 10000,100000,1000000] [--db PATH] [--repeat 3]

At each size the archive is filled further by bench/fill_archive.py in a process of its own
(rows through `ArchiveWriter`, the path a crawl's rows take), then measured:
- the writer's rows/s over the last window of articles before the size, and its peak RSS;
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
import signal
import statistics
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
from archive.health import site_health  # noqa: E402
from archive.metadata import DATASETTE_SETTINGS, QUERIES, datasette_metadata  # noqa: E402
from archive.query import connect_read_only  # noqa: E402
from archive.search import search  # noqa: E402
from bench.fill_archive import fill_history, generated_so_far  # noqa: E402

QUERY_SET = ("triển khai nhiệm vụ quý II", "trien khai nhiem vu quy II", "dang bo",
             "thu ngân sách nhà nước", "hội nghị", "nông thôn mới", "Ba Bể",
             "bí thư huyện ủy", "cai cach hanh chinh", "giải ngân vốn đầu tư công",
             "phòng chống dịch", "an ninh trật tự")
FILTERS = {"no filter": {}, "site": {"site": "testweb_thanhhoa"},
           "province": {"province": "Thanh Hóa"},
           "dates": {"date_from": "2020-01-01", "date_to": "2020-06-30"},
           "meeting only": {"meeting_only": True}}
QUERY_PARAMETERS = {"district": "Ba Bể"}
TARGETS = {"writer ratio": 0.8, "search p95 ms": 200, "page s": 1.0, "export rows/s": 50_000}


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


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


def measure_search(db: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 in ms per filter, over the query set (after one warm-up pass)."""
    results = {}
    for name, options in FILTERS.items():
        for query in QUERY_SET:
            search(str(db), query, **options)
        times = [timed(lambda q=query, o=options: search(str(db), q, **o)) * 1000
                 for _ in range(repeat) for query in QUERY_SET]
        results[name] = (statistics.median(times), percentile(times, 0.95))
    return results


def measure_saved_queries(db: Path) -> dict[str, float]:
    """Seconds of each saved query, all its rows read, the second of two runs."""
    results = {}
    with connect_read_only(str(db)) as connection:
        for name, query in QUERIES.items():
            run = partial(connection.execute, query["sql"],
                          QUERY_PARAMETERS if ":" in query["sql"] else {})
            run().fetchall()
            results[name] = timed(lambda run=run: run().fetchall())
    return results


def measure_export(db: Path, folder: Path) -> tuple[float, int]:
    """Seconds and rows of a Parquet export of the articles table."""
    out = folder / "articles.parquet"
    started = time.perf_counter()
    result = export(str(db), str(out), "parquet", table="articles")
    seconds = time.perf_counter() - started
    out.unlink()
    return seconds, result.rows


def measure_datasette(db: Path) -> tuple[dict[str, float], list[str]]:
    """Seconds of each page through Datasette's own client (no socket), as `vnarchive serve`
    configures it; each page is read twice and the second read is timed. Pages that did not
    answer 200 are listed."""
    from datasette.app import Datasette

    name = db.stem
    pages = {"articles table": f"/{name}/articles",
             "meeting_reports faceted": f"/{name}/meeting_reports?_facet=province"
                                        "&_facet=organ&_facet=period_deployed",
             "articles search": f"/{name}/articles?_search=dang+bo"}

    failures: list[str] = []

    async def fetch_all() -> dict[str, float]:
        datasette = Datasette([str(db)], metadata=datasette_metadata(str(db)),
                              settings=DATASETTE_SETTINGS)
        timings = {}
        for label, path in pages.items():
            await datasette.client.get(path)  # the first read of a page warms caches
            started = time.perf_counter()
            response = await datasette.client.get(path)
            timings[label] = time.perf_counter() - started
            if response.status_code != 200:  # Datasette's time limit: "took too long"
                failures.append(f"{label}: HTTP {response.status_code}")
        return timings

    return asyncio.run(fetch_all()), failures


def writer_figures(db: Path, size: int) -> tuple[float, float, float]:
    """The writer's rows/s and CPU ms per row over the window that ended at `size` (or the
    last window of the fill that reached it) and that fill's peak RSS in MB, from the
    archive's fill history."""
    fill = next(f for f in fill_history(str(db)) if f["from"] < size <= f["to"])
    window = next((w for w in fill["windows"] if w["articles"] == size),
                  fill["windows"][-1] if fill["windows"] else None)
    window = window or {}
    return (window.get("rows_per_s", fill["rows_per_s"]), window.get("cpu_ms_per_row", 0.0),
            fill["peak_rss_mb"])


def measure(db: Path, size: int, folder: Path, repeat: int) -> dict:
    writer_rate, writer_cpu, writer_peak = writer_figures(db, size)
    with connect_read_only(str(db)) as connection:
        rows = connection.execute("select count(*) from articles").fetchone()[0]
    export_seconds, export_rows = measure_export(db, folder)
    pages, failures = measure_datasette(db)
    return {
        "size": size, "rows": rows, "megabytes": db.stat().st_size / 2**20,
        "writer rows/s": writer_rate, "writer CPU ms/row": writer_cpu,
        "writer peak MB": writer_peak,
        "search": measure_search(db, repeat),
        "status s": timed(lambda: site_health(str(db))),
        "saved queries s": measure_saved_queries(db),
        "export rows/s": export_rows / export_seconds,
        "datasette s": pages, "datasette failures": failures,
    }


def divided(value: float, base: float) -> float:
    """A ratio; not a number when the base was not measured (an archive filled earlier)."""
    return value / base if base else float("nan")


def report(results: list[dict]) -> None:
    """One column per size, each ratio against the first."""
    first = results[0]
    sizes = [f"{r['size']:,}" for r in results]
    print(f"{'':<40}" + "".join(f"{s:>14}" for s in sizes) + f"{'ratio last/first':>18}")

    def line(label: str, values: list[float], fmt: str = "{:>14.1f}") -> None:
        ratio = divided(values[-1], values[0])
        print(f"{label:<40}" + "".join(fmt.format(v) for v in values) + f"{ratio:>18.2f}")

    line("archive rows (articles)", [r["rows"] for r in results], "{:>14,.0f}")
    line("archive MB", [r["megabytes"] for r in results], "{:>14,.0f}")
    line("writer rows/s (last window)", [r["writer rows/s"] for r in results])
    line("writer CPU ms per row (last window)", [r["writer CPU ms/row"] for r in results],
         "{:>14.2f}")
    line("writer peak RSS MB", [r["writer peak MB"] for r in results])
    for name in first["search"]:
        line(f"search {name} p50 ms", [r["search"][name][0] for r in results])
        line(f"search {name} p95 ms", [r["search"][name][1] for r in results])
    line("status ms", [r["status s"] * 1000 for r in results])
    for name in first["saved queries s"]:
        line(f"query {name[:33]} ms", [r["saved queries s"][name] * 1000 for r in results])
    line("export parquet rows/s", [r["export rows/s"] for r in results], "{:>14,.0f}")
    for name in first["datasette s"]:
        line(f"datasette {name} ms", [r["datasette s"][name] * 1000 for r in results])
    for result in results:
        for failure in result.get("datasette failures", []):
            print(f"at {result['size']:,}: datasette {failure}")
    last = results[-1]
    worst_search = max(p95 for _, p95 in last["search"].values())
    slowest_page = max([*last["saved queries s"].values(), *last["datasette s"].values()])
    writer_ratio = divided(last["writer rows/s"], first["writer rows/s"])
    print(f"targets at {last['size']:,}: writer {writer_ratio:.2f} of its "
          f"{first['size']:,} figure (>= {TARGETS['writer ratio']}), search p95 "
          f"{worst_search:.0f} ms (< {TARGETS['search p95 ms']}), slowest saved query or page "
          f"{slowest_page:.2f} s (< {TARGETS['page s']}), export "
          f"{last['export rows/s']:,.0f} rows/s (>= {TARGETS['export rows/s']:,}), writer RSS "
          f"{divided(last['writer peak MB'], first['writer peak MB']):.2f} of its first figure")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000",
                        help="comma-separated archive sizes, ascending (10000,100000,1000000)")
    parser.add_argument("--db", help="the archive to grow (kept); default a temporary file")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--batch-size", type=int, default=50, help="the writer's batch size")
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
