"""Never a 500 for anything a client sends: schemathesis generates requests from the API's own OpenAPI document
(valid and invalid bodies, query strings, path parameters, with and without a token) and checks every response
is documented: status code, content type, headers and body schema."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from govrules.server.app import create_app  # noqa: E402
from govrules.server.settings import ServerSettings  # noqa: E402
from govrules.server.tokens import create_token  # noqa: E402

_TMP = Path(tempfile.mkdtemp(prefix="govrules-schemathesis-"))
_, ADMIN = create_token(str(_TMP / "tokens.jsonl"), "admin", "fuzz")
APP = create_app(
    ServerSettings(db_url=f"sqlite:{_TMP / 'decisions.db'}", tokens_file=str(_TMP / "tokens.jsonl"))
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS: list[Any] = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: Any) -> None:
    case.call_and_validate(headers={"authorization": f"Bearer {ADMIN}"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_without_a_token_gets_a_server_error(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
