"""The FastAPI application: `create_app(settings)` prepares the policy set once and serves the CLI's verdicts over HTTP.

Routes are thin: authenticate, read the body within its limit, evaluate (`evaluation.PolicySet`), commit the decision
(`audit`), answer. Every error is a problem body (`problems.Problem`); a request gets a request id, a line in the
JSON access log and its place in the metrics (`Observe`). The OpenAPI document at `/openapi.json` (`/docs` to read
it) is written in `openapi.py`.

Each route is a self-contained ASGI `Endpoint`: it turns every `Problem` (and any crash) into its problem response
itself, so it answers the same whether Starlette's router reaches it or `GovrulesAPI` hands it the request directly.
`GovrulesAPI` does the latter for the routes without path parameters — `POST /v1/evaluate` above all — skipping
the framework's middleware stack and route matching, about a third of what a repeated evaluation costs
(`benchmarks/api.py`); everything else (`/docs`, `/v1/rules/{id}`, 404, 405) goes through FastAPI as usual.

    >>> app = create_app(ServerSettings())                                   # doctest: +SKIP
    >>> uvicorn.run(app)                                                       # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from govrules.diagnostics import did_you_mean
from govrules.server import openapi
from govrules.server.audit import open_log
from govrules.server.evaluation import Evaluation, PolicySet
from govrules.server.metrics import CONTENT_TYPE
from govrules.server.observe import Observe
from govrules.server.problems import MEDIA_TYPE, Problem
from govrules.server.settings import ServerSettings
from govrules.server.state import State, freeze_heap
from govrules.server.tokens import Caller, TokenStore

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
ERRORS = logging.getLogger("govrules.server")


def create_app(settings: ServerSettings) -> GovrulesAPI:
    """Load tokens and policies and open the decision log now, so a bad configuration fails before serving
    (TokenError, GovrulesError or DecisionLogError); close the log when the app shuts down."""
    tokens = TokenStore.load(settings.tokens_file)
    policy_set = PolicySet.load(settings.policy, settings.cache_bytes)
    state: State | None = None

    def committed(seconds: float, records: int) -> None:
        if state is not None:
            state.metrics.committed(seconds, records)

    log = open_log(settings.db_url, on_commit=committed)
    state = State(settings, policy_set, tokens, log)

    @contextlib.asynccontextmanager
    async def lifespan(app: GovrulesAPI) -> AsyncIterator[None]:
        if state.log is None:  # served again after a shutdown (tests do this)
            state.log = open_log(settings.db_url, on_commit=committed)
        if settings.freeze_heap:
            freeze_heap()  # after the server's imports and start-up, before the first request
        if settings.sighup:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(_reload_quietly(state)))
        try:
            yield
        finally:
            log, state.log = state.log, None
            await asyncio.to_thread(log.close)  # drains the writes still waiting for their commit

    app = GovrulesAPI(
        title="govrules",
        summary="Governance verdicts for AI projects: the `govrules check` JSON report over HTTP",
        version=_version(),
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.govrules = state
    app.add_exception_handler(HTTPException, _http_error)  # 404 and 405: every route answers its own problems
    app.add_exception_handler(Exception, _crash)
    _routes(app, state)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    app.observe = Observe(app.dispatch, state)
    return app


class GovrulesAPI(FastAPI):
    """FastAPI, with every HTTP request passing `Observe` first and the routes without path parameters answered
    directly by their `Endpoint` (see the module's docstring)."""

    observe: ASGIApp | None = None
    direct: dict[tuple[str, str], Endpoint]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.direct = {}
        # decided at the first request, when no middleware can be added any more
        self._plain: bool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.observe is not None:
            await self.observe(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._plain is None:
            self._plain = not self.user_middleware and not _telemetry_on(self)
        endpoint = self.direct.get((scope["method"], scope["path"])) if self._plain else None
        if endpoint is not None and not scope.get("root_path"):
            scope["app"] = self
            await endpoint(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _telemetry_on(app: FastAPI) -> bool:
    """Whether FastAPI's own OpenTelemetry support (FastAPI 0.165 and later) has a provider to report to: then
    every request goes through FastAPI, so that every route is traced alike."""
    telemetry = getattr(app, "_native_telemetry", None)
    enabled = getattr(telemetry, "enabled", None)
    return bool(enabled()) if callable(enabled) else False


class Endpoint:
    """One route as an ASGI app: names its route for the metrics and the log, runs the handler, and sends its
    response or its problem body; it never raises (a crash is logged and answered 500)."""

    def __init__(self, template: str, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.template, self.handler = template, handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["govrules"]["route"] = self.template  # the route template, for metrics and the log
        try:
            response = await self.handler(Request(scope, receive))
        except Problem as err:
            response = _problem_response(err)
        except ClientDisconnect:
            scope["govrules"]["status"] = 499  # nobody is left to answer; the log and metrics say so
            return
        except Exception as err:
            response = _problem_response(_internal_error(err))
        await response(scope, receive, send)


def _routes(app: GovrulesAPI, state: State) -> None:
    """Plain ASGI routes: each reads its own body and returns pre-rendered bytes, so FastAPI's dependency
    injection and response models would only cost time; `openapi.py` documents them from its table."""

    def route(name: str) -> Callable[[Any], Any]:
        def add(handler: Any) -> Any:
            spec = openapi.ROUTES[name]
            template, method = spec["path"], spec["method"].upper()
            endpoint = Endpoint(template, handler)
            app.router.routes.append(Route(template, endpoint, methods=[method], name=name))
            if "{" not in template:
                app.direct[method, template] = endpoint
            return handler

        return add

    @route("evaluate")
    async def evaluate(request: Request) -> Response:
        caller = _enter(request, state, "evaluate")
        kind = _kind(request)
        body = await _body(request, state.settings.max_body)
        policy_set = state.policy_set
        query = _query(request)
        if kind == "json" and query:
            raise Problem(
                422, "invalid-request", "with a JSON body, options go in the body, not the query string"
            )
        result = policy_set.evaluate(kind, body, query, dt.datetime.now(dt.UTC).date())
        return await _decided(request, state, caller, policy_set, result)

    @route("evaluate_batch")
    async def evaluate_batch(request: Request) -> Response:
        caller = _enter(request, state, "evaluate")
        if _kind(request) != "json":
            raise Problem(415, "unsupported-media-type", "a batch is a JSON object: send `application/json`")
        body = await _body(request, state.settings.max_body)
        policy_set = state.policy_set
        today = dt.datetime.now(dt.UTC).date()
        result = await asyncio.to_thread(policy_set.evaluate_batch, body, today, state.settings.max_batch)
        return await _decided(request, state, caller, policy_set, result)

    @route("policies")
    async def policies(request: Request) -> Response:
        _enter(request, state, "evaluate")
        return Response(state.policy_set.description, media_type="application/json")

    @route("rule")
    async def rule(request: Request) -> Response:
        _enter(request, state, "evaluate")
        rule_id = request.path_params["rule_id"]
        entry = state.policy_set.rules.get(rule_id)
        if entry is None:
            close = did_you_mean(rule_id, state.policy_set.rules)
            hint = f" ({close})" if close else "; `GET /v1/policies` lists them"
            raise Problem(404, "unknown-rule", f"no rule `{rule_id}` in the active policy set{hint}")
        return Response(entry, media_type="application/json")

    @route("decision")
    async def decision(request: Request) -> Response:
        _enter(request, state, "admin")
        decision_id = request.path_params["decision_id"]
        stored = await asyncio.to_thread(state.open_log().get, decision_id)
        if stored is None:
            raise Problem(404, "unknown-decision", f"no decision `{decision_id}` in the log")
        return Response(orjson.dumps(stored.to_json()), media_type="application/json")

    @route("reload")
    async def reload(request: Request) -> Response:
        _enter(request, state, "admin")
        return Response((await state.reload()).description, media_type="application/json")

    @route("healthz")
    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @route("readyz")
    async def readyz(request: Request) -> Response:
        if not await asyncio.to_thread(state.open_log().check_writable):
            raise Problem(
                503, "not-ready", "the decision log cannot be written", headers={"Retry-After": "5"}
            )
        body = {
            "status": "ready",
            "policy_hash": state.policy_set.hash,
            "loaded_at": state.policy_set.loaded_at,
        }
        return Response(orjson.dumps(body), media_type="application/json")

    @route("metrics")
    async def metrics(request: Request) -> Response:
        return Response(state.metrics.render(), media_type=CONTENT_TYPE)


def _enter(request: Request, state: State, scope: str) -> Caller:
    caller = state.authenticate(request.headers.get("authorization"))
    request.scope["govrules"]["caller"] = caller.token_id  # in the access log even when refused below
    state.authorize(caller, scope)
    return caller


def _query(request: Request) -> dict[str, str]:
    """The query string's parameters (the last of a repeated name), without building Starlette's multi-dict."""
    text = request.scope["query_string"]
    if not text:
        return {}
    return dict(urllib.parse.parse_qsl(text.decode("latin-1"), keep_blank_values=True))


def _kind(request: Request) -> str:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in JSON_TYPES:
        return "json"
    if media in YAML_TYPES:
        return "yaml"
    raise Problem(
        415,
        "unsupported-media-type",
        f'cannot read a `{media or "missing"}` body: send `application/json` ({{"manifest": …}}) '
        "or `application/yaml` (the manifest itself)",
    )


async def _body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> Problem:
    return Problem(
        413, "content-too-large", f"the body is larger than {limit} bytes; a manifest is far smaller"
    )


async def _decided(
    request: Request, state: State, caller: Caller, policy_set: PolicySet, result: Evaluation
) -> Response:
    decision_id = await state.decide(caller, policy_set, result)
    request.scope["govrules"]["decision_id"] = decision_id
    body = b'{"decision_id":"' + decision_id.encode() + b'",' + result.report[1:]
    return Response(body, media_type="application/json", headers={"x-decision-id": decision_id})


def _problem_response(problem: Problem) -> Response:
    return Response(problem.body(), problem.status, problem.headers, media_type=MEDIA_TYPE)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    detail = {404: "no such route; `GET /docs` lists them", 405: "this route does not take that method"}
    problem = Problem(
        exc.status_code, slug, detail.get(exc.status_code, str(exc.detail)), headers=exc.headers
    )
    return _problem_response(problem)


async def _crash(request: Request, exc: Exception) -> Response:
    return _problem_response(_internal_error(exc))


def _internal_error(exc: Exception) -> Problem:
    """A bug: its traceback goes to the server's log, the client gets a 500 problem body without it."""
    ERRORS.error("internal error", exc_info=exc)
    return Problem(500, "internal-error", "an internal error; it has been logged")


async def _reload_quietly(state: State) -> None:
    try:
        policy_set = await state.reload()
    except Problem as err:
        ERRORS.error("SIGHUP reload refused: %s", err.detail)
    else:
        ERRORS.warning("SIGHUP: policies and tokens reloaded (policy set %s)", policy_set.hash[:12])


def _version() -> str:
    from govrules import __version__

    return __version__
