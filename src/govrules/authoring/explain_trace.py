"""The data behind `govrules explain`: a rule described (`describe_rule`) and traced over a manifest (`trace_rule`).

Both return plain dicts (JSON-ready: strings, numbers, booleans, lists, dicts), rendered as text by
`authoring.explain_text` and as JSON as they are. The verdict, enforcement in force, blocking and waiver come from
`Engine.check_document`, the evaluation `govrules check` runs; each clause's outcome, the values it read and
the deciding value come from `engine.explain.Explainer` over the same validated (and, with a stage, promoted)
document.

    >>> # trace_rule(engine, "PRIV-003", load_manifest(path), dt.date(2026, 11, 28))["verdict"] -> "fail"
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from govrules.api import Engine, repo_root
from govrules.catalogue import catalogue
from govrules.diagnostics import GovrulesError
from govrules.engine.builtins import Context
from govrules.engine.checker import CheckedPolicySet, names_in
from govrules.engine.explain import Explainer, show
from govrules.engine.types import STAGE_ORDER
from govrules.lang import ast
from govrules.lang.printer import print_expr, print_literal_value
from govrules.lang.words import say
from govrules.manifest.loader import DocPath, LocatedDocument, dotted
from govrules.results import RuleResult, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _rule(engine: Engine, rule_id: str) -> tuple[int, ast.Rule]:
    checked = engine.compiled.checked()
    index = next(i for i, r in enumerate(checked.rules) if r.id == rule_id)
    return index, checked.rules[index]


def _lets_of(checked: CheckedPolicySet, nodes: list[ast.Expr], transitive: bool = True) -> list[str]:
    """The lets the expressions use, directly or (`transitive`) through other lets, in order of first use."""
    out: list[str] = []
    exprs = {let.name: let.expr for let in checked.lets}
    queue = [name for node in nodes for name in names_in(node)]
    while queue:
        name = queue.pop(0)
        if name in exprs and name not in out:
            out.append(name)
            if transitive:
                queue.extend(names_in(exprs[name]))
    return out


def describe_rule(engine: Engine, rule_id: str) -> dict[str, Any]:
    """The rule's metadata (as `govrules rules` lists it) and its logic, each clause in words and as DSL."""
    checked = engine.compiled.checked()
    _, rule = _rule(engine, rule_id)
    entry = next(r for r in catalogue(engine.compiled)["rules"] if r["id"] == rule_id)
    params = dict(engine.compiled.params)
    lets = [let.name for let in checked.lets]

    def clause(node: ast.Expr, message: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"expression": print_expr(node), "words": say(node, params, lets)}
        if message is not None:
            out["message"] = message
        return out

    escalations = []
    for esc in rule.escalations:
        step: dict[str, Any] = {"level": esc.level, "from_stage": esc.from_stage, "when": None}
        if esc.condition is not None:
            step["when"] = clause(esc.condition)
        escalations.append(step)
    decls = {let.name: let for let in checked.lets}
    nodes = [*rule.when, *(r.expr for r in (*rule.requires, *rule.advice))]
    nodes += [e.condition for e in rule.escalations if e.condition is not None]
    return {
        "id": rule.id,
        "title": rule.title,
        "family": entry["family"],
        "severity": entry["severity"],
        "enforcement": {
            "text": entry["enforcement"],
            "base": rule.enforcement or "soft",
            "escalations": escalations,
        },
        "waivable": rule.waivable,
        "references": list(rule.references),
        "remediation": entry["remediation"],
        "description": entry["description"],
        "source": entry["source"],
        "applies_when": [clause(w) for w in rule.when],
        "requires": [clause(r.expr, r.message or "") for r in rule.requires],
        "advice": [clause(r.expr, r.message or "") for r in rule.advice],
        "lets": [
            {"name": name, "doc": decls[name].doc or "", **clause(decls[name].expr)}
            for name in _lets_of(checked, nodes)
        ],
        "parameters": [
            {
                "name": name,
                "value": print_literal_value(checked.params[name].value),
                "doc": checked.params[name].decl.doc or "",
            }
            for name in entry["parameters"]
        ],
    }


# ---- the trace over a manifest ----


class _Tracer:
    def __init__(self, explainer: Explainer, doc: LocatedDocument, params: Mapping[str, object]) -> None:
        self.ex, self.doc, self.params = explainer, doc, params
        self.lets = [let.name for let in explainer.checked.lets]
        self.used: dict[str, dict[str, Any]] = {}  # every let a traced clause used, directly or not

    def read(self, value: object, path: DocPath) -> dict[str, Any]:
        present = path in self.doc.spans
        return {
            "path": dotted(path),
            "value": show(value),
            "present": present,
            "location": self.doc.span_of(path).to_json(),
        }

    def clause(self, node: ast.Expr, message: str | None = None) -> dict[str, Any]:
        value, reads = self.ex.trace(node)
        outcome = bool(value)
        out: dict[str, Any] = {
            "expression": print_expr(node),
            "words": say(node, self.params, self.lets),
            "outcome": outcome,
        }
        if message is not None:
            out["message"] = message
        out["reads"] = [self.read(v, p) for v, p in reads]
        direct = _lets_of(self.ex.checked, [node], transitive=False)
        out["lets"] = [{"name": name, "value": show(self.ex.let(name)[0])} for name in direct]
        for name in _lets_of(self.ex.checked, [node]):
            if name not in self.used:
                self.used[name] = self.let(name)
        out["deciding"] = None if outcome else self.deciding(node)
        return out

    def let(self, name: str) -> dict[str, Any]:
        value, path = self.ex.let(name)
        expr = self.ex.let_exprs[name]
        _, reads = self.ex.trace(expr)
        return {
            "name": name,
            "value": show(value),
            "expression": print_expr(expr),
            "path": dotted(path) if path is not None else None,
            "location": self.doc.span_of(path).to_json() if path is not None else None,
            "reads": [self.read(v, p) for v, p in reads],
            "uses": _lets_of(self.ex.checked, [expr], transitive=False),
        }

    def deciding(self, node: ast.Expr) -> dict[str, Any]:
        witness = self.ex.why(node)
        path = witness.path or ()
        return {"found": witness.text, "path": dotted(path), "location": self.doc.span_of(path).to_json()}


def _evaluated(
    engine: Engine, doc: LocatedDocument, as_of: dt.date, stage: str | None, path: str | None
) -> Any:
    """The manifest report `govrules check` gives; `doc` is validated and promoted on the way (as there)."""
    report = engine.check_document(doc, as_of, stage, path)
    if not report.evaluated:
        sources = {doc.file: doc.source} if doc.source is not None else {}
        raise GovrulesError(report.diagnostics, sources)
    return report


def trace_rule(
    engine: Engine,
    rule_id: str,
    doc: LocatedDocument,
    as_of: dt.date,
    stage: str | None = None,
    path: str | None = None,
) -> dict[str, Any]:
    report = _evaluated(engine, doc, as_of, stage, path)
    index, rule = _rule(engine, rule_id)
    manifest_dir = os.path.dirname(os.path.realpath(path)) if path is not None else None
    ctx = Context(as_of, repo_root(manifest_dir), manifest_dir)
    _, levels = engine.compiled.evaluate(doc.data, as_of, ctx)
    tracer = _Tracer(
        Explainer(engine.compiled.checked(), doc, as_of, ctx, levels), doc, engine.compiled.params
    )
    result = next((r for r in report.results if r.rule == rule_id), None)
    when = [tracer.clause(w) for w in rule.when]
    applies = all(w["outcome"] for w in when)
    out: dict[str, Any] = {
        "manifest": doc.file,
        "as_of": as_of.isoformat(),
        "stage": str(doc.data["stage"]["current"]),
        "requested_stage": stage,
        "disabled": engine.disabled.get(rule_id),
        "verdict": result.verdict.value if result else None,
        "blocking": result.blocking if result else False,
        "message": result.message if result else "",
        "location": result.location.to_json() if result and result.location else None,
        "enforcement": _enforcement(tracer, rule, levels[index]),
        "applies": applies,
        "when": when,
        "requires": [tracer.clause(r.expr, r.message or "") for r in rule.requires] if applies else [],
        "advice": [tracer.clause(r.expr, r.message or "") for r in rule.advice] if applies else [],
        "waiver": _waiver(doc, report.diagnostics, result, rule_id),
        "notes": [d.to_json() for d in report.diagnostics if d.code == "GR521"],
    }
    out["lets"] = list(tracer.used.values())
    out["blocks"] = _blocks(result, out["waiver"]["status"])
    return out


def _enforcement(tracer: _Tracer, rule: ast.Rule, in_force: str) -> dict[str, Any]:
    current = tracer.doc.data["stage"]["current"]
    rank = STAGE_ORDER.index(current) if current in STAGE_ORDER else -1
    steps: list[dict[str, Any]] = []
    for esc in rule.escalations:
        if esc.from_stage is not None:
            holds = rank >= STAGE_ORDER.index(esc.from_stage)
            steps.append({"level": esc.level, "from_stage": esc.from_stage, "when": None, "holds": holds})
        elif esc.condition is not None:
            step = tracer.clause(esc.condition)
            steps.append({"level": esc.level, "from_stage": None, "when": step, "holds": step["outcome"]})
    return {"base": rule.enforcement or "soft", "in_force": in_force, "escalations": steps}


def _waiver(
    doc: LocatedDocument, diagnostics: Any, result: RuleResult | None, rule_id: str
) -> dict[str, Any]:
    entries = [
        {"location": doc.span_of(("waivers", i)).to_json()}
        for i, w in enumerate(doc.data.get("waivers") or [])
        if isinstance(w, dict) and str(w.get("rule") or "") == rule_id
    ]
    problems = [d for d in diagnostics if d.code.startswith("GR51") and f"`{rule_id}`" in d.message]
    covering = result.waiver if result is not None and result.verdict is Verdict.WAIVED else None
    if covering is not None:
        status = "waived"
    elif not entries:
        status = "none"
    elif any(d.code not in ("GR517", "GR519") for d in problems):
        status = "invalid"
    else:
        status = "unused"
    return {
        "status": status,
        "entries": entries,
        "covering": None
        if covering is None
        else {
            "approver": covering.approver,
            "expires_on": covering.expires_on,
            "reason": covering.reason,
            "ticket": covering.ticket,
            "location": covering.location.to_json(),
        },
        "problems": [d.to_json() for d in problems],
    }


def _blocks(result: RuleResult | None, waiver: str) -> str:
    """Why the rule blocks or not, in a few words."""
    if result is None:
        return "switched off by configuration"
    if result.blocking:
        why = "no valid waiver covers it" if waiver == "none" else "its waiver covers nothing"
        return f"blocks: failed, enforced {result.enforcement}, {why}"
    if result.verdict is Verdict.FAIL:
        return f"does not block: failed, but enforced {result.enforcement}"
    if result.verdict is Verdict.WAIVED:
        return "does not block: failed, covered by a valid waiver"
    if result.verdict is Verdict.PASS:
        return "does not block: passed"
    return "does not block: does not apply"
