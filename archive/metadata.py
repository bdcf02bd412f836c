"""Datasette metadata for the archive: what each table and column holds, the licence note,
facets, and saved queries, so that the data describes itself to whoever browses it."""

from __future__ import annotations

from pathlib import Path

LICENCE_NOTE = (
    "The texts belong to the newspapers and portals that published them; vnarchive keeps them "
    "for research and cites each by its URL. Check each site's terms before republishing."
)

TABLES = {
    "articles": {
        "description": "One row per article (canonical URL), as last fetched and processed.",
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
        "sortable_columns": ["published", "fetched_at", "confidence"],
    },
    "meeting_reports": {
        "description": "The fields of each article that is a meeting report.",
        "columns": {
            "kind": "quarterly, monthly, half_year, annual, session or other",
            "organ": "party_committee, people_committee, people_council, front or other",
            "organ_name": "The organ as the text names it",
            "locality": "District, town or commune (or province) without its prefix",
            "locality_level": "tỉnh, huyện or xã", "province": "Province as it was then",
            "province_2025": "Province after the 1 July 2025 merger",
            "meeting_date": "Day of the meeting",
            "period_reviewed": "Period the meeting reviewed (2024-Q1, 2024-05, 2024-H1, 2023)",
            "period_deployed": "Period whose tasks it deployed",
        },
        "facets": ["province", "organ", "kind", "period_deployed", "province_2025"],
    },
    "officials": {"description": "Officials named in meeting reports, with their titles.",
                  "facets": ["title"]},
    "figures": {"description": "Figures reported in meeting reports, Vietnamese number format "
                              "parsed (3.204 tỷ đồng is 3204).", "facets": ["unit"]},
    "pages": {"description": "Every fetch: its status, size, error, and its WARC record.",
              "facets": ["site", "status", "kind", "warc_type"]},
    "crawl_runs": {"description": "One row per crawl run with its counts."},
    "sites": {"description": "The site profiles crawled, with each portal's owner."},
    "article_versions": {"description": "Earlier texts of articles that changed at the same "
                                        "URL."},
    "article_sources": {"description": "The decoded HTML of each article's last fetch."},
    "attachments": {"description": "Documents articles link as \"File đính kèm\" (PDF, DOC, "
                                   "DOCX): size, SHA-256 and extracted text, or why there is "
                                   "none.", "facets": ["type"]},
}

QUERIES = {
    "meeting_reports_by_province_and_quarter": {
        "title": "Meeting reports by province and quarter",
        "sql": "select province, period_deployed, count(*) as reports from meeting_reports "
               "where period_deployed like '%-Q%' group by province, period_deployed "
               "order by province, period_deployed",
    },
    "latest_reports_of_a_district": {
        "title": "Latest reports of a district",
        "sql": "select m.meeting_date, m.organ_name, m.period_deployed, a.title, a.url "
               "from meeting_reports m join articles a using (canonical_url) "
               "where m.locality = :district order by m.meeting_date desc limit 50",
    },
    "figures_reported_for_budget_revenue": {
        "title": "Figures reported for budget revenue",
        "sql": "select m.province, m.locality, m.period_reviewed, f.text, f.value, f.unit "
               "from figures f join meeting_reports m using (canonical_url) "
               "where f.label like '%ngân sách%' order by m.province, m.period_reviewed",
    },
}

# Datasette's settings for `vnarchive serve`. Facet suggestions run a timed query per column
# on every table page: three seconds of a 10,000-article page, and a timeout per column on a
# large archive. The facets above are chosen; nothing is left to suggest.
DATASETTE_SETTINGS = {"suggest_facets": False}


def datasette_metadata(db_path: str) -> dict:
    database = Path(db_path).stem
    return {
        "title": "vnarchive: Vietnamese local news and meeting reports",
        "description": "Articles of provincial newspapers and district portals, with the "
                       "periodic meetings of local party committees, people's committees, "
                       "councils and fronts they report.",
        "license": "Texts: the publishers' own terms (see each URL)",
        "source": "vnarchive crawls; raw responses kept in WARC files",
        "about": LICENCE_NOTE,
        "databases": {database: {"tables": TABLES, "queries": QUERIES}},
    }
