"""The `vnarchive` command: output formats, clear errors, and documentation that matches."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import tomllib

import click
import pytest

from tests.conftest import PROJECT_ROOT, run_vnarchive
from tests.test_archive import free_port
from testweb.content import load_articles
from vnarchive.cli import cli, output

pytestmark = pytest.mark.timeout(120)
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    """Every command by its name after `vnarchive`, subcommands too ("sites check")."""
    found = {}
    for name, command in group.commands.items():
        found[prefix + name] = command
        if isinstance(command, click.Group):
            found |= commands(command, f"{prefix}{name} ")
    return found


def test_every_command_is_documented_with_an_example():
    assert {"crawl", "query", "sites", "sites check", "sites add"} <= set(commands())
    for name, command in commands().items():
        assert f"`vnarchive {name}" in README, f"README does not document `vnarchive {name}`"
        assert "Example: vnarchive" in (command.help or ""), name


def test_help_lists_every_command_on_one_line():
    result = run_vnarchive("--help")
    assert result.returncode == 0, result.stderr
    listing = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert len(listing) == len(cli.commands)
    for line, name in zip(listing, sorted(cli.commands), strict=True):
        assert line.split()[0] == name and len(line.split()) > 1, line


def test_version_is_the_package_version():
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = run_vnarchive("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"vnarchive, version {version}"


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


def bad_input_case(tmp_path, name: str) -> list[str]:
    """The arguments of one kind of bad input, with the files it needs made in `tmp_path`."""
    archive = tmp_path / "archive.db"
    shutil.copy(PROJECT_ROOT / "tests" / "fixtures" / "archive-v1.db", archive)
    read_only = tmp_path / "read-only.db"
    shutil.copy(archive, read_only)
    read_only.chmod(0o444)
    (tmp_path / "garbage.db").write_text("not an archive")
    (tmp_path / "folder.db").mkdir()
    (tmp_path / "untitled.toml").write_text('name = "x"\n')
    (tmp_path / "broken.toml").write_text('name = "x"\nbase_url = \n')
    db = ["--db", str(archive)]
    return {
        "missing archive": ["query", "select 1", "--db", str(tmp_path / "none.db")],
        "missing archive (search)": ["search", "hội nghị", "--db", str(tmp_path / "none.db")],
        "unknown site": ["crawl", "no_such_site", *db],
        "no site": ["crawl", *db],
        "profile without a title": ["crawl", "--profile", str(tmp_path / "untitled.toml"), *db],
        "profile that is not TOML": ["crawl", "--profile", str(tmp_path / "broken.toml"), *db],
        "read-only archive (crawl)": ["crawl", "testweb_lynhan", "--db", str(read_only)],
        "read-only archive (reprocess)": ["reprocess", "--db", str(read_only)],
        "not an archive": ["query", "select count(*) from articles", "--db",
                           str(tmp_path / "garbage.db")],
        "not an archive (crawl)": ["crawl", "testweb_lynhan", "--db",
                                   str(tmp_path / "garbage.db")],
        "a folder": ["status", "--db", str(tmp_path / "folder.db")],
        "SQL error": ["query", "selec title from articles", *db],
        "write statement": ["query", "delete from articles", *db],
        "attach": ["query", f"attach '{tmp_path / 'other.db'}' as other", *db],
        "base URLs not JSON": ["crawl", "testweb_lynhan", "--base-urls", "{oops", *db],
        # The typo left the site to be crawled from its profile's own address.
        "base URL of a site not crawled": ["crawl", "testweb_lynhan", "--base-urls",
                                           '{"testweb_lynhann": "http://127.0.0.1:1/"}', *db],
        "base URL that is none": ["schedule", "testweb_lynhan", "--once", "--base-urls",
                                  '{"testweb_lynhan": "ftp://127.0.0.1:1/"}', *db],
        "unknown option": ["query", "select 1", "--bogus", *db],
        "two exclusive options": ["export", "-", "--table", "sites", "--query", "select 1", *db],
        "not a Redis address": ["rejected", "--redis", "localhost:6379"],
        "requeue and delete": ["rejected", "--redis", "redis://127.0.0.1:1", "--requeue",
                               "--delete"],
        # Each of these started a crawl (or, for the log level, ended in a traceback).
        "log level": ["crawl", "testweb_lynhan", "--log-level", "LOUD", *db],
        "batch of none": ["crawl", "testweb_lynhan", "--batch-size", "0", *db],
        "a month that is none": ["crawl", "testweb_lynhan", "--wayback", "http://127.0.0.1:1/",
                                 "--from", "2024-13", *db],
        "months reversed": ["crawl", "testweb_lynhan", "--wayback", "http://127.0.0.1:1/",
                            "--from", "2025-01", "--to", "2024-01", *db],
        "negative delay": ["crawl", "testweb_lynhan", "--wayback", "http://127.0.0.1:1/",
                           "--archive-delay", "-1", *db],
        "ingest batch of none": ["ingest", "--redis", "redis://127.0.0.1:1", "--batch-size", "0",
                                 *db],
        # A share past 1, or nan, made every site unhealthy; a timeout of -1 stopped every query.
        "a share over one": ["status", "--max-errors", "5", *db],
        "a share that is no number": ["status", "--max-errors", "nan", *db],
        "a negative timeout": ["query", "select 1", "--timeout", "-1", *db],
    }[name]


EXPECTED_ERRORS = {
    "missing archive": "no archive at",
    "missing archive (search)": "no archive at",
    "unknown site": "no site profile named 'no_such_site'",
    "no site": "name at least one site",
    "profile without a title": "field 'title'",
    "profile that is not TOML": "not valid TOML",
    "read-only archive (crawl)": "is read-only",
    "read-only archive (reprocess)": "is read-only",
    "not an archive": "is not an archive",
    "not an archive (crawl)": "is not an archive",
    "a folder": "is a directory",
    "SQL error": 'near "selec": syntax error',
    "write statement": "refused: `vnarchive query` only reads",
    "attach": "refused: `vnarchive query` only reads",
    "base URLs not JSON": "--base-urls is not JSON",
    "base URL of a site not crawled": "--base-urls names testweb_lynhann, which is no site",
    "base URL that is none": "'ftp://127.0.0.1:1/', which is no http(s) address",
    "unknown option": "--bogus",
    "two exclusive options": "--table and --query",
    "not a Redis address": "not a Redis address: 'localhost:6379'",
    "requeue and delete": "--requeue and --delete",
    "log level": "'LOUD' is not one of",
    "batch of none": "must be 1 or more, not 0",
    "a month that is none": "not a date: '2024-13'",
    "months reversed": "--from 2025-01 is after --to 2024-01",
    "negative delay": "-1.0 is not in the range",
    "ingest batch of none": "must be 1 or more, not 0",
    "a share over one": "5.0 is not in the range 0<=x<=1",
    "a share that is no number": "not a number: nan",
    "a negative timeout": "-1.0 is not in the range x>=0",
}


@pytest.mark.parametrize("case", sorted(EXPECTED_ERRORS))
def test_bad_input_gets_one_line_naming_the_problem(tmp_path, case):
    result = run_vnarchive(*bad_input_case(tmp_path, case))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and EXPECTED_ERRORS[case] in lines[0], result.stderr
    if case == "attach":
        assert not (tmp_path / "other.db").exists()
    if case.startswith("read-only"):
        assert (tmp_path / "read-only.db").read_bytes() == (tmp_path / "archive.db").read_bytes()


@pytest.mark.parametrize("command", [["ingest"], ["rejected"], ["crawl", "testweb_lynhan"]])
def test_a_redis_that_cannot_be_reached_is_one_line(tmp_path, command):
    """`ingest`, `rejected` and `crawl --redis` with no Redis at the address: one line naming
    it, exit 1 (it failed; the input was well formed), nothing written."""
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    archive = [] if command == ["rejected"] else ["--db", str(tmp_path / "a.db")]
    result = run_vnarchive(*command, "--redis", url, *archive)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach Redis at {url}" in lines[0], result.stderr
    assert not (tmp_path / "a.db").exists()


def test_sites_lists_every_profile():
    result = run_vnarchive("sites")
    assert result.returncode == 0
    for name in ("testweb_lynhan", "hanam_lynhan", "thanhhoa_baothanhhoa"):
        assert name in result.stdout
    assert "no (offline)" in result.stdout


def test_progress_of_work_of_unknown_length_is_paced_by_time(capsys, monkeypatch):
    """`ingest` reports after each batch; a line is printed at most every ten seconds."""
    clock = iter([0.0, 1.0, 9.0, 10.5, 11.0])
    monkeypatch.setattr(output.time, "monotonic", lambda: next(clock))
    report = output.progress_every("messages ingested")  # reads the clock: 0.0
    for done in (200, 400, 600, 800):  # at 1.0, 9.0, 10.5 and 11.0
        report(done)
    assert capsys.readouterr().err.splitlines() == ["  600 messages ingested"]


def test_serve_on_a_port_another_server_holds_is_one_line(crawled_archive):
    """Datasette found the port taken only after `serve` had said where the archive was
    served, and its error went by among its start-up lines (exit 3)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_vnarchive("serve", "--port", str(port), "--db", str(crawled_archive.db))
    assert result.returncode == 2 and result.stdout == "", result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"vnarchive serve: error: cannot listen on 127.0.0.1 port {port} (Address already in "
        "use): --port or --host names another"]


def test_serve_refuses_a_file_that_is_no_database_before_saying_where_it_serves(tmp_path):
    """`serve` said where it served a text file, then Datasette's traceback (exit 1)."""
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("ghi chép\n", encoding="utf-8")
    result = run_vnarchive("serve", "--port", str(free_port()), "--db", str(not_a_database))
    assert result.returncode == 2 and result.stdout == "", result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"vnarchive serve: error: {not_a_database} is not an archive (file is not a database)"]
