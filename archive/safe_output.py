"""Write a command's output file without ever destroying another file.

An output is written to a temporary file beside it and renamed into place only when it is
complete, so a query that fails halfway leaves the old file as it was. Before anything is
written, the target is checked:

- the archive itself, its -wal, -shm or -journal file, a WARC file or any SQLite database is
  refused always (no option overrides it: an export onto them would wipe the archive);
- an existing file is refused unless the command was given `--force`;
- permissions are respected even for root, who may write anything: a file without write bits,
  or in a folder the user cannot write, is refused, as someone made it so on purpose;
- only regular files are replaced (not a directory, a device or a pipe).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import ArchiveError, is_sqlite

ARCHIVE_COMPANIONS = ("", "-wal", "-shm", "-journal")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


class OutputRefused(ArchiveError):
    """The command will not write this output file; the message says why and what to do."""


def _same_file(path: Path, other: Path) -> bool:
    try:
        return path.resolve() == other.resolve() or (
            path.exists() and other.exists() and os.path.samefile(path, other))
    except OSError:
        return False


def _writable_by_intent(path: Path) -> bool:
    """Write permission as its owner meant it: root passes `os.access` for every file, so the
    mode's write bits are checked too."""
    mode = path.stat().st_mode
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(path, os.W_OK)


def check_output(out: Path, db_path: str | None = None, force: bool = False) -> None:
    """Refuse before writing: raise OutputRefused when `out` may not be (re)written."""
    if db_path:
        archive = Path(db_path)
        for suffix in ARCHIVE_COMPANIONS:
            if _same_file(out, archive.with_name(archive.name + suffix)):
                what = f"the archive's {suffix[1:]} file" if suffix else "the archive"
                raise OutputRefused(f"{out} is {what} ({db_path}): vnarchive never writes "
                                    "an output over it")
    if out.name.lower().endswith(WARC_SUFFIXES):
        raise OutputRefused(f"{out} is a WARC file name: vnarchive never writes one "
                            "as an output")
    if out.is_symlink() or out.exists():
        if out.is_dir():
            raise OutputRefused(f"{out} is a directory: give a file name")
        # Before the header is read: opening a named pipe to read it waited for ever.
        if not out.is_file():
            raise OutputRefused(f"{out} is not a regular file")
        if is_sqlite(out):
            raise OutputRefused(f"{out} is an SQLite database: vnarchive never writes an "
                                "output over one")
        if not force:
            raise OutputRefused(f"{out} exists: give --force to replace it")
        if not _writable_by_intent(out):
            raise OutputRefused(f"{out} is read-only: not replaced, even with --force")
    folder = out.parent
    if folder.exists() and not (folder.is_dir() and _writable_by_intent(folder)):
        raise OutputRefused(f"cannot write in {folder}: not a writable folder")


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`; renamed onto `out` when the block ends without an
    error, removed otherwise. Call `check_output` first."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(handle)
    temporary = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would hide the export from the group
    try:
        yield temporary
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_safely(out: Path, text: str) -> None:
    """`out.write_text(text)`, all or nothing."""
    with replacing(out) as temporary:
        temporary.write_text(text, encoding="utf-8")


@contextmanager
def safe_output(out: Path, db_path: str | None = None, force: bool = False,
                *companions: Path) -> Iterator[Path]:
    """Check `out` (and the files written beside it) and yield the temporary path to write."""
    for path in (out, *companions):
        check_output(path, db_path, force)
    with replacing(out) as temporary:
        yield temporary
