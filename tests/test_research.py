"""The researcher's archive: filters without SQL (search, export, Datasette), reports on one
row (the views), typed exports with datasheets and dataset cards, and Datasette's saved
queries, dashboard, feed and fixed database name. Expected counts come from the hand labels
of the test web (testweb/labels.csv), never from the code under test."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pyarrow.parquet
import pytest

from archive.filters import FilterError, Filters, fts_expression, period_within, place_key
from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from tests.test_archive import fetch, free_port
from testweb.content import load_labels
from vnarchive.cli.research import off_loopback_warning


def reports_labelled(**wanted) -> set[str]:
    """Ids of hand-labelled meeting reports whose labels have these values."""
    return {label["id"] for label in load_labels().values()
            if label["is_meeting_report"] == "1"
            and all(label[key] == value for key, value in wanted.items())}


# Filters, pure ----------
@pytest.mark.parametrize(("period", "outer", "inside"), [
    ("2024-05", "2024-Q2", True), ("2024-Q2", "2024-Q2", True), ("2024-Q2", "2024-H1", True),
    ("2024-Q3", "2024-H1", False), ("2024-H2", "2024", True), ("2024-07", "2024-06", False),
    ("2023-Q2", "2024", False), ("2024", "2024-Q2", False), (None, "2024", False),
])
def test_a_period_lies_inside_another(period, outer, inside):
    assert period_within(period, outer) is inside


def test_place_names_fold_with_or_without_their_unit():
    assert place_key("Bac Kan") == place_key("Bắc Kạn") == place_key("tỉnh Bắc Kạn")
    assert place_key("huyện Lý Nhân") == place_key("Ly Nhan") != place_key("Lý Sơn")


@pytest.mark.parametrize(("query", "expression"), [
    ('"đảng bộ huyện"', '"dang bo huyen"'),
    ("Chợ Đồn OR Bạch Thông", '"cho" "don" OR "bach" "thong"'),
    ("trien*", '"trien"*'),
    ("hội nghị NOT tập huấn", '"hoi" "nghi" NOT "tap" "huan"'),
    ("OR quý II OR", '"quy" "ii"'),  # a dangling operator is dropped, not an FTS5 error
    ('kinh-tế "unclosed', '"kinh te" "unclosed"'),  # joined words stay together
])
def test_search_box_syntax_becomes_a_folded_fts5_expression(query, expression):
    assert fts_expression(query) == expression


@pytest.mark.parametrize(("options", "complaint"), [
    ({"period": "2024-13"}, "--period"), ({"period": "Q2/2024"}, "--period"),
    ({"date_from": "2024-02-30"}, "--from"), ({"date_to": "yesterday"}, "--to"),
    ({"organ": "party"}, "--organ"), ({"level": "village"}, "--level"),
    ({"date_from": "2024-06", "date_to": "2024-05"}, "after"),
])
def test_garbage_filters_are_refused_naming_the_option(options, complaint):
    with pytest.raises(FilterError, match=complaint):
        Filters(**options)


def test_months_and_years_are_whole_ranges():
    filters = Filters(date_from="2024-02", date_to="2024-02", level="district")
    assert (filters.date_from, filters.date_to, filters.level) == ("2024-02-01", "2024-02-29",
                                                                   "huyện")


# search ----------
def search_urls(db, *args: str) -> list[dict]:
    result = run_vnarchive("search", *args, "--db", str(db), "--limit", "1000",
                           "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_empty_query_with_folded_filters_lists_the_reports(crawled_archive):
    expected = reports_labelled(province="Bắc Kạn")
    for spelling in ("Bắc Kạn", "Bac Kan", "bac kan"):
        hits = search_urls(crawled_archive.db, "", "--province", spelling, "--meeting-only")
        assert len(hits) == len(expected) and {h["province"] for h in hits} == {"Bắc Kạn"}
    quarter = search_urls(crawled_archive.db, "", "--period", "2024-Q2", "--meeting-only")
    expected_q2 = {label["id"] for label in load_labels().values()
                   if label["is_meeting_report"] == "1"
                   and label["period_deployed"] in {"2024-Q2", "2024-04", "2024-05", "2024-06"}}
    assert len(quarter) == len(expected_q2)
    district = search_urls(crawled_archive.db, "", "--district", "Ly Nhan")
    assert len(district) == len(reports_labelled(locality="Lý Nhân", locality_level="huyện"))
    organs = search_urls(crawled_archive.db, "", "--organ", "people_council", "--level", "huyen")
    assert len(organs) == len(reports_labelled(organ="people_council", locality_level="huyện"))
    dated = search_urls(crawled_archive.db, "", "--from", "2024-04", "--to", "2024-04")
    assert dated and all(hit["published"].startswith("2024-04") for hit in dated)


def test_a_quoted_phrase_is_a_phrase_and_or_widens(crawled_archive):
    phrase = search_urls(crawled_archive.db, '"dang bo huyen"')
    words = search_urls(crawled_archive.db, "dang bo huyen")
    assert 0 < len(phrase) < len(words)
    texts = dict(query(crawled_archive.db, "select canonical_url, title_folded || ' ' || "
                       "text_folded from articles"))
    assert all("dang bo huyen" in " ".join(texts[hit["canonical_url"]].split())
               for hit in phrase)
    either = search_urls(crawled_archive.db, '"Chợ Đồn" OR "Bạch Thông"')
    assert len(either) == len({hit["canonical_url"] for hit in
                               search_urls(crawled_archive.db, '"cho don"')
                               + search_urls(crawled_archive.db, '"bach thong"')})


def test_garbage_on_the_command_line_is_one_line(crawled_archive):
    result = run_vnarchive("search", "", "--period", "2024-Q5", "--db", str(crawled_archive.db))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--period" in result.stderr


# Views ----------
def test_reports_put_a_report_on_one_row(crawled_archive):
    db = crawled_archive.db
    assert query(db, "select count(*) from reports") == query(
        db, "select count(*) from meeting_reports")
    assert query(db, "select count(*) from report_figures") == query(
        db, "select count(*) from figures")
    for url, officials, figures, title in query(
            db, "select canonical_url, officials, figures, title from reports"):
        assert json.loads(officials) == [{"name": n, "title": t} for n, t in query(
            db, "select name, title from officials where canonical_url = ? order by id", (url,))]
        assert len(json.loads(figures)) == query(
            db, "select count(*) from figures where canonical_url = ?", (url,))[0][0]
        assert title


# Exports ----------
def export(db, *args: str) -> subprocess.CompletedProcess:
    return run_vnarchive("export", *args, "--db", str(db))


def test_parquet_is_typed_and_carries_a_card(crawled_archive, tmp_path):
    out = tmp_path / "reports.parquet"
    result = export(crawled_archive.db, str(out), "--table", "reports")  # no --format
    assert result.returncode == 0, result.stderr
    table = pyarrow.parquet.read_table(out)
    types = {field.name: str(field.type) for field in table.schema}
    assert types["published"].startswith("timestamp") and "+07:00" in types["published"]
    assert types["meeting_date"] == "date32[day]" and types["is_meeting_report"] == "bool"
    assert types["officials"] == "list<element: struct<name: string, title: string>>"
    assert "struct<label: string, value: double, total: int64" in types["figures"]
    row = table.to_pylist()[0]
    assert row["published"].utcoffset() is not None and isinstance(row["figures"], list)
    articles = tmp_path / "articles.parquet"
    assert export(crawled_archive.db, str(articles)).returncode == 0
    article_types = {f.name: str(f.type) for f in pyarrow.parquet.read_table(articles).schema}
    assert article_types["fetched_at"] == "timestamp[ms, tz=UTC]"
    assert article_types["photo_credits"] == "list<element: string>"
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and 'data_files: "reports.parquet"' in card
    assert 'dtype: "date32"' in card and "load_dataset" in card
    assert (tmp_path / "articles.README.md").exists()  # the folder's README.md is kept


def test_an_articles_export_leaves_out_the_working_copies_unless_asked(crawled_archive,
                                                                        tmp_path):
    """The folded title and text and the story signature are the archive's own copies for
    search and stories: a table export leaves them out, says so, and --all-columns keeps them."""
    thin, whole = tmp_path / "thin.parquet", tmp_path / "whole.parquet"
    assert export(crawled_archive.db, str(thin)).returncode == 0
    assert export(crawled_archive.db, str(whole), "--all-columns").returncode == 0
    working = {"title_folded", "text_folded", "story_signature"}
    thin_names = set(pyarrow.parquet.read_schema(thin).names)
    whole_names = set(pyarrow.parquet.read_schema(whole).names)
    assert not working & thin_names and working <= whole_names
    assert whole_names - thin_names == working and {"text", "warc_offset"} <= thin_names
    assert pyarrow.parquet.read_metadata(thin).num_rows == \
        pyarrow.parquet.read_metadata(whole).num_rows > 0
    datasheet = (tmp_path / "thin.parquet.datasheet.md").read_text(encoding="utf-8")
    assert "without title_folded, text_folded, story_signature" in datasheet
    assert "--all-columns" in datasheet


def test_jsonl_has_real_arrays_and_the_datasheet_only_exported_sources(crawled_archive,
                                                                        tmp_path):
    out = tmp_path / "backan.jsonl"
    result = export(crawled_archive.db, str(out), "--table", "reports", "--province", "Bac Kan")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(reports_labelled(province="Bắc Kạn"))
    assert all(isinstance(row["officials"], list) and row["is_meeting_report"] is True
               for row in rows)
    datasheet = (tmp_path / "backan.jsonl.datasheet.md").read_text(encoding="utf-8")
    sites = Counter(row["site"] for row in rows)
    for site, count in sites.items():
        assert f"| {site} |" in datasheet and f"| {count} |" in datasheet
    assert "testweb_thanhhoa" not in datasheet  # a site with no row in the export
    assert "| officials | list of {name: text, title: text} |" in datasheet


def test_a_query_export_has_types_descriptions_and_traced_sources(crawled_archive, tmp_path):
    out = tmp_path / "q.parquet"
    result = export(crawled_archive.db, str(out), "--query",
                    "select canonical_url, province, count(*) over () as n from reports "
                    "where province = 'Hà Nam'")
    assert result.returncode == 0, result.stderr
    datasheet = (tmp_path / "q.parquet.datasheet.md").read_text(encoding="utf-8")
    assert "| province | text | Province as it was then |" in datasheet
    assert "| n | integer | computed by the query |" in datasheet
    assert "testweb_lynhan" in datasheet and "testweb_backan" not in datasheet


def test_stdout_duplicates_and_unknown_extensions(crawled_archive, tmp_path):
    result = export(crawled_archive.db, "-", "--format", "csv", "--table", "reports",
                    "--district", "Lý Nhân")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(reports_labelled(locality="Lý Nhân", locality_level="huyện"))
    assert not (PROJECT_ROOT / "-").exists()
    twice = export(crawled_archive.db, str(tmp_path / "d.parquet"), "--query",
                   "select a.canonical_url, m.canonical_url from articles a "
                   "join meeting_reports m using (canonical_url)")
    assert twice.returncode == 2 and twice.stderr.count("\n") == 1
    assert "canonical_url" in twice.stderr and not (tmp_path / "d.parquet").exists()
    unknown = export(crawled_archive.db, str(tmp_path / "x.txt"))
    assert unknown.returncode == 2 and "extension" not in unknown.stdout
    assert export(crawled_archive.db, "-", "--format", "parquet").returncode == 2
    filtered_query = export(crawled_archive.db, "-", "--format", "csv", "--query", "select 1",
                            "--province", "Bac Kan")
    assert filtered_query.returncode == 2 and "--table" in filtered_query.stderr


def test_a_csv_for_spreadsheets_shows_formulas_as_text(crawled_archive, tmp_path):
    """A text a site wrote as a formula (=HYPERLINK(...)) would run when the CSV is opened in a
    spreadsheet; with --for-spreadsheets it gets an apostrophe, numbers stay numbers, and the
    datasheet says so. Without the flag, and in JSON Lines, values are as archived."""
    query = ("select '=HYPERLINK(\"http://example.com\",\"Xem\")' as title, -5 as n, "
             "'-5' as text_number, '@SUM(A1)' as at, '+84 912' as phone, 'Hội nghị' as plain, "
             "title as archived from articles limit 1")
    out = tmp_path / "safe.csv"
    assert export(crawled_archive.db, str(out), "--query", query,
                  "--for-spreadsheets").returncode == 0
    row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert row["title"] == '\'=HYPERLINK("http://example.com","Xem")' and row["n"] == "-5"
    assert (row["text_number"], row["at"], row["phone"]) == ("'-5", "'@SUM(A1)", "'+84 912")
    assert row["plain"] == "Hội nghị" and not row["archived"].startswith("'")
    assert "--for-spreadsheets" in (tmp_path / "safe.csv.datasheet.md").read_text("utf-8")
    raw = export(crawled_archive.db, "-", "--format", "csv", "--query", query)
    assert next(csv.DictReader(io.StringIO(raw.stdout)))["title"].startswith("=HYPERLINK")
    refused = export(crawled_archive.db, str(tmp_path / "x.parquet"), "--query", query,
                     "--for-spreadsheets")
    assert refused.returncode == 2 and "CSV" in refused.stderr


# Datasette ----------
@contextmanager
def serving(db) -> Iterator[str]:
    """`vnarchive serve` on `db` on a free loopback port, until the block ends."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "vnarchive", "serve", "--port", str(port),
                               "--db", str(db)], cwd=PROJECT_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                fetch(base + "/vnarchive.json")
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def served(crawled_archive, tmp_path_factory):
    """The archive served under another file name."""
    db = tmp_path_factory.mktemp("served") / "some-other-name.db"
    shutil.copy(crawled_archive.db, db)
    with serving(db) as base:
        yield base


def rows(url: str) -> list[dict]:
    return json.loads(fetch(url + ("&" if "?" in url else "?") + "_shape=array")[1])


@pytest.mark.timeout(120)
def test_saved_queries_fold_and_filter_like_the_command_line(served, crawled_archive):
    district = rows(f"{served}/vnarchive/latest_reports_of_a_district.json?district=Ly+Nhan")
    assert len(district) == len(reports_labelled(locality="Lý Nhân", locality_level="huyện"))
    empty = "&".join(f"{name}=" for name in ("site", "district", "commune", "organ", "level",
                                              "date_from", "date_to", "q"))
    found = rows(f"{served}/vnarchive/find_reports.json?province=bac+kan&period=2024&{empty}")
    cli = search_urls(crawled_archive.db, "", "--province", "bac kan", "--period", "2024")
    assert {r["url"] for r in found} and len(found) == len(cli)
    phrase = rows(f"{served}/vnarchive/find_reports.json?province=&period=&"
                  + empty.replace("q=", "q=" + quote('"dang bo huyen"')))
    cli_phrase = search_urls(crawled_archive.db, '"dang bo huyen"', "--meeting-only")
    assert len(phrase) == len(cli_phrase) > 0
    revenue = rows(f"{served}/vnarchive/figures_reported_for_budget_revenue.json")
    assert revenue and all("ngân sách" in row["label"].lower() for row in revenue)


@pytest.mark.timeout(120)
def test_home_dashboard_feed_and_labels(served):
    status, home = fetch(served + "/")
    assert status == 200 and "/-/dashboards/researcher" in home
    assert home.index(">reports<") < home.index(">articles<") and "story_bands" not in home
    status, dashboard = fetch(served + "/-/dashboards/researcher?province=&label=&unit=")
    assert status == 200 and "reports-by-province-and-quarter" in dashboard
    status, feed = fetch(served + "/vnarchive/new_reports_of_a_province.atom?province=Bac+Kan")
    entries = feed.count("<entry>")
    assert status == 200 and entries == len(reports_labelled(province="Bắc Kạn"))
    labelled = rows(served + "/vnarchive/meeting_reports.json?_labels=on&_size=1")
    assert labelled[0]["canonical_url"]["label"]  # the article's title, not its URL
    hidden = json.loads(fetch(served + "/vnarchive.json")[1])["tables"]
    assert {t["name"] for t in hidden if t["hidden"]} >= {"story_bands", "_sqlite_migrations"}


def test_write_metadata_for_a_plain_datasette_run(tmp_path):
    out = tmp_path / "metadata.json"
    result = run_vnarchive("serve", "--write-metadata", str(out))
    assert result.returncode == 0 and "datasette serve" in result.stdout
    metadata = json.loads(out.read_text(encoding="utf-8"))
    assert "find_reports" in metadata["databases"]["vnarchive"]["queries"]
    assert "researcher" in metadata["plugins"]["datasette-dashboards"]


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("localhost", False),
                                              ("::1", False), ("0.0.0.0", True),
                                              ("192.168.1.5", True)])
def test_serving_off_loopback_warns(host, warned):
    assert bool(off_loopback_warning(host)) is warned


# Figure labels and officials' titles ----------
def test_figure_labels_name_what_was_counted():
    from pipelines.meetings import find_figures

    text = ("Thu ngân sách nhà nước trên địa bàn đạt 11.540 tỷ đồng, bằng 52% dự toán; "
            "toàn huyện trồng mới được 1.200 ha rừng, có thêm 2 xã đạt chuẩn nông thôn mới.")
    labels = [(figure["text"], figure["label"]) for figure in find_figures(text)]
    assert labels == [("11.540 tỷ đồng", "Thu ngân sách nhà nước trên địa bàn"),
                      ("52%", "Thu ngân sách nhà nước trên địa bàn"),
                      ("1.200 ha", "trồng mới"), ("2 xã", "đạt chuẩn nông thôn mới")]


def test_officials_titles_stop_at_the_title():
    from pipelines.meetings import find_officials

    text = ("Đồng chí Nguyễn Văn An, Phó Chủ tịch UBND tỉnh trình bày cho thấy, 6 tháng đầu "
            "năm kinh tế phục hồi. Dự có đồng chí Lê Văn Bình, Phó Bí thư Huyện ủy, Chủ tịch "
            "UBND huyện, các đồng chí Ủy viên Ban Chấp hành Đảng bộ huyện.")
    assert find_officials(text) == [
        {"name": "Nguyễn Văn An", "title": "Phó Chủ tịch UBND tỉnh"},
        {"name": "Lê Văn Bình", "title": "Phó Bí thư Huyện ủy, Chủ tịch UBND huyện"}]


def test_figure_labels_meet_their_floor_on_the_hand_labels():
    from bench.eval_figures import FLOOR, HELD_OUT, evaluate, load_rows, share_right

    tuning, second = evaluate(load_rows()), evaluate(load_rows(HELD_OUT))
    assert (len(tuning["synthetic"]), len(second["synthetic"])) == (80, 33)
    assert share_right(tuning["synthetic"] + second["synthetic"]) >= FLOOR
    every = [pair for results in (tuning, second) for pairs in results.values()
             for pair in pairs]
    if tuning["real"]:  # shared/real-texts is beside the clone
        assert len(every) == 156 and share_right(every) >= FLOOR
