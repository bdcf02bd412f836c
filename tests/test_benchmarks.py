"""The benchmarks run (on tiny inputs) and print their tables; no timing is asserted here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.timeout(300)


def run_bench(script: str, *args: str) -> str:
    result = subprocess.run([sys.executable, f"bench/{script}", *args], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_pipeline_benchmark_runs_on_a_tiny_web():
    output = run_bench("bench_pipeline.py", "--pages", "20")
    assert "naive pipeline" in output and "vnarchive reprocess" in output
    assert "never seen crawl" in output and "never seen reprocess" in output
    assert output.strip().splitlines()[-1].startswith("ratios: crawl/naive ")


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
