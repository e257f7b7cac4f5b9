"""Every error the API sends is a problem body (RFC 9457): `type`, `title`, `status`, `detail`, and for a manifest or
policy that cannot be read, the located `diagnostics` the CLI would print.

`Problem` is raised anywhere below the routes and turned into a response in one place (`app.py`); it knows nothing
of FastAPI.

    >>> Problem(415, "unsupported-media-type", "send `application/json` or `application/yaml`").status
    415
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import orjson

from govrules.diagnostics import Diagnostic

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An HTTP error with a stable machine-readable `type` (`urn:govrules:problem:<slug>`) and a human `detail`."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        diagnostics: Iterable[Diagnostic] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
        self.diagnostics = tuple(diagnostics)
        self.headers = dict(headers or {})

    def body(self) -> bytes:
        out: dict[str, object] = {
            "type": f"urn:govrules:problem:{self.slug}",
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if self.diagnostics:
            out["diagnostics"] = [d.to_json() for d in self.diagnostics]
        return orjson.dumps(out)


def invalid(detail: str, diagnostics: Iterable[Diagnostic] = ()) -> Problem:
    """422: the request was understood but what it carries cannot be evaluated."""
    return Problem(422, "invalid-request", detail, diagnostics)


_LOCATION = {
    "type": ["object", "null"],
    "properties": {"file": {"type": "string"}, "line": {"type": "integer"}, "column": {"type": "integer"}},
}
SCHEMA: dict[str, object] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`urn:govrules:problem:<slug>`, stable for programs"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong and what to do, for people"},
        "diagnostics": {
            "type": "array",
            "description": "located errors in the manifest or policy (as `govrules check` prints them)",
            "items": {
                "type": "object",
                "required": ["code", "severity", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "severity": {"type": "string"},
                    "message": {"type": "string"},
                    "location": _LOCATION,
                    "hint": {"type": ["string", "null"]},
                },
            },
        },
    },
}
