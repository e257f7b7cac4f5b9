"""The portfolio summary as Markdown (GitHub-flavoured): the same numbers as the JSON, in tables.

>>> render(summary)  # doctest: +SKIP
'# AI portfolio report, as of 2026-11-28\\n...'
"""

from __future__ import annotations

from govrules.portfolio.summary import TREND_COLUMNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

SYMBOLS = {
    "fail": "✗",
    "waived": "~",
    "pass": "✓",
    "not_applicable": "–",
}  # a verdict's mark, in every format
MARK: dict[str | None, str] = {
    **{v: f"{SYMBOLS[v]} {'n/a' if v == 'not_applicable' else v}" for v in SYMBOLS},
    None: " ",
}


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %"


def number(value: float | None) -> str:
    """A KPI value as a person reads it: `3,100,000`, `2.75`, `0.0045`; an exponent only when very large or
    very small."""
    if value is None:
        return "–"
    if value and not 1e-4 <= abs(value) < 1e15:
        return f"{value:g}"
    text = f"{value + 0.0:,.6f}".rstrip("0").rstrip(".")  # + 0.0: no `-0`
    return "0" if text in ("-0", "") else text


def table(head: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*out, ""]


def where(location: dict[str, Any] | None) -> str:
    return f"`{location['file']}:{location['line']}:{location['column']}`" if location else ""


def render(summary: dict[str, Any]) -> str:
    out = [f"# AI portfolio report, as of {summary['as_of']}", ""]
    for part in (_totals, _funnel, _matrix, _ownership, _waivers, _value, _trend, _unusable):
        out += part(summary)
    return "\n".join(out).rstrip("\n") + "\n"


def _totals(s: dict[str, Any]) -> list[str]:
    t = s["totals"]
    v = t["verdicts"]
    return [
        f"{t['manifests']} manifests, {t['evaluated']} evaluated, {t['unusable']} unusable; "
        f"{t['blocked_projects']} projects blocked. Results: {v['pass']} pass, {v['fail']} fail, "
        f"{v['waived']} waived, {v['not_applicable']} not applicable; {t['blocking_findings']} blocking findings "
        f"over {t['failing_rules']} distinct failing rules. Policy set `{s['policy_set']['hash'][:12]}` "
        f"({s['policy_set']['rules']} rules).",
        "",
    ]


def _funnel(s: dict[str, Any]) -> list[str]:
    rows = []
    for f in s["funnel"]:
        blockers = ", ".join(f"{b['rule']} ({b['projects']})" for b in f.get("top_blockers", []))
        ready = f"{f['ready']}/{f['projects']} ({percent(f['share_ready'])})" if f["next"] else "–"
        rows.append([f["stage"], f["projects"], f["next"] or "–", ready, blockers or "–"])
    return [
        "## Stage funnel",
        "",
        *table(
            [
                "stage",
                "projects",
                "next gate",
                "ready for next gate",
                "most common blocking rules (projects)",
            ],
            rows,
        ),
    ]


def _matrix(s: dict[str, Any]) -> list[str]:
    m = s["matrix"]
    head = ["project", "stage", "tier", "department", "business owner", *m["families"]]
    rows = [
        [r["project"], r["stage"], r["risk_tier"], r["department"], r["business_owner"]]
        + [MARK[r["cells"][f]] for f in m["families"]]
        for r in m["rows"]
    ]
    out = ["## Compliance matrix", "", "Each cell is the worst verdict of the family's rules.", ""]
    out += table(head, rows)
    for r in m["rows"]:
        if r["findings"]:
            out += [
                f"<details><summary>{cell(r['project'])}: {plural(len(r['findings']), 'finding')}</summary>",
                "",
            ]
            out += table(
                ["rule", "verdict", "severity", "enforcement", "blocking", "location", "message"],
                [
                    [
                        f["rule"],
                        f["verdict"],
                        f["severity"],
                        f["enforcement"],
                        "yes" if f["blocking"] else "no",
                        where(f["location"]),
                        f["message"],
                    ]
                    for f in r["findings"]
                ],
            )
            out += ["</details>", ""]
    return out


def _ownership(s: dict[str, Any]) -> list[str]:
    o = s["ownership"]
    out = [
        "## Ownership and collaboration",
        "",
        "### Projects without an accountable business owner (OWN-001)",
        "",
    ]
    out += (
        table(
            ["project", "location", "message"],
            [[x["project"], where(x["location"]), x["message"]] for x in o["without_business_owner"]],
        )
        if o["without_business_owner"]
        else ["None.", ""]
    )
    out += ["### Projects whose people all sit in one department (XFN-001's count)", ""]
    out += (
        table(
            ["project", "department"],
            [[x["project"], ", ".join(x["departments"]) or "(none)"] for x in o["single_department"]],
        )
        if o["single_department"]
        else ["None.", ""]
    )
    out += ["### Failing findings by the business owner who must act", ""]
    out += (
        table(
            ["business owner", "projects", "findings", "blocking", "rules"],
            [
                [g["owner"], ", ".join(g["projects"]), g["findings"], g["blocking"], ", ".join(g["rules"])]
                for g in o["by_owner"]
            ],
        )
        if o["by_owner"]
        else ["None.", ""]
    )
    return out


def never_waivable_note(
    w: dict[str, Any], code: Callable[[str], str], text: Callable[[str], str] = str
) -> list[str]:
    """The note on rules never waivable, and the waivers that target one (`code` marks up a rule id or a
    location, `text` escapes prose)."""
    rules = ", ".join(f"{code(r['rule'])} {text(r['title'])}" for r in w["never_waivable"]) or "none"
    targeting = w["targeting_never_waivable"]
    found = (
        "; these waivers target one and waive nothing: "
        + ", ".join(
            f"{text(i['project'])} ({code(i['rule'])}, {code(where(i['location']))})" for i in targeting
        )
        if targeting
        else "; no waiver targets one"
    )
    return [f"Rules marked not waivable are never waivable, whatever a manifest records: {rules}{found}."]


def _waivers(s: dict[str, Any]) -> list[str]:
    w = s["waivers"]
    out = [
        "## Waiver debt",
        "",
        f"{w['active']} active waivers ({w['expiring_within_30_days']} expiring within 30 days, "
        f"{w['covering_nothing']} covering no result), {w['expired']} expired.",
        "",
    ]
    out += [*never_waivable_note(w, lambda text: f"`{text}`"), ""]
    out += table(["age of active waivers", "waivers"], [[a["age"], a["waivers"]] for a in w["active_by_age"]])
    for key, title in (("by_approver", "approver"), ("by_rule", "rule")):
        out += table(
            [title, "active", "expiring", "expired", "total"],
            [[r[title], r["active"], r["expiring"], r["expired"], r["total"]] for r in w[key]],
        )
    if w["items"]:
        out += table(
            ["project", "rule", "approver", "granted", "expires", "status", "covers a result", "location"],
            [
                [
                    i["project"],
                    i["rule"],
                    i["approver"],
                    i["granted_on"] or "–",
                    i["expires_on"] or "–",
                    i["status"],
                    "yes" if i["covers"] else "no",
                    where(i["location"]),
                ]
                for i in w["items"]
            ],
        )
    return out


def _value(s: dict[str, Any]) -> list[str]:
    v = s["value"]
    out = [
        "## Value",
        "",
        f"{v['with_impact']} of {len(v['projects'])} projects ({percent(v['share_with_impact'])}) have a KPI whose "
        "measured current value moved from its baseline toward its target.",
        "",
    ]
    out += table(
        ["stage", "projects", "with measurable impact", "share"],
        [[b["stage"], b["projects"], b["with_impact"], percent(b["share"])] for b in v["by_stage"]],
    )
    out += table(
        ["project", "KPI", "direction", "baseline", "current", "target", "progress", "moved toward target"],
        [
            [
                k["project"],
                k["kpi"],
                k["direction"],
                number(k["baseline"]),
                number(k["current"]),
                number(k["target"]),
                percent(k["progress"]),
                "yes" if k["moved_toward_target"] else "no",
            ]
            for k in v["kpis"]
        ],
    )
    return out


def _trend(s: dict[str, Any]) -> list[str]:
    if "trend" not in s:
        return []
    return [
        "## Trend",
        "",
        *table(
            [heading for heading, _ in TREND_COLUMNS],
            [[p[key] for _, key in TREND_COLUMNS] for p in s["trend"]],
        ),
    ]


def _unusable(s: dict[str, Any]) -> list[str]:
    if not s["unusable"]:
        return []
    rows = [
        [u["path"] or "(input)", d["code"], where(d.get("location")), d["message"]]
        for u in s["unusable"]
        for d in u["diagnostics"]
    ]
    return ["## Unusable input", "", *table(["manifest", "code", "location", "message"], rows)]
