"""Site health as Prometheus metrics, in a node-exporter textfile (its textfile collector
reads `*.prom` files from one folder): written atomically by prometheus_client, so the
exporter never reads half a file. The file is checked first as an export's output is
(archive/safe_output.py): the writer renames its file onto the path, which replaced the archive
itself when given its name, or a device such as /dev/stdout (a symlink) for everyone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from archive.health import SiteHealth
from archive.safe_output import check_output


def write_prometheus(report: list[SiteHealth], path: str, db_path: str | None = None) -> None:
    """Write the textfile, replacing the last one; OutputRefused for the archive (`db_path`),
    a WARC file, an SQLite database, a folder or a file that is not a regular one."""
    check_output(Path(path), db_path, force=True)
    registry = CollectorRegistry()

    def gauge(name: str, help_text: str) -> Gauge:
        return Gauge(f"vnarchive_site_{name}", help_text, ["site"], registry=registry)

    healthy = gauge("healthy", "1 when the site looks healthy, 0 when `vnarchive status` "
                    "flags it")
    last_success = gauge("last_success_timestamp_seconds", "end of the last successful run "
                         "(Unix time; 0 when it never succeeded)")
    max_age = gauge("max_age_seconds", "how old the last success may be before the site is "
                    "unhealthy")
    articles = gauge("articles", "articles archived")
    new_articles = gauge("new_articles_recent", "new articles in the recent runs")
    errors = gauge("last_run_errors", "failed fetches in the last run")
    error_ratio = gauge("last_run_error_ratio", "share of the last run's fetches that failed")
    links = gauge("listing_article_links", "article links found on the listing pages of the "
                  "last run that parsed any")
    for site in report:
        healthy.labels(site.site).set(1 if site.healthy else 0)
        last_success.labels(site.site).set(
            datetime.fromisoformat(site.last_success).timestamp() if site.last_success else 0)
        max_age.labels(site.site).set(site.max_age_seconds)
        articles.labels(site.site).set(site.articles)
        new_articles.labels(site.site).set(site.new_articles_recent)
        errors.labels(site.site).set(site.errors_last_run)
        error_ratio.labels(site.site).set(site.error_rate)
        links.labels(site.site).set(site.listing_article_links)
    write_to_textfile(path, registry)
