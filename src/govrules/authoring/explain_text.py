"""`govrules explain` as text: render the dict `explain_rule` returns, for a person reading a terminal.

Deterministic: the same dict gives the same bytes. Long lists of values read are cut in the text (the JSON keeps
them all); prose is wrapped at 100 columns.

    >>> # render_text(explain_rule(engine, "PRIV-003")) -> str
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WIDTH = 100
MAX_READS = 12
MAX_LET_READS = 8


def render_text(data: Mapping[str, Any]) -> str:
    rule, evaluation = data["rule"], data["evaluation"]
    lines = list(_head(rule))
    lines += _trace(rule, evaluation) if evaluation is not None else _logic(rule)
    return "\n".join(lines) + "\n"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


def _where(location: Mapping[str, Any] | None) -> str:
    return f"{location['file']}:{location['line']}:{location['column']}" if location else "(no location)"


def _head(rule: Mapping[str, Any]) -> Iterable[str]:
    waivable = "waivable" if rule["waivable"] else "not waivable"
    yield f"{rule['id']}  {rule['title']}"
    yield f"  severity {rule['severity']} · enforcement {rule['enforcement']['text']} · {waivable}"
    yield f"  source {rule['source']}"


def _clause(words: str, expression: str, indent: str) -> list[str]:
    out = _wrap(words, indent)
    if expression != words:
        out += _wrap(f"dsl: {expression}", indent)
    return out


# ---- without a manifest: metadata and logic ----


def _logic(rule: Mapping[str, Any]) -> list[str]:
    lines = [""]
    esc = rule["enforcement"]["escalations"]
    if esc:
        lines.append(f"enforcement: {rule['enforcement']['base']}, then")
        for step in esc:
            if step["from_stage"] is not None:
                lines.append(f"  {step['level']} from stage {step['from_stage']} on")
            else:
                lines += _wrap(f"{step['level']} when {step['when']['words']}", "  ")
        lines.append("")
    lines.append("applies when:" if rule["applies_when"] else "applies to every project")
    for when in rule["applies_when"]:
        lines += _clause(when["words"], when["expression"], "  - ")[:1]
        lines += _clause(when["words"], when["expression"], "    ")[1:]
    for key, title in (("requires", "requires"), ("advice", "advises (notes only, never the verdict)")):
        if not rule[key]:
            continue
        lines += ["", f"{title}:"]
        for n, clause in enumerate(rule[key], 1):
            body = _clause(clause["words"], clause["expression"], "     ")
            lines.append(f"  {n}. {body[0].strip()}")
            lines += body[1:]
            if clause["message"]:
                lines += _wrap(f"else: {clause['message']}", "     ")
    if rule["lets"]:
        lines += ["", "terms:"]
        for let in rule["lets"]:
            lines.append(f"  {let['name']}" + (f": {let['doc']}" if let["doc"] else ""))
            lines += _clause(let["words"], let["expression"], "      = ")[:1]
            lines += _clause(let["words"], let["expression"], "        ")[1:]
    if rule["parameters"]:
        lines += ["", "parameters:"]
        for p in rule["parameters"]:
            lines += _wrap(f"{p['name']} = {p['value']}" + (f"  {p['doc']}" if p["doc"] else ""), "  ")
    lines += ["", "references:"] + [f"  - {ref}" for ref in rule["references"]]
    lines += ["", "remediation:", *_wrap(rule["remediation"], "  ")]
    if rule["description"]:
        lines += ["", "description:", *_wrap(rule["description"], "  ")]
    return lines


# ---- with a manifest: the trace ----


def _trace(rule: Mapping[str, Any], ev: Mapping[str, Any]) -> list[str]:
    stage = ev["stage"] + (
        f" (as if promoted with --stage {ev['requested_stage']})" if ev["requested_stage"] else ""
    )
    lines = [f"  manifest {ev['manifest']} as of {ev['as_of']}, stage {stage}", ""]
    if ev["disabled"] is not None:
        lines.append(f"verdict: none (switched off by configuration: {ev['disabled']})")
    else:
        said = f" — {ev['message']}" if ev["message"] else ""
        lines.append(f"verdict: {ev['verdict']}{said}")
        if ev["location"] and ev["verdict"] in ("fail", "waived"):
            lines.append(f"  at {_where(ev['location'])}")
    lines += _enforcement(ev["enforcement"])
    for note in ev["notes"]:
        lines.append(f"  note: {note['message']}")
    lines += ["", "applies when: " + ("true" if ev["applies"] else "false")]
    if not ev["when"]:
        lines.append("  (no condition: every project)")
    for when in ev["when"]:
        lines += _traced(when, "  ")
    for key, title in (("requires", "requires"), ("advice", "advises (notes only)")):
        if not ev["applies"] and rule[key]:
            lines += ["", f"{title}: not evaluated (the rule does not apply)"]
            continue
        if ev[key]:
            lines += ["", f"{title}:"]
            for n, clause in enumerate(ev[key], 1):
                lines += _traced(clause, f"  {n}. ")
    lines += _lets(ev["lets"])
    lines += ["", *_waiver(rule["id"], ev["waiver"]), ev["blocks"]]
    if ev["verdict"] == "fail":
        lines += _wrap(f"fix: {rule['remediation']}", "")
    return lines


def _enforcement(enf: Mapping[str, Any]) -> list[str]:
    steps = [enf["base"]]
    for step in enf["escalations"]:
        holds = "holds" if step["holds"] else "does not hold"
        if step["from_stage"] is not None:
            steps.append(f"{step['level']} from {step['from_stage']}: {holds}")
        else:
            steps.append(f"{step['level']} when {step['when']['expression']}: {holds}")
    how = f" ({', then '.join(steps)})" if enf["escalations"] else ""
    lines = [f"enforcement in force: {enf['in_force']}{how}"]
    for step in enf["escalations"]:
        if step["when"] is not None:
            lines += _reads(step["when"]["reads"], "  read ", MAX_READS)
    return lines


def _traced(clause: Mapping[str, Any], lead: str) -> list[str]:
    pad = " " * len(lead)
    mark = "true " if clause["outcome"] else "false"
    body = _clause(clause["words"], clause["expression"], pad + "      ")
    lines = [f"{lead}{mark} {body[0].strip()}", *body[1:]]
    inner = pad + "      "
    if not clause["outcome"] and clause.get("message"):
        lines += _wrap(f"else: {clause['message']}", inner)
    if clause["deciding"] is not None:
        lines.append(
            f"{inner}deciding: {clause['deciding']['found']} ({_where(clause['deciding']['location'])})"
        )
    lines += _reads(clause["reads"], f"{inner}read ", MAX_READS)
    if clause["lets"]:
        lines += _wrap("uses " + ", ".join(f"{x['name']} = {x['value']}" for x in clause["lets"]), inner)
    return lines


def _lets(lets: list[Mapping[str, Any]]) -> list[str]:
    lines = ["", "lets used (computed once per manifest):"] if lets else []
    for let in lets:
        at = f" ({_where(let['location'])})" if let["location"] else ""
        lines.append(f"  {let['name']} = {let['value']}{at}")
        lines += _wrap(f"dsl: {let['expression']}", "      ")
        if let["uses"]:
            lines += _wrap("uses " + ", ".join(let["uses"]), "      ")
        lines += _reads(let["reads"], "      read ", MAX_LET_READS)
    return lines


def _reads(reads: list[Mapping[str, Any]], lead: str, limit: int) -> list[str]:
    lines = []
    for read in reads[:limit]:
        where = (
            _where(read["location"])
            if read["present"]
            else f"missing; its parent at {_where(read['location'])}"
        )
        value = "" if not read["present"] else f" = {read['value']}"
        lines.append(f"{lead}{read['path']}{value} ({where})")
    if len(reads) > limit:
        lines.append(f"{lead}… and {len(reads) - limit} more (see --format json)")
    return lines


def _waiver(rule_id: str, waiver: Mapping[str, Any]) -> list[str]:
    status = waiver["status"]
    if status == "none":
        lines = [f"waiver: none for {rule_id} in the manifest"]
    elif status == "waived":
        w = waiver["covering"]
        lines = [
            f"waiver: covers the failure, approved by {w['approver']} until {w['expires_on']} ({_where(w['location'])})"
        ]
    elif status == "invalid":
        lines = ["waiver: present but covers nothing"]
    else:
        lines = ["waiver: present but not needed (the rule does not fail)"]
    for problem in waiver["problems"]:
        lines.append(f"  {_where(problem['location'])}: {problem['code']} {problem['message']}")
    return lines
