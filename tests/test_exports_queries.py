"""Exports, queries and Datasette as a demanding researcher meets them: empty and odd options,
SQL parameters in `--where`, blobs in CSV, a closed pipe, columns typed past the first batch,
dates a site printed badly, the dataset card's types, and Datasette's search box and saved
query. Archives are filled by bench/fill_archive.py (no crawl); expected values come from
plain SQL on the archive or from the standards (base64, the Parquet file read back), never
from the code under test."""

from __future__ import annotations

import base64
import csv
import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, run_vnarchive

pytestmark = pytest.mark.timeout(180)


def plain(db: Path, sql: str, parameters=()) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, parameters).fetchall()


def copy_of(db: Path, folder: Path) -> Path:
    copy = folder / "copy.db"
    shutil.copy(db, copy)
    return copy


# Empty options ----------
@pytest.mark.parametrize("option", ["--query", "--table"])
def test_an_empty_query_or_table_is_refused(filled, tmp_path, option):
    """`--query ""` was taken as not given: every article was exported, exit 0."""
    out = tmp_path / "out.csv"
    result = run_vnarchive("export", str(out), option, "", "--db", str(filled))
    assert result.returncode == 2, result.stderr
    assert option in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_empty_out_is_refused_in_words(filled, tmp_path, fmt):
    """It said "PosixPath('.') has an empty name;  was left as it was"."""
    result = run_vnarchive("export", "", "--format", fmt, "--db", str(filled), cwd=tmp_path)
    assert result.returncode == 2 and "OUT is empty" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


# SQL parameters in --where ----------
@pytest.mark.parametrize("where", [":site is null", "site = :site", "site = ?"])
def test_a_where_with_sql_parameters_is_refused(filled, where):
    """`--where ":site is null"` was bound to the filters' own :site (None without --site):
    every article was exported; with `--site X`, `site = :site` read X."""
    site = plain(filled, "select site from articles limit 1")[0][0]
    result = run_vnarchive("export", "-", "--format", "csv", "--where", where,
                           "--site", site, "--db", str(filled))
    assert result.returncode == 2, result.stdout[:200]
    assert "--where" in result.stderr and "parameter" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("query", ["select * from articles where site = :site", "select ?"])
def test_a_query_with_sql_parameters_is_refused_in_words(filled, query):
    """The driver's words came out: "Binding 1 has no name, but you supplied a dictionary"."""
    result = run_vnarchive("export", "-", "--format", "csv", "--query", query,
                           "--db", str(filled))
    assert result.returncode == 2 and "--query" in result.stderr
    assert "parameter" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_colon_inside_a_quoted_text_of_where_is_no_parameter(filled):
    result = run_vnarchive("export", "-", "--format", "csv", "--where",
                           "title like '%:site%' or 1 = 1", "--db", str(filled))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) - 1 == plain(filled, "select count(*) from articles")[0][0]


# Blobs in CSV ----------
BLOBS = "select cast('Hội nghị' as blob) as raw, x'00ff10' as bytes, 'Hà Nam' as text"


@pytest.mark.parametrize("command", [["export", "-", "--format", "csv", "--query", BLOBS],
                                     ["query", "--format", "csv", BLOBS]])
def test_a_blob_in_csv_is_base64_that_reads_back(filled, command):
    """A blob was written as Python's repr, `b'H\\xe1\\xbb\\x99i...'`."""
    result = run_vnarchive(*command, "--db", str(filled))
    assert result.returncode == 0, result.stderr
    header, row = list(csv.reader(io.StringIO(result.stdout)))
    assert header == ["raw", "bytes", "text"]
    assert base64.b64decode(row[0], validate=True) == "Hội nghị".encode()
    assert base64.b64decode(row[1], validate=True) == b"\x00\xff\x10"
    assert row[2] == "Hà Nam"


def test_the_datasheet_of_a_csv_with_blobs_says_base64(filled, tmp_path):
    out = tmp_path / "blobs.csv"
    result = run_vnarchive("export", str(out), "--query", BLOBS, "--db", str(filled))
    assert result.returncode == 0, result.stderr
    sheet = (tmp_path / "blobs.csv.datasheet.md").read_text(encoding="utf-8")
    assert "base64" in sheet


# A closed pipe ----------
@pytest.mark.parametrize("command", [["export", "-", "--format", "csv", "--all-columns"],
                                     ["export", "-", "--format", "jsonl", "--all-columns"],
                                     ["query", "--format", "csv", "select * from articles"]])
def test_a_closed_pipe_ends_export_as_it_ends_query(filled, command):
    """`export - | head` exited 0, where `query ... | head` exited 141 (128 + SIGPIPE): a
    script's `set -o pipefail` told a cut export from a whole one only for `query`."""
    process = subprocess.Popen([sys.executable, "-m", "vnarchive", *command, "--db",
                                str(filled)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.readline()  # what `| head -1` reads before it exits
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait(timeout=120)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert process.returncode == 141


# The dataset card's types ----------
def test_the_dataset_card_names_the_timestamps_as_the_file_holds_them(filled, tmp_path):
    """The card said `timestamp[s, tz=+07:00]`; Parquet has no seconds and the file holds
    milliseconds, so `datasets` loading it by the card's features disagreed with the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    out = tmp_path / "articles.parquet"
    result = run_vnarchive("export", str(out), "--table", "articles", "--db", str(filled))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    card = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    dtypes = {f["name"]: f.get("dtype") for f in card["dataset_info"]["features"]}
    for field in pq.read_schema(out):
        if pa.types.is_timestamp(field.type):
            # datasets' spelling of an Arrow timestamp: timestamp[UNIT, tz=ZONE]
            assert dtypes[field.name] == f"timestamp[{field.type.unit}, tz={field.type.tz}]"
    assert dtypes["published"].startswith("timestamp[ms")


# A query's column NULL through the first batch ----------
LATE = ("with recursive n(i) as (select 1 union all select i + 1 from n where i < 12000) "
        "select i, case when i > 6000 then i end as late_count, "
        "case when i > 6000 then i * 0.5 end as late_share, "
        "case when i > 11000 then 'mục ' || i end as late_text{extra} from n")


@pytest.mark.parametrize("extra", ["", ", vnarchive_fold('Hà') as folded"],
                         ids=["driver", "python"])
def test_a_column_null_through_the_first_batch_keeps_its_type(filled, tmp_path, extra):
    """Typed from the first 5,000 rows, a column NULL in all of them became text for the
    whole file: its numbers came out as texts ('6001'). (A function the export registers
    makes Python read the rows instead of the driver: both paths are checked.)"""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sql = LATE.format(extra=extra)
    out = tmp_path / "late.parquet"
    result = run_vnarchive("export", str(out), "--query", sql, "--db", str(filled))
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert table.schema.field("late_count").type == pa.int64()
    assert table.schema.field("late_share").type == pa.float64()
    assert table.schema.field("late_text").type == pa.string()
    expected = plain(filled, "select late_count, late_share, late_text from ("
                     + LATE.format(extra="") + ")")
    assert list(zip(table.column("late_count").to_pylist(),
                    table.column("late_share").to_pylist(),
                    table.column("late_text").to_pylist(), strict=True)) == expected


# Dates a site printed oddly ----------
ODD_DATES = {"published": "12/05/2024 08:00", "event_date": "hôm qua"}


@pytest.fixture
def odd_dates(filled, tmp_path) -> tuple[Path, dict[str, set[str]]]:
    """A copy of the archive with a few times and days that are not ISO 8601, the first
    article's event day among them; and, per column, the URLs of the rows that hold one."""
    db = copy_of(filled, tmp_path)
    rowids = {"published": (3, 250, 399), "event_date": (1,)}
    with sqlite3.connect(db) as connection:
        for column, rows in rowids.items():
            connection.execute(f"update articles set {column} = ? where rowid in "
                               f"({','.join(map(str, rows))})", [ODD_DATES[column]])
    odd = {column: {row[0] for row in plain(db, f"select canonical_url from articles where "
                                                f"{column} = ?", [ODD_DATES[column]])}
           for column in rowids}
    return db, odd


@pytest.mark.parametrize("path", ["driver", "python"])
def test_a_date_that_is_not_iso_is_null_and_counted_not_a_failed_export(odd_dates, tmp_path,
                                                                       monkeypatch, path):
    """One `published` of "12/05/2024 08:00" failed the whole Parquet export ("is not
    timestamp"); an odd first event day made that column text. The rows are kept, the odd
    values NULL and counted, the columns typed, the datasheet's dates ISO days."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import archive.export
    import archive.export_parquet
    from archive.arrow_rows import FastReadError

    db, odd = odd_dates
    monkeypatch.setattr(archive.export, "BATCH_ROWS", 64)  # several batches: the driver reads
    def unable(*_):
        raise FastReadError("refused by the test")

    def unexpected(*_):
        raise AssertionError("the driver gave up: Python read the rows")
    monkeypatch.setattr(archive.export_parquet, *(("write_in_child", unable) if path == "python"
                                                  else ("_from_python", unexpected)))
    out = tmp_path / "articles.parquet"
    result = archive.export.export(str(db), str(out), table="articles")
    assert result.rows == plain(db, "select count(*) from articles")[0][0]
    assert result.unreadable == {column: len(urls) for column, urls in odd.items()}
    table = pq.read_table(out, columns=["canonical_url", "published", "event_date"])
    assert pa.types.is_timestamp(table.schema.field("published").type)
    assert table.schema.field("event_date").type == pa.date32()
    written = {row["canonical_url"]: row for row in table.to_pylist()}
    for column, urls in odd.items():
        stored = dict(plain(db, f"select canonical_url, {column} from articles where "
                                f"coalesce({column}, '') != ''"))
        assert {url for url in stored if written[url][column] is None} == urls
    sheet = (tmp_path / "articles.parquet.datasheet.md").read_text(encoding="utf-8")
    dates = next(line for line in sheet.splitlines() if line.startswith("Publication dates"))
    low, high = plain(db, "select min(published), max(published) from articles where "
                          "published glob '[0-9][0-9][0-9][0-9]-*'")[0]
    assert dates == f"Publication dates: {low} to {high}."
    assert "published in 3 rows" in sheet


def test_the_export_command_warns_of_dates_written_as_null(odd_dates, tmp_path):
    db, _ = odd_dates
    out = tmp_path / "articles.parquet"
    result = run_vnarchive("export", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "published in 3 rows" in warning[0]
    assert "event_date in 1 row" in warning[0]


# Datasette ----------
@pytest.fixture(scope="module")
def served(filled):
    from tests.test_research import serving

    with serving(filled) as base:
        yield base + "/vnarchive"


def answer(url: str) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode("utf-8"))


def searched(filled: Path, terms: str) -> set[str]:
    import json

    result = run_vnarchive("search", terms, "--limit", "1000", "--format", "json",
                           "--db", str(filled))
    assert result.returncode == 0, result.stderr
    return {hit["canonical_url"] for hit in json.loads(result.stdout)}


def facet_tokens(filled: Path) -> list[str]:
    """A meeting report's flag and a site's token, as the index holds them."""
    tokens = plain(filled, "select facets from article_facets where facets like '% đr%' "
                           "limit 1")[0][0].split()
    return [token for token in tokens if token.startswith(("đr", "đs"))]


@pytest.mark.parametrize("argument", ["_search", "_search_facets", "_search_text_folded",
                                      "_search_text"])
def test_the_articles_search_box_matches_what_search_matches(filled, served, argument):
    """The box matched the index's facet tokens: "đr" found every meeting report, "đs" and a
    site's hex its articles, where `vnarchive search` (words folded) finds none of them. A
    search of one column kept "đ", which the folded columns spell "d", or named a column the
    index no longer has (schema m027)."""
    from urllib.parse import urlencode

    tokens = facet_tokens(filled)
    assert len(tokens) == 2
    for terms in [*tokens, "Bắc Kạn", "dang bo", "hội nghị OR tập huấn"]:
        status, page = answer(f"{served}/articles.json?"
                              + urlencode({argument: terms, "_size": "max",
                                           "_shape": "objects"}))
        assert status == 200, page
        assert {row["canonical_url"] for row in page["rows"]} == searched(filled, terms), terms
    assert searched(filled, tokens[0]) == set()


def test_sql_of_ones_own_matches_folded_words_through_vnarchive_fts(filled):
    """The index holds the folded words only (schema m027): "Đảng bộ" matched as written
    finds nothing, through `vnarchive_fts` what `vnarchive search` finds."""
    import csv
    import io

    sql = ("select canonical_url from articles where rowid in (select rowid from articles_fts "
           "where articles_fts match {})")
    assert plain(filled, sql.format("'\"Đảng bộ\"'")) == []
    result = run_vnarchive("export", "-", "--format", "csv", "--query",
                           sql.format("vnarchive_fts('Đảng bộ')"), "--db", str(filled))
    assert result.returncode == 0, result.stderr
    exported = {row["canonical_url"] for row in csv.DictReader(io.StringIO(result.stdout))}
    assert exported and exported == searched(filled, "Đảng bộ")


@pytest.mark.parametrize(("boxes", "box", "form"), [
    ({"period": "Q2/2024"}, "period", "2024-Q2"),
    ({"date_from": "01/06/2024"}, "date_from", "2024-06"),
    ({"date_to": "yesterday"}, "date_to", "2024-06"),
    ({"organ": "party"}, "organ", "party_committee"),
    ({"level": "ward"}, "level", "huyện"),
    ({"date_from": "2024-06", "date_to": "2024-01"}, "date_to", "after")])
def test_a_bad_box_of_the_saved_query_is_named_with_what_it_takes(served, boxes, box, form):
    """Datasette said only "user-defined function raised exception"."""
    from urllib.parse import urlencode

    status, page = answer(f"{served}/find_reports.json?{urlencode(boxes)}")
    assert status == 400 and not page["ok"]
    assert f'the box "{box}"' in page["error"] and form in page["error"], page["error"]
    assert "user-defined function" not in page["error"]


# Numbers Arrow cut, names SQL could not read ----------
MANY = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 12000) "


def test_integers_and_reals_in_one_column_of_the_first_batch_are_all_reals(filled, tmp_path):
    """A CASE giving 1 or 0.5 was typed by its first value: 0.5 was written as 0."""
    import pyarrow.parquet as pq

    sql = "select case when rowid % 2 then 1 else 0.5 end as share from articles"
    out = tmp_path / "share.parquet"
    result = run_vnarchive("export", str(out), "--query", sql, "--db", str(filled))
    assert result.returncode == 0, result.stderr
    assert pq.read_table(out).column("share").to_pylist() == [
        float(row[0]) for row in plain(filled, sql)]


@pytest.mark.parametrize("later", ["i * 0.5", "'text'"])
def test_a_later_value_that_is_no_integer_is_refused_not_cut(filled, tmp_path, later):
    """Past the first batch the driver cut 3000.5 to 3000 (and Python's path would too):
    the file held wrong numbers without a word. It is refused, naming the column."""
    out = tmp_path / "late.parquet"
    result = run_vnarchive("export", str(out), "--query", MANY + "select i, case when i > "
                           f"6000 then {later} else 0 end as share from n", "--db", str(filled))
    assert result.returncode == 2 and "'share'" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()


def test_a_column_named_with_a_double_quote_exports_past_the_first_batch(filled, tmp_path):
    """The statements wrapped around a query quoted names bare: `a"b` broke them."""
    import pyarrow.parquet as pq

    out = tmp_path / "quoted.parquet"
    result = run_vnarchive("export", str(out), "--query", MANY + 'select i as "a""b", '
                           'null as "c""d", \'Hà\' as "e""" from n', "--db", str(filled))
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert table.schema.names == ['a"b', 'c"d', 'e"']
    assert table.column('a"b').to_pylist() == list(range(1, 12001))
    assert set(table.column('e"').to_pylist()) == {"Hà"}


# Empty and standard-output arguments of query and serve ----------
@pytest.mark.parametrize("sql", ["", "   "])
def test_query_refuses_empty_sql(filled, sql):
    """It printed an empty table and exited 0."""
    result = run_vnarchive("query", sql, "--db", str(filled))
    assert result.returncode == 2 and "empty" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_serve_writes_its_metadata_to_standard_output_for_a_dash(filled, tmp_path):
    """`--write-metadata -` wrote a file named "-" (where `export -` writes to standard
    output), and `--write-metadata ""` started the server as if no file was named."""
    import json

    result = run_vnarchive("serve", "--write-metadata", "-", "--db", str(filled), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "find_reports" in json.loads(result.stdout)["databases"]["vnarchive"]["queries"]
    assert not (tmp_path / "-").exists()
    import socket

    with socket.socket() as holder:  # a port held here: no server starts, whatever happens
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        empty = run_vnarchive("serve", "--write-metadata", "", "--port", port,
                              "--db", str(filled))
    assert empty.returncode == 2 and "--write-metadata" in empty.stderr, empty.stderr


def test_query_as_json_refuses_two_columns_of_one_name(filled):
    """`select 1 as a, 2 as a` printed {"a": 2}: a column was lost without a word."""
    result = run_vnarchive("query", "--format", "json", "select 1 as a, 2 as a, 3 as b",
                           "--db", str(filled))
    assert result.returncode == 2 and "AS" in result.stderr and "a" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    as_csv = run_vnarchive("query", "--format", "csv", "select 1 as a, 2 as a",
                           "--db", str(filled))
    assert as_csv.returncode == 0 and as_csv.stdout.splitlines() == ["a,a", "1,2"]


def test_the_search_box_says_a_query_of_left_out_words_alone_needs_a_word(served):
    """`vnarchive search "-huyện"` is refused saying how to write it; the box said "no words"
    of a query that has one, left out."""
    from urllib.parse import urlencode

    status, page = answer(f"{served}/articles.json?"
                          + urlencode({"_search": "-huyện", "_shape": "objects"}))
    assert status == 200, page
    assert page["rows"] == []
    assert "only words left out" in page["human_description_en"], page["human_description_en"]
