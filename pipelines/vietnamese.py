"""Vietnamese text normalisation: NFC, the two letters that look like "Đ", and search keys that
fold old and new tone placement ("hoà"/"hòa", "thuỷ"/"thủy", "uỷ"/"ủy").

The archive keeps each text as its site spelled it (NFC, "Ð" corrected to "Đ"); only keys for
search and deduplication fold the tone placement. underthesea's `text_normalize` does the
tone rule too, but it rewrites the stored text and brings scikit-learn, NLTK and model
downloads with it; the rule itself is a few lines.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below
COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")  # every mark Vietnamese letters decompose to


def _uppercase_letters() -> str:
    letters = set()
    for base in "aăâeêioôơuưyđbcdghklmnpqrstvx":
        for tone in ("",) + tuple(TONE_MARKS):
            letters.add(unicodedata.normalize("NFC", base + tone).upper())
    return "".join(sorted(letters))


# Every upper-case letter of Vietnamese, for patterns of proper names: "[À-Ỹ]" would not do,
# since that Unicode range mixes upper and lower case ("đ", "ả" are inside it).
UPPERCASE = _uppercase_letters()


def normalize_text(text: str) -> str:
    """NFC, with "Ð"/"ð" look-alikes replaced by "Đ"/"đ": how the archive stores text."""
    # str.replace scans in C; translate with a table looks up every character.
    return unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110").replace(
        "\u00f0", "\u0111")


# In NFC, an old placement always shows as "o" or "u" before a toned "a", "e" or "y": text
# without such a pair (most text) skips the decomposition.
MAYBE_OLD_TONE = re.compile("[oOuU][àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ]")


def _tone_table() -> dict[str, tuple[str, str]]:
    """Each toned "a", "e", "y" in NFC: its bare letter and its tone mark."""
    return {unicodedata.normalize("NFC", base + mark): (base, mark)
            for base in "aAeEyY" for mark in TONE_MARKS}


TONED = _tone_table()
# An open syllable "oa", "oe" or "uy" (not after "q") whose tone mark sits on its second vowel
# is the old placement ("hoà", "khoẻ", "thuỷ"); the new one puts it on the first. On NFC text:
# a word of plain consonants, then "o"/"u" and a toned "a", "e" or "y" that ends the word.
OLD_TONE_NFC = re.compile(r"(?<![^\W\d_])([bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX]*)([oOuU])(["
                          + "".join(TONED) + r"])(?![^\W\d_])")


def _move_tone_nfc(match: re.Match) -> str:
    onset, first, toned = match.groups()
    if first in "uU" and onset[-1:] in ("q", "Q"):
        return match.group(0)  # "quý": the "u" belongs to the onset
    base, mark = TONED[toned]
    return onset + unicodedata.normalize("NFC", first + mark) + base


def new_tone_placement(text: str) -> str:
    """"hoà" becomes "hòa", "thuỷ" "thủy", "uỷ" "ủy"; "quý", "hoàng", "khuya" stay."""
    return _new_tone_placement_nfc(normalize_text(text))


# A word's end in the old placement, "o"/"u" and a toned "a", "e" or "y": one class first, so
# found by a fast scan. OLD_TONE_NFC opens with a look-behind and was tried at every position of
# the text (a quarter of a millisecond a page): it is now tried only at the words this finds.
OLD_TONE_END = re.compile(r"[oOuU][" + "".join(TONED) + r"](?![^\W\d_])")
ONSET = frozenset("bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX")  # OLD_TONE_NFC's first class


def _new_tone_placement_nfc(text: str) -> str:
    """OLD_TONE_NFC.sub(_move_tone_nfc, text), each match looked for only where a word ends
    in the old placement: its start is that ending's run of onset consonants, and
    OLD_TONE_NFC.match there decides (its look-behind sees the text before)."""
    if not MAYBE_OLD_TONE.search(text):
        return text
    pieces, done = [], 0
    for ending in OLD_TONE_END.finditer(text):
        start = ending.start()
        while start > done and text[start - 1] in ONSET:
            start -= 1
        match = OLD_TONE_NFC.match(text, start)
        if match is not None:
            pieces += [text[done:start], _move_tone_nfc(match)]
            done = match.end()
    return "".join([*pieces, text[done:]]) if pieces else text


def search_key(text: str) -> str:
    """Case-folded NFC text in the new tone placement: equal for old and new spellings."""
    return new_tone_placement(text).casefold()


@lru_cache(maxsize=8)  # a page's title and text are folded twice (soft 404 test, search keys)
def fold_diacritics(text: str) -> str:
    """Lower case without any diacritics, "đ" as "d": "Đảng bộ" and "dang bo" meet."""
    decomposed = unicodedata.normalize("NFD", normalize_text(text).replace("đ", "d")
                                       .replace("Đ", "D"))
    return " ".join(COMBINING_MARKS.sub("", decomposed).lower().split())


def _fold_table() -> dict[int, str | None]:
    """Each precomposed Latin letter to its bare lower-case letter, "đ" to "d"."""
    table = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        bare = COMBINING_MARKS.sub("", unicodedata.normalize("NFD", chr(code)))
        if len(bare) == 1 and bare != chr(code):
            table[code] = bare.lower()
    table.update({ord("đ"): "d", ord("Đ"): "d", 0xD0: "d", 0xF0: "d"})
    table.update({code: None for code in range(0x300, 0x370)})  # marks NFC left unattached
    return table


FOLD_TABLE = _fold_table()


def fold_nfc(text: str) -> str:
    """fold_diacritics for text already in NFC (what prepare_input returns), by one table
    lookup per character instead of a decomposition: the classifier folds every head several
    times."""
    return " ".join(text.translate(FOLD_TABLE).lower().split())


# Word-segmented corpora join a word's syllables with "_" ("Hội_nghị", "Tỉnh_uỷ") and split
# punctuation off with spaces ("26/6 , Công_an"): undone before classification.
SEGMENTED_WORD = re.compile(r"(?<=[^\W_])_(?=[^\W_])")
SPACE_BEFORE_PUNCTUATION = re.compile(r" +(?=[,.;:!?)])")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Non-breaking and thin spaces: white space Python's str.split() folds, XPath's does not.
ODD_SPACE_CHARACTERS = "\u00a0" + "".join(map(chr, range(0x2000, 0x200b))) + "\u202f\u205f\u3000"
ODD_SPACE = re.compile(f"[{ODD_SPACE_CHARACTERS}]")
LOWERCASE = "".join(sorted({letter.lower() for letter in UPPERCASE if letter.isalpha()}))
# What ends a sentence, a quote or a line that is whole (a headline never ends so).
SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", "…")
HEADLINE_CHARACTERS = 160  # a longer line is a lead or a paragraph


def is_headline(line: str) -> bool:
    """A line that reads as a headline: short, and ending no sentence."""
    return len(line) < HEADLINE_CHARACTERS and not line.endswith(SENTENCE_END)

# A line broken inside a sentence (text copied from a PDF, a portal's <br> in mid-paragraph):
# the line before ends with no stop and the next goes on in lower case. A headline, a lead and a
# date stamp start with a capital or a digit, so a listing's lines stay apart.
# Written to start with one class (the first space, tab or line break), so only those are tried,
# not every position: "(?<=[^\s<stops>])[ \t]*\n[ \t]*(?=[<lower case>])".
BROKEN_LINE = re.compile(rf"[ \t\n](?<=[^\s{re.escape(''.join(SENTENCE_END))}][ \t\n])"
                         rf"(?:(?<=\n)|(?<=[ \t])[ \t]*\n)[ \t]*(?=[{LOWERCASE}])")
WRAP_WIDTH_MAX = 120  # a wider "line" is a paragraph
WRAP_SLACK = 15  # a wrapped line falls short of the width by less than a long word or two


def _unwrapped(text: str) -> str:
    """Text wrapped at a fixed width (most of its lines within a few characters of the longest,
    which is short) as its paragraphs: a line that ends with no stop goes on in the next."""
    lines = text.split("\n")
    lengths = [len(line) for line in lines if line.strip()]
    if len(lengths) < 2 or max(lengths) > WRAP_WIDTH_MAX:
        return text
    width = max(lengths)
    if sum(length >= width - WRAP_SLACK for length in lengths) * 2 <= len(lengths):
        return text
    # A wrapped line goes on with whatever word came next, mostly in lower case; a list of
    # headlines starts every line with a capital.
    starts = [line.lstrip()[:1] for line in lines[1:] if line.strip()]
    if sum(start.isupper() for start in starts) * 2 > len(starts):
        return text
    joined = [lines[0]]
    for line in lines[1:]:
        if line.strip() and joined[-1].strip() and not joined[-1].rstrip().endswith(SENTENCE_END):
            joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        else:
            joined.append(line)
    return "\n".join(joined)


def prepare_input(text: str) -> str:
    """Text as it comes (NFD or NFC, old or new tone placement, word-segmented, zero-width
    characters, no-break spaces, HTML entities, lines wrapped inside sentences) made into the
    one form the classifier's patterns expect: NFC, new tone placement, words separated by
    spaces, a paragraph a line. bench/eval_forms.py measures each form on the labelled texts."""
    if "&" in text:  # a feed's text escaped twice: "Huy&#7879;n &#7911;y", "&nbsp;"
        text = html.unescape(text)
    # NFC first: in NFD a word-segmented "Hà_Nội" has a mark, not a letter, before its "_"
    text = normalize_text(text)
    if "\u200b" in text or "\ufeff" in text or "\u200c" in text or "\u200d" in text:
        text = INVISIBLE.sub("", text)
    text = ODD_SPACE.sub(" ", text)  # HTML's &nbsp; and thin spaces between words
    if "\n" in text:
        text = BROKEN_LINE.sub(" ", _unwrapped(text))
    if "_" in text:
        text = SEGMENTED_WORD.sub(" ", text)
        text = SPACE_BEFORE_PUNCTUATION.sub("", text)
    return _new_tone_placement_nfc(text)
