"""The portfolio summary as one self-contained HTML page: inline CSS, SVG and one small script, no network.

The page opens with the key figures and a list of its sections. The compliance matrix shows one compact row per
project (a symbol per rule family, the word for screen readers, a legend above); a project's name links to its
findings, listed below the matrix. The script only sorts the matrix: it turns the headers of the project, stage,
tier, department and business owner columns into buttons (keyboard-accessible, `aria-sort` kept current), stage
and tier in their natural order, ties in project order; with scripts off the matrix stays in project order.

Accessible by construction: real tables with captions and header scopes, long tables in focusable regions named
by their captions (header row and first column stay in view), every chart has a `<title>`, a `<desc>` and the
same numbers in a table next to it, and verdicts carry a symbol and a word besides colour. Printable: the
regions unroll, backgrounds and the navigation drop, rows are not split across pages (see `html_parts`).

>>> render(summary)  # doctest: +SKIP
'<!DOCTYPE html>\\n<html lang="en">...'
"""

from __future__ import annotations

from html import escape

from govrules.portfolio.html_parts import (
    CSS,
    SORT_SCRIPT,
    VERDICT_WORDS,
    codes,
    count,
    funnel_chart,
    table,
    td,
    trend_chart,
    verdict_cell,
    where,
)
from govrules.portfolio.render_markdown import SYMBOLS, never_waivable_note, number, percent, plural
from govrules.portfolio.summary import TREND_COLUMNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STAGE_ORDER = ("idea", "pilot", "program", "enterprise", "retired")
TIER_ORDER = ("unassessed", "low", "medium", "high", "critical")
SECTIONS = (
    ("funnel", "Stage funnel"),
    ("matrix", "Compliance matrix"),
    ("owners", "Ownership and collaboration"),
    ("waivers", "Waiver debt"),
    ("value", "Value"),
    ("trend", "Trend"),
    ("unusable", "Unusable input"),
)


def _order_key(value: str, order: tuple[str, ...]) -> str:
    """A sort key putting the known values in their order, then any other value by its text, then none."""
    if value in order:
        return f"{order.index(value)}"
    return f"8{value.casefold()}" if value else "9"


def render(summary: dict[str, Any]) -> str:
    title = f"AI portfolio report, as of {summary['as_of']}"
    body = [f"<header><h1>{escape(title)}</h1>", *_figures(summary), *_nav(summary), "</header>"]
    for part in (_totals, _funnel, _matrix, _ownership, _waivers, _value, _trend, _unusable):
        body += part(summary)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n</main>\n<script>\n{SORT_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _figures(s: dict[str, Any]) -> list[str]:
    """The numbers a reader looks for first, as a description list."""
    t, w, v = s["totals"], s["waivers"], s["value"]
    figures = [
        ("projects", t["evaluated"], f"of {count(t['manifests'])} manifests" if t["unusable"] else ""),
        ("blocked projects", t["blocked_projects"], f"{count(t['blocking_findings'])} blocking findings"),
        ("failing rules", t["failing_rules"], f"of {s['policy_set']['rules']}"),
        ("active waivers", w["active"], f"{count(w['expired'])} expired"),
        ("with measured impact", v["with_impact"], percent(v["share_with_impact"])),
    ]
    out = ['<dl class="figures">']
    for label, value, note in figures:
        small = f" <small>{escape(note)}</small>" if note else ""
        out.append(f"<div><dt>{escape(label)}</dt><dd>{count(value)}{small}</dd></div>")
    return [*out, "</dl>"]


def _nav(s: dict[str, Any]) -> list[str]:
    shown = [(ident, name) for ident, name in SECTIONS if ident not in ("trend", "unusable") or s.get(ident)]
    links = "".join(f'<li><a href="#{ident}">{escape(name)}</a></li>' for ident, name in shown)
    return [f'<nav aria-label="Sections"><ul>{links}</ul></nav>']


def _totals(s: dict[str, Any]) -> list[str]:
    t, v = s["totals"], {k: count(n) for k, n in s["totals"]["verdicts"].items()}
    return [
        f"<p>{count(t['manifests'])} manifests, {count(t['evaluated'])} evaluated, {count(t['unusable'])} "
        f"unusable; <strong>{count(t['blocked_projects'])} projects blocked</strong>. Results: {v['pass']} pass, "
        f"{v['fail']} fail, {v['waived']} waived, {v['not_applicable']} not applicable; "
        f"{count(t['blocking_findings'])} blocking findings over {t['failing_rules']} distinct failing rules. "
        f"Policy set <code>{escape(s['policy_set']['hash'][:12])}</code> ({s['policy_set']['rules']} rules).</p>"
    ]


def _funnel(s: dict[str, Any]) -> list[str]:
    rows: list[list[object]] = []
    for f in s["funnel"]:
        blockers = "".join(
            f'<li><span class="nw">{escape(b["rule"])}</span> {escape(b["title"])} ({b["projects"]})</li>'
            for b in f.get("top_blockers", [])
        )
        ready = f"{f['ready']}/{f['projects']} ({percent(f['share_ready'])})" if f["next"] else "–"
        cell = f'<td><ul class="cell">{blockers}</ul></td>' if blockers else "<td>–</td>"
        rows.append([f["stage"], f["projects"], f["next"] or "–", ready, cell])
    out = ['<section aria-labelledby="funnel"><h2 id="funnel">Stage funnel</h2>', "<figure>"]
    out += funnel_chart(s["funnel"])
    out += [
        "<figcaption>Projects per stage: the light bar is every project at the stage, its dark part those "
        "ready for the next gate (the numbers are in the table below).</figcaption></figure>"
    ]
    head = ["stage", "projects", "next gate", "ready for next gate", "most common blocking rules (projects)"]
    return out + table("Stage funnel", head, rows, "t-funnel", frozenset({3})) + ["</section>"]


def _matrix(s: dict[str, Any]) -> list[str]:
    m = s["matrix"]
    legend = " ".join(
        f'<span class="{v}"><span aria-hidden="true">{SYMBOLS[v]}</span> {VERDICT_WORDS[v]}</span>'
        for v in ("fail", "waived", "pass", "not_applicable")
    )
    out = [
        '<section id="matrix-section" aria-labelledby="matrix"><h2 id="matrix">Compliance matrix</h2>',
        f"<p>One row per project; each cell is the worst verdict of the family's rules.</p>"
        f'<p class="legend">{legend}</p>',
        '<p id="matrix-sort-hint" hidden>Rows are listed by project; the project, stage, tier, department and '
        "business owner headings are buttons that sort the rows (again for the reverse order). A project's "
        "name leads to its findings.</p>",
    ]
    out += matrix_table(m)
    with_findings = [(i, r) for i, r in enumerate(m["rows"]) if r["findings"]]
    if not with_findings:
        return [*out, "</section>"]
    out += [
        '<h3 id="findings">Findings by project</h3>',
        '<div class="scroll" role="region" tabindex="0" aria-labelledby="findings">',
    ]
    for i, r in with_findings:
        out += _findings(i, r)
    return [*out, "</div>", "</section>"]


def _findings(index: int, row: dict[str, Any]) -> list[str]:
    findings = row["findings"]
    blocking = sum(1 for f in findings if f["blocking"])
    out = [
        f'<details id="p{index}"><summary>{escape(row["project"])}: {plural(len(findings), "finding")}'
        f"{f', {blocking} blocking' if blocking else ''}</summary>"
    ]
    out += table(
        f"Findings of {row['project']}",
        ["rule", "verdict", "severity", "enforcement", "blocking", "location", "message"],
        [
            [
                f["rule"],
                verdict_cell(f["verdict"]),
                f["severity"],
                f["enforcement"],
                f["blocking"],
                where(f["location"]),
                f["message"],
            ]
            for f in findings
        ],
        f"t-p{index}",
    )
    return [*out, "</details>"]


def matrix_table(m: dict[str, Any]) -> list[str]:
    """The matrix as a table the page's script can sort: `data-sort` on the sortable headers, `data-key` on the
    stage and tier cells (their order is not alphabetical); rows in project order, marked `aria-sort`."""
    sortable = ["project", "stage", "tier", "department", "business owner"]
    out = [
        '<div class="scroll" role="region" tabindex="0" aria-labelledby="t-matrix">',
        '<table id="matrix-table">',
        f'<caption id="t-matrix">Projects by rule family ({plural(len(m["rows"]), "project")})</caption>',
        "<thead><tr>",
        '<th scope="col" data-sort data-label="project" aria-sort="ascending">project</th>',
        *(f'<th scope="col" data-sort data-label="{escape(h)}">{escape(h)}</th>' for h in sortable[1:]),
        *(f'<th scope="col">{escape(f)}</th>' for f in m["families"]),
        "</tr></thead>",
        "<tbody>",
    ]
    for i, r in enumerate(m["rows"]):
        name = escape(r["project"])
        cells = [
            f'<th scope="row"><a href="#p{i}">{name}</a></th>'
            if r["findings"]
            else f'<th scope="row">{name}</th>',
            f'<td data-key="{_order_key(r["stage"], STAGE_ORDER)}">{escape(r["stage"])}</td>',
            f'<td data-key="{escape(_order_key(r["risk_tier"], TIER_ORDER))}">{escape(r["risk_tier"])}</td>',
            td(r["department"]),
            td(r["business_owner"]),
            *(verdict_cell(r["cells"][f], compact=True) for f in m["families"]),
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    return [*out, "</tbody></table></div>"]


def _ownership(s: dict[str, Any]) -> list[str]:
    o = s["ownership"]
    out = ['<section aria-labelledby="owners"><h2 id="owners">Ownership and collaboration</h2>']
    out += table(
        "Projects without an accountable business owner (OWN-001)",
        ["project", "location", "message"],
        [[x["project"], where(x["location"]), x["message"]] for x in o["without_business_owner"]],
        "t-no-owner",
    )
    out += table(
        "Projects whose people all sit in one department (XFN-001's count)",
        ["project", "department"],
        [[x["project"], ", ".join(x["departments"]) or "(none)"] for x in o["single_department"]],
        "t-one-department",
    )
    out += table(
        "Failing findings by the business owner who must act",
        ["business owner", "projects", "findings", "blocking", "rules"],
        [
            [
                g["owner"],
                codes(g["projects"], "project"),
                g["findings"],
                g["blocking"],
                codes(g["rules"], "rule"),
            ]
            for g in o["by_owner"]
        ],
        "t-by-owner",
    )
    return [*out, "</section>"]


def _waivers(s: dict[str, Any]) -> list[str]:
    w = s["waivers"]
    out = [
        '<section aria-labelledby="waivers"><h2 id="waivers">Waiver debt</h2>',
        f"<p>{w['active']} active waivers ({w['expiring_within_30_days']} expiring within 30 days, "
        f"{w['covering_nothing']} covering no result), {w['expired']} expired.</p>",
    ]
    note = never_waivable_note(w, lambda t: f"<code>{escape(t)}</code>", escape)
    out += [f'<p class="note"><strong>Never waivable.</strong> {note[0]}</p>']
    out += table(
        "Active waivers by age",
        ["age", "waivers"],
        [[a["age"], a["waivers"]] for a in w["active_by_age"]],
        "t-waiver-age",
    )
    for key, title in (("by_approver", "approver"), ("by_rule", "rule")):
        out += table(
            f"Waivers by {title}",
            [title, "active", "expiring", "expired", "total"],
            [[r[title], r["active"], r["expiring"], r["expired"], r["total"]] for r in w[key]],
            f"t-waivers-{title}",
        )
    out += table(
        "Every waiver: those without an expiry date first, then by expiry",
        ["project", "rule", "approver", "granted", "expires", "status", "covers a result", "location"],
        [
            [
                i["project"],
                i["rule"],
                i["approver"],
                i["granted_on"] or "–",
                i["expires_on"] or "–",
                _status(i["status"]),
                i["covers"],
                where(i["location"]),
            ]
            for i in w["items"]
        ],
        "t-waivers",
        frozenset({1, 3, 4}),
    )
    return [*out, "</section>"]


def _status(status: str) -> str:
    """A waiver's status, in words, marked as a failure once expired and as a warning while expiring."""
    style = {"expired": "fail nw", "expiring": "waived nw"}.get(status, "nw")
    return f'<td class="{style}">{escape(status)}</td>'


def _progress(frac: float | None) -> str:
    if frac is None:
        return "<td>–</td>"
    width = max(0, min(100, round(frac * 100)))
    return (
        f'<td class="nw"><span class="bar" aria-hidden="true"><span style="width:{width}%"></span></span>'
        f"<span>{escape(percent(frac))}</span></td>"
    )


def _value(s: dict[str, Any]) -> list[str]:
    v = s["value"]
    out = [
        '<section aria-labelledby="value"><h2 id="value">Value</h2>',
        f"<p>{v['with_impact']} of {len(v['projects'])} projects ({escape(percent(v['share_with_impact']))}) have "
        "a KPI whose measured current value moved from its baseline toward its target.</p>",
    ]
    out += table(
        "Projects with measurable impact, by stage",
        ["stage", "projects", "with measurable impact", "share"],
        [[b["stage"], b["projects"], b["with_impact"], percent(b["share"])] for b in v["by_stage"]],
        "t-impact",
    )
    out += table(
        "KPIs: baseline, current and target (progress is the share of the way from baseline to target)",
        ["project", "KPI", "direction", "baseline", "current", "target", "progress", "moved toward target"],
        [
            [
                k["project"],
                k["kpi"],
                k["direction"],
                _number(k["baseline"]),
                _number(k["current"]),
                _number(k["target"]),
                _progress(k["progress"]),
                k["moved_toward_target"],
            ]
            for k in v["kpis"]
        ],
        "t-kpis",
    )
    return [*out, "</section>"]


def _number(value: float | None) -> str:
    return f'<td class="num nw">{escape(number(value))}</td>'


def _trend(s: dict[str, Any]) -> list[str]:
    if "trend" not in s:
        return []
    pts = s["trend"]
    out = ['<section aria-labelledby="trend"><h2 id="trend">Trend</h2>', '<div class="charts">']
    for key, label in (
        ("failing_findings", "Failing findings"),
        ("waiver_debt", "Waiver debt"),
        ("with_impact", "Projects with measured impact"),
    ):
        out += [
            f"<figure><figcaption>{escape(label)}</figcaption>",
            *trend_chart(pts, key, label),
            "</figure>",
        ]
    out += ["</div>"]
    out += table(
        "Counts over time",
        [heading for heading, _ in TREND_COLUMNS],
        [[p[key] for _, key in TREND_COLUMNS] for p in pts],
        "t-trend",
    )
    return [*out, "</section>"]


def _unusable(s: dict[str, Any]) -> list[str]:
    if not s["unusable"]:
        return []
    rows: list[list[object]] = [
        [u["path"] or "(input)", d["code"], where(d.get("location")), d["message"]]
        for u in s["unusable"]
        for d in u["diagnostics"]
    ]
    return [
        '<section aria-labelledby="unusable"><h2 id="unusable">Unusable input</h2>',
        *table(
            "Manifests that could not be evaluated",
            ["manifest", "code", "location", "message"],
            rows,
            "t-bad",
        ),
        "</section>",
    ]
