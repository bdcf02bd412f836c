"""A Datasette plugin: answer only requests addressed to this machine by name.

`vnarchive serve` binds to 127.0.0.1, but a web page in the user's browser can still reach it
by DNS rebinding: its own name, re-pointed to 127.0.0.1, makes the browser send the page's
requests here with that name in the Host header, and read the archive. Requests whose Host is
not 127.0.0.1, localhost or [::1] (with the port served) are refused with 421.
"""

from __future__ import annotations

from datasette import hookimpl

LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
REFUSAL = (b"421 Misdirected Request: this archive is served only to 127.0.0.1 and localhost "
           b"(the Host header named another address)\n")


def is_local_host(host: str, port: int | None) -> bool:
    """Whether a Host header names this machine, on the port being served."""
    host = host.strip().lower().rstrip(".")
    return host in {*LOCAL_NAMES, *(f"{name}:{port}" for name in LOCAL_NAMES)}


def refuse_other_hosts(app):
    async def checked(scope, receive, send):
        if scope.get("type") in ("http", "websocket"):
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            port = (scope.get("server") or (None, None))[1]
            if not is_local_host(host, port):
                await send({"type": "http.response.start", "status": 421,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": REFUSAL})
                return
        await app(scope, receive, send)
    return checked


@hookimpl
def asgi_wrapper(datasette):
    return refuse_other_hosts
