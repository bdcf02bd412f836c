"""The shared data folder beside the project: real pages and texts nobody on the team wrote,
read from where they are and never copied into the project (their publishers hold the
copyright). Tests and benchmarks that need it skip, with this reason, where it is absent: a
clean clone on CI has none.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MISSING = ("no shared folder with real-pages/ (set VNARCHIVE_SHARED, or put `shared` beside the "
           "checkout)")


def shared_folder() -> Path | None:
    """$VNARCHIVE_SHARED, else `shared` beside the checkout (the main checkout) or beside its
    parent (a helper's worktree); None when absent."""
    candidates = [Path(os.environ["VNARCHIVE_SHARED"])] if os.environ.get("VNARCHIVE_SHARED") \
        else []
    candidates += [ROOT.parent / "shared", ROOT.parents[1] / "shared"]
    return next((path for path in candidates if (path / "real-pages").is_dir()), None)


def real_pages(set_name: str) -> Path | None:
    """One real-pages set's folder (`articles`, `html`, `listings`, `more`), None if absent."""
    shared = shared_folder()
    folder = shared / "real-pages" / set_name if shared else None
    return folder if folder is not None and folder.is_dir() else None
