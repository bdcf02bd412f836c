"""The scale generator and benchmark on tiny inputs (bench/fill_archive.py, bench/bench_scale.py).
No timing is asserted: figures are the benchmark's job. What is checked is what the generator
promises (rows through the writer, meeting reports, stories of copies, versions, run history,
an archive that grows where it stopped) and that the benchmark runs to its report."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench.band_recurrence import recurrence
from bench.fill_archive import (
    CRAWL_LAG_MINUTES,
    RECENT,
    fetched_at,
    fill,
    generated_so_far,
    is_fresh,
    load_corpus,
    row_of,
    spec_of,
)
from tests.conftest import query

ROOT = Path(__file__).resolve().parent.parent


def _one(db: Path, sql: str):
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchone()
    finally:
        connection.close()


@pytest.mark.timeout(300)
def test_fill_writes_realistic_rows_through_the_writer(tmp_path):
    db = tmp_path / "fill.db"
    result = fill(str(db), 400, batch_size=50, window=100)
    assert result["to"] == 400 and len(result["windows"]) == 4
    # What each window had read from the disk, not the kernel's cache: a figure, never less
    # than nothing (0 where /proc/self/io is missing).
    assert all(window["disk_read_mb"] >= 0 for window in result["windows"])
    articles, stories, meetings = _one(db, "select count(*), count(distinct story_id), "
                                           "sum(is_meeting_report) from articles")
    # Updates of an earlier article add no row; copies and fresh articles do.
    assert 380 <= articles < 400
    assert 0 < meetings < articles * 0.2  # meeting reports at a portal's share, not all
    assert stories < articles  # copies joined their original's story
    assert _one(db, "select count(*) from meeting_reports")[0] == meetings
    assert _one(db, "select count(*) from figures where label like '%ngân sách%'")[0] == meetings
    assert _one(db, "select count(*) from articles_fts where articles_fts match 'dang'")[0] > 0
    # A crawled page is in the WARC files alone; the fill, which writes none, keeps no page.
    assert _one(db, "select count(*) from article_sources")[0] == 0
    runs = _one(db, "select count(distinct run_id), count(distinct site) from site_runs "
                    "where site != 'fill'")  # not the fill's own writer
    assert runs[0] >= 400 // 68 and runs[1] == len(load_corpus().sites)
    years = _one(db, "select min(published), max(published) from articles")
    assert years[0] < "2017" and years[1] > "2023"  # spread over the ten years


def test_articles_are_functions_of_their_number():
    corpus = load_corpus()
    first = spec_of(1234, corpus, seed=7)
    again = spec_of(1234, corpus, seed=7)
    assert first["article"] == again["article"] and first["site"] == again["site"]
    assert spec_of(1234, corpus, seed=8)["article"] != first["article"]


def test_a_scheduled_crawls_articles_were_published_just_before_their_fetch():
    """`--dates crawl`: each article, and each copy of one, within three days before it is
    fetched; the same draws otherwise, so a backfill's rows do not depend on the mode."""
    corpus = load_corpus()
    lags = []
    for number in range(5000, 5400):
        backfill = spec_of(number, corpus, seed=7)
        crawl = spec_of(number, corpus, seed=7, dates="crawl")
        assert crawl["site"] == backfill["site"]
        assert crawl["article"].body == backfill["article"].body
        assert backfill == spec_of(number, corpus, seed=7, dates="backfill")
        fetched = fetched_at(number)
        lag = (fetched - crawl["article"].published).total_seconds() / 60
        lags.append(lag)
        if crawl["article"].id.endswith("c"):  # a copy, a few hours to three days later
            assert -3 * 24 * 60 <= lag < CRAWL_LAG_MINUTES
        else:
            assert 0 <= lag < CRAWL_LAG_MINUTES
    assert max(lags) > CRAWL_LAG_MINUTES / 2  # spread over the three days, not all at once
    backfill_days = {spec_of(n, corpus, seed=7)["article"].published.year
                     for n in range(5000, 5400)}
    assert len(backfill_days) > 5  # a backfill's days: any year


def test_fresh_articles_share_story_bands_rarely_and_copies_share_them():
    """Made sentences, not drawn whole: of 600 articles no other copies, hardly a band is in
    another one and no two are story candidates (drawn whole, 7.5% of the bands recurred and
    15 pairs a thousand were candidates); a copy still shares its original's bands."""
    numbers = [number for number in range(700) if is_fresh(number, 7)][:600]
    fresh = recurrence([row_of(number)["text"] for number in numbers])
    assert fresh["recurring_band_share"] < 0.02
    assert fresh["candidate_pairs_per_1000"] < 2
    corpus = load_corpus()
    copy = next(number for number in range(RECENT, 700)
                if spec_of(number, corpus, 7)["article"].id.endswith("c"))
    # Its original is one of the RECENT articles before it.
    recent = recurrence([row_of(number)["text"] for number in range(copy - RECENT, copy + 1)])
    assert recent["copy_pairs_per_1000"] > 0


def test_band_recurrence_counts_shared_bands_candidates_and_copies():
    words = [f"tu{i}" for i in range(400)]
    story = " ".join(words[:200])
    other = " ".join(words[200:])
    figures = recurrence([story, f"(TTXVN) - {story}", other])
    assert figures["texts"] == 3
    # The two copies share (almost) all sixteen bands, the third text none.
    assert 0.5 < figures["recurring_band_share"] <= 2 / 3
    assert figures["candidate_pairs_per_1000"] == figures["copy_pairs_per_1000"] == 1000 / 3


@pytest.mark.timeout(120)
def test_band_recurrence_prints_the_fills_figures():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "band_recurrence.py"),
                             "--texts", "80"], capture_output=True, text=True, timeout=100,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    fill_line = next(line for line in result.stdout.splitlines() if line.startswith("fill"))
    count, share = fill_line.split()[1:3]
    # As many fill texts as real ones when ../shared is there, else the number asked for.
    assert int(count.replace(",", "")) <= 80 and share.endswith("%")


@pytest.mark.timeout(300)
def test_a_second_fill_goes_on_where_the_first_stopped(tmp_path):
    db = tmp_path / "grow.db"
    fill(str(db), 120, window=60)
    fill(str(db), 200, window=40)
    assert generated_so_far(str(db)) == 200
    again = fill(str(db), 150)  # already past it: nothing to add
    assert again["from"] == again["to"] == 200
    # Numbers 120..199 were added once, after 0..119: no URL written by both fills twice.
    assert _one(db, "select count(*) from articles")[0] > 180


@pytest.mark.timeout(600)
def test_bench_scale_runs_and_reports_each_size(tmp_path):
    db = tmp_path / "scale.db"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_scale.py"), "--sizes", "150,300",
         "--db", str(db), "--repeat", "1"],
        capture_output=True, text=True, timeout=540, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    measured = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [m["size"] for m in measured] == [150, 300]
    assert measured[-1]["rows"] > measured[0]["rows"] > 0
    assert all(not m["datasette failures"] for m in measured)  # every page answered 200
    for label in ("writer rows/s", "writer MB read from disk", "writer rows/s (last 40,000)",
                  "search no filter p95 ms",
                  "status ms", "wall / CPU",
                  "export parquet rows/s", "datasette articles table ms", "targets at 300"):
        assert label in result.stdout


def test_the_writer_figure_over_a_band_cycle_weighs_each_window_by_its_articles(tmp_path):
    """bench_scale's writer rate over the last 40,000 articles (one story-band move among
    them) from the windows of every fill that ended there, the time of each window counted."""
    from bench.bench_scale import cycle_figures
    from bench.fill_archive import progress_file

    db = tmp_path / "a.db"
    progress_file(str(db)).write_text(json.dumps({"fills": [
        {"from": 0, "to": 50000, "windows": [
            {"articles": 25000, "rows_per_s": 1000.0, "cpu_ms_per_row": 0.5},
            {"articles": 50000, "rows_per_s": 500.0, "cpu_ms_per_row": 1.0}]},
        {"from": 50000, "to": 60000, "windows": [
            {"articles": 60000, "rows_per_s": 2000.0, "cpu_ms_per_row": 0.25}]}]}))
    # 25,000 articles in 25 s, 25,000 in 50 s, 10,000 in 5 s.
    rate, cpu, articles = cycle_figures(db, 60000)
    assert articles == 60000 and rate == pytest.approx(60000 / 80)
    assert cpu == pytest.approx((25000 * 0.5 + 25000 * 1.0 + 10000 * 0.25) / 60000)
    rate, cpu, articles = cycle_figures(db, 50000)  # the last fill's window is after it
    assert articles == 50000 and rate == pytest.approx(50000 / 75)
    assert cycle_figures(db, 10000) == (0.0, 0.0, 0)  # no window ended by then


@pytest.mark.timeout(300)
def test_writer_profile_names_the_statements_and_the_pages_a_batch_writes(tmp_path):
    db = tmp_path / "profile.db"
    fill(str(db), 100, window=50)
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "writer_profile.py"), str(db), "--add", "60",
         "--batch-size", "30", "--wal-pages", "--pragma", "cache_size=-16384"],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("60 articles (100 to 160): ")
    assert "insert into articles" in result.stdout and "commit" in result.stdout
    wal = result.stdout.split("pages written to the WAL, MB a batch of 30:")[1]
    assert "articles_fts_data" in wal and "articles" in wal.split()
    assert generated_so_far(str(db)) == 160  # a later fill goes on after the added rows
    assert _one(db, "select count(*) from articles")[0] > 150


@pytest.mark.timeout(300)
def test_band_lookups_compares_the_filter_with_every_band_on_both_kinds(tmp_path,
                                                                        monkeypatch):
    """bench/band_lookups.py on an archive whose bands were moved to the large table."""
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 400)  # moved during the fill
    db = tmp_path / "bands.db"
    fill(str(db), 100, window=50)
    assert _one(db, "select count(*) from story_bands")[0] > 0
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "band_lookups.py"), str(db), "--articles", "20",
         "--rounds", "1"], capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and "bits for" in lines[0]
    for kind in ("bands no article has", "bands the archive holds"):
        for way in ("filter", "every band"):
            assert any(line.startswith(f"{kind}, round 1,") and f"{way}:" in line
                       and "ms of CPU" in line for line in lines), (kind, way)


def test_status_finds_each_sites_last_success_by_index(tmp_path):
    """`status` seeks the sites and each one's latest success (archive/health.py); the
    answers are those of reading every run."""
    from archive.health import site_health
    from archive.schema import open_database

    db = open_database(str(tmp_path / "runs.db"))
    base = {"pages": 10, "errors": 0, "article_pages": 0, "pages_without_text": 0,
            "listing_pages_parsed": 1, "listing_article_links": 5, "articles_new": 1}
    db["site_runs"].insert_all([
        {**base, "site": "b_portal", "started_at": "2025-01-01T00:00+00:00", "finished_at":
         "2025-01-01T00:10+00:00", "finish_reason": "finished"},
        {**base, "site": "b_portal", "started_at": "2025-01-02T00:00+00:00", "finished_at":
         "2025-01-02T00:10+00:00", "finish_reason": "finished", "errors": 6},  # too many errors
        {**base, "site": "b_portal", "started_at": "2025-01-03T00:00+00:00", "finished_at":
         "2025-01-03T00:10+00:00", "finish_reason": "shutdown"},
        {**base, "site": "a_paper", "started_at": "2025-01-02T00:00+00:00", "finished_at":
         "2025-01-02T00:05+00:00", "finish_reason": "shutdown"},
    ])
    db.close()
    report = {health.site: health for health in site_health(str(tmp_path / "runs.db"))}
    assert list(report) == ["a_paper", "b_portal"]
    assert report["b_portal"].last_success == "2025-01-01T00:10+00:00"
    assert report["a_paper"].last_success is None
    assert report["b_portal"].last_run == "2025-01-03T00:10+00:00"


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("small") / "small.db"
    fill(str(db), 300, batch_size=100, window=100)
    return db


def _ranked(db: Path, match: str, newest: int | None = None) -> list[str]:
    """The canonical URLs of the best 20 matches, every match ranked by bm25 (ties by rowid),
    or only the `newest` matches by rowid: the plain queries the search must agree with."""
    connection = sqlite3.connect(db)
    try:
        ids = [row[0] for row in connection.execute(
            "select rowid, bm25(articles_fts) as r from articles_fts where articles_fts match ? "
            "order by rowid desc", [match])][:newest]
        ranked = connection.execute(
            "select a.canonical_url from articles_fts f join articles a on a.rowid = f.rowid "
            "where articles_fts match ? and f.rowid in (select value from json_each(?)) "
            "order by bm25(articles_fts), f.rowid limit 20", [match, json.dumps(ids)])
        return [row[0] for row in ranked]
    finally:
        connection.close()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("query", ["hội nghị", "dang bo", "thu ngân sách nhà nước", "Ba Bể"])
def test_search_ranks_every_match_below_the_cap(small_archive, query):
    """Below RANKED_MATCHES matches the faster query gives the hits of ranking every match,
    in the same order."""
    from archive.filters import fts_expression
    from archive.search import search

    hits = [hit.canonical_url for hit in search(str(small_archive), query)]
    assert hits and hits == _ranked(small_archive, fts_expression(query))


@pytest.mark.timeout(300)
def test_the_saved_search_query_gives_the_commands_hits(small_archive):
    """Datasette's `search_articles` runs the search command's query."""
    from archive.filters import register_functions
    from archive.metadata import QUERIES
    from archive.search import search

    connection = sqlite3.connect(small_archive)
    register_functions(connection)
    try:
        saved = [row[3] for row in connection.execute(QUERIES["search_articles"]["sql"],
                                                      {"q": "hội nghị"})]
        assert connection.execute(QUERIES["search_articles"]["sql"], {"q": ""}).fetchall() == []
    finally:
        connection.close()
    hits = search(str(small_archive), "hội nghị", limit=100)
    assert saved and saved == [hit.canonical_url for hit in hits]  # url is canonical here


@pytest.mark.timeout(300)
def test_search_above_the_cap_ranks_the_newest_matches(small_archive, monkeypatch):
    """Above it, the best of the RANKED_MATCHES matches archived last, in bm25 order."""
    import archive.search
    from archive.filters import fts_expression

    monkeypatch.setattr(archive.search, "RANKED_MATCHES", 40)
    everything = _ranked(small_archive, fts_expression("hội nghị"))
    hits = [hit.canonical_url for hit in archive.search.search(str(small_archive), "hội nghị")]
    assert hits == _ranked(small_archive, fts_expression("hội nghị"), newest=40)
    assert hits != everything  # the cap did change what was ranked in this archive


def test_search_says_when_its_ranking_was_capped(small_archive, monkeypatch):
    """The user is told when only the matches archived last were ranked, and not otherwise."""
    import archive.search
    from archive.filters import fts_expression

    matches = query(small_archive, "select count(*) from articles_fts where articles_fts "
                    "match ?", [fts_expression("hội nghị")])[0][0]
    monkeypatch.setattr(archive.search, "RANKED_MATCHES", matches - 1)
    hits, capped = archive.search.search_ranked(str(small_archive), "hội nghị")
    assert hits and capped
    monkeypatch.setattr(archive.search, "RANKED_MATCHES", matches)
    assert archive.search.search_ranked(str(small_archive), "hội nghị")[1] is False


@pytest.mark.timeout(300)
@pytest.mark.parametrize("table", ["articles", "reports", "site_runs"])
def test_parquet_export_reads_texts_as_bytes_with_the_same_content(small_archive, tmp_path,
                                                                  table, monkeypatch):
    """The Parquet file holds what converting each stored value on its own gives."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import archive.export
    from archive.columns import convert
    from archive.export import export

    monkeypatch.setattr(archive.export, "BATCH_ROWS", 16)  # batches after the first as bytes

    out = tmp_path / f"{table}.parquet"
    assert export(str(small_archive), str(out), table=table).rows > 0
    written = pq.read_table(out)
    connection = sqlite3.connect(small_archive)
    names = ", ".join(f'"{name}"' for name in written.schema.names)
    try:
        rows = connection.execute(f"select {names} from {table}").fetchall()
    finally:
        connection.close()
    expected = pa.Table.from_arrays(
        [pa.array([convert(row[i], field.type, field.name) for row in rows], type=field.type)
         for i, field in enumerate(written.schema)], schema=written.schema)
    assert written.equals(expected)


def test_an_old_archive_gets_its_story_bands_keyed_by_article(tmp_path):
    """m016 moves every band of an archive made before it to `story_bands`, keyed by the
    article's rowid, and a copy written after the upgrade still joins its original's story."""
    import shutil

    from archive.schema import open_database
    from archive.stories import band_key
    from archive.writer import ArchiveWriter
    from pipelines.fingerprint import bands, decode

    path = tmp_path / "old.db"
    shutil.copy(ROOT / "tests" / "fixtures" / "archive-v1.db", path)
    db = open_database(str(path))
    expected = {(band_key(band), row["day"], row["id"])
                for row in db.query("select rowid as id, story_signature, substr(coalesce("
                                    "published, fetched_at), 1, 10) as day from articles")
                for band in bands(decode(row["story_signature"]))}
    stored = set(db.execute("select band, day, article from story_bands").fetchall())
    tables = set(db.table_names())
    original = next(db.query("select * from articles order by rowid limit 1"))
    db.close()
    assert expected and stored == expected
    assert "article_bands" not in tables
    writer = ArchiveWriter(str(path), site="copy")
    copy = {key: original[key] for key in ("title", "published", "language", "site")}
    writer.add_article({**copy, "canonical_url": "https://other.example.vn/copy",
                        "url": "https://other.example.vn/copy", "text": original["text"],
                        "fetched_at": original["fetched_at"]})
    writer.close()
    # One story, the earlier copy's (the fixture's rows had none before).
    assert _one(path, "select group_concat(distinct story_id) from articles where "
                      "canonical_url in ('https://other.example.vn/copy', "
                      f"'{original['canonical_url']}')")[0] == original["canonical_url"]


def test_budget_figures_come_in_the_order_of_an_index(small_archive):
    """m017: the saved query reads reports in its order (Datasette's first rows cost no sort
    of every figure) and gives every budget figure, in that order."""
    from archive.filters import fold_label, register_functions
    from archive.metadata import QUERIES

    sql = QUERIES["figures_reported_for_budget_revenue"]["sql"]
    connection = sqlite3.connect(small_archive)
    register_functions(connection)
    try:
        plan = " ".join(row[3] for row in connection.execute(f"explain query plan {sql}"))
        rows = connection.execute(sql).fetchall()
        budget = connection.execute("select count(*) from figures where label like "
                                    "'%ngân sách%'").fetchone()[0]
    finally:
        connection.close()
    assert "TEMP B-TREE" not in plan
    assert len(rows) == budget > 0 and all("thu ngan sach" in fold_label(row[3]) for row in rows)
    keys = [tuple(value or "" for value in row[:3]) for row in rows]
    assert keys == sorted(keys)


def test_site_counts_stay_exact_through_inserts_deletes_and_moves(small_archive, tmp_path):
    """`status` reads each site's articles and runs from `site_counts` (schema m018), and a
    crawl's summary its meeting reports (m033), which the triggers keep equal to counting the
    rows, whatever changes them."""
    import shutil

    from archive.health import site_health
    from archive.schema import COUNTED_SITES

    db = tmp_path / "counts.db"
    shutil.copy(small_archive, db)
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("delete from officials")
        connection.execute("delete from figures")
        connection.execute("delete from meeting_reports")
        connection.execute("delete from articles where rowid % 7 = 0")
        connection.execute("update articles set is_meeting_report = 1 - is_meeting_report "
                           "where rowid % 3 = 0")  # classified again
        connection.execute("update articles set site = 'moved', is_meeting_report = 1 "
                           "where rowid % 5 = 0")
        connection.execute("update site_runs set site = null where id % 3 = 0")
        connection.execute("insert into site_runs (site, started_at, pages, errors, articles_new) "
                           "values ('new_site', 'x', 0, 0, 0)")
    kept = connection.execute("select site, articles, runs from site_counts "
                              "where articles or runs order by site").fetchall()
    counted = connection.execute(f"select * from ({COUNTED_SITES}) order by site").fetchall()
    # The meeting reports too (schema m033), for a crawl's summary.
    reports = connection.execute("select site, meeting_reports from site_counts "
                                 "where articles order by site").fetchall()
    reports_counted = connection.execute("select site, sum(is_meeting_report) from articles "
                                         "group by site order by site").fetchall()
    connection.close()
    assert kept == counted and ("moved",) in [(row[0],) for row in kept]
    assert reports == reports_counted and all(count for _, count in reports)
    report = {health.site: health for health in site_health(str(db))}
    assert report["new_site"].runs == 1
    assert {site: (health.articles, health.runs) for site, health in report.items()} == {
        row[0]: (row[1], row[2]) for row in counted if row[2]}


def test_parquet_keeps_dictionaries_for_repeated_values_only(small_archive, tmp_path):
    """Sites, languages and numbers get a dictionary; texts that mostly differ do not (the
    writer would hash each one, then give up); the file is compressed with zstd."""
    import pyarrow.parquet as pq

    from archive.export import export

    out = tmp_path / "articles.parquet"
    export(str(small_archive), str(out), table="articles")
    chunks = {column.path_in_schema: column
              for column in (pq.ParquetFile(out).metadata.row_group(0).column(i)
                             for i in range(pq.ParquetFile(out).metadata.num_columns))}
    dictionary = {name for name, column in chunks.items()
                  if column.dictionary_page_offset is not None}
    assert {"site", "language", "status"} <= dictionary
    assert not {"text", "canonical_url", "text_folded"} & dictionary
    assert {column.compression for column in chunks.values()} == {"ZSTD"}


def _table_search(db: Path, terms: str, extra: str = "") -> tuple[int, list[str], str]:
    """Datasette's articles table searched through its own client, as `vnarchive serve`
    configures it: the status, the rows' URLs and the page's description of the search."""
    import asyncio

    from datasette.app import Datasette

    from archive.metadata import DATASETTE_SETTINGS, datasette_metadata

    async def fetch():
        datasette = Datasette([str(db)], metadata=datasette_metadata(),
                              settings=DATASETTE_SETTINGS)
        response = await datasette.client.get(
            f"/vnarchive/articles.json?_search={terms}&_shape=objects&_size=max{extra}")
        page = await datasette.client.get(f"/vnarchive/articles?_search={terms}{extra}")
        return response, page

    response, page = asyncio.run(fetch())
    rows = response.json().get("rows", []) if response.status_code == 200 else []
    return response.status_code, [row["canonical_url"] for row in rows], page.text


@pytest.mark.timeout(300)
def test_the_table_search_box_keeps_the_newest_matches(small_archive, monkeypatch):
    """The articles table's `_search` matches as Datasette's own search does, among the
    TABLE_SEARCH_MATCHES matches archived last; sorted by date; the page says so and keeps the
    words in its box. Other tables and an empty box are Datasette's own."""
    import archive.browse

    matching = [row[0] for row in query(
        small_archive, "select a.canonical_url from articles_fts f join articles a on "
        "a.rowid = f.rowid where articles_fts match '\"dang\" \"bo\"' order by f.rowid desc")]
    status, every, page = _table_search(small_archive, "dang+bo")
    assert status == 200 and sorted(every) == sorted(matching)
    assert 'value="dang bo"' in page and "archived last" in page
    monkeypatch.setattr(archive.browse, "TABLE_SEARCH_MATCHES", 10)
    status, newest, _ = _table_search(small_archive, "dang+bo", "&_sort=canonical_url")
    assert status == 200 and newest == sorted(matching[:10])
    status, everything, _ = _table_search(small_archive, "")
    assert status == 200 and len(everything) == query(
        small_archive, "select count(*) from articles")[0][0]


def _filtered_ranked(db: Path, match: str, filters, newest: int) -> list[str]:
    """The plain query a filtered search must agree with: every match that the filters'
    own condition (archive/filters.py) keeps, the `newest` of them ranked by bm25."""
    from archive.filters import filter_sql, register_functions

    connection = sqlite3.connect(db)
    register_functions(connection)
    try:
        ids = [row[0] for row in connection.execute(
            "select a.rowid from articles_fts f join articles a on a.rowid = f.rowid left join "
            "meeting_reports m on m.canonical_url = a.canonical_url where articles_fts match "
            f":match and {filter_sql()} order by f.rowid desc",
            {**filters.parameters(), "match": match})][:newest]
    finally:
        connection.close()
    return _ranked_among(db, match, ids)


def _ranked_among(db: Path, match: str, ids: list[int]) -> list[str]:
    connection = sqlite3.connect(db)
    try:
        return [row[0] for row in connection.execute(
            "select a.canonical_url from articles_fts f join articles a on a.rowid = f.rowid "
            "where articles_fts match ? and f.rowid in (select value from json_each(?)) "
            "order by bm25(articles_fts), f.rowid limit 20", [match, json.dumps(ids)])]
    finally:
        connection.close()


@pytest.mark.timeout(300)
def test_filtered_search_matches_filtering_every_match(small_archive, monkeypatch):
    """Filters are read as rowid sets from the indexes, and place names are matched through
    the stored names that fold alike: the hits are those of filtering every match with the
    filters' own condition."""
    import archive.search
    from archive.filters import Filters, fts_expression
    from pipelines.vietnamese import fold_diacritics

    site, province = query(small_archive, "select a.site, m.province from meeting_reports m "
                           "join articles a using (canonical_url) group by 1, 2 "
                           "order by count(*) desc limit 1")[0]
    monkeypatch.setattr(archive.search, "RANKED_MATCHES", 15)
    for filters in (Filters(site=site), Filters(meeting_only=True),
                    Filters(province=fold_diacritics(province).lower()),
                    Filters(site=site, date_from="2016", date_to="2023"),
                    Filters(meeting_only=True, province=province)):
        for words in ("hội nghị", "thu ngân sách nhà nước"):
            match = fts_expression(words)
            hits, capped = archive.search.search_ranked(str(small_archive), words, filters)
            expected = _filtered_ranked(small_archive, match, filters, 15)
            assert [hit.canonical_url for hit in hits] == expected, (filters, words)
            assert capped == (_count_filtered(small_archive, match, filters) > 15)
            assert hits or words != "hội nghị"


def _count_filtered(db: Path, match: str, filters) -> int:
    from archive.filters import filter_sql, register_functions

    connection = sqlite3.connect(db)
    register_functions(connection)
    try:
        return connection.execute(
            "select count(*) from articles_fts f join articles a on a.rowid = f.rowid left join "
            "meeting_reports m on m.canonical_url = a.canonical_url where articles_fts match "
            f":match and {filter_sql()}", {**filters.parameters(), "match": match}).fetchone()[0]
    finally:
        connection.close()
