"""The `vnarchive` command: output formats, clear errors, and documentation that matches."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.conftest import PROJECT_ROOT, run_vnarchive
from testweb.content import load_articles
from vnarchive.cli import build_parser

pytestmark = pytest.mark.timeout(120)
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def subcommands() -> list[str]:
    parser = build_parser()
    (action,) = [a for a in parser._subparsers._group_actions]  # noqa: SLF001
    return sorted(action.choices)


def test_every_command_is_documented_with_an_example():
    for name in subcommands():
        assert f"`vnarchive {name}" in README, f"README does not document `vnarchive {name}`"
        sub = build_parser()._subparsers._group_actions[0].choices[name]  # noqa: SLF001
        assert "Example: vnarchive" in (sub.description or ""), name


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(python3\.11 -m venv[^\n]+)\n```", README)
    assert len(commands) == 2, "README must give exactly two set-up commands"
    test_command = next(command for command in commands if "pytest" in command)
    ci_lines = (PROJECT_ROOT / ".ci" / "run").read_text().strip().splitlines()
    # The last line, so nothing CI does after it (or instead of it) goes unnoticed; what comes
    # before may only prepare the machine (redis-server for the distributed tests).
    assert ci_lines[-1] == test_command


def test_query_formats(crawled_archive):
    sql = "select site, count(*) as n from articles group by site order by site"
    as_json = run_vnarchive("query", sql, "--db", str(crawled_archive.db), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert sum(row["n"] for row in rows) == len(load_articles())
    as_csv = run_vnarchive("query", sql, "--db", str(crawled_archive.db), "--format", "csv")
    assert list(csv.reader(io.StringIO(as_csv.stdout)))[0] == ["site", "n"]
    table = run_vnarchive("query", sql, "--db", str(crawled_archive.db))
    assert table.stdout.splitlines()[0].split() == ["site", "n"]
    assert "testweb_lynhan" in table.stdout


def test_query_is_read_only(crawled_archive):
    result = run_vnarchive("query", "delete from articles", "--db", str(crawled_archive.db))
    assert result.returncode == 2
    assert "readonly" in result.stderr


def test_clear_errors(tmp_path):
    missing = run_vnarchive("query", "select 1", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2
    assert "no archive at" in missing.stderr and "vnarchive demo" in missing.stderr
    unknown = run_vnarchive("crawl", "no_such_site", "--db", str(tmp_path / "a.db"))
    assert unknown.returncode == 2
    assert "no site profile named 'no_such_site'" in unknown.stderr
    nothing = run_vnarchive("crawl", "--db", str(tmp_path / "a.db"))
    assert nothing.returncode == 2 and "name at least one site" in nothing.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    broken = run_vnarchive("crawl", "--profile", str(bad), "--db", str(tmp_path / "a.db"))
    assert broken.returncode == 2 and "field 'title'" in broken.stderr


def test_sites_lists_every_profile():
    result = run_vnarchive("sites")
    assert result.returncode == 0
    for name in ("testweb_lynhan", "hanam_lynhan", "thanhhoa_baothanhhoa"):
        assert name in result.stdout
    assert "no (offline)" in result.stdout
