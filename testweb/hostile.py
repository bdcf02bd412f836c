"""A hostile web server for tests: the framework (routing, raw writes, resets, request counts)
of a site that hangs, drips, resets, lies about lengths, breaks chunking, serves bombs,
redirects in loops and off-site, rate-limits, fails in storms and serves bad robots.txt files
and sitemaps.

It runs as a subprocess (`python -m testweb.hostile [--port N]`, prints its port on the first
line of its output) on 127.0.0.1 only, so a hang or an abort never touches the test process.
It is written on raw asyncio streams rather than a web framework: a framework would fix up
exactly the things this server must get wrong (lengths, chunk framing, resets mid-body).

One server answers for many host names (the Host header picks the site), so a test can give a
crawl a "public" site, a host that storms, hosts with bad robots.txt files, all on one port.
Every request is counted by host and path (`GET /__control/requests` returns the counts), so
tests can assert what a crawl fetched and, above all, what it did not.

The endpoints of the network cases (timeouts, bodies, bombs, redirects, rate limits, robots.txt,
sitemaps) are in `testweb/hostile_net.py`, always loaded. Adding an endpoint, in a module of
its own (loaded with `--module NAME`, or `HostileSite(modules=[NAME])`):

    from testweb.hostile import endpoint

    @endpoint("/charset/lying-header")
    async def lying_header(request, connection):
        await connection.send(200, body_bytes, content_type="text/html; charset=utf-8")

`@endpoint(path, prefix=True)` matches every path that starts with `path`; `host=` limits an
endpoint to one host name. Helpers for honest pages: `article_html`, `listing_html`,
`send_html`, `redirect`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import socket
import struct
import sys
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"
MAIN_HOST = "hostile.test"  # the "public" site (a test maps the name to 127.0.0.1)
HANG_SECONDS = 60  # longer than any download timeout a test sets
CONTROL = "/__control/"
DEFAULT_MODULES = ["testweb.hostile_net"]


# Requests and connections -------------------------------------------------------------------
@dataclass
class HostileRequest:
    method: str
    target: str  # path and query, as sent
    host: str  # the Host header without its port
    headers: dict[str, str]
    server: HostileServer

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(urlsplit(self.target).query).items()}

    def url(self, path: str, host: str | None = None) -> str:
        """An absolute URL on this server, on this host or another one."""
        return f"http://{host or self.host}:{self.server.port}{path}"


class Connection:
    """The client's socket, with the few ways a server can answer (or fail to)."""

    def __init__(self, writer: asyncio.StreamWriter):
        self.writer = writer
        self.answered = False

    async def send_head(self, status: int, headers: list[tuple[str, str]] = ()) -> None:
        """The status line and headers only; `Connection: close` so each request is one
        connection and a misbehaving body never poisons the next request."""
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "X"
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers),
                 "Connection: close", "", ""]
        await self.write("\r\n".join(lines).encode("latin-1"))

    async def send(self, status: int, body: bytes | str = b"", *,
                   content_type: str = "text/html; charset=utf-8",
                   headers: list[tuple[str, str]] = ()) -> None:
        """A complete, honest response."""
        payload = body.encode("utf-8") if isinstance(body, str) else body
        await self.send_head(status, [("Content-Type", content_type),
                                      ("Content-Length", str(len(payload))), *headers])
        await self.write(payload)

    async def write(self, data: bytes) -> None:
        self.answered = True
        self.writer.write(data)
        await self.writer.drain()

    async def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0), after what was written has left."""
        await asyncio.sleep(0.05)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def hang(self, seconds: float = HANG_SECONDS) -> None:
        await asyncio.sleep(seconds)


Handler = Callable[[HostileRequest, Connection], Awaitable[None]]


@dataclass
class Route:
    path: str
    handler: Handler
    prefix: bool = False
    host: str | None = None

    def matches(self, request: HostileRequest) -> bool:
        if self.host is not None and request.host != self.host:
            return False
        return request.path.startswith(self.path) if self.prefix else request.path == self.path


ROUTES: list[Route] = []


def endpoint(path: str, *, prefix: bool = False, host: str | None = None):
    """Register a handler; routes limited to a host and exact paths are tried first."""
    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(path, handler, prefix, host))
        return handler
    return register


STARTUP_JOBS: list[Callable[[], None]] = []


def at_startup(job: Callable[[], None]) -> Callable[[], None]:
    """Run `job` in a background thread when the server starts (to build slow payloads before
    anyone asks for them)."""
    STARTUP_JOBS.append(job)
    return job


def find_route(request: HostileRequest) -> Route | None:
    ordered = sorted(ROUTES, key=lambda route: (route.host is None, route.prefix,
                                                -len(route.path)))
    return next((route for route in ordered if route.matches(request)), None)


# The server ---------------------------------------------------------------------------------
@dataclass
class HostileServer:
    port: int = 0
    requests: Counter = field(default_factory=Counter)  # "host/path?query" -> times served
    phase: str = "hostile"  # "good": the pages a first crawl archives; "hostile": the rest
    state: dict = field(default_factory=dict)  # scratch space for endpoints with memory

    async def serve(self, ready: Callable[[int], None]) -> None:
        server = await asyncio.start_server(self._handle, LOOPBACK, self.port, limit=65536)
        self.background = [asyncio.create_task(asyncio.to_thread(job)) for job in STARTUP_JOBS]
        self.port = server.sockets[0].getsockname()[1]
        ready(self.port)
        async with server:
            await server.serve_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        connection = Connection(writer)
        try:
            request = await self._read_request(reader)
            if request is None:
                return
            if request.path.startswith(CONTROL):
                await self._control(request, connection)
                return
            self.requests[request.host + request.target] += 1
            route = find_route(request)
            if route is None:
                await connection.send(404, "<html><body><h1>404</h1></body></html>")
            else:
                await route.handler(request, connection)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client gave up, as it should with most of these endpoints
        finally:
            if not writer.transport.is_closing():
                writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> HostileRequest | None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return None
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        host = headers.get("host", LOOPBACK).rsplit(":", 1)[0].strip("[]").lower()
        return HostileRequest(parts[0], parts[1], host, headers, self)

    async def _control(self, request: HostileRequest, connection: Connection) -> None:
        """Not counted: the test's own calls (request counts, the phase, a reset)."""
        command = request.path[len(CONTROL):]
        if command == "phase":
            self.phase = request.query.get("name", "hostile")
        elif command == "reset":
            self.requests.clear()
            self.state.clear()
        answer = {"requests": dict(self.requests), "phase": self.phase}
        await connection.send(200, json.dumps(answer), content_type="application/json")


# Page helpers -------------------------------------------------------------------------------
PARAGRAPHS = (
    "Ngày 3/7, Huyện ủy tổ chức hội nghị đánh giá kết quả thực hiện nhiệm vụ quý II và triển "
    "khai nhiệm vụ quý III năm 2025 với sự tham dự của các đồng chí trong Ban Thường vụ.",
    "Theo báo cáo, trong quý II, tình hình kinh tế - xã hội của huyện tiếp tục ổn định, tổng "
    "giá trị sản xuất ước đạt hơn ba nghìn tỷ đồng, tăng so với cùng kỳ năm trước.",
    "Công tác xây dựng Đảng, chính quyền và hệ thống chính trị được chú trọng; an ninh chính "
    "trị, trật tự an toàn xã hội được giữ vững, đời sống nhân dân từng bước được nâng lên.",
    "Phát biểu kết luận hội nghị, đồng chí Bí thư Huyện ủy đề nghị các cấp, các ngành tập "
    "trung thực hiện quyết liệt các nhiệm vụ, giải pháp đã đề ra trong quý III.",
)


def article_html(slug: str, title: str | None = None, padding: int = 0) -> str:
    """An article page an extractor accepts: title, date, four paragraphs (and `padding`
    bytes of comment, to make it as large as a test needs)."""
    title = title or f"Huyện ủy triển khai nhiệm vụ quý III/2025 ({slug})"
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in PARAGRAPHS)
    filler = f"<!-- {'x' * padding} -->" if padding else ""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta property="article:published_time" content="2025-07-03T09:00:00+07:00">'
        f"</head><body><article><h1>{escape(title)}</h1>"
        f'<p class="date">03/07/2025 09:00</p>{paragraphs}</article>{filler}</body></html>'
    )


def listing_html(title: str, links: list[str]) -> str:
    items = "".join(f'<li><a href="{escape(link)}">{escape(link)}</a></li>' for link in links)
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}'
            f"</title></head><body><h1>{title}</h1><ul>{items}</ul></body></html>")


async def send_html(connection: Connection, html: str, status: int = 200) -> None:
    await connection.send(status, html)


async def redirect(connection: Connection, location: str, status: int = 302) -> None:
    await connection.send(status, b"", headers=[("Location", location)])



# Running it ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="serve the hostile test site on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--module", action="append", default=[],
                        help="a module with more @endpoint handlers to load")
    args = parser.parse_args(argv)
    for name in [*DEFAULT_MODULES, *args.module]:
        importlib.import_module(name)
    server = HostileServer(port=args.port)

    def ready(port: int) -> None:
        print(port, flush=True)

    asyncio.run(server.serve(ready))


class HostileSite:
    """The hostile server as a subprocess, for tests: start it, read its counts, stop it."""

    def __init__(self, modules: list[str] = ()):
        self.modules = list(modules)
        self.process = None
        self.port = 0

    def __enter__(self) -> HostileSite:
        import subprocess
        command = [sys.executable, "-m", "testweb.hostile"]
        for name in self.modules:
            command += ["--module", name]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def control(self, command: str) -> dict:
        url = f"http://{LOOPBACK}:{self.port}{CONTROL}{command}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        with opener.open(url, timeout=10) as answer:
            return json.load(answer)

    def requests(self) -> Counter:
        """Times each "host/path" was requested."""
        return Counter(self.control("requests")["requests"])

    def set_phase(self, name: str) -> None:
        self.control(f"phase?name={name}")

    def url(self, path: str, host: str = MAIN_HOST) -> str:
        return f"http://{host}:{self.port}{path}"


if __name__ == "__main__":
    # Through the package module, so the endpoints register where the server looks for them.
    importlib.import_module("testweb.hostile").main()
