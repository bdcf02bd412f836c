"""Regular expressions for families of URLs: the article pattern of a new profile from
example article URLs, and the listing pattern from a listing's page links.

URLs of one kind share a shape: as many path segments, the same fixed segments ("news",
"Pages"), the same file extension, and a last segment that is a title slug ending in an id
("...-185001.htm", "...-post20012.html") or a slug of several words ("...aspx"). The
commonest shape among the examples (and a second one almost as common) becomes the pattern;
variable segments become `[^/]+`, so sections absent from the examples are still matched.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

EXTENSION = re.compile(r"\.[A-Za-z]{2,5}$")
TRAILING_ID = re.compile(r"^(.*?)(\d+)$")
SLUG_WORDS = 3
SHORT_NUMBER = 4
MAX_PAGING_SHAPES = 4  # a slug with no id names its article in this many words at least
SECOND_SHAPE = 0.3  # a second shape counts when it has this share of the first one's URLs


def _literal(text: str) -> str:
    """`re.escape`, leaving hyphens alone (literal outside a class): readable patterns."""
    return re.escape(text).replace("\\-", "-")


def _common_suffix(texts: list[str]) -> str:
    suffix = texts[0]
    for text in texts[1:]:
        while not text.endswith(suffix):
            suffix = suffix[1:]
    return suffix


def _last_segment(segment: str) -> tuple[str, str, bool]:
    """(stem, extension, has an id) of a URL's last path segment. A short number after a
    hyphen ("...-nam-2024", "...-12") may be a word of the title: not taken for an id."""
    extension = EXTENSION.search(segment)
    suffix = extension.group(0) if extension else ""
    stem = segment[: len(segment) - len(suffix)]
    number = TRAILING_ID.match(stem)
    word = number and number.group(1).endswith("-") and len(number.group(2)) <= SHORT_NUMBER
    return stem, suffix, bool(number) and not word


def _shape(url: str) -> tuple:
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    stem, extension, has_id = _last_segment(segments[-1])
    words = len(stem.split("-"))
    return (len(segments), extension, has_id, has_id or words >= SLUG_WORDS,
            tuple(sorted(q.split("=")[0] for q in parts.query.split("&") if q)))


def _id_separator(stems: list[str]) -> str:
    """What every stem puts before its id: "-post", "-", "" (cut to start at a hyphen or
    an underscore, so the end of a slug word is not taken for it)."""
    prefixes = [TRAILING_ID.match(stem).group(1) for stem in stems]
    suffix = _common_suffix(prefixes)
    cut = max(suffix.rfind("-"), suffix.rfind("_"))
    return suffix[cut:] if cut >= 0 else ("" if len(set(prefixes)) > 1 else suffix)


def _slug(words: int) -> str:
    """A slug of at least `words` hyphenated words (any characters but / ? #)."""
    if words <= 1:
        return "[^/?#]+"
    return "[^/?#-]+(?:-+[^/?#-]+){%d,}" % (min(words, SLUG_WORDS) - 1)  # noqa: UP031


def _group_pattern(urls: list[str], has_id: bool) -> str:
    split = [urlsplit(url) for url in urls]
    paths = [parts.path.strip("/").split("/") for parts in split]
    pieces = []
    for position in range(len(paths[0]) - 1):
        values = {path[position] for path in paths}
        pieces.append(_literal(values.pop()) if len(values) == 1 else "[^/]+")
    last = [_last_segment(path[-1]) for path in paths]
    stems, extension = [s for s, _, _ in last], last[0][1]
    if has_id:
        separator = _id_separator(stems)
        matches = [TRAILING_ID.match(stem) for stem in stems]
        leads = [m.group(1)[: len(m.group(1)) - len(separator)] for m in matches]
        digits = min(len(m.group(2)) for m in matches)
        final = (_slug(min(len(lead.split("-")) for lead in leads)) if any(leads) else "") \
            + _literal(separator) + ("\\d+" if digits < 3 else f"\\d{{{digits},}}")
    else:
        final = _slug(SLUG_WORDS)
    path = "/".join([*pieces, final + _literal(extension)])
    return f"^https?://[^/]+/{path}" + _query_tail(split)


def _query_tail(split) -> str:
    """`$` for URLs without a query; for URLs told apart by a numeric parameter
    ("?ItemID=123"), that parameter."""
    queries = [dict(q.split("=", 1) for q in parts.query.split("&") if "=" in q)
               for parts in split]
    if not any(queries):
        return "$"
    for name in queries[0]:
        if all(q.get(name, "").isdigit() for q in queries):
            return f"\\?(?:[^#]*&)?{_literal(name)}=\\d+"
    return "\\?"


def _merged(shape: tuple, shapes: Counter) -> tuple:
    """The shape a URL was counted under (see the merge in url_pattern)."""
    return shape if shape in shapes else (shape[0], shape[1], False, True, shape[4])


def url_pattern(examples: list[str]) -> str | None:
    """The article pattern for these example article URLs: the commonest shape's regex (and a
    second shape's, when it is almost as common); None without examples."""
    examples = list(dict.fromkeys(examples))
    shapes = Counter(_shape(url) for url in examples)
    # Slugs that end in a number ("...-nam-2024") beside slugs that do not: the number is a
    # word of the title, not an id, so both are one shape of long slugs.
    for shape in list(shapes):
        slug_shape = (shape[0], shape[1], False, True, shape[4])
        if shape[2] and slug_shape in shapes:
            shapes[slug_shape] += shapes.pop(shape)
    ranked = [shape for shape, _ in shapes.most_common() if shape[3]]  # id or long slug
    if not ranked:
        return None
    chosen = [ranked[0]] + [shape for shape in ranked[1:2]
                            if shapes[shape] >= SECOND_SHAPE * shapes[ranked[0]]]
    patterns = [_group_pattern([url for url in examples if _merged(_shape(url), shapes) == shape],
                               shape[2]) for shape in chosen]
    return patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)


def _paging_shape(url: str) -> str:
    """A page link's path with its numbers made `\\d+`, and of its query only the last
    numeric parameter (the page number: "?trang=2", "&PageFirstRow=7", "&_3_cur=2")."""
    parts = urlsplit(url)
    shape = re.sub(r"\d+", lambda _: r"\d+", _literal(parts.path))
    numeric = [q.split("=")[0] for q in parts.query.split("&")
               if "=" in q and q.split("=", 1)[1].isdigit()]
    if numeric:
        name = re.sub(r"\d+", lambda _: r"\d+", _literal(numeric[-1]))
        shape += f"\\?(?:[^#]*&)?{name}=\\d+(?:&|$)"
    elif parts.query:
        shape += "\\?"
    else:
        shape += "$"
    return shape


def pagination_pattern(urls: list[str]) -> str | None:
    """A listing pattern matching these pages of listings and their siblings; None without
    pages. The few commonest shapes only: a listing's pages share one; others are strays."""
    shapes = Counter(_paging_shape(url) for url in dict.fromkeys(urls))
    if not shapes:
        return None
    chosen = [shape for shape, _ in shapes.most_common(MAX_PAGING_SHAPES)]
    body = chosen[0] if len(chosen) == 1 else "(?:" + "|".join(chosen) + ")"
    return f"^https?://[^/]+{body}"
