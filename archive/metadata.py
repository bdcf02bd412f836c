"""Datasette metadata for the archive: what each table, view and column holds, the licence
note, facets, labels, saved queries (on the `reports` and `report_figures` views, with the
researcher's filters of archive/filters.py) and the dashboards (archive/dashboards.py), so
that the data describes itself to whoever browses it. The database is always called
`vnarchive`, whatever its file's name (archive/browse renames it)."""

from __future__ import annotations

from archive.dashboards import dashboards
from archive.filters import filter_sql
from archive.search import RANKED_MATCHES, TABLE_SEARCH_MATCHES

DATABASE_NAME = "vnarchive"

LICENCE_NOTE = (
    "The texts belong to the newspapers and portals that published them; vnarchive keeps them "
    "for research and cites each by its URL. Check each site's terms before republishing."
)

REPORT_COLUMNS = {
    "canonical_url": "The article's key (see articles)",
    "kind": "quarterly, monthly, half_year, annual, session or other",
    "organ": "party_committee, people_committee, people_council, front or other",
    "organ_name": "The organ as the text names it",
    "locality": "District, town or commune (or province) without its prefix",
    "locality_level": "tỉnh, huyện or xã", "province": "Province as it was then",
    "province_2025": "Province after the 1 July 2025 merger",
    "meeting_date": "Day of the meeting",
    "period_reviewed": "Period the meeting reviewed (2024-Q1, 2024-05, 2024-H1, 2023)",
    "period_deployed": "Period whose tasks it deployed",
    "confidence": "The classifier's confidence, 0 to 1",
    "classifier_version": "Version of the classifier that read it",
}
ARTICLE_COLUMNS = {
    "title": "Title as printed", "url": "The URL as fetched",
    "published": "Publication date (+07:00 with a time)",
    "site": "The site profile it was crawled with",
    "story_id": "Canonical URL of the earliest copy of the same story on any site",
}
FIGURE_COLUMNS = {
    "text": "The figure as printed (\"3.204 tỷ đồng\", \"7/14 chỉ tiêu\")",
    "value": "Its number (Vietnamese format parsed: 3.204 is 3204, 6,8 is 6.8); for a ratio "
             "the part done", "total": "For a ratio (7/14 chỉ tiêu) the whole",
    "unit": "tỷ đồng, %, ha, chỉ tiêu ...",
    "label": "What was counted: the words before the figure naming it "
             "(\"Thu ngân sách nhà nước trên địa bàn\")",
}

TABLES = {
    "articles": {
        "description": "One row per article (canonical URL), as last fetched and processed. "
                       "The search box here reads words as `vnarchive search` does "
                       "(diacritics folded; \"a phrase\", a OR b, NOT, prefix*) and keeps the "
                       f"{TABLE_SEARCH_MATCHES:,} matches archived last, then sorts, counts and "
                       f"facets them; for the best of the {RANKED_MATCHES:,} archived last, the "
                       "saved query search_articles.",
        # The full-text index reads the view article_search (schema m019), so Datasette
        # does not find it by its content table: named here, its search box stays.
        "fts_table": "articles_fts", "fts_pk": "rowid",
        "columns": {
            "canonical_url": "The article's key: its URL with tracking parameters, session ids, "
                             "scheme, www./mobile host and trailing slash folded",
            "url": "The URL as fetched", "site": "The site profile it was crawled with",
            "title": "Title as printed", "lead": "The sapo, where the page has one",
            "text": "Article text after cleaning (boilerplate, bylines and credits removed)",
            "author": "Byline as printed", "published": "Publication date (+07:00 with a time)",
            "published_source": "Which page signal gave the date: meta, json-ld, time-element, "
                                "dateline or url",
            "event_date": "The day of the event the article reports (a meeting)",
            "encoding": "What the page's bytes were (utf-8, windows-1258, tcvn3, vni ...)",
            "is_meeting_report": "1 when the article reports a periodic review-and-deploy "
                                 "meeting of a local party committee, people's committee, "
                                 "council or front",
            "confidence": "The classifier's confidence, 0 to 1",
            "story_id": "Canonical URL of the earliest copy of the same story on any site",
            "first_seen_at": "When the archive first fetched it (UTC)",
            "fetched_at": "When it was last fetched (UTC)",
            "warc_file": "WARC file of the raw response", "warc_offset": "Offset of the record",
            "title_folded": "Title without diacritics, for search",
            "text_folded": "Text without diacritics, for search",
        },
        "facets": ["site", "is_meeting_report", "language", "encoding"],
        "label_column": "title",
        # The search form carries the sort: every sort it may carry must be allowed.
        "sortable_columns": ["published", "fetched_at", "confidence", "canonical_url"],
        "sort_desc": "published",
    },
    "meeting_reports": {
        "description": "The fields of each article that is a meeting report (see the view "
                       "`reports` for them on one row with the title, URL and date).",
        "columns": REPORT_COLUMNS,
        "facets": ["province", "organ", "kind", "period_deployed", "province_2025"],
    },
    "reports": {
        "description": "Each meeting report on one row: its fields, its article's title, URL, "
                       "date and site, and its officials and figures as JSON arrays.",
        "columns": {**REPORT_COLUMNS, **ARTICLE_COLUMNS,
                    "officials": "JSON array of {name, title}, in order of mention",
                    "figures": "JSON array of {label, value, total, unit, text}, in order",
                    "is_meeting_report": "Always 1 (so the filters of articles apply)"},
        "facets": ["province", "organ", "kind", "locality_level", "period_deployed", "site"],
        "sort_desc": "meeting_date", "label_column": "title",
    },
    "report_figures": {
        "description": "Each figure a meeting report gives, with the report's place, periods "
                       "and title: the table for a series over time.",
        "columns": {**REPORT_COLUMNS, **ARTICLE_COLUMNS, **FIGURE_COLUMNS,
                    "id": "The figure's row in `figures`",
                    "is_meeting_report": "Always 1 (so the filters of articles apply)"},
        "facets": ["unit", "province", "period_reviewed"],
        "label_column": "label",
    },
    "officials": {"description": "Officials named in meeting reports, with their titles.",
                  "columns": {"name": "The official's name as printed",
                              "title": "Their titles as printed, up to the verb or the end "
                                       "of the clause"},
                  "facets": ["title"]},
    "figures": {"description": "Figures reported in meeting reports, Vietnamese number format "
                              "parsed (3.204 tỷ đồng is 3204).", "columns": FIGURE_COLUMNS,
                "facets": ["unit"]},
    "pages": {"description": "Every fetch: its status, size, error, and its WARC record.",
              "facets": ["site", "status", "kind", "warc_type"]},
    "crawl_runs": {"description": "One row per crawl run with its counts."},
    "sites": {"description": "The site profiles crawled, with each portal's owner."},
    "article_versions": {"description": "Earlier texts of articles that changed at the same "
                                        "URL."},
    "article_aliases": {"description": "Addresses articles had before the site moved them "
                                       "by a permanent redirect (301, 308): each old key (alias) "
                                       "with the article's key now (canonical_url).",
                        "facets": ["site"]},
    "article_sources": {"description": "The decoded HTML of an article whose page no WARC "
                                       "record holds (`vnarchive page URL` prints any "
                                       "article's page decoded).",
                        "hidden": True},
    "story_bands": {"description": "Story signature bands (internal index).", "hidden": True},
    "story_bands_recent": {"description": "The latest story signature bands (internal index).",
                           "hidden": True},
    "story_band_filter": {"description": "Which bands story_bands may hold (internal).",
                          "hidden": True},
    "integrity_checks": {"description": "When each file of the archive (its device and "
                                        "inode) last passed SQLite's whole quick_check, and "
                                        "how long it took.", "hidden": True},
    "_sqlite_migrations": {"description": "Schema migrations applied.", "hidden": True},
    "site_runs": {"description": "One row per site per crawl run, with its counts and errors."},
    "attachments": {"description": "Documents articles link as \"File đính kèm\" (PDF, DOC, "
                                   "DOCX): size, SHA-256 and extracted text, or why there is "
                                   "none.", "facets": ["type"]},
}

QUERIES = {
    "find_reports": {
        "title": "Find meeting reports (filters without SQL)",
        "description": "Leave a box empty to ignore it. Names fold diacritics (\"Bac Kan\" "
                       "is Bắc Kạn); period: 2024, 2024-H1, 2024-Q2 or 2024-06 (the period "
                       "the meeting deployed lies inside it); dates: a day (2024-04-01), a month "
                       "(2024-04) or a year; level: tỉnh, huyện, xã (or province, district, "
                       "commune); search: "
                       "words, \"a phrase\", a OR b, -word (beside a word to look for), prefix*.",
        "sql": "select meeting_date, province, locality, organ, kind, period_deployed, title, "
               "url, published from reports r where " + filter_sql(exclude=("meeting_only",))
               + " and (case when coalesce(:q, '') = '' then 1 else r.canonical_url in (select "
               "a.canonical_url from articles_fts join articles a on a.rowid = "
               # A search of punctuation alone matches nothing, as `vnarchive search`: an
               # empty expression was an FTS5 syntax error.
               "articles_fts.rowid where articles_fts match "
               "coalesce(nullif(vnarchive_fts(:q), ''), '\"\"')) end) "
               # No LIMIT of its own: Datasette stops at its max_returned_rows (1,000) and
               # says the answer was cut; "limit 1000" cut it without a word.
               "order by meeting_date desc",
    },
    "search_articles": {
        "title": "Search articles, best first (folds diacritics, like `vnarchive search`)",
        "description": "Words, \"a phrase\", a OR b, -word (beside a word to look for), "
                       "prefix*. Ranked by bm25; a query that "
                       "matches more than 5,000 articles ranks the 5,000 archived last. "
                       f"The search box of the articles table keeps the "
                       f"{TABLE_SEARCH_MATCHES:,} matches archived last, sorted by date.",
        # archive/search.py's query: rank the newest matches only, then read 100 rows. An
        # empty query matches nothing ('""'), rather than failing.
        "sql": "select a.published, a.site, a.title, a.url, a.is_meeting_report, ranked.rank "
               "from (select id, rank from (select rowid as id, bm25(articles_fts) as rank "
               "from articles_fts where articles_fts match "
               "coalesce(nullif(vnarchive_fts(:q), ''), '\"\"') "
               f"order by rowid desc limit {RANKED_MATCHES}) order by rank, id limit 100) "
               "ranked join articles a on a.rowid = ranked.id order by ranked.rank, ranked.id",
    },
    "meeting_reports_by_province_and_quarter": {
        "title": "Meeting reports by province and quarter",
        "description": "As a heat map: the dashboard's first chart.",
        "sql": "select province, period_deployed, count(*) as reports from reports "
               "where period_deployed like '%-Q%' group by province, period_deployed "
               "order by province, period_deployed",
    },
    "latest_reports_of_a_district": {
        "title": "Latest reports of a district",
        "description": "The district's name with or without diacritics (Ly Nhan, Lý Nhân). "
                       "Several provinces have a district of one name (Châu Thành): each "
                       "report says its province.",
        # At district level, as `--district` (a province's own reports have its name as
        # their locality: "Lao Cai" gave the province's), and with the province shown
        # (the reports of six Châu Thành looked like one district's).
        "sql": "select meeting_date, province, organ_name, period_deployed, title, url "
               "from reports where locality_level = 'huyện' and "
               "vnarchive_place(locality) = vnarchive_place(:district) "
               "order by meeting_date desc limit 50",
    },
    "figures_reported_for_budget_revenue": {
        "title": "Figures reported for budget revenue",
        "sql": "select province, locality, period_reviewed, label, text, value, unit, title "
               "from report_figures where vnarchive_fold(label) like '%thu ngan sach%' "
               "order by province, locality, period_reviewed",
    },
    "new_reports_of_a_province": {
        "title": "New meeting reports of a province (Atom feed: add .atom to the address)",
        "description": "Subscribe to /vnarchive/new_reports_of_a_province.atom?province=Bac+Kan",
        "sql": "select canonical_url as atom_id, title as atom_title, "
               # feedgen needs a zone: a bare day is taken at midnight in Vietnam.
               "case when length(coalesce(published, meeting_date)) = 10 then "
               "coalesce(published, meeting_date) || 'T00:00:00+07:00' "
               "else published end as atom_updated, url as atom_link, "
               "coalesce(organ_name, '') || ' · ' || coalesce(locality, '') || ' · ' || "
               "coalesce(period_deployed, '') as atom_content, province, meeting_date "
               "from reports where vnarchive_place(province) = vnarchive_place(:province) "
               "order by published desc limit 50",
    },
}

# Datasette's copy of the saved queries that read the filters' boxes binds the magic
# parameter :_vnarchive_boxes first (archive/browse), which checks them as the command line
# checks its options and names a bad one: SQLite said only "user-defined function raised
# exception". An unused CTE, so the query itself is the same SQL as QUERIES's, which runs
# without Datasette too (bench/bench_scale.py).
CHECKED_QUERIES = ("find_reports",)
BOXES_CHECKED = "with boxes_checked as (select :_vnarchive_boxes) "

# Datasette's settings for `vnarchive serve`. Facet suggestions run a timed query per column
# on every table page: three seconds of a 10,000-article page, and a timeout per column on a
# large archive. The facets above are chosen; nothing is left to suggest.
DATASETTE_SETTINGS = {"suggest_facets": False}


def datasette_metadata() -> dict:
    """Metadata for `datasette --metadata`: the database is named `vnarchive` whatever the
    file (the plugin in archive/browse renames it at startup)."""
    return {
        "title": "vnarchive: Vietnamese local news and meeting reports",
        "description": "Articles of provincial newspapers and district portals, with the "
                       "periodic meetings of local party committees, people's committees, "
                       "councils and fronts they report.",
        "license": "Texts: the publishers' own terms (see each URL)",
        "source": "vnarchive crawls; raw responses kept in WARC files",
        "about": LICENCE_NOTE,
        "databases": {DATABASE_NAME: {"tables": TABLES, "queries": {
            name: {**spec, "sql": BOXES_CHECKED + spec["sql"]} if name in CHECKED_QUERIES
            else spec for name, spec in QUERIES.items()}}},
        "plugins": {"datasette-dashboards": dashboards(DATABASE_NAME),
                    "vnarchive": {"database_name": DATABASE_NAME}},
    }
