"""Filters a researcher gives without SQL: province, district or commune, organ, level,
period, dates, site, meeting reports only. One SQL condition serves `vnarchive search`,
`vnarchive export` and Datasette's `find_reports` query, so the three agree.

The condition (`filter_sql`) reads unqualified columns that exist once in `articles`
left-joined with `meeting_reports` and in the `reports` view (site, published,
is_meeting_report, province, locality, locality_level, organ, period_deployed), and calls SQL
functions that `register_functions` adds to a connection (Datasette gets them from
archive/browse): `vnarchive_place` folds a place name ("Bac Kan", "tỉnh Bắc Kạn" and "Bắc Kạn"
meet), `vnarchive_period_within` tells whether a period lies inside another, and
`vnarchive_fts` turns a search box query into the folded FTS5 expression.
"""

from __future__ import annotations

import re
import sqlite3
from calendar import monthrange
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache

from pipelines.periods import period_months
from pipelines.vietnamese import fold_diacritics

ORGANS = ("party_committee", "people_committee", "people_council", "front", "other")
# Level names a researcher may type, folded, to the archive's own.
LEVELS = {"tinh": "tỉnh", "province": "tỉnh", "huyen": "huyện", "district": "huyện",
          "xa": "xã", "commune": "xã"}
UNIT_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp\.?|huyen|quan|thi xa|xa|phuong|thi tran)\s+")
# A dash before a word or a phrase leaves out the articles holding it, as in web searches.
FTS_TOKEN = re.compile(r'(?P<minus>-(?=["\w]))?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"()]+))')
FTS_OPERATORS = {"OR", "AND", "NOT"}

# Each filter's condition, by the name of its parameter; an empty parameter keeps every row.
# `vnarchive_filter` reads a value as the command line's options do (Filters), for the boxes
# of Datasette's saved query: there "2024-06" in "date_to" compared as text kept nothing of
# June, "01/06/2024" kept every row, and "district" as a level none; now they mean what they
# mean on the command line, and garbage is an error, not a silent answer.
FILTER_CONDITIONS = {
    "site": "site = :site",
    "province": "vnarchive_place(province) = vnarchive_place(:province)",
    "district": "locality_level = 'huyện' and vnarchive_place(locality) = "
                "vnarchive_place(:district)",
    "commune": "locality_level = 'xã' and vnarchive_place(locality) = vnarchive_place(:commune)",
    "organ": "organ = vnarchive_filter('organ', :organ)",
    "level": "vnarchive_place(locality_level) = "
             "vnarchive_place(vnarchive_filter('level', :level))",
    "period": "vnarchive_period_within(period_deployed, vnarchive_filter('period', :period))",
    "date_from": "substr(published, 1, 10) >= vnarchive_filter('date_from', :date_from)",
    "date_to": "substr(published, 1, 10) <= vnarchive_filter('date_to', :date_to)",
    "meeting_only": "is_meeting_report = 1",
}


def filter_sql(exclude: tuple[str, ...] = ()) -> str:
    """The filters as one SQL condition with named parameters ('' or NULL: no filter)."""
    return " and ".join(f"(coalesce(:{name}, '') in ('', 0, '0') or ({condition}))"
                        for name, condition in FILTER_CONDITIONS.items() if name not in exclude)


class FilterError(ValueError):
    """A filter's value cannot be understood; the message says which and why."""


@dataclass
class Filters:
    site: str | None = None
    province: str | None = None
    district: str | None = None
    commune: str | None = None
    organ: str | None = None
    level: str | None = None
    period: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    meeting_only: bool = False

    def __post_init__(self) -> None:
        if self.organ and self.organ not in ORGANS:
            raise FilterError(f"--organ must be one of {', '.join(ORGANS)}, not {self.organ!r}")
        if self.level:
            level = LEVELS.get(fold_diacritics(self.level))
            if level is None:
                raise FilterError(f"--level must be tỉnh, huyện or xã (province, district, "
                                  f"commune), not {self.level!r}")
            self.level = level
        if self.period and period_months(self.period) is None:
            raise FilterError(f"--period must look like 2024, 2024-H1, 2024-Q2 or 2024-06, "
                              f"not {self.period!r}")
        self.date_from, self.date_to = read_window(self.date_from, self.date_to)

    def parameters(self) -> dict[str, object]:
        return {**asdict(self), "meeting_only": int(self.meeting_only)}


def read_window(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """--from and --to as days (the first of --from, the last of --to), refused when --from
    is after --to: the one check of the search filters and of a crawl's web-archive window."""
    first, last = read_day(date_from, "--from", end=False), read_day(date_to, "--to", end=True)
    if first and last and first > last:
        raise FilterError(f"--from {date_from} is after --to {date_to}")
    return first, last


def read_day(text: str | None, option: str, end: bool) -> str | None:
    """A day from YYYY-MM-DD, or the first (last, for --to) day of YYYY-MM or YYYY."""
    if not text:
        return None
    try:
        # ASCII digits only: \d also takes "２０２４", kept as text, which no date is equal to,
        # so the filter kept nothing without a word.
        if re.fullmatch(r"\d{4}", text, re.ASCII):
            first = date(int(text), 1, 1)  # a real year: "0000" ended a search in a traceback
            return (first.replace(month=12, day=31) if end else first).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}", text, re.ASCII):
            first = date.fromisoformat(text + "-01")
            if not end:
                return first.isoformat()
            return first.replace(day=monthrange(first.year, first.month)[1]).isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise FilterError(f"{option}: not a date: {text!r}; give a day (2024-06-30), a month "
                          "(2024-06) or a year (2024)") from None


# A saved query calls it on every report; an archive holds a few thousand place names.
@lru_cache(maxsize=8192)
def place_key(name: str | None) -> str | None:
    """A place name folded, without its unit ("tỉnh Bắc Kạn", "Bac Kan" -> "bac kan")."""
    if name is None:
        return None
    return UNIT_PREFIX.sub("", fold_diacritics(name).replace("-", " ")).strip()


@lru_cache(maxsize=256)
def filter_value(name: str, value: str | None):
    """A filter's value as the command line reads it (a level's synonyms, a month or a year
    as a day); FilterError, naming the option, for one it cannot read."""
    return getattr(Filters(**{name: value}), name)


def period_within(period: str | None, outer: str | None) -> bool:
    """Whether `period` (2024-Q2, 2024-05, 2024-H1, 2024) lies inside `outer`: a month in its
    quarter, half and year, a quarter in its half and year."""
    inner, container = period_months(period), period_months(outer)
    if inner is None or container is None or inner[0] != container[0]:
        return False
    return container[1] <= inner[1] and inner[2] <= container[2]


def period_end(period: str | None) -> str | None:
    """The last day of a period (2024-Q2 -> 2024-06-30), to place it on a time axis."""
    months = period_months(period)
    if months is None:
        return None
    year, _, last = months
    following = date(year + last // 12, last % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1).isoformat()


def fts_expression(query: str | None) -> str:
    """An FTS5 expression of a search box query, folded like the index's folded columns:
    "quoted words" stay a phrase, OR and NOT stay operators, a trailing * makes a prefix,
    -word or -"a phrase" leaves out the articles holding it, and every other word is one
    quoted term (so no word is read as an operator or a column). A query that only leaves
    out (see `only_excludes`) is "": FTS5 has no "every article but"."""
    parts, excluded = _query_terms(query)
    if not parts:
        return ""
    if not excluded:
        return " ".join(parts)
    # FTS5's NOT binds closer than OR: "a OR b NOT c" left c out of b only, where "-c"
    # leaves it out of the whole query.
    return f"({' '.join(parts)}) NOT ({' OR '.join(excluded)})"


def only_excludes(query: str | None) -> bool:
    """Whether a query has words to leave out (-word) and none to look for."""
    parts, excluded = _query_terms(query)
    return bool(excluded) and not parts


def _query_terms(query: str | None) -> tuple[list[str], list[str]]:
    """The query's terms and operators to look for, and its terms to leave out."""
    parts: list[str] = []
    excluded: list[str] = []
    for match in FTS_TOKEN.finditer(query or ""):
        if match["word"] in FTS_OPERATORS and not match["minus"]:
            if parts and parts[-1] not in FTS_OPERATORS:
                parts.append(match["word"])
            continue
        raw = match["phrase"] if match["phrase"] is not None else match["word"]
        words = re.findall(r"\w+", fold_diacritics(raw))
        if not words:
            continue
        prefix = "*" if match["word"] and raw.endswith("*") else ""
        term = '"' + " ".join(words) + '"' + prefix
        if match["minus"]:
            excluded.append(term)
        else:
            parts.append(term)
    while parts and parts[-1] in FTS_OPERATORS:
        parts.pop()
    return parts, excluded


def query_words(query: str | None) -> set[str]:
    """The folded words of a query, operators left out: what a snippet marks."""
    return {word for word in re.findall(r"\w+", fold_diacritics(
        re.sub(r"\b(?:OR|AND|NOT)\b", " ", query or "")))}


def register_functions(connection: sqlite3.Connection) -> None:
    """The SQL functions the filters and the saved queries call."""
    connection.create_function("vnarchive_place", 1, place_key, deterministic=True)
    connection.create_function("vnarchive_period_within", 2, period_within,
                               deterministic=True)
    connection.create_function("vnarchive_period_end", 1, period_end, deterministic=True)
    connection.create_function("vnarchive_fts", 1, fts_expression, deterministic=True)
    connection.create_function("vnarchive_fold", 1, fold_label, deterministic=True)
    connection.create_function("vnarchive_filter", 2, filter_value, deterministic=True)


# A saved query folds every figure's label; labels repeat ("Thu ngân sách nhà nước").
@lru_cache(maxsize=8192)
def fold_label(text: str | None) -> str | None:
    return None if text is None else fold_diacritics(text)
