"""Throughput of vnarchive against the naive Scrapy + trafilatura pipeline, same pages, one run.

    python bench/bench_pipeline.py [--pages 2000] [--large 20000] [--jobs never-seen] [--repeat 3]
                                   [--before DIR]

A local web of N article pages in the families' real markup, padded with the navigation real
portals carry to 50-70 KB each, is served from memory by a separate server process. Four jobs
fetch the same pages through its sitemap, each in its own process, with the same concurrency:

1. raw Scrapy with a parse that does nothing (the fetch ceiling);
2. the naive pipeline: Scrapy, `trafilatura.extract` inline, one sqlite-utils insert per item;
3. `vnarchive crawl` end to end (decoding, extraction, cleaning, classification, WARC, SQLite
   with the full-text index), its profile with the hand-written `article_selector`;
4. `vnarchive reprocess` of that archive from its WARC files;
5. "site never seen": `vnarchive crawl` with the same profile less its `article_selector`,
   as a user's first profile of a new site is (the learned article region does the work,
   pipelines/region.py), then its `reprocess`.

Each job reports pages/s, CPU seconds per page (its own and its children's) and peak RSS, and
the ratios to the naive pipeline are printed with issue 19's targets. With --large, the
vnarchive crawl runs again on a web of that many pages to compare peak memory. `--jobs` runs
only some jobs (the naive pipeline always runs, as the ratios' base).

On a machine others share, a job's wall-clock time follows the load of the moment: `--repeat N`
runs every job N times, one round after the other, and keeps each job's median run. The CPU
milliseconds per page do not follow the load; their ratio to the naive pipeline's is printed
too (on C cores, a job whose work spreads over them can be at most C times that ratio faster).

`--before DIR` runs each vnarchive job a second time, right after, with the code of DIR (a
checkout of an earlier commit: `git archive main | tar -x -C DIR`), on the same pages and
server: a change's gain measured side by side, under the same load.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testweb.content import VIETNAM_TIME, Article  # noqa: E402
from testweb.families import FAMILIES  # noqa: E402

BENCH_FAMILIES = ("thanhhoa", "langson", "backan", "ninhthuan", "lynhan")
CONCURRENCY = 16
SENTENCES = [
    "UBND huyện tổ chức hội nghị đánh giá tình hình thực hiện nhiệm vụ phát triển kinh tế - xã "
    "hội tháng 5, triển khai nhiệm vụ trọng tâm tháng 6/2024.",
    "Giá trị sản xuất công nghiệp ước đạt 925 tỷ đồng, lũy kế 5 tháng đạt 4.180 tỷ đồng, bằng "
    "37,4% kế hoạch năm.",
    "Các đại biểu tập trung thảo luận, làm rõ những tồn tại, hạn chế và đề xuất giải pháp khắc "
    "phục trong thời gian tới.",
    "Đồng chí Chủ tịch UBND huyện yêu cầu các phòng, ngành, đơn vị tập trung thực hiện quyết "
    "liệt các nhiệm vụ đã đề ra.",
]

SERVER = """
import pickle, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
pages, locations = pickle.load(open(sys.argv[1], "rb"))
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = pages.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        body = body or b"not found"
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
# A backlog like nginx's: with the standard library's 5, some of a crawl's 16 first
# connections were dropped and sent again a second later (testweb.server.LocalWebServer).
ThreadingHTTPServer.request_queue_size = 511
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
base = "http://127.0.0.1:%d" % server.server_address[1]
entries = "".join("<url><loc>%s%s</loc></url>" % (base, path) for path in locations)
pages["/sitemap.xml"] = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.'
                         'sitemaps.org/schemas/sitemap/0.9">%s</urlset>' % entries).encode()
# A home page that links its articles, as a listing does: one whose listings link nothing is
# a broken profile, and the crawl says so with a non-zero exit.
pages["/"] = ("<html><body>%s</body></html>" % "".join(
    '<a href="%s">%s</a>' % (path, path) for path in locations)).encode()
pages["/robots.txt"] = b"User-agent: *\\nAllow: /\\n"
print(base, flush=True)
server.serve_forever()
"""

SPIDER = """
import sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider
MODE, BASE, DB, CONCURRENCY = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if MODE == "naive":
    import sqlite_utils, trafilatura
    database = sqlite_utils.Database(DB)
class Bench(SitemapSpider):
    name = "bench"
    sitemap_urls = [BASE + "/sitemap.xml"]
    def parse(self, response):
        if MODE == "naive":
            text = trafilatura.extract(response.text, url=response.url)
            database["articles"].insert({"url": response.url, "text": text}, pk="url",
                                        replace=True)
process = CrawlerProcess({"CONCURRENT_REQUESTS": CONCURRENCY,
                          "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
                          "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "ERROR",
                          "TELNETCONSOLE_ENABLED": False})
process.crawl(Bench)
process.start()
"""

# Each job runs under a wrapper of its own, so the kernel's figures are that job's alone.
WRAPPER = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""

PROFILE = """
name = "bench_web"
title = "Benchmark web"
kind = "newspaper"
base_url = "{base}/"
start_urls = ["/"]
sitemaps = ["/sitemap.xml"]
allowed_domains = ["127.0.0.1"]
article_pattern = '\\.(htm|html|aspx)$'
article_selector = "article.detail, #mainContent"
download_delay = 0
concurrency = {concurrency}
autothrottle = false
"""


def navigation_padding(number: int) -> str:
    """The mega-menus, tickers and link lists that make real portal pages 50-70 KB."""
    links = "".join(f'<li><a href="/chuyen-muc/{number % 7}-{i}.html">Chuyên mục tin tức '
                    f"số {i} của cổng thông tin điện tử</a></li>" for i in range(420))
    script = "<script>var menu = " + "[" + ",".join(str(i) for i in range(1500)) + "];</script>"
    return f'<div class="mega-menu"><ul>{links}</ul></div>{script}'


def build_pages(count: int, first: int = 0) -> dict[str, bytes]:
    """`count` article pages, numbered from `first`: pages of other numbers are other articles
    (texts, titles and dates), not copies."""
    start = datetime(2023, 1, 2, 8, 0, tzinfo=VIETNAM_TIME)
    pages, locations = {}, []
    for number in range(first, first + count):
        family_name = BENCH_FAMILIES[number % len(BENCH_FAMILIES)]
        # Real articles differ: each paragraph names its own place, figures and people.
        body = tuple(f"Tại xã số {number * 13 + i}, " + " ".join(
            SENTENCES[(number + i + j) % 4].replace("925", str(number * 7 + i + j))
            .replace("tháng 5", f"đợt {number}-{i}-{j}") for j in range(3))
            for i in range(12))
        article = Article(id=f"{family_name}/{number}", family=family_name,
                          number=100000 + number, title=f"UBND huyện triển khai nhiệm vụ tháng "
                          f"{number % 12 + 1}/2024 (bài {number})",
                          published=start + timedelta(hours=number), category="chinh-tri",
                          body=body, author="Minh Phương")
        family = FAMILIES[family_name]([article])
        html = family.render_article(article)
        html = html.replace("<body>", "<body>" + navigation_padding(number), 1)
        if "<body>" not in family.render_article(article):
            html = html.replace("</form>", navigation_padding(number) + "</form>", 1)
        path = f"/{family_name}{family.article_path(article)}"
        pages[path] = html.encode("utf-8")
        locations.append(path)
    return pages, locations


def measure(command: list[str], code: Path = ROOT) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak MB of `command`, run with the code in `code`."""
    output = subprocess.run([sys.executable, "-c", WRAPPER, *command], check=True,
                            capture_output=True, text=True, cwd=code).stdout.split()
    return float(output[0]), float(output[1]), int(output[2]) / 1024


def serve(pages: dict[str, bytes], locations: list[str], folder: Path):
    """Start the server process; it builds its sitemap once it knows its port."""
    data = folder / "pages.pickle"
    with data.open("wb") as handle:
        pickle.dump((pages, locations), handle)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(data)],
                              stdout=subprocess.PIPE, text=True)
    return server, server.stdout.readline().strip()


# The vnarchive jobs: a crawl (and a reprocess of its archive) per profile.
CRAWL_JOBS = {"selector": ("vnarchive crawl", "vnarchive reprocess"),
              "never-seen": ("never seen crawl", "never seen reprocess")}
JOBS = ("raw", *CRAWL_JOBS)
TARGETS = {"never seen crawl": 2.0, "never seen reprocess": 2.5}  # times the naive pipeline
BEFORE = " (before)"  # the jobs run with the code of --before


def write_profile(folder: Path, job: str, base: str) -> Path:
    """The bench web's profile; a site never seen has no `article_selector`."""
    text = PROFILE.format(base=base, concurrency=CONCURRENCY)
    if job == "never-seen":
        text = "\n".join(line for line in text.splitlines()
                          if not line.startswith("article_selector"))
    profile = folder / f"bench_web_{job}.toml"
    profile.write_text(text, encoding="utf-8")
    return profile


def run_jobs(count: int, folder: Path, jobs: tuple[str, ...] = JOBS,
             include_baselines: bool = True, before: Path | None = None) -> dict:
    pages, locations = build_pages(count)
    sizes = [len(pages[path]) for path in locations]
    server, base = serve(pages, locations, folder)
    results = {"sizes": (min(sizes), sum(sizes) / len(sizes), max(sizes))}
    try:
        spider = folder / "spider.py"
        spider.write_text(SPIDER, encoding="utf-8")
        if include_baselines:
            for name, mode in (("raw Scrapy", "raw"), ("naive pipeline", "naive")):
                if mode == "naive" or mode in jobs:
                    results[name] = measure([sys.executable, str(spider), mode, base,
                                             str(folder / f"{mode}.db"), str(CONCURRENCY)])
        codes = {"": ROOT, **({BEFORE: before} if before else {})}
        for job, (crawl, reprocess) in CRAWL_JOBS.items():
            if job not in jobs:
                continue
            for suffix, code in codes.items():
                db = folder / f"vnarchive-{job}-{count}{suffix.replace(' ', '-')}.db"
                results[crawl + suffix] = measure(
                    [sys.executable, "-m", "vnarchive", "crawl", "--profile",
                     str(write_profile(folder, job, base)), "--db", str(db)], code)
                if include_baselines:
                    results[reprocess + suffix] = measure(
                        [sys.executable, "-m", "vnarchive", "reprocess", "--db", str(db)], code)
    finally:
        server.terminate()
        server.wait()
    return results


def fresh_folder(path: Path) -> Path:
    """A round's own folder: each round crawls into new archives, never re-crawls."""
    path.mkdir()
    return path


def median_runs(rounds: list[dict]) -> dict:
    """Each job's run with the median wall-clock time over the rounds."""
    return {name: sorted((result[name] for result in rounds), key=lambda run: run[0])[
        len(rounds) // 2] for name in rounds[0]}


def cpu_line(results: dict) -> str:
    """The naive pipeline's CPU per page over each vnarchive job's: the cost, whatever the load."""
    naive = results["naive pipeline"][1]
    return "CPU per page, naive/job: " + ", ".join(
        f"{name} {naive / results[name][1]:.2f}" for name in results
        if name not in ("raw Scrapy", "naive pipeline"))


def ratios_line(results: dict, pages: int) -> str:
    """Each vnarchive job's pages/s over the naive pipeline's, with issue 19's targets."""
    naive = pages / results["naive pipeline"][0]
    cells = []
    for name, short in (("vnarchive crawl", "crawl"), ("vnarchive reprocess", "reprocess"),
                        ("never seen crawl", "never seen crawl"),
                        ("never seen reprocess", "never seen reprocess")):
        if name in results:
            target = f" (target >= {TARGETS[name]:g})" if name in TARGETS else ""
            cells.append(f"{short}/naive {pages / results[name][0] / naive:.2f}{target}")
        if name + BEFORE in results:
            cells.append(f"{short}/naive before {pages / results[name + BEFORE][0] / naive:.2f}")
    return "ratios: " + ", ".join(cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--large", type=int, default=0,
                        help="also crawl a web of this many pages to compare peak memory")
    parser.add_argument("--jobs", default=",".join(JOBS),
                        help=f"comma-separated, of {', '.join(JOBS)} (naive always runs)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every job this many times and keep each one's median run")
    parser.add_argument("--before", type=Path,
                        help="also run the vnarchive jobs with the code of this checkout")
    args = parser.parse_args()
    jobs = tuple(args.jobs.split(","))
    load_at_start = os.getloadavg()[0]  # other work on the machine moves the wall-clock figures
    with tempfile.TemporaryDirectory() as folder:
        rounds = [run_jobs(args.pages, fresh_folder(Path(folder) / f"round-{number}"), jobs,
                           before=args.before and args.before.resolve())
                  for number in range(args.repeat)]
        results = median_runs(rounds)
        large = (run_jobs(args.large, Path(folder), ("selector",), include_baselines=False)
                 if args.large else None)
    low, mean, high = results.pop("sizes")
    print(f"{args.pages} article pages of {low / 1024:.0f}-{high / 1024:.0f} KB "
          f"(mean {mean / 1024:.0f} KB); concurrency {CONCURRENCY}; median of {args.repeat} "
          f"run(s); load average {load_at_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(f"{'job':<30}{'seconds':>9}{'pages/s':>10}{'CPU ms/page':>13}{'peak MB':>10}")
    for name, (seconds, cpu, peak) in results.items():
        print(f"{name:<30}{seconds:>9.1f}{args.pages / seconds:>10.1f}"
              f"{cpu / args.pages * 1000:>13.1f}{peak:>10.0f}")
    print(cpu_line(results))
    line = ratios_line(results, args.pages)
    if large:
        large.pop("sizes")
        ratio = large["vnarchive crawl"][2] / results["vnarchive crawl"][2]
        print(f"{'vnarchive crawl ' + str(args.large):<30}{large['vnarchive crawl'][0]:>9.1f}"
              f"{args.large / large['vnarchive crawl'][0]:>10.1f}"
              f"{large['vnarchive crawl'][1] / args.large * 1000:>13.1f}"
              f"{large['vnarchive crawl'][2]:>10.0f}")
        line += f", peak RSS {args.large}/{args.pages} pages {ratio:.2f}"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
