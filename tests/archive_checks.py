"""Compare an archive made from the local test web with the test web's own sources."""

from __future__ import annotations

import sqlite3

from testweb.content import Article

# Strings of domain.md's boilerplate list that must never be left in an article's text.
BOILERPLATE_STRINGS = [
    "Skip Ribbon Commands", "Skip to main content", "Xem thêm", "0:00 / 0:00", "(1) (1).png",
    "Ảnh:", "BBK -", "Tin tức, sự kiện", "Tin liên quan", "Tin cùng chuyên mục", "Đọc nhiều",
    "Chia sẻ", "In bài", "A- A+", "Thứ ba, 01/07/2025", "Cập nhật:", "/.", "Các tin khác",
    "Bản quyền", "Trang chủ", "Google News", "Bài viết liên quan", ".vn) -",
]


def archived_articles(db_path: str) -> dict[str, sqlite3.Row]:
    """Articles of the archive by (site, path), the key the test web's sources also have."""
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    rows = connection.execute("select * from articles").fetchall()
    connection.close()
    keyed = {}
    for row in rows:
        path = "/" + row["canonical_url"].split("/", 3)[3]
        keyed[(row["site"], path)] = row
    return keyed


def article_problems(article: Article, row: sqlite3.Row) -> list[str]:
    """What the archived row gets wrong about the source article (empty when right)."""
    problems = []
    if row["title"] != article.title:
        problems.append(f"title {row['title']!r} != {article.title!r}")
    text = row["text"] or ""
    for paragraph in ([article.lead] if article.lead else []) + article.paragraphs:
        if paragraph not in text:
            problems.append(f"paragraph missing: {paragraph[:60]!r}")
    for string in BOILERPLATE_STRINGS:
        if string in text:
            problems.append(f"boilerplate left: {string!r}")
    if article.author and row["author"] != article.author:
        problems.append(f"author {row['author']!r} != {article.author!r}")
    if article.author and text.rstrip().endswith(article.author):
        problems.append("byline left at the end of the text")
    if row["published"] != article.published.isoformat():  # every family prints the time
        problems.append(f"published {row['published']!r} != {article.published.isoformat()}")
    if row["language"] != "vi":
        problems.append(f"language {row['language']!r}")
    return problems
