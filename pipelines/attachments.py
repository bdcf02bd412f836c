"""Attachments: the documents articles link as "File đính kèm" (PDF, DOC, DOCX).

The spider fetches them under their own size limit (VNARCHIVE_ATTACHMENT_MAXSIZE, through
Scrapy's `download_maxsize` request meta); the raw file goes to the WARC files like every
response. This pipeline step records each as an `attachments` row: its type (from its first
bytes, else its name), size, SHA-256 and text. The text is extracted in a child process
(pipelines/attachment_text.py) under a time and memory limit, so a malformed or hostile file
costs one row's error, never the crawl. Legacy Word .doc files are kept without text: no
well-kept package reads them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import signal
import subprocess
import sys
from urllib.parse import urlsplit

from crawler.archiving import writer_for
from crawler.items import AttachmentItem

logger = logging.getLogger(__name__)

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".doc": "doc"}
DOCX_CONTENT_TYPE = "wordprocessingml"


def attachment_type(body: bytes, content_type: str | None, url: str) -> str:
    """pdf, docx, doc or other: by the file's first bytes, then by its name."""
    path = urlsplit(url).path.lower()
    by_name = next((kind for extension, kind in EXTENSIONS.items() if path.endswith(extension)),
                   None)
    if body.startswith(b"%PDF-"):
        return "pdf"
    if body.startswith(OLE_MAGIC):
        return "doc"
    if body.startswith(b"PK\x03\x04") and (by_name == "docx"
                                            or DOCX_CONTENT_TYPE in (content_type or "")):
        return "docx"
    return by_name or "other"


def extract_text(body: bytes, kind: str, timeout: int, memory_mb: int) -> tuple[str | None,
                                                                                  str | None]:
    """(text, None) or (None, why there is none), from a child process under limits."""
    if kind == "doc":
        return None, "legacy Word .doc: kept without text (no extractor for this format)"
    if kind not in ("pdf", "docx"):
        return None, "not a PDF or DOCX file: kept without text"
    command = [sys.executable, "-m", "pipelines.attachment_text", kind, str(memory_mb),
               str(timeout)]
    try:
        # The child's own CPU limit ends it first; this wall-clock limit is the backstop
        # (a child that sleeps or waits uses no CPU), generous for a busy machine.
        done = subprocess.run(command, input=body, capture_output=True,
                              timeout=2 * timeout + 10)
    except subprocess.TimeoutExpired:
        return None, f"text extraction stopped at its time limit ({timeout} s)"
    if done.returncode != 0:
        return None, f"text extraction died: {_exit_reason(done.returncode)}"
    try:
        result = json.loads(done.stdout)
    except ValueError:
        return None, "text extraction gave no result"
    return result.get("text"), result.get("error")


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        name = signal.Signals(-returncode).name
        limit = {"SIGXCPU": " (time limit)", "SIGKILL": " (killed: a limit?)"}.get(name, "")
        return f"{name}{limit}"
    return f"exit status {returncode} (out of memory?)" if returncode == 1 else (
        f"exit status {returncode}")


class AttachmentPipeline:
    """Extract each attachment's text (one child process at a time) and write its row."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.timeout = settings.getint("VNARCHIVE_ATTACHMENT_TIMEOUT", 30)
        self.memory_mb = settings.getint("VNARCHIVE_ATTACHMENT_MEMORY_MB", 512)
        self._one_at_a_time: asyncio.Semaphore | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        if not isinstance(item, AttachmentItem):
            return item
        row = {"canonical_url": item["article_url"], "url": item["url"],
               "link_text": item.get("link_text"), "content_type": item.get("content_type"),
               "fetched_at": item.get("fetched_at"), "warc_file": item.get("warc_file"),
               "warc_offset": item.get("warc_offset"), "error": item.get("error")}
        body = item.get("body")
        row["type"] = attachment_type(body or b"", row["content_type"], item["url"])
        if row["error"] is None and body is not None:
            row.update(size=len(body), sha256=hashlib.sha256(body).hexdigest())
            if self._one_at_a_time is None:
                self._one_at_a_time = asyncio.Semaphore(1)
            async with self._one_at_a_time:
                row["text"], row["error"] = await asyncio.to_thread(
                    extract_text, body, row["type"], self.timeout, self.memory_mb)
        if row["error"]:
            logger.warning("attachment %s of %s: %s", item["url"], item["article_url"],
                           row["error"])
        self.crawler.stats.inc_value("vnarchive/attachments")
        writer_for(self.crawler).add_attachment(row)
        return item
