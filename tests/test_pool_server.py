"""The pool's workers come from a fork server that loaded their modules once
(pipelines/pool.py, pipelines/worker_start.py)."""

import fcntl
import resource
from multiprocessing import forkserver
from pathlib import Path

import pytest

from pipelines import pool
from tests.cpu_tasks import (
    frozen_objects,
    gazetteer_indexes_built,
    loaded_before_any_task,
    spend_cpu,
)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_workers_start_with_the_processing_modules_and_gazetteer_loaded():
    workers = pool.acquire(2)
    try:
        for module in ("pipelines.process", "trafilatura"):
            assert workers.submit(loaded_before_any_task, module).result(timeout=60), module
        assert not workers.submit(loaded_before_any_task, "tests.test_pool_server").result(
            timeout=60)  # the check can fail
        assert workers.submit(gazetteer_indexes_built).result(timeout=60)
    finally:
        pool.release()


def test_what_the_server_loaded_is_frozen_for_the_collector():
    # The workers' full collections skip it, and the server's exit, which a command's end
    # waits for, does not walk it.
    workers = pool.acquire(1)
    try:
        assert workers.submit(frozen_objects).result(timeout=60) > 50_000
    finally:
        pool.release()


def test_the_server_also_loads_what_the_caller_names():
    # reprocess names its task's module (the store's, a layer above the pool).
    pool.start_worker_server("archive.reprocess_task")
    workers = pool.acquire(1)
    try:
        assert workers.submit(loaded_before_any_task, "archive.reprocess_task").result(
            timeout=60)
    finally:
        pool.release()


def test_the_workers_cpu_counts_in_the_commands_children_once_the_pool_is_released():
    # A benchmark's getrusage (bench/bench_pipeline.py), or a service manager's accounting,
    # must see the workers' CPU as it did when they were spawned children.
    before = children_cpu()
    workers = pool.acquire(1)
    try:
        spent = workers.submit(spend_cpu, 0.3).result(timeout=60)
    finally:
        pool.release()
    assert forkserver._forkserver._forkserver_pid is None  # the server was stopped and waited
    assert children_cpu() - before >= min(spent, 0.3)


@pytest.mark.skipif(int(Path("/proc/sys/fs/pipe-max-size").read_text()) < pool.RESULT_PIPE_BYTES,
                    reason="this kernel allows smaller pipes")
def test_the_results_pipe_holds_many_pages_not_one():
    # A worker whose result does not fit waits until the command's process reads it:
    # reprocess's results hold a page's HTML (60 KB), and Linux's pipes hold 64 KB.
    workers = pool.acquire(1)
    try:
        assert workers.submit(spend_cpu, 0.01).result(timeout=60) >= 0
        reader = workers._result_queue._reader
        assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) >= pool.RESULT_PIPE_BYTES
    finally:
        pool.release()
