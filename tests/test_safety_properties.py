"""Issue 20's catalogue, generated: whatever a profile, a command line, a page's bytes or a text
holds, the work ends in a result or a one-line error within a time bound, and every file it
was not asked to write stays byte-identical.

Hypothesis draws the inputs (few examples per property, to keep the suite quick); a failure
prints the smallest input that breaks the property.
"""

from __future__ import annotations

import json
import string
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy import Request

from crawler.cdx import NotCdx, page_count, parse_cdx
from crawler.patterns import PatternError, UrlPattern
from crawler.profiles import KNOWN_KEYS, ProfileError, SiteProfile, load_profile_file, parse_profile
from pipelines.classify import classify
from pipelines.process import NotAnArticle, extract_page
from pipelines.urls import canonical_url, clean_url, fetchable_url
from tests.test_safety_files import make_archive, snapshot
from vnarchive.cli import main
from vnarchive.cli.options import CommandError
from vnarchive.cli.texts import plain_text

pytestmark = pytest.mark.timeout(300)
QUICK = settings(max_examples=25, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])


# profiles ------------------------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["http://127.0.0.1/", "file:///etc/passwd", "/tin/",
                                     "[::1]", "http://[::1]:80/", "a[[[", "(a+)+$"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
profile_data = st.dictionaries(st.sampled_from(sorted(KNOWN_KEYS) + ["extra_key"]), values,
                               max_size=len(KNOWN_KEYS))
base_profile = {"name": "gen_site", "title": "T", "kind": "portal",
                "start_urls": ["http://127.0.0.1/"], "allowed_domains": ["127.0.0.1"],
                "article_pattern": "/tin/"}


@QUICK
@given(changes=profile_data)
def test_any_profile_data_loads_or_is_one_error(changes):
    started = time.monotonic()
    try:
        profile = parse_profile({**base_profile, **changes}, Path("gen.toml"))
    except ProfileError as error:
        assert "\n" not in str(error) and "gen.toml" in str(error)
    else:
        assert isinstance(profile, SiteProfile)
        assert 0 <= profile.download_delay <= 3600
    assert time.monotonic() - started < 5


@QUICK
@given(data=st.binary(max_size=400) | st.text(max_size=300).map(str.encode))
def test_any_profile_file_loads_or_is_one_error(tmp_path, data):
    path = tmp_path / "gen.toml"
    path.write_bytes(data)
    try:
        load_profile_file(path)
    except ProfileError as error:
        assert "\n" not in str(error).strip() or "TOML" in str(error)
    assert path.read_bytes() == data


pattern_text = st.text(alphabet="a()+*?|[]^$.\\!=<:/-{}0123", max_size=16)


@QUICK
@given(pattern=pattern_text, url=st.text(alphabet="a/!.-:?=&" + string.digits, max_size=200))
def test_any_url_pattern_matches_in_bounded_time(pattern, url):
    started = time.monotonic()
    try:
        compiled = UrlPattern(pattern)
    except PatternError:
        pass
    else:
        compiled.search(url)
    assert time.monotonic() - started < 5


# command lines -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workplace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workplace")
    make_archive(folder / "a.db")
    (folder / "text.txt").write_text("Huyện ủy họp triển khai nhiệm vụ quý II/2024\nNội dung.")
    (folder / "bytes.txt").write_bytes(bytes(range(256)))
    (folder / "out").mkdir()
    return folder


words = st.sampled_from(["select * from articles", "select 1", "delete from articles",
                         "pragma writable_schema=1", "attach 'x.db' as x", "2024-01-01",
                         "garbage", "0", "-1", "1e9", "articles", "sites", "họp", "\x00",
                         "a.db", "../a.db", "text.txt", "bytes.txt", "missing.txt", ""]) \
    | st.text(max_size=12)
COMMANDS = {
    "query": (["query"], ["--format", "--max-rows"], ["--timeout", "2"]),
    "search": (["search"], ["--from", "--to", "--limit", "--site", "--format"], []),
    "export": (["export"], ["--format", "--table", "--where", "--force"], []),
    "status": (["status"], ["--runs", "--max-errors"], []),
    "classify": (["classify"], ["--title", "--published", "--site"], []),
}


@st.composite
def command_lines(draw) -> tuple[str, list[str]]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    start, options, fixed = COMMANDS[name]
    arguments = [*start, draw(words)]
    for option in draw(st.lists(st.sampled_from(options), max_size=3, unique=True)):
        arguments += [option] if option == "--force" else [option, draw(words)]
    return name, arguments + fixed


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=command_lines())
def test_any_command_line_ends_in_a_result_or_one_line(workplace, capsys, monkeypatch, command):
    name, arguments = command
    monkeypatch.chdir(workplace / "out")  # relative names land here, the only place to write
    for index, argument in enumerate(arguments):  # files are named from the workplace
        if argument in ("a.db", "text.txt", "bytes.txt", "missing.txt"):
            arguments[index] = str(workplace / argument)
    if name != "classify":
        arguments += ["--db", str(workplace / "a.db")]
    before = {k: v for k, v in snapshot(workplace).items() if not k.startswith("out/")}
    started = time.monotonic()
    try:
        code = main(arguments)
    except SystemExit as stop:  # a bad or missing argument
        code = stop.code
    elapsed = time.monotonic() - started
    errors = capsys.readouterr().err.strip().splitlines()
    assert code in (0, 1, 2, 4, 8), (arguments, code, errors)
    if code == 2:
        assert len([line for line in errors if "error" in line]) == 1, (arguments, errors)
    assert "Traceback" not in "\n".join(errors)
    assert elapsed < 15, arguments
    after = {k: v for k, v in snapshot(workplace).items() if not k.startswith("out/")}
    assert after == before, arguments


# page bytes and texts ------------------------------------------------------------------------
html_pieces = st.sampled_from([
    "<html>", "<body>", "<div>", "</div>", "<p>", "Huyện ủy họp ", "<b>", "<table><tr><td>",
    "<a href='/tin/1'>", "</a>", "<!--", "-->", "<?xml version='1.0'?>", "&amp;", "&#0;",
    "<div " + " ".join(f"a{n}=x" for n in range(1500)) + ">", "<script>", "</script>",
    "<meta charset='tcvn3'>", "\x00", "\ufeff", "<title>", "</title>", "<",
])
pages = st.one_of(st.binary(max_size=2000),
                  st.lists(html_pieces, max_size=60).map(lambda parts: "".join(parts).encode()),
                  st.lists(html_pieces, max_size=30).map(
                      lambda parts: "".join(parts).encode("utf-16")))


@QUICK
@given(body=pages)
def test_any_page_ends_in_fields_or_a_reason(body):
    started = time.monotonic()
    try:
        fields = extract_page(body, "http://127.0.0.1/tin/1", None)
    except NotAnArticle as reason:
        assert str(reason)
    else:
        assert fields["text"]
    assert time.monotonic() - started < 10


@QUICK
@given(title=st.text(max_size=1000), text=st.text(max_size=5000),
       published=st.none() | st.sampled_from(["2024-05-01", "2024-05-01T08:00:00+07:00"]))
def test_any_text_is_classified_in_bounded_time(title, text, published):
    started = time.monotonic()
    result = classify(title, text, published, None)
    assert 0 <= result.confidence <= 1
    assert time.monotonic() - started < 5


@QUICK
@given(data=st.binary(max_size=3000))
def test_any_input_bytes_are_text_or_one_line(data):
    try:
        text = plain_text(data, "input")
    except CommandError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(text, str)


# web archives' indexes and links -------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.sampled_from(["timestamp", "url", "original", "status", "offset", "length", "pages"])
        | st.text(max_size=5), inner, max_size=6), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(value=json_values, as_lines=st.booleans(), text=st.text(max_size=80))
@example(value=float("inf"), as_lines=False, text="")
@example(value={"pages": float("nan")}, as_lines=False, text="")
@example(value={"pages": 10**15}, as_lines=False, text="")
@example(value=[5, [1, 2]], as_lines=False, text="")
@example(value=[{"timestamp": "2024", "offset": float("inf")}], as_lines=True, text="")
def test_any_answer_of_a_web_archives_index_is_captures_or_not_cdx(value, as_lines, text):
    """What a CDX server (a Wayback, Common Crawl) answers is a page of captures or NotCdx,
    never another exception that would stop the backfill."""
    values = value if isinstance(value, list) else [value]
    for answer in (json.dumps(value), "\n".join(map(json.dumps, values)) if as_lines else text):
        for read in (parse_cdx, page_count):
            try:
                read(answer)
            except NotCdx:
                pass


def test_an_index_answer_nested_past_the_stack_is_not_cdx():
    """JSON nested deeper than Python's stack makes json.loads raise RecursionError, no
    ValueError: a hostile server's answer must still be NotCdx (or, as JSON lines, a line
    that is no capture), not a crash of the backfill."""
    rows = "[" * 100_000 + "]" * 100_000
    for read in (parse_cdx, page_count):
        with pytest.raises(NotCdx):
            read(rows)
    line = '{"pages": ' + rows + "}"
    with pytest.raises(NotCdx):
        page_count(line)
    assert parse_cdx(line).captures == [] and parse_cdx(line).unreadable == 1


@QUICK
@given(base=st.sampled_from(["http://a.vn/tin/", "", "https://[::1]/"]),
       link=st.text(alphabet=string.printable + "[]:@%ư", max_size=40))
def test_any_link_is_a_url_to_fetch_or_none(base, link):
    url = fetchable_url(base, link)
    if url is not None:
        Request(url)  # Scrapy takes it
        assert canonical_url(url) and clean_url(url)
