"""Vietnamese text normalisation: NFC, the two letters that look like "Đ", and search keys that
fold old and new tone placement ("hoà"/"hòa", "thuỷ"/"thủy", "uỷ"/"ủy").

The archive keeps each text as its site spelled it (NFC, "Ð" corrected to "Đ"); only keys for
search and deduplication fold the tone placement. underthesea's `text_normalize` does the
tone rule too, but it rewrites the stored text and brings scikit-learn, NLTK and model
downloads with it; the rule itself is a few lines.
"""

from __future__ import annotations

import re
import unicodedata

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below
COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")  # every mark Vietnamese letters decompose to
# U+00D0/U+00F0 (Icelandic eth) are typed for U+0110/U+0111 (Vietnamese đ) by some keyboards.
# An open syllable "oa", "oe" or "uy" (not after "q") whose tone mark sits on its second
# vowel: the old placement ("hoà", "khoẻ", "thuỷ"). The new one puts it on the first. Matched
# in NFD, where a letter's marks follow it: the second vowel carries exactly one tone mark and
# nothing else, and no letter follows it.
OLD_TONE_PLACEMENT = re.compile(
    r"(?<![^\W\d_])([^\W\d_]*?)"  # onset consonants, from the start of the word
    r"([oO]|(?<![qQ])[uU])"
    r"([aAeEyY])([" + TONE_MARKS + r"])(?![^\W\d_]|[\u0300-\u036f])"
)


def _uppercase_letters() -> str:
    letters = set()
    for base in "aăâeêioôơuưyđbcdghklmnpqrstvx":
        for tone in ("",) + tuple(TONE_MARKS):
            letters.add(unicodedata.normalize("NFC", base + tone).upper())
    return "".join(sorted(letters))


# Every upper-case letter of Vietnamese, for patterns of proper names: "[À-Ỹ]" would not do,
# since that Unicode range mixes upper and lower case ("đ", "ả" are inside it).
UPPERCASE = _uppercase_letters()
LETTER = r"[^\W\d_]"


def normalize_text(text: str) -> str:
    """NFC, with "Ð"/"ð" look-alikes replaced by "Đ"/"đ": how the archive stores text."""
    # str.replace scans in C; translate with a table looks up every character.
    return unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110").replace(
        "\u00f0", "\u0111")


def _move_tone(match: re.Match) -> str:
    onset, first, second, tone = match.groups()
    if any(unicodedata.combining(c) for c in onset):
        return match.group(0)  # the "vowels" belong to a longer vowel group: leave it
    return onset + first + tone + second


def new_tone_placement(text: str) -> str:
    """"hoà" becomes "hòa", "thuỷ" "thủy", "uỷ" "ủy"; "quý", "hoàng", "khuya" stay."""
    decomposed = unicodedata.normalize("NFD", normalize_text(text))
    return unicodedata.normalize("NFC", OLD_TONE_PLACEMENT.sub(_move_tone, decomposed))


def search_key(text: str) -> str:
    """Case-folded NFC text in the new tone placement: equal for old and new spellings."""
    return new_tone_placement(text).casefold()


def fold_diacritics(text: str) -> str:
    """Lower case without any diacritics, "đ" as "d": "Đảng bộ" and "dang bo" meet."""
    decomposed = unicodedata.normalize("NFD", normalize_text(text).replace("đ", "d")
                                       .replace("Đ", "D"))
    return " ".join(COMBINING_MARKS.sub("", decomposed).lower().split())


# Word-segmented corpora join a word's syllables with "_" ("Hội_nghị", "Tỉnh_uỷ") and split
# punctuation off with spaces ("26/6 , Công_an"): undone before classification.
SEGMENTED_WORD = re.compile(r"(?<=[^\W_])_(?=[^\W_])")
SPACE_BEFORE_PUNCTUATION = re.compile(r" +(?=[,.;:!?)])")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def prepare_input(text: str) -> str:
    """Text as it comes (NFD or NFC, old or new tone placement, word-segmented, zero-width
    characters) made into the one form the classifier's patterns expect: NFC, new tone
    placement, words separated by spaces."""
    text = INVISIBLE.sub("", text)
    if "_" in text:
        text = SEGMENTED_WORD.sub(" ", text)
    text = SPACE_BEFORE_PUNCTUATION.sub("", text)
    return new_tone_placement(text)
