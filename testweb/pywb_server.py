"""A real pywb, for the tests and the demo: a collection made from WARC files with
`wb-manager init` and `wb-manager add`, served by `wayback --port` on a loopback port.

pywb pins old releases of libraries the archive itself needs newer (redis 2.10, brotlipy over
brotli), so it is not installed beside vnarchive: it lives in its own virtual environment,
found in this order: the folder VNARCHIVE_PYWB_BIN names, `.venv-pywb/bin` at the repository
root (`.ci/run` makes it, with the `wacz` tool beside it), or the PATH. Without it,
`PywbUnavailable` says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from testweb.processes import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = "testweb"
START_TIMEOUT = 60.0
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


class PywbUnavailable(RuntimeError):
    """pywb is not installed or could not start."""


def pywb_bin() -> Path:
    """The folder holding pywb's `wb-manager` and `wayback` commands."""
    candidates = [os.environ.get("VNARCHIVE_PYWB_BIN", ""), str(ROOT / ".venv-pywb" / "bin")]
    found = shutil.which("wb-manager")
    if found:
        candidates.append(str(Path(found).parent))
    for folder in filter(None, candidates):
        if (Path(folder) / "wb-manager").is_file() and (Path(folder) / "wayback").is_file():
            return Path(folder)
    raise PywbUnavailable("pywb is not installed: python3.11 -m venv .venv-pywb && "
                          ".venv-pywb/bin/pip install pywb")


def make_wacz(warc_files: list[Path], path: Path) -> Path:
    """A WACZ of the WARC files, made by Webrecorder's own `wacz create` (the `wacz` package,
    installed beside pywb, which it needs): WARCs, CDX index, datapackage and its digest."""
    tool = pywb_bin() / "wacz"
    if not tool.is_file():
        raise PywbUnavailable("the wacz tool is not installed: .venv-pywb/bin/pip install wacz")
    done = subprocess.run([str(tool), "create", "-o", str(path), *map(str, warc_files)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise PywbUnavailable(f"wacz create failed: {done.stderr[-500:]}")
    return path


class PywbServer:
    """`with PywbServer(folder, warcs_or_waczs) as pywb:` then `pywb.collection_url` is the Wayback
    address to crawl (`crawl --wayback URL`)."""

    def __init__(self, folder: Path, warc_files: list[Path], collection: str = COLLECTION):
        self.folder = Path(folder)
        self.warc_files = [Path(path) for path in warc_files]
        self.collection = collection
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def collection_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.collection}"

    def start(self) -> PywbServer:
        """Start pywb; a server already running is kept (a second `wayback` would be left
        behind, as `with server:` after `server.start()` once did)."""
        if self.process is not None and self.process.poll() is None:
            return self
        folder = pywb_bin()
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / "collections" / self.collection).is_dir():
            self._manage(folder, "init", self.collection)
        waczs = [str(path) for path in self.warc_files if path.suffix == ".wacz"]
        warcs = [str(path) for path in self.warc_files if path.suffix != ".wacz"]
        if warcs:
            self._manage(folder, "add", self.collection, *warcs)
        for wacz in waczs:  # pywb takes a WACZ's WARC files and index out of it
            self._manage(folder, "add", "--unpack-wacz", self.collection, wacz)
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(folder / "wayback"), "--port", str(self.port), "--bind", "127.0.0.1"],
            cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_until_ready()
        return self

    def _manage(self, folder: Path, *args: str) -> None:
        done = subprocess.run([str(folder / "wb-manager"), *args], cwd=self.folder,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PywbUnavailable(f"wb-manager {args[0]} failed: {done.stderr[-500:]}")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PywbUnavailable(f"wayback exited with {self.process.returncode}")
            try:
                with DIRECT.open(f"{self.collection_url}/cdx?url=x", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise PywbUnavailable(f"wayback did not answer within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def __enter__(self) -> PywbServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
