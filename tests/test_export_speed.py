"""Parquet exports read by ADBC's SQLite driver (archive/arrow_rows.py) hold the archive's rows
value by value, whichever path read them: the driver's, or Python's sqlite3 where the driver
cannot (filters, functions the export registers, a value stored otherwise than its column's
first rows). The expected values are each stored value converted on its own
(`columns.convert`), from rows read with plain sqlite3. No timing here: bench/bench_scale.py
and bench/bench_export.py measure the speed."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import archive.export
import archive.export_parquet
from archive.arrow_rows import FastReadError
from archive.columns import convert
from archive.export import export
from archive.filters import Filters
from bench.fill_archive import fill

# Awkward values written over the generated ones: NULLs, empty strings, Vietnamese text,
# JSON lists, bare days and times without a zone. warc_file stays NULL in the first batches
# and gets a text in the last: the driver must still read it as text.
AWKWARD = [
    "update articles set warc_file = 'crawl-00001.warc.gz', warc_offset = 1234 "
    "where rowid > (select max(rowid) - 5 from articles)",
    "update articles set author = '' where rowid % 7 = 0",
    "update articles set lead = null where rowid % 5 = 0",
    "update articles set title = 'Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 5 “mở rộng” 🎉' "
    "where rowid = 3",
    "update articles set published = '' where rowid = 4",
    "update articles set published = null where rowid = 5",
    "update articles set published = '2024-04-05' where rowid = 6",
    "update articles set published = '2024-04-05T08:30:00' where rowid = 7",
    "update articles set event_date = '2023-12-31' where rowid in (8, 40)",
    "update articles set photo_credits = '[\"Ảnh: Nguyễn Văn Á\", \"TTXVN\"]' "
    "where rowid = (select max(rowid) from articles)",
    "update articles set photo_credits = null, warnings = null where rowid = 9",
    "update articles set is_meeting_report = null, confidence = null where rowid = 10",
    "update articles set text = '' where rowid = 11",
]
TABLES = ["articles", "reports", "report_figures", "meeting_reports", "site_runs", "crawl_runs"]


@pytest.fixture(scope="module")
def awkward_archive(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("awkward") / "awkward.db"
    fill(str(db), 150, batch_size=75, window=75)
    connection = sqlite3.connect(db)
    with connection:
        for statement in AWKWARD:
            connection.execute(statement)
    connection.close()
    return db


@pytest.fixture
def paths(monkeypatch) -> list[str]:
    """Small batches (many of them), and which path read the rows, in order."""
    taken: list[str] = []
    monkeypatch.setattr(archive.export, "BATCH_ROWS", 16)
    for name, label in (("_written_by_driver", "driver"), ("_from_python", "python")):
        original = getattr(archive.export_parquet, name)

        def spy(*args, original=original, label=label):
            taken.append(label)
            return original(*args)
        monkeypatch.setattr(archive.export_parquet, name, spy)
    return taken


def _stored(db: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _expected(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_arrays(
        [pa.array([convert(row[i], field.type, field.name) for row in rows], type=field.type)
         for i, field in enumerate(schema)], schema=schema)


def _assert_holds(out: Path, rows: list[tuple], by_url: bool = False) -> pa.Table:
    written = pq.read_table(out)
    assert written.num_rows == len(rows)
    if by_url:  # the filters name their rows by canonical_url, read in that index's order
        written = written.sort_by("canonical_url")
        rows = sorted(rows, key=lambda row: row[0])
    expected = _expected(rows, written.schema)
    for name in written.schema.names:  # column by column, to name the one that differs
        assert written.column(name).equals(expected.column(name)), name
    return written


@pytest.mark.timeout(300)
@pytest.mark.parametrize("table", TABLES)
def test_the_drivers_file_holds_every_stored_value(awkward_archive, tmp_path, table, paths):
    out = tmp_path / f"{table}.parquet"
    assert export(str(awkward_archive), str(out), table=table, all_columns=True).rows > 0
    stored = _stored(awkward_archive, f'select * from "{table}"')
    _assert_holds(out, stored)
    # Rows that all fit in the first batch are written from it, in this process.
    assert paths == ["driver" if len(stored) >= archive.export.BATCH_ROWS else "python"]


@pytest.mark.timeout(300)
def test_a_small_export_starts_no_child_process(awkward_archive, tmp_path, monkeypatch):
    """Rows that all fit in the first batch: no child and no driver, the driver's file."""
    import sys

    def refused(*_):
        raise AssertionError("a child process was started")
    by_driver, small = tmp_path / "driver.parquet", tmp_path / "small.parquet"
    sql = "select * from articles where rowid <= 40"
    monkeypatch.setattr(archive.export, "BATCH_ROWS", 16)  # 40 rows: more than a batch
    export(str(awkward_archive), str(by_driver), query=sql)
    monkeypatch.setattr(archive.export, "BATCH_ROWS", 64)  # 40 rows: less than a batch
    monkeypatch.setattr(archive.export_parquet, "write_in_child", refused)
    sys.modules.pop("adbc_driver_sqlite.dbapi", None)
    export(str(awkward_archive), str(small), query=sql)
    assert "adbc_driver_sqlite.dbapi" not in sys.modules
    _assert_holds(small, _stored(awkward_archive, sql))
    assert pq.read_table(small).equals(pq.read_table(by_driver))


@pytest.mark.timeout(300)
def test_the_driver_never_shares_a_process_with_the_archives_connections(awkward_archive,
                                                                        tmp_path, paths):
    """Its own copy of SQLite would drop this process's locks on the archive when it closes
    the file: a writer here could then corrupt it (bench_scale's in-process fill read
    'database disk image is malformed' after an export)."""
    import sys

    sys.modules.pop("adbc_driver_sqlite.dbapi", None)
    export(str(awkward_archive), str(tmp_path / "articles.parquet"), table="articles")
    assert paths == ["driver"]
    assert "adbc_driver_sqlite.dbapi" not in sys.modules


@pytest.mark.timeout(300)
def test_the_articles_columns_keep_their_types(awkward_archive, tmp_path, paths):
    out = tmp_path / "articles.parquet"
    export(str(awkward_archive), str(out), table="articles")
    types = {field.name: field.type for field in pq.read_schema(out)}
    # Parquet keeps seconds as milliseconds: the zone is what tells the two kinds apart.
    assert pa.types.is_timestamp(types["published"]) and types["published"].tz == "+07:00"
    assert pa.types.is_timestamp(types["fetched_at"]) and types["fetched_at"].tz == "UTC"
    assert types["event_date"] == pa.date32()
    assert types["is_meeting_report"] == pa.bool_()
    assert types["photo_credits"] == pa.list_(pa.string())
    assert types["warc_file"] == pa.string() and types["warc_offset"] == pa.int64()
    assert types["confidence"] == pa.float64() and types["text"] == pa.string()
    written = pq.read_table(out, columns=["warc_file", "published", "title", "photo_credits"])
    assert written.column("warc_file").drop_null().to_pylist()[-1] == "crawl-00001.warc.gz"
    assert "“mở rộng” 🎉" in written.column("title")[2].as_py()
    # A bare day and a time without a zone are the sites' own time (+07:00); '' is no time.
    published = written.column("published").cast(pa.int64())
    assert published[5].as_py() == published[6].as_py() - 30_600_000
    assert written.column("published")[3].as_py() is None
    assert written.column("photo_credits").to_pylist()[-1] == ["Ảnh: Nguyễn Văn Á", "TTXVN"]


def _datasheet(path: Path) -> list[str]:
    """The datasheet less its line with the time of the export."""
    lines = path.with_name(path.name + ".datasheet.md").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if not line.startswith("Exported from")]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("table", ["articles", "reports"])
def test_python_reads_the_same_file_and_datasheet(awkward_archive, tmp_path, table, paths,
                                                  monkeypatch):
    monkeypatch.setattr(archive.export, "BATCH_ROWS", 4)  # the reports: more than a batch
    fast, slow = tmp_path / "fast" / f"{table}.parquet", tmp_path / "slow" / f"{table}.parquet"
    fast.parent.mkdir()
    slow.parent.mkdir()
    export(str(awkward_archive), str(fast), table=table)

    def unable(*_):
        raise FastReadError("refused by the test")
    monkeypatch.setattr(archive.export_parquet, "write_in_child", unable)
    export(str(awkward_archive), str(slow), table=table)
    assert paths == ["driver", "python"]
    assert pq.read_table(fast).equals(pq.read_table(slow))
    assert _datasheet(fast) == _datasheet(slow)
    assert "Publication dates: " in "\n".join(_datasheet(fast))
    assert (fast.parent / "README.md").read_text() == (slow.parent / "README.md").read_text()


def _rows_per_site(path: Path) -> dict[str, int]:
    """The datasheet's table of sources: rows exported per site."""
    lines = _datasheet(path)
    start = lines.index("## Sources") + 4  # past the heading, a blank line and the header
    table = lines[start:lines.index("", start)]
    return {cells[1].strip(): int(cells[4]) for cells in (line.split("|") for line in table)}


@pytest.mark.timeout(300)
def test_csv_and_parquet_datasheets_count_the_same_sources(awkward_archive, tmp_path, paths):
    for fmt in ("csv", "parquet"):
        export(str(awkward_archive), str(tmp_path / f"articles.{fmt}"), table="articles")
    parquet, csv = tmp_path / "articles.parquet", tmp_path / "articles.csv"
    counted = dict(_stored(awkward_archive, "select site, count(*) from articles group by site"))
    assert _rows_per_site(parquet) == _rows_per_site(csv) == counted
    assert [line for line in _datasheet(parquet) if line.startswith("Publication")] == \
        [line for line in _datasheet(csv) if line.startswith("Publication")]


def _site(db: Path) -> str:
    return _stored(db, "select site from articles group by site order by count(*) desc")[0][0]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("option", ["where", "site", "meeting_only", "where_function"])
def test_each_table_option_keeps_the_rows_it_names(awkward_archive, tmp_path, paths, option,
                                                   monkeypatch):
    monkeypatch.setattr(archive.export, "BATCH_ROWS", 4)  # a site's rows: more than a batch
    site = _site(awkward_archive)
    chosen = {"where": ({"where": f"site = '{site}'"}, f"site = '{site}'", "driver"),
              "site": ({"filters": Filters(site=site)}, f"site = '{site}'", "python"),
              "meeting_only": ({"filters": Filters(meeting_only=True)},
                               "is_meeting_report = 1", "python"),
              # A function only the export's own connection has: the driver cannot run it.
              "where_function": ({"where": "vnarchive_fold(title) like '%hoi nghi%'"},
                                 "title like '%hội nghị%' collate nocase", "python")}
    options, condition, path = chosen[option]
    out = tmp_path / "some.parquet"
    export(str(awkward_archive), str(out), table="articles", all_columns=True, **options)
    rows = _stored(awkward_archive, f"select * from articles where {condition}")
    assert rows and paths[-1] == path
    if option != "where_function":  # SQLite's nocase folds no Vietnamese letter
        _assert_holds(out, rows, by_url=path == "python")


@pytest.mark.timeout(300)
def test_a_query_export_keeps_its_order_and_its_own_columns(awkward_archive, tmp_path, paths):
    sql = ("select canonical_url, title, published, length(text) as characters, "
           "confidence * 2 as doubled from articles order by published desc, rowid")
    out = tmp_path / "q.parquet"
    export(str(awkward_archive), str(out), query=sql)
    written = _assert_holds(out, _stored(awkward_archive, sql))
    assert paths == ["driver"]
    assert written.schema.field("characters").type == pa.int64()


@pytest.mark.timeout(300)
def test_a_value_the_driver_reads_otherwise_is_read_again_by_python(awkward_archive, tmp_path,
                                                                      paths):
    """A flag stored as 1.0 in a late row (a query's column has no affinity to make it 1):
    the driver, typed by the first rows, refuses it; Python writes the file again from its
    first row, and the 1.0 is true as `convert` makes it."""
    last = _stored(awkward_archive, "select max(rowid) from articles")[0][0]
    sql = (f"select canonical_url, site, case when rowid = {last} then 1.0 "
           "else coalesce(is_meeting_report, 0) end as is_meeting_report from articles")
    out = tmp_path / "flags.parquet"
    result = export(str(awkward_archive), str(out), query=sql)
    rows = _stored(awkward_archive, sql)
    written = _assert_holds(out, rows)
    assert paths == ["driver", "python"] and result.rows == len(rows)
    assert written.column("is_meeting_report")[-1].as_py() is True
    assert sum(_rows_per_site(out).values()) == len(rows)  # counted once, not per attempt


@pytest.mark.timeout(300)
def test_an_export_of_no_rows_has_the_columns_and_says_so(awkward_archive, tmp_path, paths):
    out = tmp_path / "none.parquet"
    assert export(str(awkward_archive), str(out), table="articles", where="0").rows == 0
    written = pq.read_table(out)
    assert written.num_rows == 0 and "published" in written.schema.names
    assert "No rows were exported." in _datasheet(out)


def test_the_driver_never_writes_the_archive(awkward_archive, tmp_path):
    """The driver's connection is read-only, as the export's own: a copy is byte for byte the
    same after an export."""
    db = tmp_path / "copy.db"
    shutil.copy(awkward_archive, db)
    before = db.read_bytes()
    export(str(db), str(tmp_path / "a.parquet"), table="articles")
    assert db.read_bytes() == before


@pytest.mark.timeout(300)
def test_the_benchmark_measures_an_archives_export(awkward_archive):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "bench/bench_export.py", "--db", str(awkward_archive),
                             "--repeat", "2"], cwd=root, capture_output=True, text=True,
                            timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    rows = _stored(awkward_archive, "select count(*) from articles")[0][0]
    assert f"{rows:,} articles" in lines[0]
    assert "rows/CPU s" in lines[1] and [line.split()[0] for line in lines[2:]] == ["1", "2"]
    threads = subprocess.run([sys.executable, "bench/bench_export.py", "--db",
                              str(awkward_archive), "--threads"], cwd=root, capture_output=True,
                             text=True, timeout=280)
    assert threads.returncode == 0, threads.stderr[-3000:]
    assert threads.stdout.startswith(f"{rows:,} rows: ") and "encoder" in threads.stdout


@pytest.mark.timeout(300)
def test_the_benchmark_alternates_archives_read_cold(awkward_archive, tmp_path):
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    other = tmp_path / "other.db"
    shutil.copy(awkward_archive, other)
    result = subprocess.run([sys.executable, "bench/bench_export.py", "--db", str(awkward_archive),
                             "--db", str(other), "--cold"], cwd=root, capture_output=True,
                            text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "cached" in lines[2] and "archive" in lines[2]
    assert [line.split()[-1] for line in lines[3:]] == [str(awkward_archive), str(other)]
    assert all(line.split()[-2].endswith("%") for line in lines[3:])
