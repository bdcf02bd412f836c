"""Decode Vietnamese pages whatever their bytes: UTF-8, windows-1258, TCVN3 (ABC) or VNI.

Old district portals still serve TCVN3 and VNI text, written for 8-bit fonts (.VnTime,
VNI-Times), often behind a header that claims ISO-8859-1 or even UTF-8. No package on the
registry converts these well (Python has no codec for either), so this module holds small
converters driven by the published code charts:

- TCVN3 (ABC) is TCVN 5712:1993: one byte per letter, as in glibc's TCVN5712-1 table
  (tests/test_encodings.py checks every byte against `iconv` where it exists).
- VNI Windows writes a base letter followed by a byte for its marks ("a" + 0xF9 is "á", "o" +
  0xE1 is "ố"); a few letters have one byte of their own (0xF4 "ơ", 0xF6 "ư", 0xF1 "đ").
- windows-1258 puts tone marks as combining characters after the letter; Python decodes it,
  NFC composes the result.

`decode_page` tries the candidates and keeps the one that reads most like Vietnamese.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

# TCVN3 bytes 0x80..0xFF, in order: TCVN 5712:1993 as glibc's TCVN5712-1 table has it
# (tests/test_encodings.py checks every byte against `iconv`). Capitals with tone marks sit at
# 0x80-0x9F and at a few control positions; pages typed for the ABC fonts use only the
# lowercase letters at 0xA1-0xFF and print capitals with a capitals font.
TCVN3_HIGH = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨ"  # 0x80
    "ÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"  # 0x90
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA0
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0
    "Ổỏõóọồổỗốộờởỡớợù"  # 0xE0
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # 0xF0
)
TCVN3_CONTROLS = {0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ", 0x12: "Ự",
                  0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ"}
TCVN3_DECODE = {**{0x80 + i: c for i, c in enumerate(TCVN3_HIGH)}, **TCVN3_CONTROLS}
TCVN3_ENCODE = {c: byte for byte, c in TCVN3_DECODE.items() if not unicodedata.combining(c)}
assert len(TCVN3_HIGH) == 128

# VNI Windows: the byte (read as windows-1252) after a vowel, and the marks it adds.
CIRCUMFLEX, BREVE, HORN = "\u0302", "\u0306", "\u031b"
ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
VNI_MARKS = {
    "ù": ACUTE, "ø": GRAVE, "û": HOOK, "õ": TILDE, "ï": DOT,
    "â": CIRCUMFLEX, "á": CIRCUMFLEX + ACUTE, "à": CIRCUMFLEX + GRAVE,
    "å": CIRCUMFLEX + HOOK, "ã": CIRCUMFLEX + TILDE, "ä": CIRCUMFLEX + DOT,
    "ê": BREVE, "é": BREVE + ACUTE, "è": BREVE + GRAVE, "ú": BREVE + HOOK,
    "ü": BREVE + TILDE, "ë": BREVE + DOT,
}
# Letters VNI writes as one byte of their own.
VNI_LETTERS = {
    "ô": "o" + HORN, "ö": "u" + HORN, "ñ": "đ", "í": "i" + ACUTE, "ì": "i" + GRAVE,
    "æ": "i" + HOOK, "ó": "i" + TILDE, "ò": "i" + DOT, "î": "y" + DOT,
}
VNI_TONE_ONLY = {key for key, value in VNI_MARKS.items() if len(value) == 1 and value not in (
    CIRCUMFLEX, BREVE)}


def _both_cases(table: dict[str, str]) -> dict[str, str]:
    upper = {key.upper(): value.upper() for key, value in table.items()}
    return {**table, **upper}


VNI_MARKS_ALL = _both_cases(VNI_MARKS)
VNI_LETTERS_ALL = _both_cases(VNI_LETTERS)
VNI_PATTERN = re.compile(
    "([aeiouyAEIOUYôÔöÖ])([" + "".join(VNI_MARKS_ALL) + "])|([" + "".join(VNI_LETTERS_ALL) + "])"
)

# Words so common in Vietnamese news that their share of the words says whether a decoding
# reads as Vietnamese at all.
COMMON_WORDS = frozenset(
    "của và các được trong những năm người với cho đã có là một huyện tỉnh xã công tác nhân "
    "dân thực hiện triển khai nhiệm vụ hội nghị đồng chí phát kinh tế đến này theo về đạt "
    "tại từ không cùng trên đó số tổ chức ngày tháng quý đảng ủy ban thường".split()
)
WORD = re.compile(r"\w+")


@dataclass
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def decode_tcvn3(data: bytes) -> str:
    """TCVN3 (ABC) bytes to Unicode text (NFC)."""
    text = "".join(TCVN3_DECODE.get(byte, chr(byte)) for byte in data)
    return unicodedata.normalize("NFC", text)


def encode_tcvn3(text: str) -> bytes:
    """Unicode text to TCVN3 bytes (for the test web's old-portal pages); "?" for what the
    table lacks."""
    nfc = unicodedata.normalize("NFC", text)
    return bytes(ord(c) if ord(c) < 0x80 and ord(c) not in TCVN3_CONTROLS
                 else TCVN3_ENCODE.get(c, ord("?")) for c in nfc)


def _vni_replacement(match: re.Match) -> str:
    vowel, mark, letter = match.groups()
    if letter:
        return VNI_LETTERS_ALL[letter]
    base = VNI_LETTERS_ALL.get(vowel, vowel)
    return base + VNI_MARKS_ALL[mark]


def decode_vni(data: bytes) -> str:
    """VNI Windows bytes to Unicode text (NFC)."""
    latin = data.decode("cp1252", errors="replace")
    return unicodedata.normalize("NFC", VNI_PATTERN.sub(_vni_replacement, latin))


def _vni_sequences() -> dict[str, str]:
    """Every Vietnamese letter with marks, as the VNI bytes (read as windows-1252) for it."""
    sequences = {}
    for vowel in "aeouyAEOUY":
        for mark, marks in VNI_MARKS_ALL.items():
            if mark.isupper() == vowel.isupper():
                sequences.setdefault(unicodedata.normalize("NFC", vowel + marks), vowel + mark)
    for letter, value in VNI_LETTERS_ALL.items():
        sequences[unicodedata.normalize("NFC", value)] = letter
        if value[-1:] == HORN:  # ơ and ư take the tone marks after their own byte
            for mark, marks in VNI_MARKS_ALL.items():
                if mark in VNI_TONE_ONLY or mark.lower() in VNI_TONE_ONLY:
                    if mark.isupper() == letter.isupper():
                        sequences[unicodedata.normalize("NFC", value + marks)] = letter + mark
    return sequences


VNI_SEQUENCES = _vni_sequences()


def encode_vni(text: str) -> bytes:
    """Unicode text to VNI Windows bytes (for the test web's old-portal pages)."""
    nfc = unicodedata.normalize("NFC", text)
    return "".join(VNI_SEQUENCES.get(character, character) for character in nfc).encode(
        "cp1252", errors="replace")


def encode_windows_1258(text: str) -> bytes:
    """Unicode text to windows-1258 bytes: letters the code page has, tone marks combining."""
    out = bytearray()
    for character in unicodedata.normalize("NFC", text):
        try:
            out.extend(character.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", character)
        base, marks = decomposed[0], decomposed[1:]
        for shape in (CIRCUMFLEX, BREVE, HORN):  # letters cp1258 holds whole: â ă ê ô ơ ư
            if shape in marks:
                base = unicodedata.normalize("NFC", base + shape)
                marks = marks.replace(shape, "")
        out.extend((base + marks).encode("cp1258"))
    return bytes(out)


DECODERS = {
    "tcvn3": decode_tcvn3,
    "vni": decode_vni,
    "windows-1258": lambda data: unicodedata.normalize("NFC", data.decode("cp1258",
                                                                           errors="replace")),
}
ENCODERS = {"tcvn3": encode_tcvn3, "vni": encode_vni, "windows-1258": encode_windows_1258,
            "utf-8": lambda text: text.encode("utf-8")}


def declared_charset(content_type: str | None, body: bytes) -> str | None:
    """The charset a page claims, HTTP header first and then its meta tag, true or not:
    `decode_page` decides what the bytes really are."""
    return http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)


def vietnamese_score(text: str) -> float:
    """The share of words that are among the commonest Vietnamese words."""
    words = WORD.findall(text.lower())
    # map with the set's own test runs in C: a generator of tests cost twice as much.
    return sum(map(COMMON_WORDS.__contains__, words)) / len(words) if words else 0.0


def _normalise_name(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    aliases = {"tcvn": "tcvn3", "tcvn5712": "tcvn3", "tcvn5712-1": "tcvn3", "abc": "tcvn3",
               "vni-windows": "vni"}
    if name in DECODERS or name in aliases:
        return aliases.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return {"cp1258": "windows-1258", "iso8859-1": "iso-8859-1", "latin-1": "iso-8859-1",
            "cp1252": "windows-1252"}.get(codec, codec)


# Printable ASCII and two bytes above it: what a charset a page can be written in must read.
CHARSET_PROBE = bytes(range(0x20, 0x7F)) + b"\xc3\xa1"


@lru_cache(maxsize=256)
def decodes_web_text(name: str) -> bool:
    """Whether Python's codec of this name reads a web page: printable ASCII as itself, any
    byte without raising. Codecs that exist but do not ("undefined", which raises on every
    byte and is what a template with an unset variable writes; "idna", "punycode", "utf-7",
    "base64", "rot13") made decoding raise, and the page was lost."""
    try:
        text = CHARSET_PROBE.decode(name, errors="replace")
    except (LookupError, ValueError, TypeError):
        return False
    return text.startswith(CHARSET_PROBE[:-2].decode("ascii"))


def utf16_order(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the bytes are UTF-16 (a byte-order mark, or markup whose
    every other byte is NUL), else None. None of the 8-bit encodings puts NULs there."""
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    sample = data[:2000]
    if len(sample) < 64:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_page(data: bytes, declared: str | None = None) -> Decoded:
    """Decode a page's bytes: the declared charset when the text reads as Vietnamese in it,
    otherwise whichever of UTF-8, windows-1258, TCVN3 and VNI reads best. A warning says when
    the bytes were not what the page claimed."""
    declared_name = _normalise_name(declared)
    wide = utf16_order(data)
    if wide:
        text = data.decode(wide, errors="replace").removeprefix("\ufeff")
        warnings = [] if declared_name in ("utf-16", wide) else [
            f"page claims {declared_name or 'no charset'} but its bytes read as {wide}"]
        return Decoded(unicodedata.normalize("NFC", text), wide, warnings)
    if data.startswith(codecs.BOM_UTF8):
        data, declared_name = data[len(codecs.BOM_UTF8):], "utf-8"
    candidates: dict[str, str] = {}
    try:
        candidates["utf-8"] = unicodedata.normalize("NFC", data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if "utf-8" in candidates and declared_name in (None, "utf-8", "ascii"):
        # Bytes of the 8-bit encodings almost never form valid UTF-8: no need to score.
        return Decoded(candidates["utf-8"], "utf-8")
    if (declared_name and declared_name not in candidates and declared_name not in DECODERS
            and decodes_web_text(declared_name)):
        candidates[declared_name] = unicodedata.normalize(
            "NFC", data.decode(declared_name, errors="replace"))
    for name, decoder in DECODERS.items():
        candidates[name] = decoder(data)
    scores = {name: vietnamese_score(text) for name, text in candidates.items()}
    best = max(scores, key=lambda name: (scores[name], name == declared_name, name == "utf-8"))
    warnings = []
    if declared_name and best != declared_name:
        warnings.append(f"page claims {declared_name} but its bytes read as {best}")
    elif not declared_name and best != "utf-8":
        warnings.append(f"no charset given; the bytes read as {best}")
    return Decoded(candidates[best], best, warnings)
