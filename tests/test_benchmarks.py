"""The benchmarks run (on tiny inputs) and print their tables; no timing is asserted here."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.timeout(300)


def run_bench(script: str, *args: str, cwd: Path = PROJECT_ROOT) -> str:
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "bench" / script), *args],
                            cwd=cwd, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_pipeline_benchmark_runs_on_a_tiny_web():
    output = run_bench("bench_pipeline.py", "--pages", "20")
    assert "naive pipeline" in output and "vnarchive reprocess" in output
    assert "never seen crawl" in output and "never seen reprocess" in output
    assert output.strip().splitlines()[-1].startswith("ratios: crawl/naive ")


def test_import_benchmark_runs_on_tiny_files():
    output = run_bench("bench_import.py", "--files", "2", "--records", "20", "--repeat", "1")
    assert output.startswith("2 WARC files of 20 responses")
    assert output.strip().splitlines()[-1].startswith("import ")
    output = run_bench("bench_import.py", "--files", "1", "--records", "20", "--repeat", "1",
                       "--uncompressed")
    assert output.startswith("1 uncompressed WARC files of 20 responses")


def test_page_readings_are_written_one_json_line_each(tmp_path):
    import json

    out = tmp_path / "readings.jsonl"
    output = run_bench("page_readings.py", str(out), "--per-family", "1", "--per-folder", "1",
                       "--bench-pages", "2")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert output.startswith(f"{len(lines)} readings written")
    readings = [json.loads(line) for line in lines]
    tags = {reading["tag"].split()[0] for reading in readings}
    assert {"testweb", "pages", "cms", "bench"} <= tags
    article = next(r for r in readings if r["tag"] == "bench selector")
    assert article["fields"]["title"] and article["fields"]["text"]
    assert article["fields"]["classifier_version"] and "report" in article


def test_recrawl_benchmark_runs_on_a_tiny_web():
    output = run_bench("bench_recrawl.py", "--articles", "12")
    assert "re-crawl cost:" in output


def test_export_benchmark_runs_on_a_tiny_archive():
    output = run_bench("bench_export.py", "--rows", "2000")
    assert "streaming parquet peak:" in output


def test_distributed_benchmark_runs_on_a_tiny_web():
    from testweb.redis_server import LocalRedis, RedisUnavailable

    try:
        LocalRedis().start().stop()
    except RedisUnavailable as reason:
        pytest.skip(f"no Redis for the distributed benchmark: {reason}")
    output = run_bench("bench_distributed.py", "--sites", "2", "--articles", "4", "--delay",
                       "0.02")
    assert "two workers + ingest" in output
    assert output.strip().splitlines()[-1].startswith("ratio: two workers / one machine ")


def test_hostile_archive_files_end_in_an_import():
    """bench/hostile_archives.py on a few cases: each mutated WARC or ARC file is imported or
    counted corrupt, never an exception (its exit code is 1 when one is printed)."""
    output = run_bench("hostile_archives.py", "--cases", "16", "--seed", "3")
    assert output.strip().splitlines()[-1].startswith("seed 3: 16 imports, 0 exceptions")


def test_search_benchmark_runs_cold_and_warm_on_a_tiny_archive():
    output = run_bench("bench_search.py", "--articles", "300", "--cold", "--repeat", "1")
    assert "60 searches" in output
    assert "  cold: p50 " in output and "  warm: p50 " in output
    assert output.count(" MB read)  ") == 3  # the slowest cold searches, each with its reads


def test_reprocess_index_benchmark_runs_on_a_tiny_folder():
    output = run_bench("reprocess_index.py", "--fetches", "300")
    assert output.startswith("300 article fetches in ")
    assert output.strip().splitlines()[-1].split()[:3] == ["reprocess", "index", "270"]


def test_large_archive_benchmark_crawls_into_the_copy_and_new_archives(tmp_path):
    copy = tmp_path / "copy.db"
    subprocess.run([sys.executable, "bench/fill_archive.py", str(copy), "--articles", "200"],
                   cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=280)
    # Given as a path from the folder it is run in, not the project's, where its crawls run.
    output = run_bench("bench_large_archive.py", "copy.db", "--pages", "10", "--cold",
                       cwd=tmp_path)
    lines = output.splitlines()
    assert lines[0].startswith(f"{copy}: 200 articles")
    crawls = [line for line in lines if line.startswith("into ")]
    assert [line[:34].strip() for line in crawls] == [
        "into a new archive", "into COPY, first of the day", "into another new archive",
        "into COPY, checked today"]
    # Seconds, CPU seconds, peak MB; and a crawl into COPY its ratio to the new archive's.
    assert [len(line[34:].split()) for line in crawls] == [3, 4, 3, 4]
    with sqlite3.connect(copy) as connection:
        assert connection.execute("select count(*) from articles").fetchone() == (220,)
        # The first crawl of the day checked it whole, and said so for the next ones.
        assert connection.execute("select inode from integrity_checks").fetchall() == [
            (copy.stat().st_ino,)]
