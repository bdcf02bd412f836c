"""The archive's tables, defined once, as ordered migrations (sqlite-utils `Migrations`).

Inserts never invent columns: every table is created here with its types, and a later
version adds a new migration at the end rather than editing an old one, so an archive made
by any earlier version is upgraded in place.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archive.errors import ArchiveTooNew, ArchiveUnusable, check_writable
from pipelines.vietnamese import fold_diacritics

migrations = Migrations("vnarchive")


@migrations()
def m001_create_core_tables(db: Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running, finished, failed
            "sites": str,  # JSON list of profile names
            "pages_fetched": int,
            "articles_new": int,
            "articles_updated": int,
            "meeting_reports": int,
            "errors": int,
        },
        pk="id",
        defaults={"pages_fetched": 0, "articles_new": 0, "articles_updated": 0,
                  "meeting_reports": 0, "errors": 0, "status": "running"},
    )
    db["sites"].create(
        {
            "name": str,
            "title": str,
            "kind": str,
            "base_url": str,
            "verified": int,
            "owner_organ": str,
            "owner_locality": str,
            "owner_province": str,
            "profile_file": str,
        },
        pk="name",
    )
    db["pages"].create(
        {
            "id": int,
            "run_id": int,
            "site": str,
            "url": str,
            "status": int,
            "fetched_at": str,
            "bytes": int,
            "content_type": str,
            "latency_ms": int,
            "error": str,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db["pages"].create_index(["site", "url"])
    db["pages"].create_index(["run_id"])
    db["articles"].create(
        {
            "canonical_url": str,
            "url": str,
            "site": str,
            "title": str,
            "lead": str,
            "text": str,
            "author": str,
            "published": str,
            "language": str,
            "is_meeting_report": int,
            "found_via": str,
            "status": int,
            "fetched_at": str,
            "first_seen_at": str,
            "run_id": int,
            "extractor_version": str,
            "classifier_version": str,
        },
        pk="canonical_url",
        not_null={"url", "site"},
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db["articles"].create_index(["site", "published"])
    db["articles"].create_index(["is_meeting_report"])
    db["article_sources"].create(
        {"canonical_url": str, "html": str, "encoding": str, "fetched_at": str},
        pk="canonical_url",
        foreign_keys=[("canonical_url", "articles", "canonical_url")],
    )


@migrations()
def m002_extraction_fields(db: Database) -> None:
    """What the Vietnamese-aware extraction adds: where the date came from, what the bytes
    were, what went wrong, the photo credits, and the day of the reported event."""
    articles = db["articles"]
    articles.add_column("published_source", str)
    articles.add_column("encoding", str)
    articles.add_column("photo_credits", str)  # JSON list
    articles.add_column("warnings", str)  # JSON list
    articles.add_column("event_date", str)
    articles.create_index(["event_date"])


@migrations()
def m003_meeting_reports(db: Database) -> None:
    """Meeting reports and their fields, so SQL can filter, join and facet them."""
    db["articles"].add_column("confidence", float)
    db["meeting_reports"].create(
        {
            "canonical_url": str,
            "kind": str,  # quarterly, monthly, half_year, annual, session, other
            "organ": str,  # party_committee, people_committee, people_council, front, other
            "organ_name": str,
            "locality": str,
            "locality_level": str,  # tỉnh, huyện, xã
            "province": str,  # as it was then
            "province_2025": str,  # after the 1 July 2025 merger
            "meeting_date": str,
            "period_reviewed": str,  # 2024-Q1, 2024-05, 2024-H1, 2023
            "period_deployed": str,
            "confidence": float,
            "classifier_version": str,
        },
        pk="canonical_url",
        foreign_keys=[("canonical_url", "articles", "canonical_url")],
    )
    for columns in (["province", "period_deployed"], ["organ", "kind"], ["meeting_date"],
                    ["province_2025"]):
        db["meeting_reports"].create_index(columns)
    db["officials"].create(
        {"id": int, "canonical_url": str, "name": str, "title": str},
        pk="id", foreign_keys=[("canonical_url", "articles", "canonical_url")],
    )
    db["officials"].create_index(["canonical_url"])
    db["officials"].create_index(["name"])
    db["figures"].create(
        {"id": int, "canonical_url": str, "text": str, "value": float, "total": int,
         "unit": str, "label": str},
        pk="id", foreign_keys=[("canonical_url", "articles", "canonical_url")],
    )
    db["figures"].create_index(["canonical_url"])


@migrations()
def m004_raw_store_search_and_stories(db: Database) -> None:
    """Pointers into the WARC files, payload digests, full-text search that folds Vietnamese
    diacritics, stories of near-duplicate articles, and the old versions of changed ones."""
    pages = db["pages"]
    for column in ("warc_file", "payload_digest", "warc_type", "kind"):
        pages.add_column(column, str)
    pages.add_column("warc_offset", int)
    pages.add_column("warc_length", int)
    pages.create_index(["payload_digest"])
    articles = db["articles"]
    for column in ("warc_file", "content_hash", "story_id", "title_folded", "text_folded"):
        articles.add_column(column, str)
    articles.add_column("warc_offset", int)
    articles.create_index(["story_id"])
    articles.create_index(["published"])
    db["article_versions"].create(
        {"id": int, "canonical_url": str, "fetched_at": str, "replaced_at": str, "title": str,
         "lead": str, "text": str, "author": str, "published": str, "content_hash": str,
         "extractor_version": str, "warc_file": str, "warc_offset": int},
        pk="id", foreign_keys=[("canonical_url", "articles", "canonical_url")],
    )
    db["article_versions"].create_index(["canonical_url"])
    for row in list(db.query("select canonical_url, title, text from articles")):
        articles.update(row["canonical_url"], search_columns(row["title"], row["text"]))
    # Both the text as written and its folded form are indexed: a query with diacritics
    # matches the first (unicode61 drops the tone marks but keeps "đ"), one without them the
    # second ("dang bo" finds "Đảng bộ"). Datasette's search box queries the same index.
    articles.enable_fts(["title", "text", "title_folded", "text_folded"],
                        tokenize="unicode61 remove_diacritics 2", create_triggers=True)


@migrations()
def m005_incremental_crawls_and_health(db: Database) -> None:
    """Validators for conditional re-fetches, and one row per site per run for health."""
    db["pages"].add_column("etag", str)
    db["pages"].add_column("last_modified", str)
    db["pages"].create_index(["site", "kind", "status"])
    db["site_runs"].create(
        {
            "id": int, "run_id": int, "site": str, "started_at": str, "finished_at": str,
            "finish_reason": str,  # Scrapy's: finished, shutdown, closespider_... ,
            "pages": int, "bytes": int, "not_modified": int, "article_pages": int,
            "listing_pages_parsed": int, "listing_article_links": int,
            "articles_new": int, "articles_updated": int, "meeting_reports": int,
            "pages_without_text": int, "errors": int,
            "errors_by_kind": str,  # JSON object: kind -> count
            "duration_seconds": float,
        },
        pk="id", foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db["site_runs"].create_index(["site", "started_at"])


@migrations()
def m006_story_signatures(db: Database) -> None:
    """MinHash signatures and their bands, so finding an article's copies is an index lookup
    rather than a comparison with every neighbour (archive/stories.py)."""
    from pipelines.fingerprint import bands, encode, signature

    db["articles"].add_column("story_signature", str)
    db["article_bands"].create({"band": str, "canonical_url": str},
                               foreign_keys=[("canonical_url", "articles", "canonical_url")])
    db["article_bands"].create_index(["band"])
    db["article_bands"].create_index(["canonical_url"])
    for row in list(db.query("select canonical_url, text_folded from articles")):
        values = signature(row["text_folded"] or "")
        db["articles"].update(row["canonical_url"], {"story_signature": encode(values)})
        db["article_bands"].insert_all({"band": band, "canonical_url": row["canonical_url"]}
                                       for band in bands(values))


@migrations()
def m007_attachments(db: Database) -> None:
    """Documents articles link as "File đính kèm" (PDF, DOC, DOCX): one row per article and
    file, with the file's size, digest and extracted text, or the reason it has none. The raw
    file is in the WARC files like every response. No foreign key to `articles`: an
    attachment may be written before its article's batch."""
    db["attachments"].create(
        {
            "canonical_url": str,  # the article that links it
            "url": str,
            "link_text": str,
            "type": str,  # pdf, docx, doc, other
            "content_type": str,
            "size": int,
            "sha256": str,
            "text": str,
            "error": str,  # why it has no text: download failed, malformed, legacy format
            "fetched_at": str,
            "run_id": int,
            "warc_file": str,
            "warc_offset": int,
        },
        pk=("canonical_url", "url"),
    )
    db["attachments"].create_index(["url"])
    db["attachments"].create_index(["sha256"])


@migrations()
def m009_fetch_ids(db: Database) -> None:
    """An id a distributed worker gives each fetch, so `vnarchive ingest` can tell a fetch it
    has already committed from a new one when Redis delivers it again (archive/ingest.py)."""
    db["pages"].add_column("fetch_id", str)
    db["pages"].create_index(["fetch_id"])

def search_columns(title: str | None, text: str | None) -> dict[str, str]:
    """The folded copies of title and text that full-text search indexes."""
    return {"title_folded": fold_diacritics(title or ""),
            "text_folded": fold_diacritics(text or "")}


@migrations()
def m010_story_lookup_index(db: Database) -> None:
    """What story grouping reads of each candidate, in one index: without it every candidate
    costs a walk through the overflow pages of its row's long texts to reach the signature
    stored after them (archive/stories.py)."""
    db["articles"].create_index(
        ["canonical_url", "published", "fetched_at", "story_id", "story_signature"],
        index_name="articles_story_lookup")


@migrations()
def m011_band_days(db: Database) -> None:
    """Each band row carries its article's day, and bands are indexed by (band, day): finding
    the copies of a report reads only the bands within its ten-day window, not every article
    of the archive that ever shared a band (archive/stories.py)."""
    db["article_bands"].add_column("day", str)
    db.execute("update article_bands set day = (select substr(coalesce(published, fetched_at), "
               "1, 10) from articles where articles.canonical_url = article_bands.canonical_url)")
    db["article_bands"].create_index(["band", "day"], index_name="article_bands_band_day")


@migrations()
def m012_listing_walks_and_schedules(db: Database) -> None:
    """Completeness and monitoring: each listing's "walked to the end" marks (a re-crawl stops
    paging early only behind one, crawler/frontier.py), and the schedule each site is crawled
    on, so `vnarchive status` knows when a site's last success is overdue."""
    db["listing_walks"].create(
        {"site": str, "listing": str, "run_id": int, "walked_at": str},
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db["listing_walks"].create_index(["site", "listing"])
    db["schedules"].create(
        {"site": str, "schedule": str, "interval_seconds": float, "recorded_at": str},
        pk="site",
    )


@migrations()
def m013_web_archive_captures(db: Database) -> None:
    """Where an article taken from a web archive or an archive file came from: one row per
    capture (archive/captures.py). A capture already here is never fetched or imported again."""
    db["captures"].create(
        {"id": int, "canonical_url": str, "url": str, "site": str, "captured_at": str,
         "digest": str, "status": int, "source_kind": str, "source": str, "run_id": int,
         "recorded_at": str},
        pk="id",
    )
    db["captures"].create_index(["url", "captured_at", "digest"], unique=True)
    db["captures"].create_index(["canonical_url"])
    db["captures"].create_index(["digest"])


def unknown_migrations(db: Database) -> list[str]:
    """The migrations applied to the archive that this version does not define: a newer
    vnarchive made them. (`pending` on an empty database names every migration defined.)"""
    defined = {migration.name for migration in migrations.pending(Database(memory=True))}
    return [applied.name for applied in migrations.applied(db) if applied.name not in defined]


def refuse_newer_schema(db: Database, path: str) -> None:
    """ArchiveTooNew when a newer vnarchive wrote the archive. Writing to it would leave rows
    without what the newer schema adds (columns it fills, tables it keeps in step), which the
    newer version would then read as it never wrote them. Reading commands open the archive
    read-only and are not refused."""
    unknown = unknown_migrations(db)
    if unknown:
        raise ArchiveTooNew(
            f"{path} was written by a newer vnarchive: its schema has {len(unknown)} "
            f"migration(s) this version lacks ({', '.join(unknown[:3])}"
            f"{', ...' if len(unknown) > 3 else ''}); nothing was written. Upgrade vnarchive "
            "to write to it; the reading commands (query, search, export, serve) work as they are")


def open_database(path: str, check_same_thread: bool = True) -> Database:
    """Open (or create) an archive in WAL mode, with every migration applied. A connection
    handed between threads (the writer's batches commit on a thread of their own) is opened
    with `check_same_thread=False`; its user keeps the threads from using it at once."""
    check_writable(path)
    # Its folder too, as a crawl makes it: `schedule --every` records the schedule before
    # any crawl, and SQLite said only "unable to open database file".
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(sqlite3.connect(path, check_same_thread=check_same_thread))
    try:
        db.execute("PRAGMA busy_timeout = 30000")
        refuse_newer_schema(db, path)  # before anything is written, WAL mode included
        db.enable_wal()
        # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a crash of the process
        # (SIGKILL included) loses no committed batch; only a power cut may lose the last ones,
        # and never leaves the file inconsistent.
        db.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache instead of SQLite's 2 MiB: the writer's inserts land at random
        # places in the full-text and band indexes, whose hot pages then stay in memory.
        db.execute("PRAGMA cache_size = -65536")
        db.execute("PRAGMA foreign_keys = ON")
        # All pending migrations in one transaction (each in its own savepoint): a process
        # killed while it creates or upgrades an archive leaves it as it was, never with half
        # its tables or columns, which read-only commands would then trip over.
        with db.atomic():
            migrations.apply(db)
    except sqlite3.DatabaseError as error:
        db.close()
        if "not a database" in str(error):
            raise ArchiveUnusable(f"{path} is not an archive ({error})") from None
        raise
    return db


@migrations()
def m014_report_views(db: Database) -> None:
    """Reports on one row, for researchers, Datasette, exports and the saved queries:
    `reports` (a report's fields with its article's title, URL, date and site, and its
    officials and figures as JSON arrays) and `report_figures` (each figure with its report's
    place and periods). Views, so they never go stale."""
    db.create_view("reports", """
        select m.canonical_url, a.title, a.url, a.published, a.site, m.kind, m.organ,
          m.organ_name, m.locality, m.locality_level, m.province, m.province_2025,
          m.meeting_date, m.period_reviewed, m.period_deployed, m.confidence, a.story_id,
          (select json_group_array(json_object('name', o.name, 'title', o.title))
             from (select name, title from officials o where o.canonical_url = m.canonical_url
                   order by o.id) o) as officials,
          (select json_group_array(json_object('label', f.label, 'value', f.value,
                  'total', f.total, 'unit', f.unit, 'text', f.text))
             from (select label, value, total, unit, text from figures f
                   where f.canonical_url = m.canonical_url order by f.id) f) as figures,
          1 as is_meeting_report
        from meeting_reports m join articles a on a.canonical_url = m.canonical_url""")
    db.create_view("report_figures", """
        select f.id, f.canonical_url, a.title, a.published, a.site, m.organ, m.locality,
          m.locality_level, m.province, m.province_2025, m.meeting_date, m.period_reviewed,
          m.period_deployed, f.label, f.value, f.total, f.unit, f.text,
          1 as is_meeting_report
        from figures f join meeting_reports m on m.canonical_url = f.canonical_url
        join articles a on a.canonical_url = f.canonical_url""")


@migrations()
def m015_indexes_for_scale(db: Database) -> None:
    """What a million articles need (bench/bench_scale.py). The full-text index is rewritten
    only when an indexed column changes: sqlite-utils' update trigger fires on every update,
    so giving a new article its story id tokenized its texts three more times."""
    db.execute("drop trigger if exists articles_au")
    db.execute(
        "create trigger articles_au after update of title, text, title_folded, text_folded "
        "on articles begin "
        "insert into articles_fts (articles_fts, rowid, title, text, title_folded, text_folded) "
        "values ('delete', old.rowid, old.title, old.text, old.title_folded, old.text_folded); "
        "insert into articles_fts (rowid, title, text, title_folded, text_folded) "
        "values (new.rowid, new.title, new.text, new.title_folded, new.text_folded); end")
    # The (band, day) index of m011 serves every lookup by band.
    db.execute("drop index if exists idx_article_bands_band")
    # Datasette's default facets of articles (archive/metadata.py) group the whole table: an
    # index each makes that a scan of the index, not of every row and its long texts.
    db["articles"].create_index(["language"], if_not_exists=True)
    db["articles"].create_index(["encoding"], if_not_exists=True)
    # The saved query "latest reports of a district", and `vnarchive status`'s last success.
    db["meeting_reports"].create_index(["locality", "meeting_date"], if_not_exists=True)
    db["site_runs"].create_index(["site", "finished_at"], if_not_exists=True)


@migrations()
def m016_story_bands_by_article(db: Database) -> None:
    """Story bands as one B-tree keyed by (integer band, day, article rowid), WITHOUT ROWID,
    and an index by article that grows at its end (archive/stories.py): `article_bands` was a
    table and two indexes keyed by text, whose random inserts made each batch of a million-
    article archive dirty most of them. The covering index of m010 goes too: candidates are
    read by rowid, and its random inserts (each with a signature) cost more than it saved."""
    from archive.stories import band_key

    db.execute("create table story_bands (band integer not null, day text not null, "
               "article integer not null, primary key (band, day, article)) without rowid")
    db.execute("create index story_bands_article on story_bands (article)")
    db.conn.create_function("vnarchive_band_key", 1, band_key, deterministic=True)
    db.execute("insert or ignore into story_bands (band, day, article) "
               "select vnarchive_band_key(b.band), coalesce(b.day, ''), a.rowid "
               "from article_bands b join articles a on a.canonical_url = b.canonical_url")
    db.execute("drop table article_bands")
    db.execute("drop index if exists articles_story_lookup")


@migrations()
def m017_reports_by_place_and_period(db: Database) -> None:
    """The order of the saved query "figures reported for budget revenue": SQLite walks the
    reports in it and Datasette's first 1,001 rows come without sorting every figure."""
    db["meeting_reports"].create_index(["province", "locality", "period_reviewed"],
                                       if_not_exists=True)


# Each site's articles and runs, counted (a read of every article): what site_counts keeps.
COUNTED_SITES = ("select site, sum(articles) as articles, sum(runs) as runs from (select site, "
                 "count(*) as articles, 0 as runs from articles group by site union all "
                 "select site, 0, count(*) from site_runs where site is not null group by site) "
                 "group by site")


@migrations()
def m018_site_counts(db: Database) -> None:
    """Each site's articles and runs, kept exact by triggers on every insert, delete and
    change of site: `vnarchive status` read them by counting a million index entries (0.6 s
    at 761,000 articles, bench/bench_scale.py). A trigger costs an insert one row update."""
    db.execute("create table site_counts (site text primary key, articles integer not null "
               "default 0, runs integer not null default 0)")
    db.execute(f"insert into site_counts (site, articles, runs) {COUNTED_SITES}")
    for table, column in (("articles", "articles"), ("site_runs", "runs")):
        # The select's "where" keeps SQLite from reading "on conflict" as a join's "on".
        add = (f"insert into site_counts (site, {column}) select new.site, 1 where "
               f"new.site is not null on conflict (site) do update set {column} = {column} + 1")
        remove = f"update site_counts set {column} = {column} - 1 where site = old.site"
        db.execute(f"create trigger {table}_count_insert after insert on {table} "
                   f"begin {add}; end")
        db.execute(f"create trigger {table}_count_delete after delete on {table} "
                   f"begin {remove}; end")
        db.execute(f"create trigger {table}_count_site after update of site on {table} "
                   f"when old.site is not new.site begin {remove}; {add}; end")


# Articles indexed a step of the full-text index's rebuild (m019), and progress printed.
SEARCH_INDEX_STEP = 50_000
# The article columns each version of the full-text index holds, beside the facets: as written
# and folded (m019), then folded only (m027). Written out: a migration stays as it was written.
M019_INDEXED = ("title", "text", "title_folded", "text_folded")
M027_INDEXED = ("title_folded", "text_folded")
# What the articles' facets are computed from (archive/facets.py).
FACET_SOURCES = ("site", "published", "is_meeting_report")


def set_search_settings(db: Database, settings: dict[str, int]) -> None:
    """FTS5 configuration options of the full-text index, stored in it (articles_fts_config)."""
    for name, value in settings.items():
        db.execute("insert into articles_fts (articles_fts, rank) values (?, ?)", [name, value])


def create_search_index(db: Database, indexed: tuple[str, ...], label: str,
                        settings: dict[str, int] | None = None) -> None:
    """The full-text index of `indexed` and the facets, read from the view article_search,
    with FTS5 `settings`, filled a step of rowids at a time with progress on stderr when
    there is more than one step."""
    db.execute(f"create virtual table articles_fts using fts5 ({', '.join(indexed)}, facets, "
               "tokenize = 'unicode61 remove_diacritics 2', content = 'article_search')")
    set_search_settings(db, settings or {})
    columns = ", ".join((*indexed, "facets"))
    total, last = db.execute("select count(*), coalesce(max(rowid), 0) from articles").fetchone()
    for start in range(0, last, SEARCH_INDEX_STEP):
        db.execute(f"insert into articles_fts (rowid, {columns}) select rowid, {columns} from "
                   "article_search where rowid > ? and rowid <= ?",
                   [start, start + SEARCH_INDEX_STEP])
        if last > SEARCH_INDEX_STEP:
            print(f"vnarchive: {label}: article rowids to "
                  f"{min(last, start + SEARCH_INDEX_STEP):,} of {last:,} ({total:,} articles)",
                  file=sys.stderr, flush=True)


def create_search_triggers(db: Database, indexed: tuple[str, ...]) -> None:
    """The triggers that keep the full-text index of `indexed` and the facets, and the
    facets of article_facets, on every change of an article (m019)."""
    from archive.facets import facets_sql

    stored = "(select facets from article_facets where article = {0}.rowid)"

    def index(row: str, facets: str, delete: bool = False, source: str = "") -> str:
        """The statement that indexes (or deletes from the index) the texts of `row`."""
        command, column = ("'delete', ", "articles_fts, ") if delete else ("", "")
        values = ", ".join(f"{row}.{name}" for name in indexed)
        return (f"insert into articles_fts ({column}rowid, {', '.join(indexed)}, facets) "
                f"select {command}{row}.rowid, {values}, {facets}{source}")

    db.execute("create trigger articles_ai after insert on articles begin "
               "insert or replace into article_facets (article, facets) "
               f"values (new.rowid, {facets_sql('new')}); "
               f"{index('new', stored.format('new'))}; end")
    db.execute("create trigger articles_ad after delete on articles begin "
               f"{index('old', stored.format('old'), delete=True)}; "
               "delete from article_facets where article = old.rowid; end")
    watched = (*indexed, *FACET_SOURCES)
    changed = " or ".join(f"old.{column} is not new.{column}" for column in watched)
    # Only when a column it indexes changed: an upsert that rewrites an unchanged article
    # (a re-processing) costs no tokenizing.
    db.execute(f"create trigger articles_au after update of {', '.join(watched)} on articles "
               f"when {changed} begin {index('old', stored.format('old'), delete=True)}; "
               "delete from article_facets where article = new.rowid; "
               f"insert into article_facets (article, facets) values (new.rowid, "
               f"{facets_sql('new')}); {index('new', stored.format('new'))}; end")
    # A report's fields changed: its article's facets are computed again, and re-indexed
    # when they differ (the texts in `articles` are those indexed).
    source = " from articles a where a.rowid = new.article"
    db.execute("create trigger article_facets_au after update of facets on article_facets "
               "when old.facets is not new.facets begin "
               f"{index('a', 'old.facets', delete=True, source=source)}; "
               f"{index('a', 'new.facets', source=source)}; end")


def drop_search_index(db: Database) -> None:
    """The full-text index and the triggers that write it dropped, the freed pages not
    overwritten: Debian's SQLite overwrites them with zeros (secure_delete), the old index's
    2.6 GB at a million articles written to the WAL for nothing (they hold the texts the
    articles table holds)."""
    for name in ("articles_ai", "articles_ad", "articles_au", "article_facets_au"):
        db.execute(f"drop trigger if exists {name}")
    secure_delete = db.execute("pragma secure_delete").fetchone()[0]
    db.execute("pragma secure_delete = off")
    db.execute("drop table if exists articles_fts")
    db.execute(f"pragma secure_delete = {secure_delete}")


@migrations()
def m019_search_facets(db: Database) -> None:
    """Each article's filter values (site, day, meeting flag, the report's place, level,
    organ and period) as tokens of a `facets` column of the full-text index (archive/facets.py),
    so a filtered search is one FTS5 query that intersects doclists: a selective filter walked
    most of a common word's matches (542 ms p95 at 910,000 articles, bench/bench_scale.py).
    `article_facets` keeps each article's tokens as indexed (an FTS5 row is deleted with the
    values it was indexed with); triggers keep both on every change of an article or of its
    meeting report. The index is rebuilt (every text tokenized again): minutes at a million
    articles, with progress on stderr; it is one transaction, so an interrupted rebuild
    leaves the archive as it was, to be rebuilt at the next open."""
    from archive.facets import (
        MEETING_KINDS,
        facets_sql,
        flag_sql,
        meeting_sql,
        site_and_date_sql,
    )

    db.execute("create table article_facets (article integer primary key, facets text not null)")
    # From the indexes that hold these columns: reading them from the rows would walk each
    # article's long texts to reach the columns stored after them.
    db.execute("insert into article_facets (article, facets) select a.rowid, "
               f"{site_and_date_sql('a')} from articles a indexed by idx_articles_site_published")
    db.execute(f"update article_facets set facets = facets || {flag_sql('a')} from (select rowid, "
               "is_meeting_report from articles where is_meeting_report = 1) a "
               "where article = a.rowid")
    db.execute(f"update article_facets set facets = facets || {meeting_sql('m')} from (select "
               "a.rowid as id, m.* from meeting_reports m join articles a "
               "on a.canonical_url = m.canonical_url) m where article = m.id")
    drop_search_index(db)
    # The index's content: the articles' texts and their facets.
    db.execute("create view article_search as select a.rowid as rowid, a.title, a.text, "
               "a.title_folded, a.text_folded, f.facets from articles a "
               "left join article_facets f on f.article = a.rowid")
    create_search_index(db, M019_INDEXED, "search index with filters (schema m019)")
    create_search_triggers(db, M019_INDEXED)
    refresh = ("update article_facets set facets = (select {facets} from articles a where "
               "a.rowid = article_facets.article) where article = (select rowid from articles "
               "where canonical_url = {row}.canonical_url)")
    for name, event, rows in (
            ("ai", "insert", ("new",)), ("ad", "delete", ("old",)),
            ("au", "update of canonical_url, " + ", ".join(MEETING_KINDS), ("old", "new"))):
        body = "; ".join(refresh.format(facets=facets_sql("a"), row=row) for row in rows)
        db.execute(f"create trigger meeting_reports_facets_{name} after {event} "
                   f"on meeting_reports begin {body}; end")



# FTS5 settings of the full-text index (m021). FTS5 keeps a transaction's new terms in memory
# and writes them as a segment of the index when they pass `hashsize` (1 MiB by default), at
# each savepoint and at the commit; segments are then merged level by level, every page
# rewritten once a level. A writer's statement (up to 250 articles, archive/article_rows.py)
# is then one segment, not one a megabyte: fewer small segments to merge. The terms held take
# memory up to this size.
FTS_SETTINGS = {"hashsize": 16 * 2**20}


@migrations()
def m021_search_index_and_band_batches(db: Database) -> None:
    """A batch's new terms written as one segment of the full-text index (FTS_SETTINGS), and
    a small table for the latest story bands (archive/stories.py). Only settings change for the
    index, at once: its contents, and search results, stay as they are."""
    set_search_settings(db, FTS_SETTINGS)
    # Story bands wait here before they are moved to story_bands (archive/stories.py).
    db.execute("create table story_bands_recent (band integer not null, day text not null, "
               "article integer not null, primary key (band, day, article)) without rowid")
    db.execute("create index story_bands_recent_article on story_bands_recent (article)")


# pipelines.meetings.MAX_FIGURE, written out: a migration stays as it was written.
FIGURE_CAP = 10**15


@migrations()
def m022_figures_within_the_cap(db: Database) -> None:
    """Figures no report gives (over 10^15 in any unit: digits run together, or read as
    infinity), which versions before the cap stored, are dropped, as re-processing would drop
    them; infinity also broke strict readers of an export."""
    db.execute("delete from figures where value > ?", [FIGURE_CAP])


@migrations()
def m023_one_key_per_spelling(db: Database) -> None:
    """Keys written before pipelines.urls folded the spellings of one URL (lower-case
    escapes, decomposed Vietnamese) are rewritten as a crawl now computes them, in every
    table that holds one, and two rows of one article become one (archive/article_keys.py):
    else a refresh, a lastmod re-fetch or a reprocess wrote a second row under the new key.
    Only the keys that change are touched: candidates are found in the key indexes."""
    from archive.article_keys import move_articles, respelled_keys

    move_articles(db, respelled_keys(db))


@migrations()
def m024_article_aliases(db: Database) -> None:
    """The addresses articles had before a permanent redirect moved them (crawler/moves.py):
    an old URL's key leads to the article's row, and is not fetched again as new."""
    db["article_aliases"].create(
        {"alias": str, "canonical_url": str, "site": str, "moved_at": str},
        pk="alias", not_null={"canonical_url"},
    )
    db["article_aliases"].create_index(["canonical_url"])


@migrations()
def m025_retired_sites(db: Database) -> None:
    """When a site was retired (`vnarchive sites retire`): dropped from the schedule, its
    articles kept, `status` no longer judges it. Before, such a site stayed unhealthy there
    for ever."""
    db["sites"].add_column("retired_at", str)


@migrations()
def m026_story_band_filter(db: Database) -> None:
    """A bitset of the bands `story_bands` holds (archive/band_filter.py), made from the table:
    a story lookup then seeks only the bands it may hold. About 10 s at a million articles."""
    from archive.band_filter import create_table

    create_table(db)


@migrations()
def m027_search_index_of_folded_words(db: Database) -> None:
    """The full-text index holds the folded title and text, no longer the texts as written
    beside them: its tokenizer strips diacritics too, so both held the same words, twice (at
    10,000 articles, 26,885 of about 26,900 terms and every occurrence). Only "đ" differed,
    kept by the tokenizer and folded to "d" in the folded texts, and every search folds its
    words (archive/filters.py's `fts_expression`), so what a search finds stays the same.
    The index was the largest write that grows with the archive: a third of what a batch
    writes at a million articles, and a folded index costs the writer 11% less CPU there
    (bench/writer_profile.py). bm25's ranks move a little: a word is counted once a document,
    in one column, where words without "đ" counted twice. The index is made again: about two
    minutes at a million articles, with progress on stderr, in one transaction, so an
    interrupted rebuild leaves the archive as it was, rebuilt at the next open."""
    drop_search_index(db)
    create_search_index(db, M027_INDEXED, "search index of folded words (schema m027)",
                        FTS_SETTINGS)
    create_search_triggers(db, M027_INDEXED)


# Rows above which a migration that reads a whole table says on stderr that it is at work.
KEY_INDEX_NOTICE_ROWS = 100_000


def say_at_work(db: Database, table: str, what: str) -> None:
    """`what` on stderr when `table` is large enough for its migration to take a while; its
    size told by the last rowid, a seek, where counting read the whole table first."""
    if (db.execute(f"select max(rowid) from {table}").fetchone()[0] or 0) > KEY_INDEX_NOTICE_ROWS:
        print(f"vnarchive: {what}...", file=sys.stderr, flush=True)


@migrations()
def m028_site_index_with_keys(db: Database) -> None:
    """What a crawl's frontier reads at its start (crawler/frontier.py) comes from indexes,
    not from every row of the site, whose fetch times and story ids lie after the text, in
    its overflow pages (63,692 articles of a site in an archive of 1.4 million: 11.8 s when
    the file was not in the page cache, 0.76 s now):
    - the index of each site's articles by day also holds their keys and fetch times (the
      archived articles); it was there already, so the writer adds no B-tree for it;
    - a partial index of the articles that joined another's story (where the check for moved
      articles starts); few rows are in it.
    (A new index of keys, fetch times and story ids cost the writer 11% at a million, and
    the index by day with the story ids too 19%: bench/writer_profile.py.) Made once: 64 s
    at 1.47 million articles with the file out of the page cache, since the columns are read
    from the whole table."""
    say_at_work(db, "articles", "adding the articles' keys to their index by site (schema m028)")
    db.execute("drop index idx_articles_site_published")
    db["articles"].create_index(
        ["site", "published", "canonical_url", "fetched_at"],
        index_name="idx_articles_site_published")
    # The articles that joined another's story (a copy, or a moved article's new address):
    # where the frontier's check for moved articles starts, not at every row of the site.
    # An article alone is its own story, so few rows are in it, and few writes.
    db.execute("create index idx_articles_joined_stories on articles (site, story_id) "
               "where story_id != canonical_url")


@migrations()
def m029_integrity_checks(db: Database) -> None:
    """When each file of the archive last passed SQLite's whole quick_check: a large archive
    is checked whole once a day, not at every writing command's start (archive/integrity.py)."""
    db["integrity_checks"].create(
        {"device": int, "inode": int, "checked_at": str, "size": int, "seconds": float},
        pk=("device", "inode"),
    )


@migrations()
def m030_site_runs_by_run(db: Database) -> None:
    """A run's own rows of `site_runs`, found by index: the checks at a crawl's end
    (archive/health.py) and the scheduler's line read them, and scanned every site's every run
    (482,093 rows at 1.47 million articles: 0.56 s at every crawl's end, growing with each run)."""
    db["site_runs"].create_index(["run_id"], if_not_exists=True)


@migrations()
def m031_pages_by_warc_record(db: Database) -> None:
    """Fetches found by the WARC record that holds them: `crawl --wayback` asks, at its start,
    which payloads the site's articles were fetched from (archive/captures.py known_digests),
    and with no index SQLite read every fetch once per article of the site (158 s for 20,000
    articles among 100,000 fetches; 0.03 s now). A crawl appends to its sites' own WARC
    files, so its entries go to the ends of those files' runs in the index: a few pages a
    batch, not one a fetch."""
    say_at_work(db, "pages", "indexing the fetches by their WARC records (schema m031)")
    db["pages"].create_index(["warc_file", "warc_offset"], index_name="idx_pages_warc_record",
                             if_not_exists=True)


@migrations()
def m032_captures_by_site(db: Database) -> None:
    """A site's captures found by index: `crawl --wayback` reads their digests at its start
    (archive/captures.py known_digests), and read every site's captures, which a backfill
    from web archives makes millions of. Each import adds a site's captures at the end of its
    run in the index."""
    db["captures"].create_index(["site"], if_not_exists=True)


@migrations()
def m033_site_counts_of_reports(db: Database) -> None:
    """Each site's meeting reports kept in `site_counts` beside its articles, by the same
    triggers: a crawl's summary gives them for the run's sites (archive/query.py run_summary),
    and counting them read every article's row up to its flag, which lies after the text (a
    crawl of every site of 1.47 million articles: 362 s when the file was out of the page
    cache, 11 s when it was in). Filled once, from a scan of the table in its own order."""
    say_at_work(db, "articles", "counting each site's meeting reports (schema m033)")
    db.execute("alter table site_counts add column meeting_reports integer not null default 0")
    db.execute("update site_counts set meeting_reports = counted.reports from (select site, "
               "total(is_meeting_report) as reports from articles not indexed group by site) "
               "as counted where counted.site = site_counts.site")
    for name in ("insert", "delete", "site"):
        db.execute(f"drop trigger articles_count_{name}")
    flag = "coalesce({}.is_meeting_report, 0)"
    add = ("insert into site_counts (site, articles, meeting_reports) select new.site, 1, "
           f"{flag.format('new')} where new.site is not null on conflict (site) do update set "
           "articles = articles + 1, meeting_reports = meeting_reports + excluded.meeting_reports")
    remove = (f"update site_counts set articles = articles - 1, meeting_reports = "
              f"meeting_reports - {flag.format('old')} where site = old.site")
    db.execute(f"create trigger articles_count_insert after insert on articles begin {add}; end")
    db.execute(f"create trigger articles_count_delete after delete on articles "
               f"begin {remove}; end")
    db.execute("create trigger articles_count_site after update of site on articles "
               f"when old.site is not new.site begin {remove}; {add}; end")
    db.execute("create trigger articles_count_reports after update of is_meeting_report on "
               "articles when old.site is new.site and old.is_meeting_report is not "
               "new.is_meeting_report begin update site_counts set meeting_reports = "
               f"meeting_reports - {flag.format('old')} + {flag.format('new')} "
               "where site = new.site; end")
