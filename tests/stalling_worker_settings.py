"""Scrapy settings for a distributed worker that stalls (SCRAPY_SETTINGS_MODULE): the project's
settings plus `StallFirstRequest`, which blocks the worker's reactor on its first request but
robots.txt, before the host lock, as a busy machine or the start of the worker's other sites
does. It writes the URL to VNARCHIVE_TEST_STALL_DIR/stalled and blocks until the test creates
VNARCHIVE_TEST_STALL_DIR/go."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from crawler.settings import *  # noqa: F403
from crawler.settings import DOWNLOADER_MIDDLEWARES

# Before HostLockMiddleware (950): another worker may fetch the host meanwhile.
DOWNLOADER_MIDDLEWARES = {**DOWNLOADER_MIDDLEWARES,
                          "tests.stalling_worker_settings.StallFirstRequest": 940}
STALL_LIMIT_SECONDS = 120


class StallFirstRequest:
    def __init__(self):
        self.folder = Path(os.environ["VNARCHIVE_TEST_STALL_DIR"])
        self.stalled = False

    def process_request(self, request):
        if self.stalled or urlsplit(request.url).path == "/robots.txt":
            return None  # robots.txt is each worker's own, outside the frontier
        self.stalled = True
        # Written aside, then renamed: the test waits for the name and must never read it empty.
        (self.folder / "stalled.part").write_text(request.url, encoding="utf-8")
        (self.folder / "stalled.part").replace(self.folder / "stalled")
        deadline = time.monotonic() + STALL_LIMIT_SECONDS
        while not (self.folder / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the reactor waits too: no callback, no LoopingCall runs
        return None
