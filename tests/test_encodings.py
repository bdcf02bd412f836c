"""Legacy Vietnamese encodings, checked against the published code charts: TCVN3 byte for
byte against glibc's TCVN5712-1 table (iconv), VNI and windows-1258 against chart entries."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from pipelines.encodings import (
    ENCODERS,
    decode_page,
    decode_tcvn3,
    decode_vni,
    decodes_web_text,
    encode_tcvn3,
    encode_vni,
    encode_windows_1258,
)

VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]
# Every Vietnamese letter: 12 vowels with 6 tones, both cases, and đ/Đ.
ALL_LETTERS = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES]
ALL_LETTERS += [letter.upper() for letter in ALL_LETTERS] + ["đ", "Đ"]
SENTENCE = ("Ngày 4/4, Huyện ủy Thuận Bắc tổ chức Hội nghị đánh giá kết quả thực hiện nhiệm vụ "
            "quý I và triển khai nhiệm vụ quý II/2024; thu ngân sách ước đạt 6,8 tỷ đồng.")


@pytest.mark.skipif(not shutil.which("iconv"), reason="iconv is not installed")
def test_tcvn3_table_matches_glibc_byte_for_byte():
    listed = subprocess.run(["iconv", "-l"], capture_output=True, text=True).stdout
    if "TCVN5712-1" not in listed:
        pytest.skip("this iconv has no TCVN5712-1 table")
    for byte in [*range(0x01, 0x20), *range(0x80, 0x100)]:
        expected = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"],
                                  input=bytes([byte]), capture_output=True).stdout.decode()
        assert decode_tcvn3(bytes([byte])) == unicodedata.normalize("NFC", expected), hex(byte)


@pytest.mark.parametrize(
    ("data", "text"),
    # Entries of the TCVN 5712:1993 (VN3) chart.
    [(b"\xb8", "á"), (b"\xb5", "à"), (b"\xa8", "ă"), (b"\xa9", "â"), (b"\xae", "đ"),
     (b"\xa7", "Đ"), (b"\xc7", "ầ"), (b"\xd5", "ế"), (b"\xe8", "ố"), (b"\xed", "ớ"),
     (b"\xf8", "ứ"), (b"\xfe", "ỵ"), (b"Hu\xd6n", "Huện")],
)
def test_tcvn3_chart_entries(data, text):
    assert decode_tcvn3(data) == text


@pytest.mark.parametrize(
    ("latin", "text"),
    # Entries of the VNI Windows chart: base letter, then the byte of its marks.
    [("a\xf9", "á"), ("a\xf8", "à"), ("a\xfb", "ả"), ("a\xf5", "ã"), ("a\xef", "ạ"),
     ("a\xe2", "â"), ("a\xea", "ă"), ("a\xe9", "ắ"), ("e\xe1", "ế"), ("o\xe0", "ồ"),
     ("o\xe4", "ộ"), ("\xf4", "ơ"), ("\xf4\xf9", "ớ"), ("\xf6", "ư"), ("\xf6\xef", "ự"),
     ("\xf1", "đ"), ("\xd1", "Đ"), ("\xed", "í"), ("\xf2", "ị"), ("\xee", "ỵ"),
     ("A\xd9", "Á"), ("O\xc2", "Ô"), ("Xin cha\xf8o ca\xf9c ba\xefn", "Xin chào các bạn")],
)
def test_vni_chart_entries(latin, text):
    assert decode_vni(latin.encode("cp1252")) == text


def test_windows_1258_decomposed_tone_marks():
    # cp1258: "ê" is 0xEA, the combining dot below 0xF2; "ơ" 0xF5 with combining acute 0xEC.
    assert decode_page(b"Vi\xea\xf2t Nam", "windows-1258").text == "Việt Nam"
    assert decode_page(b"m\xf5\xeci", "windows-1258").text == "mới"


@pytest.mark.parametrize(
    ("encode", "decode_name"),
    [(encode_tcvn3, "tcvn3"), (encode_vni, "vni"), (encode_windows_1258, "windows-1258")],
)
def test_every_letter_round_trips(encode, decode_name):
    text = " ".join(ALL_LETTERS)
    decoded = decode_page(encode(text) + b" " + encode(SENTENCE), decode_name)
    assert decoded.text == text + " " + SENTENCE
    assert decoded.encoding == decode_name


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "windows-1258", "utf-8"])
@pytest.mark.parametrize("claims", [None, "utf-8", "iso-8859-1"])
def test_detection_whatever_the_page_claims(encoding, claims):
    decoded = decode_page(ENCODERS[encoding](SENTENCE), claims)
    assert decoded.text == SENTENCE
    assert decoded.encoding == encoding
    lied = claims is not None and claims != encoding
    assert bool(decoded.warnings) == (lied or (claims is None and encoding != "utf-8"))


def test_utf8_bom_and_nfd_text():
    nfd = unicodedata.normalize("NFD", SENTENCE)
    decoded = decode_page(b"\xef\xbb\xbf" + nfd.encode("utf-8"), "iso-8859-1")
    assert decoded.text == SENTENCE and decoded.encoding == "utf-8"


@pytest.mark.parametrize("name", ["undefined", "idna", "punycode", "utf-7", "base64", "rot13",
                                  "no-such-charset"])
def test_a_declared_charset_that_reads_no_page_is_passed_over(name):
    """Python has these codecs, but they read no web page: "undefined" raised on every byte
    and the page was lost."""
    assert not decodes_web_text(name)
    page = "<html><body><p>Huyện ủy họp phiên thường kỳ tháng 6</p></body></html>"
    decoded = decode_page(page.encode(), name)
    assert (decoded.text, decoded.encoding) == (page, "utf-8")


@pytest.mark.parametrize("name", ["utf-8", "windows-1258", "cp1252", "iso-8859-1", "tis-620",
                                  "shift_jis", "gb18030", "koi8-r", "ascii"])
def test_the_charsets_pages_are_written_in_read_pages(name):
    assert decodes_web_text(name)
