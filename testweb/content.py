"""Read the hand-written articles of the local test web and their hand labels.

The file format is described in content/FORMAT.md: a small header, `---`, the title, then
paragraphs; `[photo] caption | credit` lines are photos.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

CONTENT_DIR = Path(__file__).parent / "content" / "articles"
LABELS_FILE = Path(__file__).parent / "labels.csv"
VIETNAM_TIME = timezone(timedelta(hours=7))
HEADER_KEYS = {"published", "category", "author", "lead"}
CATEGORIES = {
    "chinh-tri": "Chính trị",
    "kinh-te": "Kinh tế",
    "xa-hoi": "Xã hội",
    "van-hoa": "Văn hóa",
}


class ContentError(ValueError):
    """An article source file of the test web is malformed."""


@dataclass(frozen=True)
class Photo:
    caption: str
    credit: str = ""


@dataclass(frozen=True)
class Article:
    id: str
    family: str
    number: int
    title: str
    published: datetime
    category: str
    body: tuple[str | Photo, ...]
    author: str = ""
    lead: str = ""

    @property
    def paragraphs(self) -> list[str]:
        """The body text without photos: what an extractor must keep."""
        return [block for block in self.body if isinstance(block, str)]

    @property
    def photos(self) -> list[Photo]:
        return [block for block in self.body if isinstance(block, Photo)]

    @property
    def slug(self) -> str:
        return slugify(self.title)


def slugify(text: str) -> str:
    """ASCII URL slug of a Vietnamese title, as the news CMSes make them."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)[:80].rstrip("-")


def _parse_block(text: str) -> str | Photo:
    if not text.startswith("[photo] "):
        return text
    caption, _, credit = text.removeprefix("[photo] ").partition(" | ")
    return Photo(caption.strip(), credit.strip())


def parse_article(path: Path) -> Article:
    raw = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    header_text, separator, body_text = raw.partition("\n---\n")
    if not separator:
        raise ContentError(f"{path}: no '---' line between header and body")
    header: dict[str, str] = {}
    for line in header_text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() not in HEADER_KEYS:
            raise ContentError(f"{path}: unknown header line {line!r}")
        header[key.strip()] = value.strip()
    blocks = [block.strip() for block in body_text.strip().split("\n\n") if block.strip()]
    if len(blocks) < 2:
        raise ContentError(f"{path}: needs a title and at least one paragraph")
    try:
        published = datetime.strptime(header["published"], "%Y-%m-%d %H:%M")
    except (KeyError, ValueError):
        raise ContentError(f"{path}: 'published' must be YYYY-MM-DD HH:MM") from None
    category = header.get("category", "chinh-tri")
    if category not in CATEGORIES:
        raise ContentError(f"{path}: unknown category {category!r}")
    family = path.parent.name
    return Article(
        id=f"{family}/{path.stem}",
        family=family,
        number=int(path.stem.split("-", 1)[0]),
        title=" ".join(blocks[0].split()),
        published=published.replace(tzinfo=VIETNAM_TIME),
        category=category,
        body=tuple(_parse_block(" ".join(block.split())) for block in blocks[1:]),
        author=header.get("author", ""),
        lead=header.get("lead", ""),
    )


def load_articles(family: str | None = None) -> list[Article]:
    """All articles (of one family), newest first, as a listing page shows them."""
    pattern = f"{family}/*.txt" if family else "*/*.txt"
    articles = [parse_article(path) for path in sorted(CONTENT_DIR.glob(pattern))]
    return sorted(articles, key=lambda article: article.published, reverse=True)


def load_labels() -> dict[str, dict[str, str]]:
    """The hand labels by article id."""
    with LABELS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}
