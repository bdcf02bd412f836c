"""An archived article's page, decoded: what `vnarchive page URL` prints.

The archive keeps each response's bytes in its WARC files, and the decoded page in
`article_sources` only for an article no WARC record holds (archive/article_rows.py
`kept_page`; archives written before that rule kept every page there). A page read from its
record is decoded as the extraction decoded it (pipelines/page_text.py): the charset its
headers or markup declare, or whichever reads best as Vietnamese, normalised to NFC.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveError
from archive.query import has_table, reading
from archive.warc import StoredResponse, response_at
from archive.warc_folders import warc_folder
from pipelines.encodings import declared_charset
from pipelines.page_text import page_text
from pipelines.urls import canonical_url


class PageNotKept(ArchiveError):
    """The archive holds no such article, or no copy of its page."""


@dataclass
class StoredPage:
    canonical_url: str
    html: str
    encoding: str | None  # the encoding its bytes were read in
    source: str  # "article_sources", or the WARC file and offset the bytes were read from


def stored_page(db_path: str, url: str) -> StoredPage:
    """The decoded page of the article at `url` (any form of its address, or one it moved
    from)."""
    with reading(db_path) as connection:
        key = _article_key(connection, url)
        found = connection.execute(
            "select a.warc_file, a.warc_offset, s.html, s.encoding from articles a "
            "left join article_sources s using (canonical_url) where a.canonical_url = ?",
            [key]).fetchone()
        if found is None:
            raise PageNotKept(f"no article at {url} in {db_path}")
        warc_file, warc_offset, html, encoding = found
        if html is not None:
            return StoredPage(key, html, encoding, "article_sources")
        if warc_file is None:
            raise PageNotKept(f"the archive keeps no copy of the page of {key}: neither a WARC "
                              "record nor a decoded page")
        folder = warc_folder(db_path)
        response = _read_response(folder / warc_file, warc_offset)
        body, source = response.body, f"{warc_file}@{warc_offset}"
        if response.record_type == "revisit":
            original = _original(connection, response.digest)
            if original is None:
                raise PageNotKept(f"{source} repeats an earlier response (payload "
                                  f"{response.digest}) that the archive's pages do not name")
            body = _read_response(folder / original[0], original[1]).body
            source = f"{original[0]}@{original[1]}"
    html, read_as, _ = page_text(body, declared_charset(response.content_type, body))
    return StoredPage(key, html, read_as, source)


def _article_key(connection: sqlite3.Connection, url: str) -> str:
    """The article's key: the URL itself when an article has it as its key, else its
    canonical URL, or that of the article it moved to."""
    if connection.execute("select 1 from articles where canonical_url = ?", [url]).fetchone():
        return url
    key = canonical_url(url)
    if has_table(connection, "article_aliases"):
        moved = connection.execute("select canonical_url from article_aliases where alias = ?",
                                   [key]).fetchone()
        if moved is not None:
            return moved[0]
    return key


def _original(connection: sqlite3.Connection, digest: str | None) -> tuple[str, int] | None:
    """Where the first stored copy of a payload is (the record a revisit points to)."""
    if not digest:
        return None
    return connection.execute(
        "select warc_file, warc_offset from pages where payload_digest = ? and "
        "warc_type = 'response' and warc_file is not null order by id limit 1",
        [digest]).fetchone()


def _read_response(path: Path, offset: int) -> StoredResponse:
    """The response or revisit record at `offset` of a WARC file, content-encoding undone."""
    try:
        response = response_at(path, offset)
    except FileNotFoundError:
        raise PageNotKept(f"the WARC file {path} is missing") from None
    except (StopIteration, OSError, ValueError) as error:
        raise PageNotKept(f"{path.name}@{offset} cannot be read ({type(error).__name__})") \
            from None
    if response.record_type not in ("response", "revisit"):
        raise PageNotKept(f"{path.name}@{offset} is a {response.record_type} record, not a "
                          "response")
    return response
