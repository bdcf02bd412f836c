"""Facet tokens: each article's filter values as words of the full-text index's `facets`
column (schema m019), so a filtered search is one FTS5 query and FTS5 intersects the word's
matches with the filter's by their doclists, skipping what neither holds. With the filter as a
set of rowids checked against the matches walked newest first, a filter that keeps few
articles walked most of a common word's matches (542 ms p95 at 910,000 articles).

A token is "đ", a letter for its kind and the value's UTF-8 bytes in hex, so any value is one
word of letters and digits for the unicode61 tokenizer and no value meets another:

    đs<site>                      the article's site
    đy2020 đm202003 đd20200315    year, month and day of `published`, when its first ten
                                  characters are a valid day (YYYY-MM-DD)
    đx                            `published` present but not such a day
    đr                            a meeting report (is_meeting_report = 1)
    đp<province> đv<locality_level> đc<locality> đo<organ> đq<period_deployed>
                                  the fields of its `meeting_reports` row, as stored

A search box's words are folded before they are asked ("đ" is "d", archive/filters.py's
`fts_expression`), so they never meet a facet token, and the query needs no column filter
(which made FTS5 read every match's positions: 40% of an unfiltered search at 100,000).

Values are stored as written, not folded: a filter that folds (a place, a level, a period
inside a period) is asked as the stored values it keeps (archive/search.py), so the tokens
never go stale when folding changes. The tokens are computed in SQL, by the triggers that
keep the index (schema m019), so every write keeps them, not only the writer's.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

FACETS_COLUMN = "facets"
ODD_DATE = "đx"
MEETING_FLAG = "đr"
# A token no article has (no kind above is "z"): `X NOT` it keeps what X keeps (archive/search.py).
NO_ARTICLE = "đz"
# Meeting report fields and their kinds, in the order of the stored facets.
MEETING_KINDS = {"province": "đp", "locality_level": "đv", "locality": "đc", "organ": "đo",
                 "period_deployed": "đq"}


def rank_sql(columns: list[str], table: str = "articles_fts") -> str:
    """bm25 with the index's `columns` weighed, 1 each but the facets, 0: the facet tokens a
    filtered query asks for add nothing to a match's rank. The columns are those of the
    archive read: a reading command does not migrate it (schema m019, m027)."""
    weights = ", ".join("0.0" if column == FACETS_COLUMN else "1.0" for column in columns)
    return f"bm25({table}, {weights})"


def site_and_date_sql(a: str) -> str:
    """SQL of the site and date tokens of the articles row `a` (`new` in a trigger)."""
    day = f"substr({a}.published, 1, 10)"
    return (f"'đs' || hex({a}.site) || case when date({day}) = {day} then ' đy' || "
            f"substr({day}, 1, 4) || ' đm' || substr({day}, 1, 4) || substr({day}, 6, 2) || "
            f"' đd' || replace({day}, '-', '') when {a}.published is not null "
            f"then ' {ODD_DATE}' else '' end")


def flag_sql(a: str) -> str:
    return f"case when {a}.is_meeting_report = 1 then ' {MEETING_FLAG}' else '' end"


def meeting_sql(m: str) -> str:
    """SQL of the tokens of the meeting_reports row `m`."""
    return " || ".join(f"case when {m}.{column} is not null then ' {kind}' || hex({m}.{column}) "
                       "else '' end" for column, kind in MEETING_KINDS.items())


def facets_sql(a: str) -> str:
    """SQL of all the facets of the articles row `a`, its meeting report's read by its URL."""
    return (f"{site_and_date_sql(a)} || {flag_sql(a)} || coalesce((select {meeting_sql('m')} "
            f"from meeting_reports m where m.canonical_url = {a}.canonical_url), '')")


def token(kind: str, value: object) -> str:
    """The quoted FTS5 term of a value of one kind (the same bytes SQL's hex() reads)."""
    return f'"{kind}{str(value).encode().hex()}"'


def any_of(tokens: list[str]) -> str:
    """An FTS5 condition on the facets column: one of the tokens."""
    return f"{{{FACETS_COLUMN}}}: ({' OR '.join(tokens)})"


def date_tokens(first: date, last: date) -> list[str]:
    """The fewest year, month and day tokens that cover the days from `first` to `last`."""
    tokens = []
    day = first
    while day <= last:
        year_end = date(day.year, 12, 31)
        month_end = date(day.year, day.month, monthrange(day.year, day.month)[1])
        if (day.month, day.day) == (1, 1) and year_end <= last:
            tokens.append(f'"đy{day.year:04}"')
            end = year_end
        elif day.day == 1 and month_end <= last:
            tokens.append(f'"đm{day.year:04}{day.month:02}"')
            end = month_end
        else:
            tokens.append(f'"đd{day:%Y%m%d}"')
            end = day
        if end >= last:  # not a day past it: 9999-12-31 has none
            break
        day = end + timedelta(days=1)
    return tokens
