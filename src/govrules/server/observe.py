"""What every HTTP request leaves behind: a request id, its place in the metrics and one JSON access-log line.

`Observe` wraps the whole app (outermost, so the routes answered directly and those FastAPI answers are seen
alike). A request that never got a response is counted with the status its route left in `scope["govrules"]`
(499: the client went away) or else 500. The access log's lines of one event-loop iteration are written together.

    app.observe = Observe(app.dispatch, state)                     # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govrules.server.state import State, new_request_id


class Observe:
    """ASGI middleware: request id, timing, metrics and one JSON access-log line per request."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app, self.state = app, state
        self.access = AccessLog(sys.stderr)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = _request_id(scope)
        info = scope["govrules"] = {"caller": None, "decision_id": None, "route": "unmatched", "status": 500}
        status: int | None = None

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            seconds = time.perf_counter() - start
            status = status or info["status"]  # no response: a client gone (499) or a crash (500)
            route = info["route"]
            if (
                route == "unmatched" and status < 400
            ):  # FastAPI's own pages (/docs, /openapi.json): a few paths
                route = scope["path"]  # a refused path stays `unmatched`: a client cannot grow the labels
            self.state.metrics.observe(route, scope["method"], status, seconds)
            if self.state.settings.access_log:
                line = {
                    "request_id": request_id,
                    "caller": info["caller"],
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "decision_id": info["decision_id"],
                }
                self.access.add(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))


class AccessLog:
    """The JSON access log on standard error: the lines of one event-loop iteration written together (a write per
    request would cost a system call each)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.lines: list[bytes] = []

    def add(self, line: bytes) -> None:
        if not self.lines:
            asyncio.get_running_loop().call_soon(self.flush)
        self.lines.append(line)

    def flush(self) -> None:
        lines, self.lines = self.lines, []
        with contextlib.suppress(OSError, ValueError):  # a closed or full stderr never fails a request
            self.stream.buffer.write(b"".join(lines))
            self.stream.flush()


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id" and 0 < len(value) <= 128 and all(c in _ID_BYTES for c in value):
            return str(value.decode())
    return new_request_id()


_ID_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:")
