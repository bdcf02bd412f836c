"""The researcher's dashboard for datasette-dashboards: Vega-Lite charts drawn from SQL on the
`reports`, `report_figures` and `articles` tables, with filters of their own.

datasette-dashboards was chosen over datasette-plot and datasette-vega (see pyproject.toml):
it is maintained, ships Vega and Vega-Lite with it (no CDN: the charts draw offline), and its
charts are named SQL plus a Vega-Lite spec kept in the metadata, so a chart is reproducible
from the archive alone.
"""

from __future__ import annotations

DASHBOARD = "researcher"
# The quarter of a report's meeting (its publication day when the meeting day is unknown).
QUARTER = ("substr(coalesce(meeting_date, published), 1, 4) || '-Q' || "
           "((cast(substr(coalesce(meeting_date, published), 6, 2) as integer) + 2) / 3)")
PROVINCE_FILTER = "[[ and vnarchive_place(province) = vnarchive_place(:province) ]]"


# SVG rather than vega-embed's default canvas: marks a screen reader (and a test) can find.
EMBED = {"embedOptions": {"renderer": "svg"}}


def _heat_map(x: str, y: str, color: str, x_title: str, y_title: str) -> dict:
    return {
        "usermeta": EMBED,
        "mark": {"type": "rect", "tooltip": True},
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": x_title},
            "y": {"field": y, "type": "nominal", "title": y_title},
            "color": {"field": color, "type": "quantitative", "title": color,
                      "scale": {"scheme": "blues"}},
        },
    }


def dashboards(database: str) -> dict:
    """The `datasette-dashboards` plugin configuration."""
    return {DASHBOARD: {
        "title": "Meeting reports at a glance",
        "description": "Where and when local party committees, people's committees, councils "
                       "and fronts reported their periodic meetings, what the archive covers, "
                       "and one figure's series over time. The filters apply to every chart.",
        "layout": [["reports-count", "articles-count"],
                   ["reports-by-province-and-quarter", "reports-by-province-and-quarter"],
                   ["coverage-by-site", "coverage-by-site"],
                   ["figure-series", "figure-series"]],
        "filters": {
            "province": {"name": "Province (as it was then)", "type": "select", "db": database,
                         "query": "select distinct province from reports where province is "
                                  "not null order by province"},
            "label": {"name": "Figure (words of its label, with or without diacritics)",
                      "type": "text", "default": "thu ngân sách"},
            "locality": {"name": "Locality of the figure (empty: all)", "type": "text"},
            "unit": {"name": "Unit of the figure", "type": "select", "default": "tỷ đồng",
                     "db": database, "query": "select distinct unit from figures order by unit"},
        },
        "charts": {
            "reports-count": {
                "title": "Meeting reports", "db": database, "library": "metric",
                "query": f"select count(*) as reports from reports where 1 {PROVINCE_FILTER}",
                "display": {"field": "reports"},
            },
            "articles-count": {
                "title": "Articles archived", "db": database, "library": "metric",
                "query": "select count(*) as articles from articles",
                "display": {"field": "articles"},
            },
            "reports-by-province-and-quarter": {
                "title": "Meeting reports per province and quarter of the meeting",
                "db": database, "library": "vega-lite",
                "query": f"select province, {QUARTER} as quarter, count(*) as reports "
                         f"from reports where province is not null {PROVINCE_FILTER} "
                         "group by 1, 2 order by 1, 2",
                "display": _heat_map("quarter", "province", "reports", "quarter", "province"),
            },
            "coverage-by-site": {
                "title": "Articles per site and month (gaps are blank), meeting reports in "
                         "the tooltip",
                "db": database, "library": "vega-lite",
                "query": "select site, substr(published, 1, 7) as month, count(*) as articles, "
                         "sum(is_meeting_report) as reports from articles "
                         "where published is not null group by 1, 2 order by 1, 2",
                "display": _heat_map("month", "site", "articles", "month", "site"),
            },
            "figure-series": {
                "title": "A figure over time, per locality (the period it reviewed)",
                "db": database, "library": "vega-lite",
                "query": "select period_reviewed, "
                         "vnarchive_period_end(period_reviewed) as period_end, "
                         "locality || ' (' || province || ')' as place, "
                         "value, unit, label, title from report_figures where "
                         "period_reviewed is not null "
                         "[[ and vnarchive_fold(label) like '%' || vnarchive_fold(:label) || '%' ]]"
                         " [[ and unit = :unit ]] [[ and vnarchive_place(locality) = "
                         "vnarchive_place(:locality) ]] "
                         f"{PROVINCE_FILTER} order by place, period_reviewed",
                "display": {
                    "usermeta": EMBED,
                    "mark": {"type": "line", "point": True, "tooltip": True},
                    "encoding": {
                        "x": {"field": "period_end", "type": "temporal",
                              "title": "end of the period reviewed"},
                        "y": {"field": "value", "type": "quantitative", "title": "value"},
                        "color": {"field": "place", "type": "nominal", "title": "locality"},
                    },
                },
            },
        },
    }}
