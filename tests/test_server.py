"""The HTTP API: the CLI's verdicts over HTTP, tokens, limits, problem bodies, the decision log, reload, metrics."""

from __future__ import annotations

import asyncio
import gc
import json
import re
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from govrules.server import audit
from govrules.server.app import create_app
from govrules.server.evaluation import PolicyConfig
from govrules.server.settings import ServerSettings
from govrules.server.tokens import create_token

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*/ai-project.yaml"))
AS_OF = "2026-11-28"
YAML = {"content-type": "application/yaml"}


class Server:
    def __init__(self, client: TestClient, evaluate: str, admin: str, db: str, tmp: Path) -> None:
        self.client, self.db, self.tmp = client, db, tmp
        self.evaluate = {"authorization": f"Bearer {evaluate}"}
        self.admin = {"authorization": f"Bearer {admin}"}

    def post_yaml(self, text: str | bytes, **params: str) -> Any:
        return self.client.post(
            "/v1/evaluate", content=text, params={"as_of": AS_OF, **params}, headers={**self.evaluate, **YAML}
        )

    def post_json(self, body: Any) -> Any:
        return self.client.post("/v1/evaluate", json=body, headers=self.evaluate)


def start(tmp: Path, **overrides: Any) -> tuple[TestClient, str, str, str]:
    tokens = str(tmp / "tokens.jsonl")
    _, evaluate = create_token(tokens, "evaluate", "portal")
    _, admin = create_token(tokens, "admin", "ops")
    db = f"sqlite:{tmp / 'decisions.db'}"
    settings = ServerSettings(PolicyConfig(), db, tokens, **overrides)
    return TestClient(create_app(settings)), evaluate, admin, db


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    client, evaluate, admin, db = start(tmp_path, max_body=256 * 1024, max_batch=3)
    with client:
        yield Server(client, evaluate, admin, db, tmp_path)


def cli_json(path: Path, *flags: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "govrules", "check", str(path), "--as-of", AS_OF, "--format", "json", *flags],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.mark.parametrize("example", EXAMPLES[:4], ids=lambda p: p.parent.name)
def test_yaml_body_answers_exactly_the_cli_report(server: Server, example: Path) -> None:
    name = str(example.relative_to(ROOT))
    response = server.post_yaml(example.read_bytes(), path=name)
    assert response.status_code == 200, response.text
    body = response.json()
    decision_id = body.pop("decision_id")
    assert response.headers["x-decision-id"] == decision_id
    assert body == cli_json(example.relative_to(ROOT))


def test_json_body_gives_the_cli_verdicts(server: Server) -> None:
    example = ROOT / "examples/credit-scoring/ai-project.yaml"
    manifest = json.loads(json.dumps(yaml.safe_load(example.read_text()), default=str))
    response = server.post_json({"manifest": manifest, "as_of": AS_OF, "stage": "enterprise"})
    assert response.status_code == 200, response.text
    got = {r["rule"]: r["verdict"] for r in response.json()["manifests"][0]["results"]}
    want = cli_json(example.relative_to(ROOT), "--stage", "enterprise")
    assert got == {r["rule"]: r["verdict"] for r in want["manifests"][0]["results"]}
    assert response.json()["manifests"][0]["readiness"] == want["manifests"][0]["readiness"] | {
        "unmet": response.json()["manifests"][0]["readiness"]["unmet"]
    }


def test_every_answered_decision_is_in_the_log_and_the_chain_holds(server: Server) -> None:
    ids = [server.post_yaml(p.read_bytes()).json()["decision_id"] for p in EXAMPLES[:3]]
    ids.append(server.post_yaml(EXAMPLES[0].read_bytes()).json()["decision_id"])  # a repeat: its own decision
    assert len(set(ids)) == 4
    for decision_id in ids:
        record = server.client.get(f"/v1/decisions/{decision_id}", headers=server.admin)
        assert record.status_code == 200
        assert record.json()["decision_id"] == decision_id
        assert record.json()["caller"] != server.evaluate["authorization"].split()[1]
    assert audit.verify(server.db).ok


AUTH_CASES = [
    # (route, method, header, status, www-authenticate contains)
    ("/v1/policies", "GET", None, 401, 'Bearer realm="govrules"'),
    ("/v1/policies", "GET", "Bearer grt_000000000000_nope", 401, "invalid_token"),
    ("/v1/policies", "GET", "Basic dXNlcjpwYXNz", 401, "invalid_token"),
    ("/v1/policies", "GET", "Bearer ", 401, "invalid_token"),
    ("/v1/policies/reload", "POST", "evaluate", 403, "insufficient_scope"),
    ("/v1/decisions/x", "GET", "evaluate", 403, "insufficient_scope"),
    ("/v1/policies", "GET", "evaluate", 200, None),
    ("/v1/policies", "GET", "admin", 200, None),
    ("/v1/decisions/nope", "GET", "admin", 404, None),
]


@pytest.mark.parametrize(("route", "method", "header", "status", "challenge"), AUTH_CASES)
def test_tokens_and_scopes(
    server: Server, route: str, method: str, header: str | None, status: int, challenge: str | None
) -> None:
    headers = {"evaluate": server.evaluate, "admin": server.admin}.get(header or "", {})
    if header and not headers:
        headers = {"authorization": header}
    response = server.client.request(method, route, headers=headers)
    assert response.status_code == status, response.text
    if challenge:
        assert challenge in response.headers["www-authenticate"]
    if status >= 400:
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(problem) and problem["status"] == status


BAD_REQUESTS = [
    # (content type, body, status, problem type suffix, a diagnostic code expected or None)
    ("text/plain", b"hello", 415, "unsupported-media-type", None),
    (None, b"{}", 415, "unsupported-media-type", None),
    ("application/json", b"{not json", 400, "malformed-json", None),
    ("application/json", b"[1, 2]", 422, "invalid-request", None),
    ("application/json", b'{"manifest": {}, "manifest_yaml": "a: 1"}', 422, "invalid-request", None),
    ("application/json", b'{"manifets": {}}', 422, "invalid-request", None),
    ("application/json", b'{"manifest": {}, "as_of": "28/11/2026"}', 422, "invalid-request", None),
    ("application/json", b'{"manifest": {}, "stage": "prod"}', 422, "invalid-request", None),
    ("application/json", b'{"manifest": {}, "explain": "yes"}', 422, "invalid-request", None),
    ("application/json", b'{"manifest": {"project": 1}}', 422, "invalid-request", "GR3"),
    ("application/yaml", b"project: [unclosed", 422, "invalid-request", "GR3"),
    ("application/yaml", b"a: 1\na: 2\n", 422, "invalid-request", "GR3"),
    ("application/yaml", b"a: !!python/object:os.system x\n", 422, "invalid-request", "GR3"),
    ("application/yaml", b"\xff\xfe\x00", 422, "invalid-request", "GR302"),
    ("application/yaml", b"", 422, "invalid-request", "GR305"),
    (
        "application/json",
        b'{"manifest": ' + b'{"a": ' * 60 + b"1" + b"}" * 61,
        422,
        "invalid-request",
        "GR306",
    ),
]


@pytest.mark.parametrize(("ctype", "body", "status", "slug", "code"), BAD_REQUESTS)
def test_bad_requests_get_problem_bodies(
    server: Server, ctype: str | None, body: bytes, status: int, slug: str, code: str | None
) -> None:
    headers = {**server.evaluate, **({"content-type": ctype} if ctype else {})}
    response = server.client.post("/v1/evaluate", content=body, headers=headers)
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["type"] == f"urn:govrules:problem:{slug}"
    assert "decision_id" not in problem
    if code:
        assert any(d["code"].startswith(code) for d in problem["diagnostics"]), problem
        assert all(d["location"]["line"] >= 1 for d in problem["diagnostics"])


def test_a_located_yaml_error_names_line_and_column(server: Server) -> None:
    text = (ROOT / "examples/credit-scoring/ai-project.yaml").read_text().replace("stage:", "stage: [", 1)
    problem = server.post_yaml(text, path="svc/ai-project.yaml").json()
    location = problem["diagnostics"][0]["location"]
    assert location["file"] == "svc/ai-project.yaml" and location["line"] > 1


def test_an_oversized_body_is_413_before_it_is_read(server: Server) -> None:
    response = server.post_yaml(b"# " + b"x" * (256 * 1024))
    assert response.status_code == 413
    assert response.json()["type"].endswith("content-too-large")


def test_unknown_routes_and_methods_are_problems(server: Server) -> None:
    assert server.client.get("/v2/nothing").json()["status"] == 404
    assert server.client.get("/v1/evaluate", headers=server.evaluate).status_code == 405


def test_unknown_rule_suggests_the_nearest(server: Server) -> None:
    assert server.client.get("/v1/rules/OWN-001", headers=server.evaluate).json()["id"] == "OWN-001"
    problem = server.client.get("/v1/rules/OWN-01", headers=server.evaluate).json()
    assert problem["status"] == 404 and "OWN-001" in problem["detail"]


def test_batch_is_one_report_over_all_manifests(server: Server) -> None:
    items = [{"manifest_yaml": p.read_text(), "path": p.parent.name} for p in EXAMPLES[:3]]
    response = server.client.post(
        "/v1/evaluate/batch", json={"manifests": items, "as_of": AS_OF}, headers=server.evaluate
    )
    assert response.status_code == 200, response.text
    assert [m["path"] for m in response.json()["manifests"]] == [p.parent.name for p in EXAMPLES[:3]]
    too_many = {"manifests": items + items}
    assert server.client.post("/v1/evaluate/batch", json=too_many, headers=server.evaluate).status_code == 413


class BrokenLog:
    """A decision log whose disk is gone."""

    async def append(self, decision: audit.Decision) -> None:
        raise audit.DecisionLogError("disk I/O error")

    def check_writable(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_the_api_fails_closed_when_the_log_cannot_be_written(server: Server) -> None:
    state = server.client.app.state.govrules  # type: ignore[attr-defined]
    state.log = BrokenLog()
    response = server.post_yaml(EXAMPLES[0].read_bytes())
    assert response.status_code == 503
    assert response.json()["type"].endswith("decision-log-unavailable")
    assert "manifests" not in response.json() and "decision_id" not in response.json()
    assert server.client.get("/readyz").status_code == 503


def test_reload_swaps_the_policy_set_and_refuses_a_broken_one(tmp_path: Path) -> None:
    policy = tmp_path / "p.gov"
    policy.write_text(
        'rule T-001 "Project named" {\n  severity high\n  enforcement soft\n  references "test"\n'
        '  remediation "name it"\n  require project.name is present\n}\n'
    )
    tokens = str(tmp_path / "tokens.jsonl")
    _, admin = create_token(tokens, "admin", "ops")
    settings = ServerSettings(PolicyConfig([str(policy)]), f"sqlite:{tmp_path / 'd.db'}", tokens)
    with TestClient(create_app(settings)) as client:
        headers = {"authorization": f"Bearer {admin}"}
        before = client.get("/v1/policies", headers=headers).json()
        policy.write_text(policy.read_text().replace("T-001", "T-002"))
        after = client.post("/v1/policies/reload", headers=headers).json()
        assert [r["id"] for r in after["rules"]] == ["T-002"] and after["hash"] != before["hash"]
        policy.write_text("rule {")
        refused = client.post("/v1/policies/reload", headers=headers)
        assert refused.status_code == 422 and refused.json()["diagnostics"][0]["location"]["file"].endswith(
            "p.gov"
        )
        assert client.get("/v1/policies", headers=headers).json()["hash"] == after["hash"]


def test_a_frozen_heap_still_frees_what_a_reload_replaced(tmp_path: Path) -> None:
    client, _, admin, _ = start(tmp_path, freeze_heap=True)
    try:
        with client:
            assert gc.get_freeze_count() > 0  # start-up's objects are out of the collector's way
            old = weakref.ref(client.app.state.govrules.policy_set)  # type: ignore[attr-defined]
            frozen = []
            for _ in range(8):
                reloaded = client.post("/v1/policies/reload", headers={"authorization": f"Bearer {admin}"})
                assert reloaded.status_code == 200
                frozen.append(gc.get_freeze_count())
            assert old() is None
            # the old sets' cycles were collected, not kept frozen: left frozen, each reload would add ~60 objects
            assert frozen[-1] - frozen[1] < 150, frozen
    finally:
        gc.unfreeze()


def test_metrics_count_requests_verdicts_and_log_commits(server: Server) -> None:
    server.post_yaml(EXAMPLES[0].read_bytes())
    server.client.get("/v1/policies")
    text = server.client.get("/metrics").text
    assert 'govrules_http_requests_total{method="POST",route="/v1/evaluate",status="200"} 1.0' in text
    assert 'govrules_http_requests_total{method="GET",route="/v1/policies",status="401"} 1.0' in text
    assert 'govrules_verdicts_total{rule="OWN-001",verdict="pass"} 1.0' in text
    assert "govrules_decision_log_commit_seconds_count 1.0" in text
    assert "govrules_http_request_duration_seconds_bucket" in text


def test_paths_a_client_makes_up_never_become_metric_labels(server: Server) -> None:
    """A label per path would let any client grow the metrics without end: refused paths are `unmatched`."""
    for i in range(3):
        server.client.delete(f"/v1/rules/made-up-{i}")  # 405: a route's path, the wrong method
        server.client.get(f"/v2/made-up-{i}")  # 404
    server.client.get("/openapi.json")  # served by FastAPI itself: its path is its label
    labels = re.findall(
        r'govrules_http_requests_total\{method="\w+",route="([^"]+)"', server.client.get("/metrics").text
    )
    assert "made-up" not in " ".join(labels)
    assert "unmatched" in labels and "/openapi.json" in labels


# (method, path, token, content type, body): each answered directly and through the router, the same way
SAME_EITHER_WAY = [
    ("POST", "/v1/evaluate?as_of=2026-11-28", "evaluate", "application/yaml", EXAMPLES[0].read_bytes()),
    (
        "POST",
        "/v1/evaluate",
        "evaluate",
        "application/json",
        b'{"manifest_yaml": "a: [", "as_of": "2026-11-28"}',
    ),
    ("POST", "/v1/evaluate", None, "application/yaml", b"a: 1"),
    ("POST", "/v1/evaluate", "evaluate", "text/plain", b"a: 1"),
    ("POST", "/v1/evaluate?color=red", "evaluate", "application/yaml", b"a: 1"),
    ("POST", "/v1/evaluate/batch", "evaluate", "application/json", b'{"manifests": []}'),
    ("POST", "/v1/policies/reload", "evaluate", None, b""),
    ("GET", "/v1/policies", "evaluate", None, b""),
    ("GET", "/healthz", None, None, b""),
    ("GET", "/v1/evaluate", "evaluate", None, b""),
    ("HEAD", "/v1/policies", "evaluate", None, b""),
    ("POST", "/v1/decisions/x", "admin", None, b""),
]
UNSTABLE = {"date", "x-request-id", "x-decision-id"}  # differ between any two requests


@pytest.mark.parametrize(("method", "path", "token", "ctype", "body"), SAME_EITHER_WAY)
def test_routes_answer_the_same_directly_and_through_the_router(
    server: Server, method: str, path: str, token: str | None, ctype: str | None, body: bytes
) -> None:
    headers = {**(getattr(server, token) if token else {}), **({"content-type": ctype} if ctype else {})}

    def answer() -> tuple[int, dict[str, str], Any]:
        response = server.client.request(method, path, content=body, headers=headers)
        data = response.json() if response.content else None
        if isinstance(data, dict):
            data.pop("decision_id", None)
        kept = {name: value for name, value in response.headers.items() if name not in UNSTABLE}
        return response.status_code, kept, data

    app = server.client.app
    direct = answer()
    saved, app.direct = app.direct, {}  # type: ignore[attr-defined]
    assert ("POST", "/v1/evaluate") in saved and ("GET", "/healthz") in saved
    try:
        assert answer() == direct
    finally:
        app.direct = saved  # type: ignore[attr-defined]


def test_middleware_added_to_the_app_sees_every_route(tmp_path: Path) -> None:
    client, evaluate, _, _ = start(tmp_path)
    seen: list[str] = []

    @client.app.middleware("http")  # type: ignore[attr-defined]
    async def note(request: Any, call_next: Any) -> Any:
        seen.append(request.url.path)
        return await call_next(request)

    with client:
        headers = {"authorization": f"Bearer {evaluate}", **YAML}
        answer = client.post("/v1/evaluate", content=EXAMPLES[0].read_bytes(), headers=headers)
        assert answer.status_code == 200 and "decision_id" in answer.json()
        client.get("/healthz")
    assert seen == ["/v1/evaluate", "/healthz"]


def test_a_client_gone_before_its_answer_is_a_499_in_the_log_and_metrics(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    client, evaluate, _, _ = start(tmp_path, access_log=True)
    app = client.app
    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "scheme": "http", "path": "/v1/evaluate",
        "raw_path": b"/v1/evaluate", "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2), "headers": [
            (b"authorization", f"Bearer {evaluate}".encode()), (b"content-type", b"application/yaml"),
        ],
    }  # fmt: skip
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    async def main() -> None:
        await app(scope, receive, send)
        await asyncio.sleep(0)  # the access log writes once per loop iteration

    with client:
        asyncio.run(main())
        metrics = client.get("/metrics").text
    assert sent == []
    assert 'govrules_http_requests_total{method="POST",route="/v1/evaluate",status="499"} 1.0' in metrics
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert lines[0]["status"] == 499 and lines[0]["decision_id"] is None


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "router"])
def test_a_crash_is_a_logged_500_problem_never_a_traceback(
    server: Server, direct: bool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = server.client.app
    if not direct:
        monkeypatch.setattr(app, "direct", {})

    def broken(*args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.state.govrules.policy_set, "evaluate", broken)  # type: ignore[attr-defined]
    response = server.post_yaml(EXAMPLES[0].read_bytes())
    assert response.status_code == 500
    assert response.json()["type"] == "urn:govrules:problem:internal-error"
    assert "a bug" not in response.text and "a bug" in caplog.text


def test_health_readiness_and_request_ids(server: Server) -> None:
    assert server.client.get("/healthz").json() == {"status": "ok"}
    ready = server.client.get("/readyz", headers={"x-request-id": "abc-123"})
    assert ready.json()["status"] == "ready" and ready.headers["x-request-id"] == "abc-123"
    assert (
        len(server.client.get("/healthz", headers={"x-request-id": "bad id\x7f"}).headers["x-request-id"])
        == 16
    )


def test_openapi_documents_every_route_error_and_the_auth_scheme(server: Server) -> None:
    doc = server.client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    evaluate = doc["paths"]["/v1/evaluate"]["post"]
    assert {"200", "401", "403", "413", "415", "422", "503"} <= set(evaluate["responses"])
    assert evaluate["security"] == [{"bearerAuth": []}]
    assert set(evaluate["requestBody"]["content"]) == {"application/json", "application/yaml"}
    routes = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert {("/v1/evaluate/batch", "post"), ("/v1/rules/{rule_id}", "get"), ("/v1/decisions/{decision_id}", "get"),
            ("/v1/policies/reload", "post"), ("/healthz", "get"), ("/readyz", "get"), ("/metrics", "get")} <= routes  # fmt: skip
    assert server.client.get("/docs").status_code == 200


def test_the_cli_without_the_server_extra_says_how_to_get_it() -> None:
    code = (
        "import sys; sys.modules['fastapi'] = None; sys.modules['uvicorn'] = None\n"
        "from govrules.cli import main; raise SystemExit(main(['serve']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "pip install 'govrules[server]'" in result.stderr


def test_the_access_log_has_one_json_line_per_request(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    client, evaluate, _, _ = start(tmp_path, access_log=True)
    with client:
        answer = client.post(
            "/v1/evaluate",
            content=EXAMPLES[0].read_bytes(),
            params={"as_of": AS_OF},
            headers={"authorization": f"Bearer {evaluate}", **YAML, "x-request-id": "req-1"},
        )
        client.get("/v1/nowhere")
        client.get("/v1/decisions/x", headers={"authorization": f"Bearer {evaluate}"})
        client.get("/openapi.json")
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    first, second, refused, docs = lines
    assert (refused["status"], refused["caller"]) == (403, evaluate[4:16])  # a valid token, the wrong scope
    assert (docs["status"], docs["route"]) == (200, "/openapi.json")
    assert first["request_id"] == "req-1" and first["route"] == "/v1/evaluate" and first["status"] == 200
    assert first["decision_id"] == answer.json()["decision_id"] and first["caller"] == evaluate[4:16]
    assert first["duration_ms"] > 0 and first["method"] == "POST"
    assert (second["route"], second["status"], second["caller"], second["decision_id"]) == (
        "unmatched",
        404,
        None,
        None,
    )
