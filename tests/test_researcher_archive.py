"""The researcher's archive as a demanding user meets it: exports whose SQL is written by hand
(`--where`, `--query`), the JSON `query` prints, the filters of Datasette's saved queries
against those of the command line, the Atom feed of a province with no report yet, and CSV
for spreadsheets. Archives are filled by bench/fill_archive.py (no crawl); expected rows come
from plain SQL on the archive, never from the code under test."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import pyarrow
import pyarrow.parquet
import pytest
import yaml

from tests.conftest import run_vnarchive

pytestmark = pytest.mark.timeout(120)


def plain(db: Path, sql: str, parameters=()) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, parameters).fetchall()


def exported_urls(db: Path, *args: str) -> list[str]:
    result = run_vnarchive("export", "-", "--format", "jsonl", *args, "--db", str(db))
    assert result.returncode == 0, result.stderr
    return sorted(json.loads(line)["canonical_url"] for line in result.stdout.splitlines())


def a_province_and_two_sites(db: Path) -> tuple[str, str, str]:
    """A province with reports, a site with reports there, and a site with none there."""
    province, inside = plain(db, "select m.province, a.site from meeting_reports m join "
                                 "articles a using (canonical_url) group by 1, 2 "
                                 "order by count(*) desc limit 1")[0]
    outside = plain(db, "select site from articles where site not in (select a.site from "
                        "meeting_reports m join articles a using (canonical_url) where "
                        "m.province = ?) limit 1", [province])[0][0]
    return province, inside, outside


# Export: --where beside the filters, --where with --query ----------
def test_a_where_with_or_stays_one_condition_beside_the_filters(filled):
    """`--where "site = A or site = B" --province P` keeps the rows of A or B in P. The
    condition was pasted in unbracketed, so "A or (B and in P)" came out: every row of A."""
    province, inside, outside = a_province_and_two_sites(filled)
    expected = sorted(row[0] for row in plain(
        filled, "select a.canonical_url from articles a join meeting_reports m using "
                "(canonical_url) where a.site in (?, ?) and m.province = ?",
        [inside, outside, province]))
    assert expected  # the province's reports of `inside`
    got = exported_urls(filled, "--where", f"site = '{outside}' or site = '{inside}'",
                        "--province", province)
    assert got == expected


def test_a_comment_ending_the_where_does_not_drop_the_filters(filled):
    province, inside, _ = a_province_and_two_sites(filled)
    expected = sorted(row[0] for row in plain(
        filled, "select a.canonical_url from articles a join meeting_reports m using "
                "(canonical_url) where a.site = ? and m.province = ?", [inside, province]))
    got = exported_urls(filled, "--where", f"site = '{inside}' -- one site",
                        "--province", province)
    assert got == expected


def test_a_where_beside_a_query_is_refused_not_ignored(filled, tmp_path):
    """It was silently ignored: every row of the query was exported."""
    out = tmp_path / "q.csv"
    result = run_vnarchive("export", str(out), "--query", "select site from articles",
                           "--where", "site = 'testweb_lynhan'", "--db", str(filled))
    assert result.returncode == 2 and "--where" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


# Export: a hand-written query to Parquet ----------
MANY = ("with recursive n(i) as (select 1 union all select i + 1 from n where i < 12000) "
        "select i from n")


@pytest.mark.parametrize("ending", [";", " -- twelve thousand numbers", ";\n-- the end\n",
                                    " /* numbers */ ;; "])
def test_a_query_ending_in_a_semicolon_or_a_comment_exports_to_parquet(filled, tmp_path,
                                                                       ending):
    """Past one batch (5,000 rows) a Parquet export reads the query again inside another
    statement: a `;` or a `-- comment` at its end broke that statement ("incomplete input"),
    though CSV and the first batch were fine."""
    out = tmp_path / "n.parquet"
    result = run_vnarchive("export", str(out), "--query", MANY + ending, "--db", str(filled))
    assert result.returncode == 0, result.stderr
    assert pyarrow.parquet.read_table(out).column("i").to_pylist() == list(range(1, 12001))


def test_a_second_statement_after_the_query_is_still_refused(filled):
    result = run_vnarchive("export", "-", "--format", "csv", "--query", "select 1; select 2",
                           "--db", str(filled))
    assert result.returncode == 2 and "one statement" in result.stderr


# Query as JSON ----------
def test_query_as_json_is_strict_json_with_blobs_and_infinity(filled):
    """A blob (an FTS5 table's, or `cast(... as blob)`) ended `query --format json` in a
    traceback after a lone "[", and infinity came out as `Infinity`, which JSON refuses."""
    result = run_vnarchive("query", "--format", "json", "--db", str(filled),
                           "select cast('Hà' as blob) as raw, 1e999 as huge, title "
                           "from articles limit 2")
    assert result.returncode == 0, result.stderr

    def refuse(constant):
        raise ValueError(constant)

    rows = json.loads(result.stdout, parse_constant=refuse)
    titles = [row[0] for row in plain(filled, "select title from articles limit 2")]
    assert rows == [{"raw": "SMOg", "huge": None, "title": title} for title in titles]


# Datasette: the saved query's filters as the command line reads them; feeds ----------
@pytest.fixture(scope="module")
def served(filled):
    from tests.test_research import serving

    with serving(filled) as base:
        yield base + "/vnarchive"


def answer(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def found(served: str, **boxes: str) -> list[str]:
    status, body = answer(f"{served}/find_reports.json?_shape=array&{urlencode(boxes)}")
    assert status == 200, body
    return sorted(row["url"] for row in json.loads(body))


def report_urls(db: Path, condition: str, parameters=()) -> list[str]:
    return sorted(row[0] for row in plain(
        db, "select a.url from meeting_reports m join articles a using (canonical_url) "
            f"where {condition}", parameters))


def test_saved_query_dates_take_a_month_or_a_year_as_the_command_line_does(filled, served):
    """"2024-06" in the date boxes was compared as text: "until 2024-06" kept nothing of
    June, "until 2024" nothing of 2024."""
    year, month = plain(filled, "select substr(a.published, 1, 4), substr(a.published, 1, 7) "
                                "from meeting_reports m join articles a using (canonical_url) "
                                "group by 1 order by count(*) desc limit 1")[0]
    expected = report_urls(filled, "substr(a.published, 1, 7) >= ? and "
                                   "substr(a.published, 1, 4) <= ?", [month, year])
    assert expected
    assert found(served, date_from=month, date_to=year) == expected
    cli = exported_urls(filled, "--table", "reports", "--from", month, "--to", year)
    assert cli == sorted(row[0] for row in plain(
        filled, f"select canonical_url from articles where url in "
                f"({','.join('?' * len(expected))})", expected))


def test_saved_query_level_takes_the_english_names(filled, served):
    expected = report_urls(filled, "m.locality_level = 'huyện'")
    assert expected and found(served, level="district") == expected == found(served,
                                                                              level="huyen")


@pytest.mark.parametrize("boxes", [{"date_from": "01/06/2024"}, {"date_to": "yesterday"},
                                   {"organ": "party"}, {"period": "Q2/2024"}])
def test_saved_query_refuses_garbage_instead_of_a_silent_answer(served, boxes):
    """A day-first date kept every report, a wrong organ or period none, without a word."""
    status, body = answer(f"{served}/find_reports.json?{urlencode(boxes)}")
    assert status == 400 and not json.loads(body)["ok"]


def test_saved_query_search_of_punctuation_alone_finds_nothing(served):
    """It was an FTS5 syntax error, as `vnarchive search '"'` is not."""
    assert found(served, q='"') == []


def test_a_province_feed_with_no_report_is_an_empty_feed(served):
    """datasette-atom answered HTTP 500 (max() of no entries): a feed reader subscribed to a
    province before its first report, or with its name mistyped, saw the feed broken."""
    status, feed = answer(f"{served}/new_reports_of_a_province.atom?province=Atlantis")
    assert status == 200
    root = ElementTree.fromstring(feed)
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.tag == f"{atom}feed" and root.find(f"{atom}entry") is None
    assert root.findtext(f"{atom}title").startswith("New meeting reports of a province")


# CSV for spreadsheets ----------
def test_a_csv_for_spreadsheets_says_it_is_utf8(filled, tmp_path):
    """Excel reads a CSV without a byte-order mark in the machine's legacy code page:
    "Hội nghị" came out as "Há»™i nghá»‹". The plain CSV stays without one."""
    out, plain_out = tmp_path / "excel.csv", tmp_path / "plain.csv"
    for path, extra in ((out, ["--for-spreadsheets"]), (plain_out, [])):
        result = run_vnarchive("export", str(path), "--query", "select 'Hội nghị' as title",
                               *extra, "--db", str(filled))
        assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbftitle\r\n")
    assert out.read_text(encoding="utf-8-sig").splitlines() == ["title", "Hội nghị"]
    assert plain_out.read_bytes().startswith(b"title\r\n")
    piped = run_vnarchive("export", "-", "--format", "csv", "--for-spreadsheets", "--query",
                          "select 'Hội nghị' as title", "--db", str(filled))
    assert piped.stdout.startswith("\ufefftitle")


# Dates the filters cannot read ----------
@pytest.mark.parametrize("day", ["２０２４", "２０２４-06", "0000"])
def test_a_date_of_other_digits_or_year_zero_is_refused(filled, day):
    """Full-width digits were taken as a year and kept as text, which no date equals: an
    empty answer without a word. Year 0000 ended a search in a traceback."""
    for command in (["search", "hội"], ["export", "-", "--format", "csv"]):
        result = run_vnarchive(*command, "--from", day, "--db", str(filled))
        assert result.returncode == 2 and "--from" in result.stderr
        assert "Traceback" not in result.stderr


def test_the_last_month_of_year_9999_is_a_month():
    from archive.filters import Filters

    assert Filters(date_to="9999-12").date_to == "9999-12-31"


def test_the_articles_search_box_with_quotes_alone_finds_nothing(served):
    """`?_search="` was an FTS5 syntax error on the articles page."""
    for terms in ('"', '""'):
        status, body = answer(f"{served}/articles.json?{urlencode({'_search': terms})}")
        assert status == 200 and json.loads(body)["rows"] == []


# Files the commands write beside the archive ----------
def copy_of(db: Path, folder: Path) -> Path:
    copy = folder / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def test_status_never_writes_its_metrics_over_the_archive(filled, tmp_path):
    """`--prometheus` given the archive's own name renamed the metrics file onto it: the
    archive was gone, without a word (exit 0)."""
    db = copy_of(filled, tmp_path)
    articles = plain(db, "select count(*) from articles")
    result = run_vnarchive("status", "--max-age", "9999d", "--prometheus", str(db),
                           "--db", str(db))
    assert result.returncode == 2 and "archive" in result.stderr
    assert plain(db, "select count(*) from articles") == articles


def test_status_metrics_never_replace_a_link_to_a_device(filled, tmp_path):
    """The file was renamed onto the path: `--prometheus /dev/stdout`, run as root, replaced
    the system's /dev/stdout link with a regular file. A link to /dev/null stands in for it."""
    link = tmp_path / "metrics.prom"
    link.symlink_to("/dev/null")
    result = run_vnarchive("status", "--max-age", "9999d", "--prometheus", str(link),
                           "--db", str(filled))
    assert result.returncode == 2 and "regular file" in result.stderr
    assert link.is_symlink() and link.resolve() == Path("/dev/null")
    fresh = tmp_path / "vnarchive.prom"  # the textfile itself is written, and written again
    for _ in range(2):
        again = run_vnarchive("status", "--max-age", "9999d", "--prometheus", str(fresh),
                              "--db", str(filled))
        assert again.returncode == 0, again.stderr
    assert "vnarchive_site_healthy{" in fresh.read_text()


@pytest.mark.timeout(60)
def test_an_output_that_is_a_named_pipe_is_refused_not_waited_on(filled, tmp_path):
    """Its first bytes were read to tell an SQLite database, and opening a pipe to read
    waits for a writer: `export` and `status --prometheus` hung for ever."""
    pipe = tmp_path / "out.csv"
    os.mkfifo(pipe)
    for command in (["export", str(pipe)], ["serve", "--write-metadata", str(pipe)],
                    ["status", "--max-age", "9999d", "--prometheus", str(pipe)]):
        result = run_vnarchive(*command, "--db", str(filled))
        assert result.returncode == 2 and "not a regular file" in result.stderr


def test_serve_never_writes_its_metadata_over_the_archive(filled, tmp_path):
    """`serve --write-metadata` wrote its JSON over whatever it was given, the archive too."""
    db = copy_of(filled, tmp_path)
    articles = plain(db, "select count(*) from articles")
    result = run_vnarchive("serve", "--write-metadata", str(db), "--db", str(db))
    assert result.returncode == 2 and "archive" in result.stderr
    assert plain(db, "select count(*) from articles") == articles
    metadata = tmp_path / "metadata.json"
    for _ in range(2):  # written, then written again
        again = run_vnarchive("serve", "--write-metadata", str(metadata), "--db", str(db))
        assert again.returncode == 0, again.stderr
    assert "find_reports" in json.loads(metadata.read_text())["databases"]["vnarchive"][
        "queries"]


# Search: how many results, of how many ----------
def test_search_says_how_many_articles_matched_beyond_those_shown(filled):
    """"20 results" was all it said when hundreds of articles matched: read as the count."""
    matched = plain(filled, "select count(*) from articles_fts where articles_fts match "
                            "'\"hoi\"'")[0][0]
    assert 3 < matched <= 5000
    result = run_vnarchive("search", "hội", "--limit", "3", "--db", str(filled))
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("3 results") and f"of {matched:,} matches" in last
    everything = run_vnarchive("search", "hội", "--limit", str(matched), "--db", str(filled))
    assert everything.stdout.strip().splitlines()[-1] == f"{matched} results"


# Query as a table ----------
def test_a_table_row_stays_on_one_line_whatever_its_text(filled):
    """A line break in a value was printed as it is: the rest of the row looked like a row
    of its own (an article's text has one between paragraphs)."""
    result = run_vnarchive("query", "--db", str(filled),
                           "select 'Hội nghị' || char(10) || 'Ngày 7/10' as text, 1 as n "
                           "union all select 'a' || char(13) || char(10) || 'b', 2 "
                           "union all select 'c' || char(9) || 'd', 3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 + 3  # the header, its rule, three rows
    assert [line.split()[-1] for line in lines[2:]] == ["1", "2", "3"]
    assert "Hội nghị" in lines[2] and "Ngày 7/10" in lines[2]


# A site the archive never crawled ----------
def test_a_site_the_archive_never_crawled_is_refused_naming_its_sites(filled, tmp_path):
    """A typo in --site gave "0 results" and an empty export, read as a site with nothing to
    say; now one line names the sites the archive has."""
    site = plain(filled, "select site from articles group by site order by count(*) desc")[0][0]
    typo = site[:-1]
    for command in (["search", ""], ["export", str(tmp_path / "out.csv")]):
        result = run_vnarchive(*command, "--site", typo, "--db", str(filled))
        assert result.returncode == 2 and "--site" in result.stderr and site in result.stderr
    assert not (tmp_path / "out.csv").exists()
    kept = exported_urls(filled, "--site", site)
    assert kept == sorted(row[0] for row in plain(
        filled, "select canonical_url from articles where site = ?", [site]))


def test_a_reader_that_pauses_does_not_use_up_the_query_timeout(filled):
    """`vnarchive query ... | less`: the time the reader took (a person paging) counted
    against --timeout, and the output ended after it with "stopped after 30 s", though the
    query itself took milliseconds."""
    rows = 40_000
    sql = (f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows}) "
           "select i, 'hội nghị thường kỳ' as words from n")
    reader = subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "query", "--timeout", "1", "--format", "csv", sql,
         "--db", str(filled)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)  # the pipe fills, and the command waits for its reader
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert reader.returncode == 0, err
    assert len(out.splitlines()) == rows + 1


# Status ----------
def test_status_refuses_an_age_too_long_for_a_duration(filled):
    """Past 999,999,999 days the age overflowed: a traceback instead of one line."""
    result = run_vnarchive("status", "--max-age", "9999999999999d", "--db", str(filled))
    assert result.returncode == 2 and "--max-age" in result.stderr
    assert "Traceback" not in result.stderr


# The dataset card beside a Parquet file ----------
def front_matter(card: Path) -> dict:
    text = card.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


@pytest.mark.parametrize("table", ["reports", "articles"])
def test_the_dataset_card_is_yaml_describing_the_file(filled, tmp_path, table):
    """List columns were written `dtype: list<item: struct<name: string, ...>>`, and the
    file's name bare: ": " in either is not YAML, so the card of every reports or articles
    export was refused by YAML readers (the Hugging Face Hub among them)."""
    out = tmp_path / f"báo cáo: {table} #1.parquet"
    result = run_vnarchive("export", str(out), "--table", table, "--db", str(filled))
    assert result.returncode == 0, result.stderr
    card = front_matter(tmp_path / "README.md")
    assert card["configs"][0]["data_files"] == out.name
    assert card["pretty_name"].endswith(out.stem)
    schema = pyarrow.parquet.read_schema(out)
    features = {feature["name"]: feature for feature in card["dataset_info"]["features"]}
    assert list(features) == schema.names
    for field in schema:
        if isinstance(field.type, pyarrow.ListType):
            item = field.type.value_type
            expected = ([item.field(i).name for i in range(item.num_fields)]
                        if isinstance(item, pyarrow.StructType) else None)
            listed = features[field.name]["list"]
            assert ([sub["name"] for sub in listed] if expected else listed) == (
                expected or "string")
        else:
            assert isinstance(features[field.name]["dtype"], str)


def test_latest_reports_of_a_district_are_the_districts_with_their_province(filled, served):
    """A province's own reports have its name as their locality, so the saved query for
    "a district" of that name gave the province's reports too; and no province was shown,
    so districts of one name in several provinces (Châu Thành) read as one."""
    name = plain(filled, "select locality from meeting_reports where locality_level = 'tỉnh' "
                         "limit 1")[0][0]
    status, body = answer(f"{served}/latest_reports_of_a_district.json?_shape=array&"
                          f"{urlencode({'district': name})}")
    assert status == 200, body
    got = json.loads(body)
    expected = plain(filled, "select a.url, m.province from meeting_reports m join articles a "
                             "using (canonical_url) where m.locality = ? and "
                             "m.locality_level = 'huyện'", [name])
    assert sorted((row["url"], row["province"]) for row in got) == sorted(expected)


def test_the_last_possible_day_keeps_every_dated_article(filled, tmp_path):
    """In an archive where some `published` is not a day (an older version's), the dates
    are asked as a range of the index, whose end was date(:to, '+1 day'): NULL for
    9999-12-31, so `--to 9999` kept nothing."""
    db = copy_of(filled, tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute("update articles set published = 'Thứ hai, 01/05/2024' "
                           "where rowid = (select min(rowid) from articles)")
    expected = plain(db, "select count(*) from articles_fts f join articles a on "
                         "a.rowid = f.rowid where articles_fts match '\"hoi\"' and "
                         "substr(a.published, 1, 10) <= '9999-12-31'")[0][0]
    assert expected
    result = run_vnarchive("search", "hội", "--to", "9999", "--limit", "5000", "--format",
                           "json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == expected


def copied(names: list[str], keys: tuple[str, ...], copy: int) -> str:
    """The columns of a row copied under other keys."""
    return ", ".join(f"{name} || '#{copy}'" if name in keys else name for name in names)


def test_find_reports_says_when_its_answer_is_cut(filled, tmp_path):
    """It ended in its own "limit 1000": past that, Datasette answered 1,000 rows as if they
    were all; now Datasette's own cap applies and the answer says it was cut."""
    db = copy_of(filled, tmp_path)
    with sqlite3.connect(db) as connection:  # each report forty times, under other URLs
        articles = [row[1] for row in connection.execute("pragma table_info(articles)")]
        reports = [row[1] for row in connection.execute("pragma table_info(meeting_reports)")]
        for copy in range(40):
            connection.execute(
                f"insert into articles ({', '.join(articles)}) select "
                f"{copied(articles, ('canonical_url', 'url'), copy)} from articles "
                "where is_meeting_report = 1 and canonical_url not like '%#%'")
            connection.execute(
                f"insert into meeting_reports ({', '.join(reports)}) select "
                f"{copied(reports, ('canonical_url',), copy)} from meeting_reports "
                "where canonical_url not like '%#%'")
    assert plain(db, "select count(*) from reports")[0][0] > 1000
    from tests.test_research import serving

    with serving(db) as base:
        status, body = answer(f"{base}/vnarchive/find_reports.json")
    assert status == 200 and json.loads(body)["truncated"] is True


# Provinces after the 1 July 2025 merger ----------
def test_a_province_that_took_in_others_says_what_it_leaves_out(filled, tmp_path):
    """--province keeps the province as it was then: "Ninh Bình" gave no report of Hà Nam or
    Nam Định, now Ninh Bình, without a word. The answer stays; a note names them."""
    merged, today = plain(filled, "select province, province_2025 from meeting_reports "
                                  "where province <> province_2025 limit 1")[0]
    for command in (["search", ""], ["export", str(tmp_path / "r.csv"), "--table", "reports"]):
        result = run_vnarchive(*command, "--province", today, "--db", str(filled))
        assert result.returncode == 0, result.stderr
        note = [line for line in result.stderr.splitlines() if line.startswith("note:")]
        assert len(note) == 1 and merged in note[0] and "province_2025" in note[0]
    kept = exported_urls(filled, "--table", "reports", "--province", today)
    assert kept == sorted(row[0] for row in plain(
        filled, "select canonical_url from meeting_reports where province = ?", [today]))
    quiet = run_vnarchive("search", "", "--province", merged, "--db", str(filled))
    assert "note:" not in quiet.stderr  # a province merged away takes in nothing
