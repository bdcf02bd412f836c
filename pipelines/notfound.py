"""Soft 404s: pages that answer 200 but say the page does not exist ("Không tìm thấy trang").

Portals keep serving a "not found" page with status 200 for articles they removed; archiving it
would replace a good copy with an apology. A page is a soft 404 when its title says so, or when
its text says so and is too short to be an article that merely mentions such a page.
"""

from __future__ import annotations

from pipelines.vietnamese import fold_diacritics

# Folded (no diacritics, lower case), as the CMSes of the field print them.
NOT_FOUND_PHRASES = (
    "khong tim thay trang", "trang khong ton tai", "trang ban yeu cau khong ton tai",
    "trang ban tim khong ton tai", "khong tim thay bai viet", "bai viet khong ton tai",
    "tin bai khong ton tai", "noi dung khong ton tai", "khong tim thay noi dung",
    "duong dan khong ton tai", "lien ket khong ton tai", "page not found", "404 not found",
    "error 404", "loi 404",
)
# An article is longer than this; a "not found" notice with its menu text is shorter.
SHORT_TEXT = 400


def soft_404_reason(title: str | None, text: str | None, folded_title: str | None = None,
                    folded_text: str | None = None) -> str | None:
    """Why the page is a "not found" page served as 200, or None when it is not one.
    `folded_title` and `folded_text`: their fold_diacritics, when the caller has them (a
    crawl's worker folds every text once, for search and story grouping too)."""
    if folded_title is None:
        folded_title = fold_diacritics(title or "")
    folded_title = folded_title.strip()
    if folded_title in ("404", "not found"):
        return f"its title is {title!r}"
    for phrase in NOT_FOUND_PHRASES:
        if phrase in folded_title:
            return f"its title says {title!r}"
    if folded_text is None:
        folded_text = fold_diacritics(text or "")
    if len(folded_text) < SHORT_TEXT:
        for phrase in NOT_FOUND_PHRASES:
            if phrase in folded_text:
                return f"its short text says {phrase!r}"
    return None
