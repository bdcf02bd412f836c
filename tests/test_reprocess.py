"""`reprocess` and `import` process their pages on the crawl's one process pool
(pipelines/pool.py): a page that kills its worker costs that page only, named with the reason,
and the run goes on with a new pool."""

from __future__ import annotations

import pytest

from archive import importer
from archive import reprocess as reprocessing
from archive.importer import import_files
from archive.reprocess import reprocess
from archive.writer import ArchiveWriter, warc_folder
from pipelines import pool
from tests.conftest import query
from tests.cpu_tasks import CRASHING_URL, add_one_or_die, prepare_or_die, reprocess_or_die
from tests.test_safety_inputs import write_warc

pytestmark = pytest.mark.timeout(180)

PAGES = range(0, 6)  # http://127.0.0.1/tin/0 .. /tin/5, CRASHING_URL among them


def test_a_crash_fails_its_own_task_only_and_the_rest_come_in_order():
    values = [1, 2, -1, 3, 4, 5, 6, 7, 8, 9]
    outcomes = list(pool.map_in_order(add_one_or_die, [(value,) for value in values],
                                      workers=2))
    crashed = [index for index, outcome in enumerate(outcomes)
               if isinstance(outcome, pool.WorkerCrashed)]
    # The tasks in flight beside it when its worker died are run again, not blamed.
    assert crashed == [2]
    assert "died twice" in str(outcomes[2]) and "(a crash)" in str(outcomes[2])
    assert [outcome for outcome in outcomes if not isinstance(outcome, pool.WorkerCrashed)] == [
        value + 1 for value in values if value >= 0]
    assert pool._pool is None  # released: no worker left behind


def test_a_worker_crash_during_reprocess_costs_its_page_only(tmp_path, monkeypatch):
    archive = tmp_path / "a.db"
    ArchiveWriter(str(archive), record_run=False).close()
    write_warc(warc_folder(str(archive)), "crawl", PAGES)
    # Pickled by name, so the pool's workers run tests.cpu_tasks.reprocess_or_die.
    monkeypatch.setattr(reprocessing, "process_stored", reprocess_or_die)
    result = reprocess(str(archive), workers=2)
    assert result.articles == len(PAGES) - 1
    assert len(result.crashed) == 1 and result.crashed[0].startswith(f"{CRASHING_URL}: ")
    assert "died twice" in result.crashed[0]
    urls = {url for (url,) in query(archive, "select url from articles")}
    assert urls == {f"http://127.0.0.1/tin/{number}" for number in PAGES} - {CRASHING_URL}


def test_a_worker_crash_during_import_keeps_the_page_with_its_reason(tmp_path, monkeypatch):
    warc = write_warc(tmp_path / "warcs", "others", PAGES)
    db = tmp_path / "imported.db"
    monkeypatch.setattr(importer, "prepare", prepare_or_die)
    result = import_files(str(db), [warc], profiles=[], all_html=True, workers=2)
    assert (result.matched, result.not_articles, result.articles_new) == (
        len(PAGES), 1, len(PAGES) - 1)
    errors = dict(query(db, "select url, error from pages"))
    assert errors.pop(CRASHING_URL).startswith("worker_crashed: a worker process died twice")
    assert set(errors.values()) == {None}
    assert CRASHING_URL not in {url for (url,) in query(db, "select url from articles")}


def test_a_stop_signal_to_a_worker_still_starting_is_ignored():
    # A Ctrl-C reaches the whole process group, workers that are still importing included.
    # Blocked from the spawn until the worker ignores it: no traceback, no broken pool.
    import os
    import signal

    workers = pool.acquire(2)
    try:
        first = workers.submit(os.getpid)
        for process in list(workers._processes.values()):
            os.kill(process.pid, signal.SIGINT)
        assert first.result(timeout=60) in {process.pid for process in workers._processes.values()}
        assert workers.submit(abs, -3).result(timeout=60) == 3
    finally:
        pool.release()
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()  # the parent's mask restored
