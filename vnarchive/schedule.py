"""Scheduled crawls in the foreground, with APScheduler, meant to be left running for years.

Each run is `vnarchive crawl ...` in a child process (Twisted's reactor cannot start twice in
one process) of its own process group, holding the archive's lock: a run that finds the lock
taken (a manual crawl, a slow previous run) is skipped and logged, never started beside it.

Every line printed starts with a UTC timestamp: the run's start, one compact line per site
(the crawl's full summary with `verbose`), the run's exit code, "next run at ...", and how the
schedule stopped. The first SIGTERM or Ctrl-C stops the schedule and asks a running crawl to
stop cleanly (one SIGINT, as Scrapy expects; the crawl is in its own process group, so a
terminal's Ctrl-C does not reach it twice), a second one stops it at once.

Exit status: the last crawl's exit code when the runs ran out (`max_runs`, `--once`); 0 when
stopped between runs; the interrupted crawl's code (4, or 5) when stopped during one.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.frontier import parse_duration

BUSY_EXIT = 3
STOP_GRACE_SECONDS = 120
JOB_ID = "crawl"
RUN_ID = re.compile(r"^Crawl run (\d+):")
EXIT_MEANINGS = {0: "finished", 1: "failed", 2: "bad input", 3: "archive busy",
                 4: "interrupted", 5: "stopped at once", 6: "disk full",
                 7: "a site's listings gave no article link", 9: "damaged archive",
                 10: "a site answered no request"}


# The crawl's standard output and error are relayed by a thread each: print writes a line and
# its end apart, so two lines at once came out run together, or as an empty line.
SAYING = threading.Lock()


def say(message: str) -> None:
    """One line of the schedule's log, timestamped (UTC, to the second), whole whatever
    thread says it."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with SAYING:
        print(f"{stamp} {message}", flush=True)


class ScheduleLog(logging.Handler):
    """APScheduler's own warnings (a run time skipped because the last crawl still goes, a
    run time missed) as lines of the schedule's log: they went to stderr bare, without the
    timestamp every line of the log has."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"scheduler: {record.getMessage()}")


def log_scheduler_warnings() -> None:
    scheduler_log = logging.getLogger("apscheduler")
    if not any(isinstance(handler, ScheduleLog) for handler in scheduler_log.handlers):
        scheduler_log.addHandler(ScheduleLog(logging.WARNING))
    scheduler_log.propagate = False


class Schedule:
    def __init__(self, crawl_args: list[str], db_path: str, max_runs: int | None = None,
                 verbose: bool = False):
        self.crawl_args = crawl_args
        self.db_path = db_path
        self.max_runs = max_runs
        self.verbose = verbose
        self.runs = 0
        self.last_code: int | None = None
        self.child: subprocess.Popen | None = None
        self.scheduler = BlockingScheduler(timezone="UTC")
        self.stopping = threading.Event()
        self.run_done = threading.Event()  # set while no run is going on
        self.run_done.set()
        self.stop_signals = 0
        self.stopped_run_code: int | None = None  # the exit code of the run a stop cut short

    def run_once(self) -> None:
        if self.stopping.is_set():
            return
        self.run_done.clear()
        try:
            finished_all = self._run()
        finally:
            self.run_done.set()
        if finished_all:
            self._shutdown()

    def _run(self) -> bool:
        """One crawl, reported; whether the schedule has done all its runs."""
        self.runs += 1
        say(f"run {self.runs}: vnarchive crawl {' '.join(self.crawl_args)}")
        self.child = subprocess.Popen(
            [sys.executable, "-m", "vnarchive", "crawl", *self.crawl_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        run_ids: list[int] = []
        relays = [threading.Thread(target=self._relay, args=(self.child.stdout, run_ids,
                                                            self.verbose)),
                  threading.Thread(target=self._relay, args=(self.child.stderr, None, True))]
        for relay in relays:
            relay.start()
        code = exit_status(self.child.wait())
        for relay in relays:
            relay.join()
        self.child = None
        self.last_code = code
        self._report(code, run_ids)
        if self.stopping.is_set():
            self.stopped_run_code = code
            return False
        if self.max_runs and self.runs >= self.max_runs:
            say(f"{self.runs} run{'s' if self.runs > 1 else ''} done: stopping")
            self.stopping.set()
            return True
        job = self.scheduler.get_job(JOB_ID) if self.scheduler.running else None
        if job is not None and job.next_run_time is not None:
            say(f"next run at {job.next_run_time.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")
        return False

    def _relay(self, stream, run_ids: list[int] | None, show: bool) -> None:
        """Pass the crawl's lines on, timestamped: its warnings always, its summary (stdout)
        only when verbose; note the crawl run's id from the summary."""
        for line in stream:
            line = line.rstrip()
            match = RUN_ID.match(line) if run_ids is not None else None
            if match:
                run_ids.append(int(match.group(1)))
            if show and line:
                say(f"run {self.runs}: {line}")

    def _report(self, code: int, run_ids: list[int]) -> None:
        if code == BUSY_EXIT:
            say(f"run {self.runs}: skipped, another run (a crawl, compact, import or "
                "re-processing) holds the archive")
            return
        if run_ids:
            for line in site_lines(self.db_path, run_ids[-1]):
                say(f"run {self.runs}: {line}")
        say(f"run {self.runs}: exit code {code} ({meaning_of(code)})")

    def stop(self, *_signal) -> None:
        """First call: stop scheduling, ask the running crawl to stop cleanly and wait for it;
        a second call (a second signal) makes the crawl stop at once."""
        self.stopping.set()
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT)  # Scrapy: once to stop, twice to stop at once
            if self.stop_signals > 1:
                return
            try:
                child.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
        self.run_done.wait(timeout=STOP_GRACE_SECONDS)  # its report written
        self._shutdown()

    def _shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def stop_on_signal(self, signum: int, _frame=None) -> None:
        self.stop_signals += 1
        if self.stop_signals == 1:
            name = signal.Signals(signum).name
            say(f"{name}: stopping" + (" (the running crawl is asked to stop cleanly; "
                                      "again to stop it at once)" if self.child else ""))
        threading.Thread(target=self.stop, daemon=True).start()

    def exit_code(self) -> int:
        """How the schedule ended, as its own exit status (module docstring)."""
        if self.stop_signals:
            if self.stopped_run_code is None:
                say("stopped between runs")
                return 0
            say(f"stopped during run {self.runs}: the crawl ended with exit code "
                f"{self.stopped_run_code} ({meaning_of(self.stopped_run_code)}); "
                "run the schedule again to go on")
            return self.stopped_run_code
        return self.last_code or 0


def exit_status(returncode: int) -> int:
    """A child's exit status as a shell reports it: a crawl killed by a signal (the kernel's
    OOM killer, a stray `kill -9`) is 128 + the signal's number, not Popen's negative number,
    which the schedule's own exit made 256 minus it (247 for SIGKILL)."""
    return 128 - returncode if returncode < 0 else returncode


def meaning_of(code: int) -> str:
    if code in EXIT_MEANINGS:
        return EXIT_MEANINGS[code]
    if code > 128:
        try:
            return f"killed by {signal.Signals(code - 128).name}"
        except ValueError:
            pass
    return "unexpected"


def site_lines(db_path: str, run_id: int) -> list[str]:
    """One compact line per site of a crawl run, from its `site_runs` rows."""
    from archive.query import connect_read_only

    try:
        with connect_read_only(db_path) as connection:
            rows = connection.execute(
                "select site, finish_reason, pages, not_modified, articles_new, "
                "articles_updated, errors, duration_seconds, listing_pages_parsed, "
                "listing_article_links from site_runs where run_id = ? order by site",
                [run_id]).fetchall()
    except Exception as error:  # the log goes on even if the archive cannot be read now
        return [f"(cannot read the run's results: {error})"]
    lines = []
    for (site, reason, pages, not_modified, new, updated, errors, seconds, listings,
         links) in rows:
        line = (f"{site}: {reason}, {pages} pages ({not_modified} unchanged), {new} new, "
                f"{updated} updated, {errors} errors, {seconds or 0:.0f}s")
        if listings and not links:
            line += f"; NO ARTICLE LINK on {listings} listing pages"
        lines.append(line)
    return lines


def interval_of(every: str | None, cron: str | None) -> tuple[str, float]:
    """The schedule as text and its longest gap between two runs, in seconds (what `status`
    allows twice of before a site is overdue)."""
    if every:
        return f"every {every}", parse_duration(every).total_seconds()
    trigger = CronTrigger.from_crontab(cron, timezone="UTC")
    moment = datetime.now(UTC)
    longest = timedelta(0)
    previous = trigger.get_next_fire_time(None, moment)
    for _ in range(30):  # a month of a daily cron, a few days of an hourly one
        following = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
        if following is None or previous is None:
            break
        longest = max(longest, following - previous)
        previous = following
    return f"cron {cron}", longest.total_seconds()


def run_schedule(crawl_args: list[str], db_path: str, every: str | None = None,
                 cron: str | None = None, max_runs: int | None = None, once: bool = False,
                 verbose: bool = False) -> int:
    trigger = None if once and not (every or cron) else build_trigger(every, cron, max_runs)
    schedule = Schedule(crawl_args, db_path, 1 if once else max_runs, verbose)
    signal.signal(signal.SIGTERM, schedule.stop_on_signal)
    signal.signal(signal.SIGINT, schedule.stop_on_signal)
    log_scheduler_warnings()
    if once:
        say(f"once: vnarchive crawl {' '.join(crawl_args)}")
        schedule.run_once()
        return schedule.exit_code()
    # coalesce and one instance: a run that is late or still going is not doubled.
    schedule.scheduler.add_job(schedule.run_once, trigger, id=JOB_ID, max_instances=1,
                               coalesce=True, next_run_time=datetime.now(UTC) if every else None)
    say(f"scheduled: vnarchive crawl {' '.join(crawl_args)} "
        f"({'every ' + every if every else 'cron ' + cron}); SIGTERM or Ctrl-C stops")
    if not every:
        first = trigger.get_next_fire_time(None, datetime.now(UTC))
        say(f"first run at {first.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")
    schedule.scheduler.start()
    return schedule.exit_code()


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
