"""What the web-archive tests share: a recording of a district portal of the test web (a real
crawl, whose WARC files are the captures), a WACZ packed from them, and a real pywb serving
them."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.writer import warc_folder
from tests.conftest import query, run_vnarchive
from testweb.pywb_server import PywbServer, PywbUnavailable, make_wacz
from testweb.server import TestWeb

SITE = "testweb_lynhan"


@dataclass
class Recording:
    db: Path  # the archive of the live crawl that made the captures
    warcs: list[Path]
    base_url: str  # where the portal was served while it was recorded

    @property
    def base_urls(self) -> str:
        return json.dumps({SITE: self.base_url})

    def articles(self) -> dict[str, tuple]:
        """canonical URL -> (title, text, published, is_meeting_report, fetched_at)."""
        return articles_of(self.db)


def articles_of(db: Path) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in query(
        db, "select canonical_url, title, text, published, is_meeting_report, fetched_at "
            "from articles")}


def record_portal(folder: Path, web: TestWeb | None = None) -> Recording:
    """Crawl the Lý Nhân portal of a test web (served here unless given) into `folder`."""
    db = folder / "recording.db"
    own = web is None
    web = web or TestWeb(["lynhan"]).start()
    try:
        base_url = web.sites["lynhan"].base_url
        result = run_vnarchive("crawl", SITE, "--db", str(db), "--base-urls",
                               json.dumps({SITE: base_url}))
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        if own:
            web.stop()  # the portal closes: from now on only its captures remain
    warcs = sorted(warc_folder(str(db)).glob("*.warc.gz"))
    assert warcs
    return Recording(db=db, warcs=warcs, base_url=base_url)


def pack_wacz(warcs: list[Path], path: Path) -> Path:
    """A WACZ of the WARC files: made by Webrecorder's `wacz create` where it is installed
    (beside pywb), else laid out here as the spec says (the WARC files under archive/, stored
    so they can be read in place, and a datapackage.json listing them)."""
    try:
        return make_wacz(warcs, path)
    except PywbUnavailable:
        pass
    resources = []
    with zipfile.ZipFile(path, "w") as wacz:
        for warc in warcs:
            name = f"archive/{warc.name}"
            wacz.write(warc, name, compress_type=zipfile.ZIP_STORED)
            resources.append({"name": warc.name, "path": name, "bytes": warc.stat().st_size})
        wacz.writestr("datapackage.json", json.dumps(
            {"profile": "data-package", "wacz_version": "1.1.1", "resources": resources}))
    return path


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Recording:
    return record_portal(tmp_path_factory.mktemp("recording"))


@pytest.fixture(scope="module")
def pywb(recording, tmp_path_factory):
    try:
        server = PywbServer(tmp_path_factory.mktemp("pywb"), recording.warcs).start()
    except PywbUnavailable as reason:
        pytest.skip(f"pywb cannot run here: {reason}")
    yield server
    server.stop()
