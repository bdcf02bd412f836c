"""Scheduled crawls in the foreground, with APScheduler.

Each run is `vnarchive crawl ...` in a child process (Twisted's reactor cannot start twice in
one process), holding the archive's lock: a run that finds the lock taken (a manual crawl, a
slow previous run) is skipped and logged, never started beside it. SIGTERM or Ctrl-C stops the
schedule and asks a running crawl to stop cleanly (SIGINT, as Scrapy expects), then waits.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.frontier import parse_duration

logger = logging.getLogger("vnarchive.schedule")
BUSY_EXIT = 3
STOP_GRACE_SECONDS = 60


class Schedule:
    def __init__(self, crawl_args: list[str], max_runs: int | None = None):
        self.crawl_args = crawl_args
        self.max_runs = max_runs
        self.runs = 0
        self.child: subprocess.Popen | None = None
        self.scheduler = BlockingScheduler(timezone="UTC")
        self.stopping = threading.Event()

    def run_once(self) -> None:
        if self.stopping.is_set():
            return
        self.runs += 1
        print(f"run {self.runs}: vnarchive crawl {' '.join(self.crawl_args)}", flush=True)
        self.child = subprocess.Popen([sys.executable, "-m", "vnarchive", "crawl",
                                       *self.crawl_args])
        code = self.child.wait()
        self.child = None
        if code == BUSY_EXIT:
            print(f"run {self.runs}: skipped, another crawl holds the archive", flush=True)
        else:
            print(f"run {self.runs}: exit code {code}", flush=True)
        if self.max_runs and self.runs >= self.max_runs:
            self.stop()

    def stop(self, *_signal) -> None:
        self.stopping.set()
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT)  # Scrapy closes its spiders and flushes
            try:
                child.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


class ScheduleError(ValueError):
    """The schedule's arguments are wrong; the message says which and how."""


def build_trigger(every: str | None, cron: str | None, max_runs: int | None = None):
    """The APScheduler trigger of `--every` or `--cron`; ScheduleError when the arguments
    cannot make a schedule that runs and ends as asked."""
    if bool(every) == bool(cron):
        raise ScheduleError("give either --every (6h, 30m) or --cron (\"0 */6 * * *\")")
    if max_runs is not None and max_runs < 1:
        raise ScheduleError("--max-runs must be 1 or more")
    if every:
        try:
            seconds = parse_duration(every).total_seconds()
        except (ValueError, OverflowError) as error:
            raise ScheduleError(f"--every {every!r}: {error}") from None
        if seconds <= 0:
            raise ScheduleError(f"--every {every!r}: must be longer than zero")
        return IntervalTrigger(seconds=seconds)
    try:
        return CronTrigger.from_crontab(cron, timezone="UTC")
    except ValueError as error:
        raise ScheduleError(f"--cron {cron!r} is not a crontab expression of five fields "
                            f"like \"0 */6 * * *\" ({error})") from None


def run_schedule(crawl_args: list[str], every: str | None = None, cron: str | None = None,
                 max_runs: int | None = None) -> int:
    trigger = build_trigger(every, cron, max_runs)
    schedule = Schedule(crawl_args, max_runs)
    # coalesce and one instance: a run that is late or still going is not doubled.
    schedule.scheduler.add_job(schedule.run_once, trigger, max_instances=1, coalesce=True,
                               next_run_time=datetime.now(UTC) if every else None)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=schedule.stop).start())
    print(f"scheduled: vnarchive crawl {' '.join(crawl_args)} "
          f"({'every ' + every if every else 'cron ' + cron}); SIGTERM or Ctrl-C stops",
          flush=True)
    try:
        schedule.scheduler.start()
    except KeyboardInterrupt:
        schedule.stop()
    return 0
