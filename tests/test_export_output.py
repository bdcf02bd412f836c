"""Exports, queries and searches as their output reads: a list or a flag an archive holds badly,
a query that starts with a dash, a blob in a terminal table, the datasheet's counts, and how
often a command opens the archive. Archives are filled by bench/fill_archive.py (no crawl);
expected values come from plain SQL on the archive or from the Parquet and JSON files read
back, never from the code under test."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_vnarchive

pytestmark = pytest.mark.timeout(180)


def plain(db: Path, sql: str, parameters=()) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, parameters).fetchall()


# Lists and flags that do not read as their type ----------
# Per column, the bad values and the rowids of articles that get them.
BAD_CELLS = {"photo_credits": ("Ảnh: Minh Hà", (5,)),     # a credit written as plain text
             "warnings": ("[trafilatura_fallback", (7, 90, 300)),  # a cut JSON list
             "is_meeting_report": (2, (11, 12))}            # a flag neither 0 nor 1


@pytest.fixture
def bad_cells(filled, tmp_path) -> tuple[Path, dict[str, set[str]]]:
    """A copy of the archive with lists that are not JSON and a flag of 2; and, per column,
    the URLs of the rows that hold one."""
    db = tmp_path / "copy.db"
    shutil.copy(filled, db)
    with sqlite3.connect(db) as connection:
        for column, (value, rowids) in BAD_CELLS.items():
            connection.execute(f"update articles set {column} = ? where rowid in "
                               f"({','.join(map(str, rowids))})", [value])
    bad = {column: {url for (url,) in plain(db, f"select canonical_url from articles where "
                                                f"{column} = ?", [value])}
           for column, (value, _) in BAD_CELLS.items()}
    assert all(len(urls) == len(BAD_CELLS[column][1]) for column, urls in bad.items())
    return db, bad


def written_rows(out: Path) -> dict[str, dict]:
    """The export read back, by canonical_url."""
    if out.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    else:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {row["canonical_url"]: row for row in rows}


@pytest.mark.parametrize("path", ["parquet-driver", "parquet-python", "jsonl"])
def test_a_bad_list_or_flag_is_null_and_counted_not_a_failed_export(bad_cells, tmp_path,
                                                                    monkeypatch, path):
    """One photo_credits that was not JSON, or an is_meeting_report of 2, failed the whole
    Parquet or JSON Lines export ("'2' is not boolean"), nothing written. The row is kept,
    the cell NULL, and the cells counted per column, as a date that is not ISO 8601 is."""
    import archive.export
    import archive.export_parquet
    from archive.arrow_rows import FastReadError

    db, bad = bad_cells
    monkeypatch.setattr(archive.export, "BATCH_ROWS", 64)  # several batches: the driver reads

    def unable(*_):
        raise FastReadError("refused by the test")

    def unexpected(*_):
        raise AssertionError("the driver gave up: Python read the rows")
    if path == "parquet-python":
        monkeypatch.setattr(archive.export_parquet, "write_in_child", unable)
    elif path == "parquet-driver":
        monkeypatch.setattr(archive.export_parquet, "_from_python", unexpected)
    out = tmp_path / ("articles.jsonl" if path == "jsonl" else "articles.parquet")
    result = archive.export.export(str(db), str(out), table="articles")
    assert result.rows == plain(db, "select count(*) from articles")[0][0]
    assert result.unreadable == {column: len(urls) for column, urls in bad.items()}
    written = written_rows(out)
    assert len(written) == result.rows
    for column, urls in bad.items():
        assert {url for url, row in written.items() if row[column] is None} == urls
    # The good cells are typed as before: a list, a boolean.
    good = plain(db, "select canonical_url, photo_credits, is_meeting_report from articles "
                     "where rowid = 1")[0]
    assert written[good[0]]["photo_credits"] == json.loads(good[1])
    assert written[good[0]]["is_meeting_report"] is bool(good[2])
    sheet = out.with_name(out.name + ".datasheet.md").read_text(encoding="utf-8")
    assert "photo_credits in 1 row," in sheet and "is_meeting_report in 2 rows" in sheet


@pytest.mark.parametrize("out", ["articles.parquet", "-"])
def test_the_export_command_names_each_column_of_bad_cells(bad_cells, tmp_path, out):
    db, _ = bad_cells
    target = out if out == "-" else str(tmp_path / out)
    result = run_vnarchive("export", target, "--format", "jsonl" if out == "-" else "parquet",
                           "--db", str(db))
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1, result.stderr
    for column, (_, rowids) in BAD_CELLS.items():
        assert f"{column} in {len(rowids)} row{'s' if len(rowids) > 1 else ''}" in warning[0]


@pytest.mark.parametrize("name", ["articles.parquet", "articles.jsonl"])
def test_a_list_of_another_shape_is_null_in_parquet_and_json_lines(filled, tmp_path, name):
    """'[1, 2]' in warnings is JSON, but no list of texts: Arrow refused the whole batch, and
    JSON Lines wrote it as it was, where Parquet's column is null (a reader of both got two
    different exports of one archive)."""
    from archive.export import export

    db = tmp_path / "copy.db"
    shutil.copy(filled, db)
    with sqlite3.connect(db) as connection:
        connection.execute("update articles set warnings = '[1, 2]' where rowid = 3")
        connection.execute("update articles set warnings = '[\"a\", \"b\"]' where rowid = 4")
    (url,) = plain(db, "select canonical_url from articles where rowid = 3")[0]
    out = tmp_path / name
    result = export(str(db), str(out), table="articles")
    assert result.unreadable == {"warnings": 1}
    rows = written_rows(out)
    assert [key for key, row in rows.items() if row["warnings"] is None] == [url]
    # A list of texts is still written as one.
    (good,) = plain(db, "select canonical_url from articles where rowid = 4")[0]
    assert rows[good]["warnings"] == ["a", "b"]


def test_a_querys_count_named_like_a_flag_keeps_its_numbers(filled, tmp_path):
    """A query's own column that shares a flag's name is a flag only when every value is one:
    else counts 0, 1, 2 came out false, true and NULL."""
    import pyarrow.parquet as pq

    from archive.export import export

    out = tmp_path / "counts.parquet"
    export(str(filled), str(out), query="select canonical_url, (rowid - 1) % 3 as "
                                        "is_meeting_report from articles order by rowid limit 3")
    assert [row["is_meeting_report"] for row in pq.read_table(out).to_pylist()] == [0, 1, 2]


def test_a_figure_too_large_for_its_type_is_null_not_a_failed_export(filled, tmp_path):
    """10^20 in a struct's integer field overflowed Arrow's int64: the export failed with a
    traceback."""
    import pyarrow as pa

    from archive.columns import typed_array

    kind = pa.list_(pa.struct([("total", pa.int64())]))
    typed = typed_array([[{"total": 10**20}], [{"total": 5}]], kind)
    assert typed.to_pylist() == [None, [{"total": 5}]]


# A query that starts with a dash ----------
def searched_urls(db: Path, *args: str) -> set[str]:
    result = run_vnarchive("search", *args, "--limit", "1000", "--format", "json",
                           "--db", str(db))
    assert result.returncode == 0, result.stderr
    return {hit["canonical_url"] for hit in json.loads(result.stdout)}


@pytest.mark.parametrize(("query", "wanted", "left_out"), [
    ("hội nghị -huyện", "hội nghị", ("huyện",)),
    ("-huyện hội nghị", "hội nghị", ("huyện",)),
    # Left out of the whole query, not of its last term only (FTS5's NOT binds closer).
    ("hội OR triển -huyện -\"quý II\"", "hội OR triển", ("huyện", '"quý II"')),
])
def test_a_dashed_word_leaves_its_articles_out(filled, query, wanted, left_out):
    """`search "-hội"` was refused as "No such option '-ộ'", and after `--` the dash was
    dropped: "-hội" found the articles holding "hội"."""
    found = searched_urls(filled, query)
    expected = searched_urls(filled, wanted) - set().union(
        *(searched_urls(filled, word) for word in left_out))
    assert found == expected
    assert found and found != searched_urls(filled, wanted)


def test_a_query_that_only_leaves_out_is_refused_saying_how_to_write_it(filled):
    result = run_vnarchive("search", "-hội", "--db", str(filled))
    assert result.returncode == 2, result.stdout[:300]
    assert len(result.stderr.strip().splitlines()) == 1
    assert "-word" in result.stderr and "hội nghị -huyện" in result.stderr
    assert result.stdout == ""


def test_options_still_work_around_a_dashed_query(filled):
    result = run_vnarchive("search", "--limit", "2", "hội nghị -huyện", "--format=json",
                           "--db", str(filled))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2
    assert "Usage:" in run_vnarchive("search", "-h").stdout
    unknown = run_vnarchive("search", "hội", "--bogus", "--db", str(filled))
    assert unknown.returncode == 2 and "--bogus" in unknown.stderr


def test_an_option_given_last_without_its_value_is_named_by_click(filled):
    """The dashed-query reordering put `--` after such an option, which took it as its value:
    "no archive at --", "'--' is not one of 'text', 'json'"."""
    for option in ("--db", "--format", "--site"):
        result = run_vnarchive("search", "hội", option)
        assert result.returncode == 2
        assert f"Option '{option}' requires an argument" in result.stderr, result.stderr


def test_a_query_that_begins_with_two_dashes_and_a_space_is_a_query(filled):
    result = run_vnarchive("search", "-- hội nghị", "--format", "json", "--db", str(filled))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)


# A blob in a terminal table ----------
def test_a_blob_in_a_query_table_shows_its_size_not_its_repr(filled):
    """`query --format table` printed Python's repr, `b'\\x00\\xff\\x10'`: no use to a reader.
    A table cell now says it is a blob and how many bytes it holds (CSV and JSON give the
    bytes as base64); texts are printed as before."""
    raw = "Hội nghị".encode()
    result = run_vnarchive("query", "select x'00ff10' as three, cast('Hội nghị' as blob) as "
                           "raw, x'41' as one, zeroblob(5000) as big, 'Hà Nam' as text",
                           "--db", str(filled))
    assert result.returncode == 0, result.stderr
    header, _, row = result.stdout.splitlines()
    assert header.split() == ["three", "raw", "one", "big", "text"]
    assert re.split(r"\s{2,}", row) == [
        "<blob: 3 bytes>", f"<blob: {len(raw)} bytes>", "<blob: 1 byte>",
        "<blob: 5,000 bytes>", "Hà Nam"]
    assert "b'" not in result.stdout


# Counts of one ----------
@pytest.mark.parametrize("rows", [1, 2])
def test_the_datasheet_and_card_say_one_row_in_the_singular(filled, tmp_path, rows):
    """The datasheet, the dataset card and the command said "1 rows"."""
    out = tmp_path / "one.parquet"
    query = f"select canonical_url, site from articles order by rowid limit {rows}"
    result = run_vnarchive("export", str(out), "--query", query, "--db", str(filled))
    assert result.returncode == 0, result.stderr
    words = "1 row" if rows == 1 else "2 rows"
    assert f"wrote {words} to " in result.stdout
    sheet = (tmp_path / "one.parquet.datasheet.md").read_text(encoding="utf-8")
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert f", {words}, as parquet." in sheet
    assert f"\n{words} of the query" in card
    assert "1 rows" not in sheet + card + result.stdout
    piped = run_vnarchive("export", "-", "--format", "csv", "--query", query, "--db",
                          str(filled))
    assert f"wrote {words} to standard output" in piped.stderr


# One connection a command ----------
@pytest.mark.parametrize("command", ["search", "export"])
def test_search_and_export_open_the_archive_once(filled, tmp_path, monkeypatch, capsys,
                                                 command):
    """With --site and a province that took in others, `search` and `export` opened the
    archive three times (the site check, the merger note, the search or the export). They
    open it once now, and say what they said."""
    from vnarchive.cli import main

    # A province that took in another, and a site with reports of it.
    merged, today, site = plain(filled, "select m.province, m.province_2025, a.site from "
                                "meeting_reports m join meeting_reports t on t.province = "
                                "m.province_2025 join articles a on a.canonical_url = "
                                "t.canonical_url where m.province <> m.province_2025 limit 1")[0]
    opened = []
    connect = sqlite3.connect

    def counted(database, *args, **kwargs):
        if filled.name in str(database):
            opened.append(database)
        return connect(database, *args, **kwargs)
    monkeypatch.setattr(sqlite3, "connect", counted)
    out = tmp_path / "reports.csv"
    arguments = (["search", "hội", "--format", "json"] if command == "search"
                 else ["export", str(out), "--table", "reports"])
    code = main([*arguments, "--site", site, "--province", today, "--db", str(filled)])
    said = capsys.readouterr()
    assert code == 0, said.err
    assert len(opened) == 1, opened
    note = [line for line in said.err.splitlines() if line.startswith("note:")]
    assert len(note) == 1 and merged in note[0]
    if command == "export":
        expected = plain(filled, "select count(*) from reports where site = ? and "
                                 "province = ?", [site, today])[0][0]
        with out.open(encoding="utf-8", newline="") as handle:
            assert len(list(csv.reader(handle))) == expected + 1 > 1
    else:
        assert json.loads(said.out)  # hits of that site in that province
