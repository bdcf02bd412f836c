"""A whole file read into the page cache before SQLite checks it page by page."""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import archive.integrity as integrity  # noqa: E402
from archive import page_cache  # noqa: E402
from bench.bench_export import drop_from_page_cache  # noqa: E402

MIB = 1 << 20


def resident_bytes(path: Path) -> int:
    """How much of `path` the kernel's page cache holds (util-linux's fincore)."""
    done = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                          capture_output=True, text=True, check=True, timeout=30)
    return int(done.stdout.split()[0])


def dropped_from_cache(path: Path) -> Path:
    """`path` written out and dropped from the page cache; skips where that cannot be done."""
    if shutil.which("fincore") is None or not hasattr(os, "posix_fadvise"):
        pytest.skip("needs util-linux's fincore and posix_fadvise to see the page cache")
    drop_from_page_cache(path)
    if resident_bytes(path) > path.stat().st_size // 10:
        pytest.skip("this file system keeps the file in memory (tmpfs?)")
    return path


def sqlite_file(path: Path, mib: int) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("create table t (id integer primary key, body blob)")
        connection.executemany("insert into t (body) values (randomblob(?))",
                               [(3000,)] * (mib * MIB // 3000))
    connection.close()
    return path


def test_a_file_is_read_whole_into_the_page_cache(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(6 * MIB + 123))
    dropped_from_cache(path)
    assert page_cache.read_into_page_cache(path, available=1 << 34) == path.stat().st_size
    assert resident_bytes(path) >= path.stat().st_size - 4096


def test_without_sendfile_it_is_read_in_a_loop(tmp_path, monkeypatch):
    def refused(*args):
        raise OSError(22, "Invalid argument")

    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(9 * MIB + 5))
    monkeypatch.setattr(page_cache.os, "sendfile", refused)
    assert page_cache.read_into_page_cache(path, available=1 << 34) == path.stat().st_size


def test_a_file_larger_than_the_free_memory_is_left_alone(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(os.urandom(4 * MIB))
    dropped_from_cache(path)
    # Three quarters of the memory available may be taken: 5 MiB of it is under 4 MiB.
    assert page_cache.read_into_page_cache(path, available=5 * MIB) == 0
    assert resident_bytes(path) < MIB
    assert page_cache.read_into_page_cache(path, available=6 * MIB) == 4 * MIB
    assert page_cache.read_into_page_cache(tmp_path / "missing", available=1 << 34) == 0


def test_the_available_memory_is_the_kernels_memavailable(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:  100 kB\n"
                       "MemAvailable:   20000000 kB\nBuffers:  5 kB\n")
    no_cgroup = tmp_path / "no-cgroup"
    assert page_cache.available_memory(meminfo, no_cgroup) == 20_000_000 * 1024
    meminfo.write_text("MemTotal:       24000000 kB\n")
    assert page_cache.available_memory(meminfo, no_cgroup) is None
    assert page_cache.available_memory(tmp_path / "none", no_cgroup) is None
    assert not page_cache.fits_in_memory(1, None)


def test_in_a_container_the_available_memory_is_at_most_its_limit(tmp_path):
    """/proc/meminfo shows the host's memory; a container's page cache counts against its own
    limit, so a file larger than that limit is not read ahead."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemAvailable:   20000000 kB\n")
    version2, version1 = tmp_path / "v2", tmp_path / "v1"
    version2.mkdir()
    (version1 / "memory").mkdir(parents=True)
    (version2 / "memory.max").write_text("4294967296\n")
    (version1 / "memory" / "memory.limit_in_bytes").write_text("2147483648\n")
    assert page_cache.available_memory(meminfo, version2) == 4 << 30
    assert page_cache.available_memory(meminfo, version1) == 2 << 30
    (version2 / "memory.max").write_text("max\n")
    (version1 / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert page_cache.available_memory(meminfo, version2) == 20_000_000 * 1024
    assert page_cache.available_memory(meminfo, version1) == 20_000_000 * 1024


def test_the_whole_check_finds_the_archive_in_the_page_cache(tmp_path, monkeypatch):
    """The check's own reads are one page at a time at random places; the file is read in
    order before them, so it is in memory when the check starts."""
    archive = sqlite_file(tmp_path / "archive.db", 8)
    dropped_from_cache(archive)
    seen = {}
    check = integrity._quick_check

    def checked(connection, pragma):
        seen.setdefault(pragma, resident_bytes(archive))
        return check(connection, pragma)

    monkeypatch.setattr(integrity, "_quick_check", checked)
    assert integrity.check_whole(str(archive), every_start_below=1) is not None
    assert seen["quick_check(3)"] >= archive.stat().st_size - 4096


def test_compact_finds_the_archive_in_the_page_cache(tmp_path, monkeypatch):
    """VACUUM copies each table and index in key order, one page at a time at random places
    of a file filled at random keys; the file is read in order before it."""
    import archive.compact as compact

    archive = sqlite_file(tmp_path / "archive.db", 8)
    size = archive.stat().st_size
    dropped_from_cache(archive)
    seen = []
    vacuum = compact._vacuum

    def vacuumed(connection, *args):
        seen.append(resident_bytes(archive))
        return vacuum(connection, *args)

    monkeypatch.setattr(compact, "_vacuum", vacuumed)
    assert compact.compact(str(archive)).bytes_before == size
    assert seen and seen[0] >= size - 4096
