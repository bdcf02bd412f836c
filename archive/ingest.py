"""`vnarchive ingest`: the one writer of a distributed crawl (crawler/distributed.py).

Workers send each fetch (the exchange FetchRecorderMiddleware records, with its raw body), each
failed fetch's `pages` row, each article and each site's facts to one Redis stream. This drains
the stream into the archive through the same `ArchiveWriter` a local crawl uses (one per site,
all in one crawl run), so the tables and WARC files are what a local crawl would make.

Delivery is at least once, writing is exactly once: messages are read through a consumer group
and acknowledged (then deleted) only after the batch is committed. A writer that dies leaves its
batch pending, and the next `ingest` reads it again; what that batch had already committed is
recognised and skipped (a fetch by the id its worker gave it, an article by its URL and fetch
time), so nothing is lost or doubled. A message that cannot be written (another version's
worker, a garbled one) is set aside whole in the rejected stream instead of failing its batch
at every restart (archive/stream_messages.py). Only WARC records are written before the
commit, as in a local crawl: a batch in flight at a crash can leave a WARC record no row points
to.

Articles reach the writer without WARC pointers (workers do not know them); they are filled in
from the article's own fetch, matched by URL and fetch time. After each batch, the URLs of the
articles written are published in Redis, where workers read the frontier.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from redis import Redis
from redis.exceptions import OutOfMemoryError, ResponseError

from archive.ingest_claim import StreamClaim
from archive.integrity import check_before_writing, mark_stuck_runs
from archive.lock import archive_lock
from archive.redis_patience import INGEST_PATIENCE, Patience, patient_params
from archive.redis_policy import check_eviction_policy
from archive.runs import finish_run, start_run
from archive.schema import open_database
from archive.stream import REJECTED_STREAM, REPORTED_STATS, STREAM, archived_key, worker_key
from archive.stream_messages import Message, UnreadableMessage, read_message
from archive.warc import Exchange
from archive.writer import ArchiveWriter

logger = logging.getLogger(__name__)

GROUP = "vnarchive-ingest"
CONSUMER = "ingest"  # one writer per archive (the archive lock), so one consumer name
PUBLISH_CHUNK = 1000
# A batch holds at most this many bytes of messages (about: one read may pass it when its
# messages are bigger than any before), as well as at most its --batch-size messages: 200
# whole pages of 5 MB each took a gigabyte of the writer's memory.
BATCH_BYTES = 64 * 2**20


@dataclass
class IngestResult:
    run_id: int
    status: str
    messages: int = 0
    skipped: int = 0  # delivered again after a crash, already committed
    rejected: int = 0  # could not be written: set aside in REJECTED_STREAM


@dataclass
class SiteReport:
    """What the workers said when they finished a site."""

    stats: Counter = field(default_factory=Counter)
    errors_by_kind: Counter = field(default_factory=Counter)
    reasons: set[str] = field(default_factory=set)


class Ingester:
    def __init__(self, server: Redis, db_path: str, batch_size: int = 200,
                 batch_bytes: int | None = None):
        self.server = server
        self.db_path = db_path
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes or BATCH_BYTES
        self.biggest_message = 0  # bytes: how many messages one read may ask for
        self.db = open_database(db_path)
        self.columns = {table: set(self.db[table].columns_dict) for table in ("pages", "sites")}
        self.run_id = start_run(self.db, [])
        self.writers: dict[str, ArchiveWriter] = {}
        self.reports: dict[str, SiteReport] = defaultdict(SiteReport)
        self.warc_pointers: dict[tuple[str, str], tuple[str, int]] = {}
        self.result = IngestResult(run_id=self.run_id, status="running")
        self.stopping = False  # set by SIGTERM: stop after the batch in hand
        self.claim_lost = threading.Event()  # set when another writer took the stream
        # What a Redis at its maxmemory refused to take: published after a later batch.
        self.unpublished: dict[str, dict[str, str]] = defaultdict(dict)
        self.publish_all = False
        self.full_noted = False
        # Messages set aside that a full Redis refused to keep: kept here for the next batch.
        self.unkept: list[tuple[bytes, dict, str]] = []

    def writer(self, site: str) -> ArchiveWriter:
        if site not in self.writers:
            self.writers[site] = ArchiveWriter(self.db_path, batch_size=self.batch_size,
                                               run_id=self.run_id, site=site)
        return self.writers[site]

    # One batch ------------------------------------------------------------------------------
    def write_batch(self, messages: list[tuple[bytes, dict | None]]) -> None:
        """Write a batch, commit it, then acknowledge and delete it from the stream. Every
        message is read and checked before anything is written: one that cannot be written is
        set aside in the rejected stream, so it can never fail its batch again and again."""
        readable, rejected = self._read(messages)
        committed_fetches = self._committed_fetches(readable)
        committed_articles = self._committed_articles(readable)
        written: dict[str, dict[str, str]] = defaultdict(dict)
        for message in readable:
            kind, data, body = message.kind, message.data, message.body
            if kind in ("fetch", "page") and data["fetch_id"] in committed_fetches:
                self.result.skipped += 1
            elif kind == "article" and (data["canonical_url"], data["fetched_at"]) in (
                    committed_articles):
                self.result.skipped += 1
            elif kind == "fetch":
                self._write_fetch(data, body)
                # A copy later in this batch (an XADD redis-py sent again) is skipped as well.
                committed_fetches.add(data["fetch_id"])
            elif kind == "page":
                self.writer(data["page"]["site"]).add_page(
                    {**data["page"], "fetch_id": data["fetch_id"]})
                committed_fetches.add(data["fetch_id"])
            elif kind == "article":
                self._write_article(data)
                written[data["site"]][data["canonical_url"]] = data["fetched_at"]
                committed_articles.add((data["canonical_url"], data["fetched_at"]))
            elif kind == "attachment":
                self._write_attachment(data)
            elif kind == "mark":
                self.writer(data["site"]).mark_pages(data["urls"], data["error"])
            elif kind == "site":
                self.writer(data["name"]).record_site(data)
            elif kind == "closed":
                self._note_closed(data)
        for writer in self.writers.values():
            writer.flush()
        self._publish(written)
        self._set_aside(rejected)
        self.acknowledge([message_id for message_id, _ in messages])
        self.result.messages += len(messages)

    def _read(self, messages) -> tuple[list[Message], list[tuple[bytes, dict, str]]]:
        """The batch's messages that can be written, and the others with the reason."""
        readable, rejected = [], []
        for message_id, fields in messages:
            try:
                readable.append(read_message(fields, self.columns))
            except UnreadableMessage as error:
                logger.warning("message %s set aside in %s: %s", message_id.decode(),
                               REJECTED_STREAM, error)
                rejected.append((message_id, fields or {}, str(error)))
        return readable, rejected

    def _set_aside(self, rejected: list[tuple[bytes, dict, str]]) -> None:
        """Keep the messages that could not be written, whole, with why and where from. A
        Redis at its maxmemory refuses the XADD: they wait for the next batch, which frees
        room. Raised, the refusal failed the batch before its acknowledgement, and every
        later ingest took the same batch and failed on it again."""
        self.unkept += rejected
        if not self.unkept:
            return
        pipe = self.server.pipeline()
        for message_id, fields, reason in self.unkept:
            pipe.xadd(REJECTED_STREAM, {**fields, b"reason": reason, b"message_id": message_id})
        try:
            pipe.execute()
        except OutOfMemoryError:
            self.note_full_redis()
            return
        self.result.rejected += len(self.unkept)
        self.unkept = []

    def acknowledge(self, ids: list[bytes]) -> None:
        """Done with these messages: acknowledged, and deleted (they hold whole pages). Not
        in a MULTI: a Redis at its maxmemory refuses every command queued in one, and this is
        what frees its memory. A writer killed between the two leaves an acknowledged entry
        that no one reads again."""
        pipe = self.server.pipeline(transaction=False)
        pipe.xack(STREAM, GROUP, *ids)
        pipe.xdel(STREAM, *ids)
        pipe.execute()

    def _committed_fetches(self, readable: list[Message]) -> set[str]:
        ids = [message.data["fetch_id"] for message in readable
               if message.kind in ("fetch", "page")]
        if not ids:
            return set()
        return {row[0] for row in self.db.execute(
            "select fetch_id from pages where fetch_id in (select value from json_each(?))",
            [json.dumps(ids)])}

    def _committed_articles(self, readable: list[Message]) -> set[tuple[str, str]]:
        urls = [message.data["canonical_url"] for message in readable
                if message.kind == "article"]
        if not urls:
            return set()
        return set(self.db.execute(
            "select canonical_url, fetched_at from articles where canonical_url in "
            "(select value from json_each(?))", [json.dumps(urls)]).fetchall())

    def _write_fetch(self, data: dict, body: bytes) -> None:
        fields = data["exchange"]
        exchange = Exchange(**{
            **fields, "body": body, "run_id": self.run_id,
            "request_headers": [tuple(pair) for pair in fields["request_headers"]],
            "response_headers": [tuple(pair) for pair in fields["response_headers"]]})
        stored = self.writer(exchange.site).add_fetch(
            exchange, latency_ms=data["latency_ms"], fetch_id=data["fetch_id"])
        self.warc_pointers[(exchange.url, exchange.fetched_at)] = (stored.file, stored.offset)

    def _write_article(self, article: dict) -> None:
        article["warc_file"], article["warc_offset"] = self._warc_pointer(
            article["site"], article["url"], article["fetched_at"])
        self.writer(article["site"]).add_article(article)

    def _write_attachment(self, attachment: dict) -> None:
        if attachment.get("fetched_at"):  # a document that could not be fetched has none
            attachment["warc_file"], attachment["warc_offset"] = self._warc_pointer(
                attachment["site"], attachment["url"], attachment["fetched_at"])
        self.writer(attachment["site"]).add_attachment(attachment)

    def _warc_pointer(self, site: str, url: str,
                      fetched_at: str) -> tuple[str | None, int | None]:
        """Where the response fetched from `url` at `fetched_at` was stored: by this writer,
        or by an earlier one (its fetch's message came again after a restart, and was
        skipped as archived)."""
        return (self.warc_pointers.pop((url, fetched_at), None)
                or stored_pointer(self.db, site, url, fetched_at))

    def _note_closed(self, data: dict) -> None:
        report = self.reports[data["site"]]
        report.stats.update(data["stats"])
        report.errors_by_kind.update(data["errors_by_kind"])
        report.reasons.add(data["reason"])

    def _publish(self, written: dict[str, dict[str, str]]) -> None:
        """Publish what was written, and what a full Redis refused before."""
        for site, urls in written.items():
            self.unpublished[site].update(urls)
        try:
            if self.publish_all:
                publish_archive(self.server, self.db)
                self.publish_all = False
            for site in list(self.unpublished):
                self.server.hset(archived_key(site), mapping=self.unpublished[site])
                del self.unpublished[site]
        except OutOfMemoryError:
            self.note_full_redis()

    def note_full_redis(self) -> None:
        """A Redis at its maxmemory refuses new keys but lets the writer read, acknowledge
        and delete, which frees it: what is to publish waits for the next batch."""
        if not self.full_noted:
            self.full_noted = True
            logger.warning("Redis is at its maxmemory: the archived URLs are published once "
                           "this writer has freed room (the workers cannot send meanwhile)")

    # The run ---------------------------------------------------------------------------------
    def close(self, status: str) -> None:
        """Each site's `site_runs` row (with the workers' statistics), then the run's."""
        if self.unkept:
            self._set_aside([])
        if self.unkept:
            logger.error("%d unreadable messages could not be set aside in %s (Redis is "
                         "full): they are lost; their ids: %s", len(self.unkept),
                         REJECTED_STREAM, ", ".join(m.decode() for m, _, _ in self.unkept[:20]))
        for site, writer in self.writers.items():
            report = self.reports.get(site, SiteReport())
            writer.counts.errors += sum(report.errors_by_kind.values())
            writer.counts.errors_by_kind.update(report.errors_by_kind)
            reasons = report.reasons - {"finished"}
            reason = (sorted(reasons)[0] if reasons else "finished" if report.reasons
                      else "worker_not_finished")
            writer.close(stats={name: report.stats[name] for name in REPORTED_STATS},
                         reason=reason)
        finish_run(self.db, self.run_id, status)
        self.db.execute("update crawl_runs set sites = ? where id = ?",
                        [json.dumps(sorted(self.writers)), self.run_id])
        self.db.conn.commit()
        self.db.close()
        self.result.status = status


def stored_pointer(db, site: str, url: str, fetched_at: str) -> tuple[str | None, int | None]:
    """The WARC record of the site's fetch of `url` at `fetched_at`, if the archive has it:
    found by the index of a site's pages by URL, where the URL alone read every fetch."""
    return next(db.execute(
        "select warc_file, warc_offset from pages where site = ? and url = ? and "
        "fetched_at = ? and warc_file is not null order by id desc limit 1",
        [site, url, fetched_at]), (None, None))


def publish_archive(server: Redis, db) -> None:
    """Every archived article's URL and fetch time, for the workers' frontier."""
    pipe = server.pipeline(transaction=False)
    # With the old addresses of articles that moved (crawler/moves.py), as a local frontier.
    rows = db.execute("select site, canonical_url, fetched_at from articles union all select "
                      "a.site, x.alias, a.fetched_at from article_aliases x join articles a on "
                      "a.canonical_url = x.canonical_url")
    while chunk := rows.fetchmany(PUBLISH_CHUNK):
        for site, url, fetched_at in chunk:
            pipe.hset(archived_key(site), url, fetched_at or "")
        pipe.execute()


def ensure_group(server: Redis) -> None:
    # Looked up first: XGROUP CREATE is refused by a Redis at its maxmemory even when the
    # group exists, and the writer is what frees that memory.
    try:
        if any(group["name"] == GROUP.encode() for group in server.xinfo_groups(STREAM)):
            return
    except ResponseError:  # no stream yet
        pass
    try:
        server.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def ingest(redis_url: str, db_path: str, idle_timeout: float = 60.0, batch_size: int = 200,
           progress=None, batch_bytes: int | None = None) -> IngestResult:
    """Drain the workers' stream into the archive until it has been empty for `idle_timeout`
    seconds and no worker is alive (SIGTERM stops it after the batch in hand)."""
    with Redis.from_url(redis_url) as probe:  # a wrong address fails at once, not after the
        probe.ping()  # patience
        check_eviction_policy(probe)
    server = Redis.from_url(redis_url, **patient_params(Patience(INGEST_PATIENCE)))
    ensure_group(server)
    with archive_lock(db_path):
        claim = StreamClaim(server, db_path)
        claim.take()  # one writer per stream, as one per archive (archive/ingest_claim.py)
        try:
            return _ingest(server, db_path, idle_timeout, batch_size, batch_bytes, progress,
                           claim)
        finally:
            claim.release()


def _ingest(server: Redis, db_path: str, idle_timeout: float, batch_size: int,
            batch_bytes: int | None, progress, claim: StreamClaim) -> IngestResult:
    check_before_writing(db_path)
    mark_stuck_runs(db_path)
    ingester = Ingester(server, db_path, batch_size, batch_bytes)
    ingester.claim_lost = claim.lost
    try:
        publish_archive(server, ingester.db)
    except OutOfMemoryError:
        ingester.publish_all = True
        ingester.note_full_redis()

    def stop(signum, frame) -> None:
        ingester.stopping = True

    previous = signal.signal(signal.SIGTERM, stop)
    status = "failed"
    try:
        _drain(server, ingester, idle_timeout, progress, claim)
        status = ("failed" if ingester.claim_lost.is_set()  # another writer took over
                  else "interrupted" if ingester.stopping else "finished")
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        signal.signal(signal.SIGTERM, previous)
        ingester.close(status)
    return ingester.result


def _drain(server: Redis, ingester: Ingester, idle_timeout: float, progress,
           claim: StreamClaim) -> None:
    # A writer that died left its batch pending: take it over and write it first.
    server.xautoclaim(STREAM, GROUP, CONSUMER, min_idle_time=0, start_id="0-0",
                      count=1_000_000)
    since = time.monotonic()
    position = "0"  # this consumer's pending messages, then new ones (">")
    while not ingester.stopping:
        if ingester.claim_lost.is_set():  # another writer has the stream now
            ingester.stopping = True
            break
        try:
            messages = _read_batch(server, ingester, position)
        except ResponseError as error:
            if not _data_gone(error):
                raise
            _start_again(server, ingester)
            position = ">"
            continue
        if messages:
            ingester.write_batch(messages)
            claim.take_again()  # started at a full Redis: the batch freed room
            since = time.monotonic()
            if progress:
                progress(ingester.result.messages)
        elif position == "0":
            position = ">"
        else:
            if ingester.unpublished or ingester.publish_all:
                ingester._publish({})  # what a full Redis refused: the batches freed room
            if time.monotonic() - since >= idle_timeout and not workers_alive(server):
                return


def _read_batch(server: Redis, ingester: Ingester, position: str) -> list:
    """The next batch: at most `batch_size` messages and about `batch_bytes` bytes. Read in
    as many calls as it takes, each asking for as many messages as would fit in the bytes left
    were each as big as the biggest seen yet (XREADGROUP counts messages, not bytes)."""
    messages: list = []
    size = 0
    while len(messages) < ingester.batch_size and size < ingester.batch_bytes:
        count = ingester.batch_size - len(messages)
        # One message at first, to learn a size.
        biggest = ingester.biggest_message
        count = max(1, min(count, (ingester.batch_bytes - size) // biggest)) if biggest else 1
        answer = server.xreadgroup(GROUP, CONSUMER, {STREAM: position}, count=count,
                                   block=None if messages else 500)
        read = answer[0][1] if answer else []
        if not read:
            break
        for _, fields in read:
            length = sum(len(key) + len(value) for key, value in (fields or {}).items())
            ingester.biggest_message = max(ingester.biggest_message, length)
            size += length
        messages += read
        if position != ">":  # this consumer's pending messages: go on after the last read
            position = read[-1][0]
    return messages


def _data_gone(error: ResponseError) -> bool:
    """Whether Redis no longer has the stream or its group: flushed, or restarted without its
    data (its `save` and `appendonly` off)."""
    return str(error).startswith(("NOGROUP", "UNBLOCKED the stream key no longer exists"))


def _start_again(server: Redis, ingester: Ingester) -> None:
    """Redis lost the stream, the group and the archived URLs under the writer: before, it
    died with a traceback. Make the group again for what the workers send next, and publish
    the archive again so they do not fetch every archived article once more."""
    logger.error("Redis lost its data under this writer (restarted without saving it, or "
                 "flushed): what the workers had sent and was not yet written is gone, and so "
                 "is their shared frontier; the writer goes on with what they send next")
    ensure_group(server)
    ingester.publish_all = True
    ingester._publish({})


def workers_alive(server: Redis) -> bool:
    """Whether any worker still beats: one busy with a slow site may send more later."""
    return next(server.scan_iter(match=worker_key("*")), None) is not None
