"""`vnarchive ingest` and messages it cannot write: another version's worker, a message cut or
garbled on its way. Each is set aside in the rejected stream, whole and with the reason; the
rest of its batch is written, and the stream drains."""

from __future__ import annotations

import json
import random

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import rejected as rejected_module
from archive.ingest import ingest
from archive.stream import REJECTED_STREAM, STREAM
from archive.stream_messages import UnreadableMessage, read_message
from archive.warc import Exchange
from archive.writer import warc_folder
from crawler.distributed import RedisArchiveSink, connect
from tests.conftest import query, run_vnarchive

pytestmark = pytest.mark.timeout(120)

SITE = "testweb_lynhan"
FETCHED_AT = "2025-07-01T01:00:00+00:00"
COLUMNS = {"pages": {"id", "site", "url", "status", "fetched_at", "bytes", "error", "kind",
                     "fetch_id", "run_id"},
           "sites": {"name", "title", "kind"}}


def article(number: int) -> dict:
    url = f"http://127.0.0.1:1/tin-tuc/Pages/bai-{number}.aspx"
    return {"canonical_url": url, "url": url, "site": SITE, "title": f"Bài {number}",
            "text": "Huyện ủy họp phiên thường kỳ.", "fetched_at": FETCHED_AT, "status": 200,
            "is_meeting_report": 0, "warnings": ["no_date"],
            "meeting": {"kind": "so_ket", "locality": "Lý Nhân",
                        "officials": [{"name": "Nguyễn Văn A", "title": "Bí thư"}],
                        "figures": [{"text": "12 tỷ đồng", "value": 12e9, "unit": "đồng",
                                     "label": "thu ngân sách"}]}}


def send_good_messages(redis_url: str, count: int) -> None:
    """What a worker of this version sends: its site, fetches and articles."""
    sink = RedisArchiveSink(connect(redis_url), SITE, "w1")
    sink.record_site({"name": SITE, "title": "Lý Nhân", "kind": "portal"})
    for number in range(count):
        sent = article(number)
        sink.add_fetch(Exchange(url=sent["url"], fetched_at=FETCHED_AT, method="GET",
                                request_headers=[("Accept", "text/html")], status=200,
                                reason="OK", response_headers=[("Content-Type", "text/html")],
                                body=b"<html><p>Bai</p></html>", site=SITE, kind="article"),
                       latency_ms=5)
        sink.add_article(sent)


def fields(kind: str, data, body: bytes = b"") -> dict:
    return {b"kind": kind.encode(), b"worker": b"w9",
            b"data": data if isinstance(data, bytes) else json.dumps(data).encode(),
            b"body": body}


# What other versions, cut messages and flipped bytes can look like.
POISON = {
    "no kind": {b"data": b"{}"},
    "an unknown kind": fields("article_v2", article(90)),
    "data that is not JSON": fields("article", b'{"canonical_url": "http://a'),
    "data that is not UTF-8": fields("article", b'{"site": "\xff"}'),
    "a title with half a UTF-16 pair": fields("article", {**article(97), "title": "B\ud800i"}),
    "data that is a list": fields("article", [article(91)]),
    "an article without its URL": fields("article", {**article(92), "canonical_url": None}),
    "an article with a column this archive lacks": fields("article", {**article(93),
                                                                       "summary": "x"}),
    "an article whose title is an object": fields("article", {**article(94),
                                                              "title": {"vi": "Bài"}}),
    "an article whose fetch time is no date": fields("article", {**article(95),
                                                                 "fetched_at": "hôm qua"}),
    "an official without a name": fields("article", {**article(96), "meeting": {
        "officials": [{"title": "Bí thư"}]}}),
    "a figure without its unit": fields("article", {**article(98), "meeting": {
        "figures": [{"text": "12 tỷ đồng", "value": 12e9, "label": "thu ngân sách"}]}}),
    "a fetch whose exchange lacks its status": fields("fetch", {
        "fetch_id": "f1", "latency_ms": 1, "exchange": {
            "url": "http://127.0.0.1:1/x", "fetched_at": FETCHED_AT, "method": "GET",
            "request_headers": [], "reason": "OK", "response_headers": [], "site": SITE,
            "kind": "article"}}),
    "a fetch with headers that are not pairs": fields("fetch", {
        "fetch_id": "f2", "latency_ms": 1, "exchange": {
            "url": "http://127.0.0.1:1/y", "fetched_at": FETCHED_AT, "method": "GET",
            "request_headers": [["Accept"]], "status": 200, "reason": "OK",
            "response_headers": [], "site": SITE, "kind": "article"}}),
    "a page with a column this archive lacks": fields("page", {
        "fetch_id": "f3", "page": {"site": SITE, "url": "http://127.0.0.1:1/z",
                                   "http_version": "2"}}),
    "a site with a column this archive lacks": fields("site", {"name": SITE, "motto": "x"}),
    "a mark whose URLs are not texts": fields("mark", {"site": SITE, "urls": [1],
                                                       "error": "soft_404"}),
    "a count that is not a number": fields("closed", {"site": SITE, "reason": "finished",
                                                      "stats": {"x": "many"},
                                                      "errors_by_kind": {}}),
}


@pytest.mark.parametrize("name", sorted(POISON))
def test_a_message_the_writer_cannot_take_is_unreadable(name):
    with pytest.raises(UnreadableMessage):
        read_message(POISON[name], COLUMNS)


def test_the_messages_a_worker_sends_are_readable(redis_url):
    send_good_messages(redis_url, 2)
    entries = connect(redis_url).xrange(STREAM)
    assert [read_message(entry, COLUMNS).kind for _, entry in entries] == [
        "site", "fetch", "article", "fetch", "article"]


def test_a_batch_with_unwritable_messages_writes_the_rest_and_sets_them_aside(redis_url,
                                                                                tmp_path):
    db = tmp_path / "a.db"
    server = connect(redis_url)
    send_good_messages(redis_url, 3)
    for entry in POISON.values():
        server.xadd(STREAM, entry)
    send_good_messages(redis_url, 5)  # after them, in the same batch
    sent = server.xlen(STREAM)

    result = run_vnarchive("ingest", "--redis", redis_url, "--db", str(db), "--idle-timeout",
                           "0.5")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{len(POISON)} messages could not be written" in result.stderr
    assert query(db, "select count(*) from articles") == [(5,)]  # five URLs, sent twice
    assert query(db, "select count(*) from officials") == [(5,)]
    assert server.xlen(STREAM) == 0
    rejected = server.xrange(REJECTED_STREAM)
    assert len(rejected) == len(POISON) and sent == 1 + 2 * 3 + len(POISON) + 1 + 2 * 5
    for (_, kept), original in zip(rejected, POISON.values(), strict=True):
        assert {key: kept[key] for key in original} == original  # kept whole
        assert kept[b"reason"] and kept[b"message_id"]
    again = ingest(redis_url, str(db), idle_timeout=0.2)
    assert (again.status, again.messages, again.rejected) == ("finished", 0, 0)


def test_a_message_sent_twice_in_one_batch_is_written_once(redis_url, tmp_path):
    """redis-py sends an XADD again when the answer to the first was lost, though Redis may have
    run it: both copies then reach one batch, and the second was written too (a second pages
    row and WARC record of one fetch)."""
    db = tmp_path / "a.db"
    server = connect(redis_url)
    send_good_messages(redis_url, 2)
    for _, entry in server.xrange(STREAM):
        server.xadd(STREAM, entry)  # each message again, as a resent XADD leaves it
    result = ingest(redis_url, str(db), idle_timeout=0.2)
    assert (result.status, result.messages) == ("finished", 10)
    assert query(db, "select count(*), count(distinct fetch_id) from pages") == [(2, 2)]
    assert query(db, "select count(*) from articles") == [(2,)]
    assert result.skipped == 4  # two fetches, two articles
    fetches = 0  # the second body, the same bytes, is a revisit record
    for warc in warc_folder(str(db)).glob("*.warc.gz"):
        with warc.open("rb") as handle:
            fetches += sum(record.rec_type in ("response", "revisit")
                           for record in ArchiveIterator(handle))
    assert fetches == 2


def mutated(message: dict, draw: random.Random) -> dict:
    """A worker message with one value replaced, one key dropped or one key added."""
    data = json.loads(message[b"data"])
    targets = [data]  # the message's objects, nested ones too
    for value in data.values():
        targets += [value] if isinstance(value, dict) else []
    meeting = data.get("meeting") or {}
    targets += [item for key in ("officials", "figures") for item in meeting.get(key, [])]
    target = draw.choice(targets)
    key = draw.choice(sorted(target))
    change = draw.randrange(3)
    if change == 0:
        target[key] = draw.choice([None, 0, -1, 1.5, True, "", "x", [], {}, [["a"]], {"a": 1}])
    elif change == 1:
        del target[key]
    else:
        target[draw.choice(["extra", "title", "v2"])] = draw.choice([1, "x", [1], {}])
    return {**message, b"data": json.dumps(data).encode()}


def test_mutated_worker_messages_never_fail_a_batch(redis_url, tmp_path):
    """Whatever one value, key or extra key does to a message, ingest ends its run: the
    message is written or set aside, never the reason a batch fails."""
    server = connect(redis_url)
    send_good_messages(redis_url, 4)
    originals = [entry for _, entry in server.xrange(STREAM)]
    draw = random.Random(19)
    for _ in range(600):
        server.xadd(STREAM, mutated(draw.choice(originals), draw))
    result = ingest(redis_url, str(tmp_path / "a.db"), idle_timeout=0.2, batch_size=50)
    assert result.status == "finished"
    assert result.messages == len(originals) + 600 and 0 < result.rejected < 600
    assert server.xlen(STREAM) == 0


def test_set_aside_messages_are_listed_put_back_and_deleted(redis_url, tmp_path):
    """`vnarchive rejected` lists what ingest set aside, with the reason and what each message
    is about; --requeue moves them back, whole, for the next ingest (which sets aside again
    what it still cannot write: nothing is lost on the way); --delete ends them."""
    db = tmp_path / "a.db"
    server = connect(redis_url)
    send_good_messages(redis_url, 2)
    poison = {name: POISON[name] for name in ("an unknown kind", "data that is not JSON",
                                              "an article with a column this archive lacks")}
    for entry in poison.values():
        server.xadd(STREAM, entry)
    assert run_vnarchive("ingest", "--redis", redis_url, "--db", str(db),
                         "--idle-timeout", "0.5").returncode == 0
    set_aside = server.xrange(REJECTED_STREAM)

    listed = run_vnarchive("rejected", "--redis", redis_url)
    assert listed.returncode == 0, listed.stderr[-3000:]
    lines = listed.stdout.splitlines()
    assert lines[-1] == "3 messages set aside"
    rows = lines[2:-1]  # under the header and its rule
    assert len(rows) == 3
    for row, (_, kept) in zip(rows, set_aside, strict=True):
        assert row.startswith(kept[b"message_id"].decode())
        assert row.endswith(kept[b"reason"].decode())
    assert "article_v2" in rows[0] and article(90)["canonical_url"] in rows[0]
    assert article(93)["canonical_url"] in rows[2] and SITE in rows[2]
    assert "1 messages set aside" in run_vnarchive("rejected", "--redis", redis_url,
                                                   "--limit", "1").stdout

    put_back = run_vnarchive("rejected", "--redis", redis_url, "--requeue")
    assert put_back.stdout.strip() == "3 messages put back for `vnarchive ingest`"
    assert server.xlen(REJECTED_STREAM) == 0
    assert [fields for _, fields in server.xrange(STREAM)] == list(poison.values())
    again = ingest(redis_url, str(db), idle_timeout=0.2)
    assert (again.status, again.messages, again.rejected) == ("finished", 3, 3)
    assert server.xlen(STREAM) == 0
    assert [{key: kept[key] for key in original} for (_, kept), original in zip(
        server.xrange(REJECTED_STREAM), poison.values(), strict=True)] == list(poison.values())

    assert run_vnarchive("rejected", "--redis", redis_url, "--delete").stdout.strip() == (
        "3 messages deleted")
    assert server.xlen(REJECTED_STREAM) == 0
    assert query(db, "select count(*) from articles") == [(2,)]


def test_rejected_messages_are_read_a_page_at_a_time(redis_url, monkeypatch):
    """More set-aside messages than one read brings: every one is listed once, in order."""
    monkeypatch.setattr(rejected_module, "PAGE", 3)
    server = connect(redis_url)
    for number in range(8):
        server.xadd(REJECTED_STREAM, {**POISON["an unknown kind"], b"reason": b"r",
                                      b"message_id": f"1-{number}".encode()})
    assert [m.message_id for m in rejected_module.rejected_messages(server)] == [
        f"1-{number}" for number in range(8)]
    assert [m.message_id for m in rejected_module.rejected_messages(server, limit=4)] == [
        f"1-{number}" for number in range(4)]
    rejected_module.requeue(server, list(rejected_module.rejected_messages(server)))
    assert server.xlen(REJECTED_STREAM) == 0 and server.xlen(STREAM) == 8


def test_a_message_set_aside_at_a_full_redis_waits_for_room():
    """At its maxmemory Redis refuses the XADD that keeps an unreadable message aside. That
    refusal failed the batch before its acknowledgement, so every later ingest took the same
    batch and failed on it again; now the message waits for the next batch's room."""
    from redis.exceptions import OutOfMemoryError

    from archive.ingest import Ingester, IngestResult

    class Pipe:
        def __init__(self, server):
            self.server, self.added = server, []

        def xadd(self, stream, fields):
            self.added.append(fields[b"message_id"])

        def execute(self):
            if self.server.full:
                raise OutOfMemoryError("OOM command not allowed when used memory > 'maxmemory'")
            self.server.kept += self.added

    class Server:
        full, kept = True, []

        def pipeline(self):
            return Pipe(self)

    writer = Ingester.__new__(Ingester)  # only what setting aside reads
    writer.server, writer.unkept, writer.full_noted = Server(), [], False
    writer.result = IngestResult(run_id=1, status="running")
    writer._set_aside([(b"1-0", {b"kind": b"?"}, "an unknown kind")])
    assert (writer.server.kept, writer.result.rejected) == ([], 0)
    writer.server.full = False
    writer._set_aside([(b"2-0", {b"kind": b"?"}, "an unknown kind")])
    assert (writer.server.kept, writer.result.rejected) == ([b"1-0", b"2-0"], 2)
