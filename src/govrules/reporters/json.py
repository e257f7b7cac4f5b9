"""The machine contract: the report as JSON, described by `schemas/report.schema.json`.

Keys are stable and sorted where order carries no meaning; no timestamps; the same input gives the same bytes.

    >>> # render(report) -> str
"""

from __future__ import annotations

import datetime as dt

from govrules import __version__
from govrules.json_text import dumps
from govrules.results import ManifestReport, Report, RuleResult
from govrules.table import Table

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any


def _value(value: object) -> Any:
    if isinstance(value, dt.timedelta):
        return {"days": value.days}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Table):
        return {k: _value(v) for k, v in value}
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    return value


def _result(result: RuleResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": result.rule,
        "title": result.title,
        "verdict": result.verdict.value,
        "severity": result.severity,
        "enforcement": result.enforcement,
        "blocking": result.blocking,
        "message": result.message,
        "location": result.location.to_json() if result.location else None,
        "policy_location": result.policy_location.to_json(),
        "remediation": result.remediation,
        "references": list(result.references),
        "failures": [
            {
                "require": f.position + 1,
                "expression": f.expression,
                "message": f.message,
                "found": f.found,
                "path": f.path,
                "location": f.location.to_json(),
            }
            for f in result.failures
        ],
        "notes": [
            {
                "advise": n.position + 1,
                "expression": n.expression,
                "message": n.message,
                "found": n.found,
                "path": n.path,
                "location": n.location.to_json(),
            }
            for n in result.notes
        ],
    }
    if result.waiver is not None:
        w = result.waiver
        out["waiver"] = {
            "approver": w.approver,
            "expires_on": w.expires_on,
            "reason": w.reason,
            "ticket": w.ticket,
            "location": w.location.to_json(),
        }
    return out


def manifest_json(m: ManifestReport, stage: str | None = None) -> dict[str, Any]:
    out = {
        "path": m.path,
        "project": m.project,
        "stage": m.stage,
        "evaluated": m.evaluated,
        "summary": m.counts(),
        "results": [_result(r) for r in m.results],
        "diagnostics": [d.to_json() for d in m.diagnostics],
    }
    if stage is not None and m.evaluated:
        met, unmet = m.readiness()
        out["readiness"] = {
            "stage": stage,
            "ready": not m.blocked,
            "met": len(met),
            "total": len(met) + len(unmet),
            "unmet": [
                {
                    "rule": r.rule,
                    "title": r.title,
                    "blocking": r.blocking,
                    "message": r.message,
                    "location": r.location.to_json() if r.location else None,
                    "remediation": r.remediation,
                }
                for r in unmet
            ],
        }
    return out


def report_json(report: Report) -> dict[str, Any]:
    totals: dict[str, int] = {}
    for m in report.manifests:
        for key, count in m.counts().items():
            totals[key] = totals.get(key, 0) + count
    return {
        "version": report.version,
        "govrules": __version__,
        "as_of": report.as_of.isoformat(),
        "stage": report.stage,
        "exit_code": report.exit_code,
        "policy_set": {
            "hash": report.policy_hash,
            "rules": [
                {"id": rid, "title": title, "location": span.to_json()} for rid, title, span in report.rules
            ],
            "parameters": {k: _value(v) for k, v in report.params.items()},
            "disabled": [{"rule": rule, "reason": reason} for rule, reason in report.disabled],
            "fail_on": report.fail_on,
        },
        "summary": {"manifests": len(report.manifests), **totals},
        "manifests": [manifest_json(m, report.stage) for m in report.manifests],
        "diagnostics": [d.to_json() for d in report.diagnostics],
    }


def render(report: Report) -> str:
    return dumps(report_json(report), ensure_ascii=False) + "\n"  # json.dumps(..., indent=2)'s bytes, faster
