"""A Common Crawl in miniature, on loopback: its index server and its data server.

Common Crawl publishes one CDX index per crawl (`/CC-MAIN-2024-33-index?url=...&output=json`,
one JSON object per line, each naming the WARC file, offset and length of a capture) and the
WARC files themselves, read with HTTP byte ranges. This serves both from WARC files a crawl of
the test web wrote, so `vnarchive crawl --commoncrawl` is tested end to end without the
network. It counts the requests it answers.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from warcio.archiveiterator import ArchiveIterator

from testweb.server import LocalWebServer

CRAWL = "CC-MAIN-2099-01"
SEGMENT = f"crawl-data/{CRAWL}/segments/0000/warc/"
PAGE_SIZE = 8  # captures per index page, small so that the paging is exercised


@dataclass(frozen=True)
class IndexEntry:
    url: str
    timestamp: str
    status: str
    mime: str
    digest: str
    filename: str
    offset: int
    length: int

    def as_json(self) -> str:
        return json.dumps({"url": self.url, "timestamp": self.timestamp, "status": self.status,
                           "mime": self.mime, "digest": self.digest, "length": str(self.length),
                           "offset": str(self.offset), "filename": self.filename})


def index_warcs(paths: list[Path]) -> list[IndexEntry]:
    """The CDX entries of every response record of the files."""
    entries = []
    for path in paths:
        with open(path, "rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                if record.rec_type != "response":
                    continue
                headers = record.rec_headers
                http = record.http_headers
                mime = (http.get_header("Content-Type") or "").split(";")[0].strip()
                date = headers.get_header("WARC-Date")
                record.content_stream().read()
                entries.append(IndexEntry(
                    url=headers.get_header("WARC-Target-URI"),
                    timestamp="".join(c for c in date if c.isdigit())[:14],
                    status=http.get_statuscode(), mime=mime,
                    digest=(headers.get_header("WARC-Payload-Digest") or "").removeprefix(
                        "sha1:"),
                    filename=SEGMENT + path.name, offset=iterator.get_record_offset(),
                    length=iterator.get_record_length()))
    # In URL and time order, as a CDX server answers (its index is sorted by URL key), not in
    # the order a recording's concurrent fetches happened to finish: the index pages then hold
    # the same captures in every run.
    return sorted(entries, key=lambda entry: (entry.url.split("://", 1)[-1], entry.timestamp))


# What an index page may answer instead of its lines (`broken_pages`): an error that retries
# do not cure, a rate-limit page served with 200, a page whose lines are partly garbage, a page
# whose first three lines are JSON with fields of the wrong kind (a filename holding half a
# UTF-16 pair, a URL that is a number, a filename that is null), a page whose first three lines
# point at the wrong bytes (the first two at each other's records, the third at half of its own).
BROKEN_ANSWERS = ("error", "rate-limit page", "garbled lines", "odd fields", "wrong records")


ODD_FIELDS = (("filename", "crawl-data/\ud800.warc.gz"), ("url", 12345), ("filename", None))


def odd_fields(line: str, field: str, value) -> str:
    return json.dumps({**json.loads(line), field: value})


def wrong_records(lines: list[str]) -> list[str]:
    first, second, third = (json.loads(line) for line in lines)
    place = ("offset", "length")
    first_place = {key: first[key] for key in place}
    first.update({key: second[key] for key in place})
    second.update(first_place)
    third["length"] = str(int(third["length"]) // 2)
    return [json.dumps(entry) for entry in (first, second, third)]


class CommonCrawlServer:
    """`with CommonCrawlServer(warcs) as cc:` then `cc.index_url` is what `--commoncrawl`
    takes. `broken_pages` maps an index page number to one of BROKEN_ANSWERS."""

    def __init__(self, warc_files: list[Path], broken_pages: dict[int, str] | None = None):
        self.broken_pages = broken_pages or {}
        self.files = {SEGMENT + Path(path).name: Path(path) for path in warc_files}
        self.entries = index_warcs([Path(path) for path in warc_files])
        self.requests: Counter = Counter()
        self.server = LocalWebServer(("127.0.0.1", 0), self._handler())

    @property
    def index_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/{CRAWL}-index"

    def lookup(self, query: dict[str, list[str]]) -> list[IndexEntry]:
        """Entries whose URL (without its scheme) starts with the asked prefix."""
        prefix = query.get("url", [""])[0]
        return [entry for entry in self.entries
                if entry.url.split("://", 1)[-1].startswith(prefix)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                parts = urlsplit(self.path)
                server.requests[parts.path] += 1
                if parts.path == f"/{CRAWL}-index":
                    query = parse_qs(parts.query)
                    found = server.lookup(query)
                    if "showNumPages" in query:
                        pages = -(-len(found) // PAGE_SIZE)
                        self.answer(200, "application/json", json.dumps(
                            {"pages": pages, "pageSize": PAGE_SIZE}).encode())
                        return
                    page = int(query.get("page", ["0"])[0])
                    lines = [e.as_json() for e in found[page * PAGE_SIZE:][:PAGE_SIZE]]
                    broken = server.broken_pages.get(page)
                    if broken == "error":
                        self.answer(503, "text/plain", b"Service Unavailable")
                    elif broken == "rate-limit page":
                        self.answer(200, "text/html", b"<html><body>Slow down</body></html>")
                    else:
                        if broken == "garbled lines":  # the first two lines are lost
                            lines[:2] = ['{"url": "http://a.vn/x", "timest', "\x00garbage"]
                        if broken == "wrong records":
                            lines[:3] = wrong_records(lines[:3])
                        if broken == "odd fields":
                            lines[:3] = [odd_fields(line, field, value) for line, (field, value)
                                         in zip(lines, ODD_FIELDS, strict=False)]
                        self.answer(200, "text/x-ndjson", "\n".join(lines).encode())
                elif parts.path.lstrip("/") in server.files:
                    self.answer_range(server.files[parts.path.lstrip("/")])
                else:
                    self.answer(404, "text/plain", b"not found")

            def answer_range(self, path: Path) -> None:
                data = path.read_bytes()
                spec = self.headers.get("Range", "").removeprefix("bytes=")
                if not spec:
                    self.answer(200, "application/warc", data)
                    return
                start, _, end = spec.partition("-")
                chunk = data[int(start):int(end) + 1 if end else None]
                self.answer(206, "application/warc", chunk)

            def answer(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        return Handler

    def start(self) -> CommonCrawlServer:
        threading.Thread(target=self.server.serve_forever, daemon=True,
                         name="commoncrawl").start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> CommonCrawlServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
