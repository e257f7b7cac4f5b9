"""The rule catalogue: the active rules with their metadata, logic and parameters, as text, JSON or Markdown.

`govrules rules` prints it; `docs/rules.md` is its Markdown (a test keeps the file current). Everything is read
from the checked policy set, so the catalogue says exactly what the engine enforces, with the parameter values
in force (after `--param` overrides).

    >>> # render(catalogue(engine.compiled), "markdown") -> str
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping

from govrules.engine.checker import CheckedPolicySet, names_in
from govrules.engine.prepared import PreparedPolicySet
from govrules.lang import ast
from govrules.lang.printer import print_expr, print_literal_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FAMILIES = {
    "OWN": "Ownership and accountability",
    "XFN": "Cross-functional collaboration",
    "DATA": "Data governance",
    "PRIV": "Privacy (GDPR)",
    "BIAS": "Fairness and bias",
    "RISK": "Risk classification and regulation",
    "SEC": "Security",
    "KPI": "Measurable value",
    "GATE": "Stage gates and waivers",
    "MON": "Monitoring and human oversight",
    "LEARN": "Learning from experience",
    "DOC": "Documentation and transparency",
}
FORMATS = ("text", "json", "markdown")


def family(rule_id: str) -> str:
    return rule_id.split("-", 1)[0]


def enforcement_text(rule: ast.Rule) -> str:
    parts = [rule.enforcement or "soft"]
    for esc in rule.escalations:
        if esc.from_stage is not None:
            parts.append(f"{esc.level} from {esc.from_stage}")
        elif esc.condition is not None:
            parts.append(f"{esc.level} when {print_expr(esc.condition)}")
    return ", ".join(parts)


def _display(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = path
    if rel.startswith(".."):  # the bundled pack, installed: name it as in the source tree
        rel = os.path.join("policies", os.path.basename(path))
    return rel.replace(os.sep, "/")


def _order(rule: ast.Rule) -> tuple[int, str, int, str]:
    """Catalogue order: the families as the catalogue lists them, others after; ids by number."""
    fam = family(rule.id)
    rank = list(FAMILIES).index(fam) if fam in FAMILIES else len(FAMILIES)
    tail = rule.id.rsplit("-", 1)[-1]
    return (rank, fam, int(tail) if tail.isdigit() else 0, rule.id)


def _uses(checked: CheckedPolicySet) -> dict[str, set[str]]:
    """The parameters each rule reads, directly or through its lets."""
    let_params: dict[str, set[str]] = {}
    for let in checked.lets:  # in dependency order: a let's lets are already known
        found: set[str] = set()
        for name in names_in(let.expr):
            if name in checked.params:
                found.add(name)
            found |= let_params.get(name, set())
        let_params[let.name] = found
    out: dict[str, set[str]] = {}
    for rule in checked.rules:
        nodes: list[object] = [*rule.when, *(r.expr for r in (*rule.requires, *rule.advice))]
        nodes += [e.condition for e in rule.escalations if e.condition is not None]
        used: set[str] = set()
        for node in nodes:
            for name in names_in(node):
                if name in checked.params:
                    used.add(name)
                used |= let_params.get(name, set())
        out[rule.id] = used
    return out


def _value(value: object) -> Any:
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return print_literal_value(value)


def catalogue(prepared: PreparedPolicySet) -> dict[str, Any]:
    checked = prepared.checked()
    uses = _uses(checked)
    rules = []
    for rule in sorted(checked.rules, key=_order):
        rules.append(
            {
                "id": rule.id,
                "family": family(rule.id),
                "title": rule.title,
                "severity": rule.severity or "medium",
                "enforcement": enforcement_text(rule),
                "waivable": rule.waivable,
                "applies_when": [print_expr(w) for w in rule.when],
                "requires": [{"expression": print_expr(r.expr), "message": r.message} for r in rule.requires],
                "advice": [{"expression": print_expr(r.expr), "message": r.message} for r in rule.advice],
                "references": list(rule.references),
                "remediation": rule.remediation or "",
                "description": rule.description or "",
                "parameters": sorted(uses[rule.id]),
                "source": f"{_display(rule.span.file)}:{rule.span.line}",
            }
        )
    params = []
    for name, p in sorted(checked.params.items()):
        params.append(
            {
                "name": name,
                "value": print_literal_value(p.value),
                "default": print_literal_value(p.decl.default.value),
                "overridden": p.overridden,
                "doc": p.decl.doc or "",
                "used_by": sorted(r for r, used in uses.items() if name in used),
            }
        )
    return {"policy_hash": prepared.hash, "rules": rules, "parameters": params}


def render(cat: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(cat, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return "\n".join(_markdown(cat)) + "\n"
    return "\n".join(_text(cat)) + "\n"


def _text(cat: Mapping[str, Any]) -> Iterable[str]:
    for r in cat["rules"]:
        waivable = "" if r["waivable"] else ", not waivable"
        yield f"{r['id']}  {r['title']}"
        yield f"    {r['severity']}, {r['enforcement']}{waivable}"
        if r["applies_when"]:
            yield f"    applies when: {' and '.join(r['applies_when'])}"
        if r["parameters"]:
            yield f"    parameters: {', '.join(r['parameters'])}"
        yield f"    references: {'; '.join(r['references'])}"
    yield ""
    yield "parameters:"
    for p in cat["parameters"]:
        changed = f" (default {p['default']})" if p["overridden"] else ""
        yield f"  {p['name']} = {p['value']}{changed}  {p['doc']}"
    yield ""
    yield f"{len(cat['rules'])} rules, {len(cat['parameters'])} parameters"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(cat: Mapping[str, Any]) -> Iterable[str]:
    rules = cat["rules"]
    yield "# Rule catalogue"
    yield ""
    yield (
        "Generated by `govrules rules --format markdown` from the policies in force; do not edit by hand. "
        f"{len(rules)} rules, {len(cat['parameters'])} parameters."
    )
    yield ""
    yield (
        "Enforcement: `advisory` is reported and never blocks; `soft` blocks unless a valid waiver covers it; "
        "`hard` blocks unless a waiver approved by a governance role covers it. A rule whose conditions do not "
        "hold for a project is `not_applicable`. Notes (`advise`) are advisory sub-findings: they never change "
        "the verdict."
    )
    yield ""
    yield "| Rule | Title | Severity | Enforcement |"
    yield "|---|---|---|---|"
    for r in rules:
        anchor = r["id"].lower()
        yield f"| [{r['id']}](#{anchor}) | {_cell(r['title'])} | {r['severity']} | {_cell(r['enforcement'])} |"
    current = None
    for r in rules:
        if r["family"] != current:
            current = r["family"]
            yield ""
            yield f"## {current}: {FAMILIES.get(current, current)}"
        yield ""
        yield f"### {r['id']}"
        yield ""
        yield f"**{r['title']}**"
        yield ""
        waivable = "" if r["waivable"] else " · **not waivable**"
        yield f"Severity **{r['severity']}** · enforcement **{r['enforcement']}**{waivable} · `{r['source']}`"
        yield ""
        applies = " and ".join(f"`{w}`" for w in r["applies_when"]) or "every project"
        yield f"- **Applies when:** {applies}"
        if r["description"]:
            yield f"- **Notes:** {r['description']}"
        yield "- **Requires:**"
        for req in r["requires"]:
            said = f" — {req['message']}" if req["message"] else ""
            yield f"  - `{req['expression']}`{said}"
        if r["advice"]:
            yield "- **Advises (notes only):**"
            for adv in r["advice"]:
                said = f" — {adv['message']}" if adv["message"] else ""
                yield f"  - `{adv['expression']}`{said}"
        if r["parameters"]:
            yield "- **Parameters:** " + ", ".join(f"[`{p}`](#parameters)" for p in r["parameters"])
        yield "- **References:** " + "; ".join(r["references"])
        yield f"- **Remediation:** {r['remediation']}"
    yield ""
    yield "## Parameters"
    yield ""
    yield "Override with `--param NAME=VALUE`. Durations are in days."
    yield ""
    yield "| Parameter | Value | Meaning | Used by |"
    yield "|---|---|---|---|"
    for p in cat["parameters"]:
        used = ", ".join(p["used_by"]) or "(waivers)"
        yield f"| `{p['name']}` | `{_cell(p['value'])}` | {_cell(p['doc'])} | {used} |"
