"""The story fingerprint's shingles are the CRC32 of each run of five words, as stored
signatures were made: a faster way to compute them must give the same values."""

from __future__ import annotations

import zlib

from pipelines.fingerprint import shingles, signature


def crc(text: str) -> int:
    return zlib.crc32(text.encode())


def test_each_run_of_five_words_is_one_shingle():
    text = "huyen uy dak song trien khai nhiem vu"
    assert shingles(text) == {crc("huyen uy dak song trien"), crc("uy dak song trien khai"),
                              crc("dak song trien khai nhiem"), crc("song trien khai nhiem vu")}


def test_runs_of_spaces_and_lines_count_as_one_space():
    assert shingles("hoi  nghi\nso ket\t quy ii") == {crc("hoi nghi so ket quy"),
                                                     crc("nghi so ket quy ii")}


def test_fewer_than_five_words_are_one_shingle():
    assert shingles("hoi nghi") == {crc("hoi nghi")}
    assert shingles("") == {crc("")}
    assert shingles("mot hai ba bon nam") == {crc("mot hai ba bon nam")}


def test_a_repeated_run_counts_once():
    words = "tin tuc tin tuc tin tuc tin tuc"
    assert shingles(words) == {crc("tin tuc tin tuc tin"), crc("tuc tin tuc tin tuc")}
    assert len(signature(words)) == 32
