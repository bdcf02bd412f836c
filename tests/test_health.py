"""`vnarchive status`: stale and never-succeeded sites, the schedule's allowed age, JSON with
every field, the Prometheus textfile, full messages and the documented exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from archive.health import record_schedule
from archive.schema import open_database
from tests.conftest import run_vnarchive

pytestmark = pytest.mark.timeout(120)

NOW = datetime.now(UTC)


def at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat(timespec="seconds")


def site_run(site: str, hours_ago: float, reason: str = "finished", **counts) -> dict:
    return {"site": site, "started_at": at(hours_ago + 0.1), "finished_at": at(hours_ago),
            "finish_reason": reason, "pages": 20, "errors": 0, "articles_new": 3,
            "listing_pages_parsed": 2, "listing_article_links": 12, "article_pages": 10,
            "pages_without_text": 0, **counts}


def archive_with(path, runs: list[dict], articles: dict[str, int] | None = None) -> str:
    db = open_database(str(path))
    for number, run in enumerate(runs, start=1):
        db["crawl_runs"].insert({"id": number, "started_at": run["started_at"],
                                 "status": run["finish_reason"]})
        db["site_runs"].insert({"run_id": number, **run})
    for site, count in (articles or {}).items():
        db["articles"].insert_all({"canonical_url": f"http://x/{site}/{n}", "url":
                                   f"http://x/{site}/{n}", "site": site, "title": "t",
                                   "fetched_at": at(1)} for n in range(count))
    db.close()
    return str(path)


def status(db: str, *extra: str) -> tuple[int, dict]:
    result = run_vnarchive("status", "--db", db, "--format", "json", *extra)
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}


def by_site(report: dict) -> dict[str, dict]:
    return {site["site"]: site for site in report["sites"]}


def test_stale_and_never_succeeded_sites_are_unhealthy(tmp_path):
    db = archive_with(tmp_path / "a.db", [
        site_run("fresh", 5), site_run("stale", 24 * 90),  # months ago
        site_run("never", 3, reason="shutdown"), site_run("never", 1, reason="shutdown"),
    ], articles={"fresh": 4, "stale": 2})
    code, report = status(db)
    assert code == 1 and report["healthy"] is False
    sites = by_site(report)
    assert sites["fresh"]["healthy"] and sites["fresh"]["problems"] == []
    assert sites["fresh"]["articles"] == 4
    assert not sites["stale"]["healthy"]
    assert "no successful run for 90d" in sites["stale"]["problems"][0]
    assert sites["never"]["last_success"] is None
    assert sites["never"]["problems"][0].startswith("never succeeded: 2 runs recorded")


def test_max_age_comes_from_the_option_or_the_recorded_schedule(tmp_path):
    db = archive_with(tmp_path / "a.db", [site_run("hourly", 3), site_run("daily", 3)])
    code, report = status(db)
    assert code == 0, report  # 3 hours is within the default of 2 days
    record_schedule(db, ["hourly"], "every 1h", 3600)
    code, report = status(db)
    assert code == 1
    sites = by_site(report)
    assert sites["hourly"]["max_age_seconds"] == 7200 and not sites["hourly"]["healthy"]
    assert sites["hourly"]["schedule"] == "every 1h"
    assert sites["daily"]["healthy"] and sites["daily"]["max_age_seconds"] == 2 * 86400
    code, report = status(db, "--max-age", "4h")
    assert code == 0 and all(site["healthy"] for site in report["sites"])


def test_a_schedule_with_no_run_is_flagged(tmp_path):
    db = archive_with(tmp_path / "a.db", [site_run("ran", 1)])
    record_schedule(db, ["ran", "forgotten"], "every 6h", 6 * 3600)
    code, report = status(db)
    assert code == 1
    assert by_site(report)["forgotten"]["problems"] == [
        "never succeeded: no run recorded since the schedule was set"]


def test_listings_without_article_links_are_flagged_until_they_give_links_again(tmp_path):
    # The last run got 304s only (nothing parsed): the run before it still decides.
    db = archive_with(tmp_path / "a.db", [
        site_run("broken", 5, listing_pages_parsed=3, listing_article_links=0),
        site_run("broken", 1, listing_pages_parsed=0, listing_article_links=0)])
    code, report = status(db)
    assert code == 1
    problem = by_site(report)["broken"]["problems"][0]
    assert problem.startswith("3 listing pages parsed, no article link found on them")


def test_json_has_every_field(tmp_path):
    db = archive_with(tmp_path / "a.db", [site_run("one", 1, errors=2)])
    _, report = status(db)
    assert set(report["sites"][0]) == {
        "site", "runs", "last_run", "last_run_result", "last_success", "seconds_since_success",
        "max_age_seconds", "schedule", "articles", "new_articles_recent", "errors_last_run",
        "error_rate", "listing_pages_parsed", "listing_article_links", "problems", "healthy"}
    assert report["sites"][0]["errors_last_run"] == 2
    assert report["sites"][0]["error_rate"] == pytest.approx(0.1)


def test_table_messages_are_not_cut(tmp_path):
    db = archive_with(tmp_path / "a.db", [site_run("stale", 24 * 10, listing_article_links=0)])
    result = run_vnarchive("status", "--db", db)
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("stale"))
    assert "is the scheduler running?; 2 listing pages parsed, no article link found on them: " \
           "the layout changed or article_pattern no longer matches" in line


def test_prometheus_textfile(tmp_path):
    db = archive_with(tmp_path / "a.db", [site_run("good", 1, errors=1),
                                          site_run("never", 1, reason="shutdown")],
                      articles={"good": 7})
    prom = tmp_path / "vnarchive.prom"
    code, _ = status(db, "--prometheus", str(prom))
    assert code == 1
    samples = {(sample.name, sample.labels["site"]): sample.value
               for family in text_string_to_metric_families(prom.read_text())
               for sample in family.samples}
    assert samples[("vnarchive_site_healthy", "good")] == 1
    assert samples[("vnarchive_site_healthy", "never")] == 0
    assert samples[("vnarchive_site_articles", "good")] == 7
    assert samples[("vnarchive_site_last_run_errors", "good")] == 1
    assert samples[("vnarchive_site_last_success_timestamp_seconds", "never")] == 0
    success = samples[("vnarchive_site_last_success_timestamp_seconds", "good")]
    assert abs(success - datetime.fromisoformat(at(1)).timestamp()) < 1


@pytest.mark.parametrize("args", [["--max-age", "soon"], ["--prometheus", "/nonexistent/x.prom"]])
def test_bad_input_exits_2(tmp_path, args):
    db = archive_with(tmp_path / "a.db", [site_run("one", 1)])
    result = run_vnarchive("status", "--db", db, *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
