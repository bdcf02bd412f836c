"""`vnarchive reprocess`'s task for one stored article, run in a worker (archive/reprocess.py
hands the pages out). A module of its own so the workers import only what reading a page back
and processing it needs, not the archive writer the reprocess process runs.
"""

from __future__ import annotations

from pathlib import Path

from archive.sites import SiteFacts
from archive.warc import ReadRecord, read_payload
from pipelines.encodings import declared_charset
from pipelines.page_task import NotAnArticle, process_archived_page
from pipelines.site_region import RegionReport, RegionRequest


def process_stored(directory: str, record: ReadRecord, profile: SiteFacts | None,
                   region: RegionRequest) -> tuple[dict | str, RegionReport | None] | str:
    """One article, in a worker: its payload read from the WARC file and processed in the
    region asked for, with what the page taught about that region; the reason as a string
    when the page holds no article."""
    try:
        body = read_payload(Path(directory), record.payload_file, record.payload_offset)
    except Exception as error:  # a record garbled after its headers were read
        return UnreadablePayload(f"{record.payload_file}@{record.payload_offset}: "
                                 f"{type(error).__name__}")
    declared = declared_charset(record.headers.get("content-type"), body)
    try:
        return process_archived_page(body, record.url, declared, region,
                                     profile and profile.owner)
    except NotAnArticle as reason:
        return str(reason), None


class UnreadablePayload(str):
    """The reason an article's payload could not be read back from its WARC file."""
