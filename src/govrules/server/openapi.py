"""The OpenAPI document: every route, its request body, every response and error body, and the bearer scheme.

Routes read their bodies themselves (a manifest may come as JSON or as YAML text, and the JSON report is
pre-rendered), so FastAPI cannot infer them: `ROUTES` declares each operation (the app fills in its path and
method as it adds the route), and `document(app)` writes the paths and adds the shared components — the problem body, the report (from `schemas/report.schema.json`, its
`$defs` moved under `components/schemas`) and the `bearerAuth` scheme.

    >>> ROUTES["healthz"]["summary"]
    'Liveness: the process answers'
"""

from __future__ import annotations

import json
from typing import Any

from govrules.resources import read_data
from govrules.server.evaluation import OPTION_FIELDS, STAGES
from govrules.server.problems import MEDIA_TYPE
from govrules.server.problems import SCHEMA as PROBLEM

_REF = "#/components/schemas/"
_SECURE: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _problem(text: str) -> dict[str, Any]:
    return {"description": text, "content": {MEDIA_TYPE: {"schema": {"$ref": _REF + "Problem"}}}}


def _json(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": schema}}}


_AUTH = {401: _problem("no token, or not a valid one"), 403: _problem("the token lacks the scope")}
_BODY = {
    413: _problem("the body is larger than the limit (1 MiB by default)"),
    415: _problem("the body is neither `application/json` nor `application/yaml`"),
    400: _problem("the body is not valid JSON"),
    422: _problem("the manifest cannot be read or is not valid: located diagnostics"),
    503: _problem("the decision log cannot be written: no verdict is given (fail closed)"),
}
_OPTIONS = {
    "as_of": {
        "type": "string",
        "format": "date",
        "description": "evaluate as of this date (default: today, UTC)",
    },
    "stage": {
        "type": "string",
        "enum": list(STAGES),
        "description": "evaluate as if the project were at this stage",
    },
    "explain": {"type": "boolean", "default": True, "description": "explain failures (found values, paths)"},
}
_ITEM = {
    "manifest": {"type": "object", "description": "the manifest as a JSON object"},
    "manifest_yaml": {
        "type": "string",
        "description": "the manifest's YAML text (locations are line:column in it)",
    },
    "path": {"type": "string", "maxLength": 512, "description": "the manifest's name in locations"},
}
_EVALUATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**_ITEM, **_OPTIONS},
    "oneOf": [{"required": ["manifest"]}, {"required": ["manifest_yaml"]}],
}
_BATCH = {
    "type": "object",
    "additionalProperties": False,
    "required": ["manifests"],
    "properties": {
        "manifests": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": _ITEM,
                "oneOf": [{"required": ["manifest"]}, {"required": ["manifest_yaml"]}],
            },
        },
        **_OPTIONS,
    },
}
_YAML_QUERY = [
    {"name": name, "in": "query", "required": False, "schema": _OPTIONS.get(name, _ITEM["path"])}
    for name in ("path", *OPTION_FIELDS)
]
_DECIDED = _json("the CLI's JSON report and the id of the decision logged", {"$ref": _REF + "Decision"})

ROUTES: dict[str, dict[str, Any]] = {
    "evaluate": {
        "method": "post",
        "path": "/v1/evaluate",
        "summary": "Evaluate one manifest",
        "description": "The body is `application/json` (`manifest` or `manifest_yaml`, with options) or "
        "`application/yaml` (the manifest itself; options in the query string). Answers `govrules check "
        "--format json` for it, plus `decision_id`, once the decision is committed to the log.",
        "responses": {200: _DECIDED, **_AUTH, **_BODY},
        "openapi_extra": {
            "security": _SECURE,
            "parameters": _YAML_QUERY,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _EVALUATE},
                    "application/yaml": {"schema": {"type": "string"}},
                },
            },
        },
    },
    "evaluate_batch": {
        "method": "post",
        "path": "/v1/evaluate/batch",
        "summary": "Evaluate several manifests in one decision",
        "description": "One report over all of them, as `govrules check a b c --format json` gives; the number "
        "of manifests is limited (100 by default; more is 413).",
        "responses": {200: _DECIDED, **_AUTH, **_BODY},
        "openapi_extra": {
            "security": _SECURE,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _BATCH}}},
        },
    },
    "policies": {
        "method": "get",
        "path": "/v1/policies",
        "summary": "The active policy set",
        "responses": {200: _json("hash, load time and rules", {"type": "object"}), **_AUTH},
        "openapi_extra": {"security": _SECURE},
    },
    "rule": {
        "method": "get",
        "path": "/v1/rules/{rule_id}",
        "summary": "One rule's catalogue entry",
        "responses": {200: _json("the rule", {"type": "object"}), 404: _problem("no such rule"), **_AUTH},
        "openapi_extra": {"security": _SECURE},
    },
    "decision": {
        "method": "get",
        "path": "/v1/decisions/{decision_id}",
        "summary": "One logged decision (admin)",
        "responses": {
            200: _json("the record", {"type": "object"}),
            404: _problem("no such decision"),
            **_AUTH,
        },
        "openapi_extra": {"security": _SECURE},
    },
    "reload": {
        "method": "post",
        "path": "/v1/policies/reload",
        "summary": "Reload policies and tokens (admin)",
        "description": "An atomic swap: requests in flight finish on the old set. SIGHUP does the same.",
        "responses": {200: _json("the new policy set", {"type": "object"}), 422: _problem("errors"), **_AUTH},
        "openapi_extra": {"security": _SECURE},
    },
    "healthz": {
        "method": "get",
        "path": "/healthz",
        "summary": "Liveness: the process answers",
        "responses": {200: _json("ok", {"type": "object"})},
    },
    "readyz": {
        "method": "get",
        "path": "/readyz",
        "summary": "Readiness: policies loaded and the decision log writable",
        "responses": {200: _json("ready", {"type": "object"}), 503: _problem("not ready")},
    },
    "metrics": {
        "method": "get",
        "path": "/metrics",
        "summary": "Prometheus metrics",
        "responses": {
            200: {"description": "text format", "content": {"text/plain": {"schema": {"type": "string"}}}}
        },
    },
}


_PATH_PARAMETERS = {
    "rule": [{"name": "rule_id", "in": "path", "required": True, "schema": {"type": "string"}}],
    "decision": [{"name": "decision_id", "in": "path", "required": True, "schema": {"type": "string"}}],
}


def _operation(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    extra = spec.get("openapi_extra", {})
    out: dict[str, Any] = {"summary": spec["summary"], "operationId": name}
    if "description" in spec:
        out["description"] = spec["description"]
    parameters = [*_PATH_PARAMETERS.get(name, []), *extra.get("parameters", [])]
    if parameters:
        out["parameters"] = parameters
    if "requestBody" in extra:
        out["requestBody"] = extra["requestBody"]
    out["responses"] = {str(status): response for status, response in spec["responses"].items()}
    if "security" in extra:
        out["security"] = extra["security"]
    return out


def document(app: Any) -> dict[str, Any]:
    if app.openapi_schema:
        schema: dict[str, Any] = app.openapi_schema
        return schema
    paths: dict[str, dict[str, Any]] = {}
    for name, spec in ROUTES.items():
        paths.setdefault(spec["path"], {})[spec["method"]] = _operation(name, spec)
    schema = {
        "openapi": "3.1.0",
        "info": {"title": app.title, "summary": app.summary, "version": app.version},
        "paths": paths,
    }
    components: dict[str, Any] = schema.setdefault("components", {})
    components["securitySchemes"] = {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "a token from `govrules token create --scope evaluate|admin`",
        }
    }
    components.setdefault("schemas", {}).update(_report_schemas())
    components["schemas"]["Problem"] = PROBLEM
    app.openapi_schema = schema
    return schema


def _report_schemas() -> dict[str, Any]:
    report = json.loads(read_data("schemas", "report.schema.json"))
    defs = report.pop("$defs", {})
    names = {name: "Report" + name.title().replace("_", "") for name in defs}
    text = json.dumps(report | {"defs": defs})
    for name, new in names.items():
        text = text.replace(f'"#/$defs/{name}"', f'"{_REF}{new}"')
    moved = json.loads(text)
    out = {new: moved["defs"][name] for name, new in names.items()}
    moved.pop("defs")
    for key in ("$schema", "$id"):
        moved.pop(key, None)
    decision = json.loads(json.dumps(moved))
    decision["properties"] = {"decision_id": {"type": "string", "format": "uuid"}, **decision["properties"]}
    decision["required"] = ["decision_id", *decision.get("required", [])]
    decision["title"] = "Decision"
    out["Report"], out["Decision"] = moved, decision
    return out
