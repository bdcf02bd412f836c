"""Which WARC folder is an archive's own.

An archive `NAME.db` keeps its WARC files in `NAME.db-warc/`, named after its whole file name
as its lock and queue folder are: `a.db` and `a.sqlite` in one folder are two archives. Before,
both used `a-warc/`, so `reprocess --db a.db` took in a.sqlite's articles.

An archive made before keeps its `NAME-warc/` when that folder is its own: marked with its file
name (OWNER_FILE, written by the first writer that opens it), or unmarked and holding the files
its rows point to. An unmarked `NAME-warc/` that two archives point into is left unmarked, and
is read file by file: each WARC file is written for one archive, so an archive reads only the
files its own rows name (`shared_with`, `own_files`).
"""

from __future__ import annotations

import glob
import sqlite3
from contextlib import closing
from pathlib import Path

from archive.errors import is_sqlite
from archive.query import open_read_only

OWNER_FILE = "ARCHIVE"  # in a WARC folder: the file name of the archive it belongs to


def warc_folder(db_path: str) -> Path:
    """Where an archive keeps its WARC files (the module docstring says which)."""
    path = Path(db_path).resolve()
    own, legacy = path.with_name(f"{path.name}-warc"), older_folder(path)
    if own.is_dir() or legacy == own or not legacy.is_dir():
        return own
    owner = folder_owner(legacy)
    if owner == path.name or (owner is None and points_into(path, legacy)):
        return legacy
    return own


def older_folder(path: Path) -> Path:
    """The WARC folder an archive made before each had its own used: `NAME-warc/` beside it."""
    return path.with_name(f"{path.stem}-warc")


def folder_owner(folder: Path) -> str | None:
    """The file name of the archive beside it that a WARC folder is marked as belonging to,
    or None. A mark naming no archive beside it is none: an archive renamed or copied with
    its folder (`a.db` and `a-warc/` to `b.db` and `b-warc/`) keeps its files."""
    try:
        owner = (folder / OWNER_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return owner if owner and (folder.parent / owner).is_file() else None


def marked_for_another(db_path: str) -> tuple[Path, str] | None:
    """The archive's older `NAME-warc/` and the other archive beside it that the folder is
    marked for, when the archive has no WARC folder of its own: what a command that finds
    none names, since the files it looked for may be there."""
    path = Path(db_path).resolve()
    legacy = older_folder(path)
    if warc_folder(db_path).is_dir() or not legacy.is_dir():
        return None
    owner = folder_owner(legacy)
    return (legacy, owner) if owner is not None and owner != path.name else None


def claim(db_path: str, folder: Path) -> None:
    """Mark the archive's WARC folder as its own, unless it is marked already or another
    archive points into it too (then it stays shared: see `own_files`)."""
    path = Path(db_path).resolve()
    if folder_owner(folder) is None and not shared_with(db_path, folder):
        (folder / OWNER_FILE).write_text(path.name + "\n", encoding="utf-8")


def shared_with(db_path: str, folder: Path) -> list[str]:
    """The other archives beside this one whose rows point into `folder`, when it is the
    unmarked `NAME-warc/` of archives made before each had its own."""
    path = Path(db_path).resolve()
    if folder_owner(folder) is not None or folder != older_folder(path):
        return []
    # Every file whose stem was this one's: `a.db`, `a.sqlite` and a bare `a` all used `a-warc/`
    # (the glob escaped: a `[` in a name is no pattern).
    siblings = [*path.parent.glob(f"{glob.escape(path.stem)}.*"), path.with_name(path.stem)]
    return sorted(other.name for other in siblings
                  if other.name != path.name and is_sqlite(other) and points_into(other, folder))


def own_files(db_path: str) -> set[str]:
    """The WARC file names the archive's pages point to."""
    # Pages alone: every stored response gets its `pages` row (ArchiveWriter.add_fetch, in
    # the same batch as its article or an earlier one), and an article's warc_file is its
    # fetch's, so reading `articles` too (every article's row) named no other file.
    with closing(_read_only(Path(db_path))) as connection:
        return {row[0] for row in connection.execute(
            "select distinct warc_file from pages where warc_file is not null")}


def points_into(db: Path, folder: Path) -> bool:
    """Whether the archive's rows name a WARC file that is in `folder`."""
    if not is_sqlite(db):
        return False
    try:
        with closing(_read_only(db)) as connection:
            # The first and the last file each table names: the oldest files may have been
            # pruned or moved away, the newest rarely (both read by rowid, no scan).
            for table in ("pages", "articles"):
                for order in ("", " desc"):
                    row = connection.execute(f"select warc_file from {table} where warc_file is "
                                             f"not null order by rowid{order} limit 1").fetchone()
                    if row and (folder / row[0]).is_file():
                        return True
    except sqlite3.Error:  # no such table yet, or not ours
        return False
    return False


def _read_only(path: Path) -> sqlite3.Connection:
    return open_read_only(path)  # escapes a `#`, `?` or `%` in the path
