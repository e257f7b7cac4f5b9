"""The portfolio summary as one self-contained HTML page: inline CSS, SVG and one small script, no network.

The script only sorts the compliance matrix: it turns the headers of the project, stage, tier, department and
business owner columns into buttons (keyboard-accessible, `aria-sort` kept current) that sort the rows, stage
and tier in their natural order, ties in project order. With scripts off the page is the same, the matrix in
project order.

Accessible by construction: real tables with captions and header scopes, every chart has a `<title>`, a
`<desc>` and the same numbers in a table next to it, and verdicts carry a symbol and a word besides colour.
Printable: an `@media print` block drops the backgrounds and keeps tables whole.

>>> render(summary)  # doctest: +SKIP
'<!DOCTYPE html>\\n<html lang="en">...'
"""

from __future__ import annotations

from html import escape

from govrules.portfolio.render_markdown import MARK, never_waivable_note, number, percent
from govrules.portfolio.summary import TREND_COLUMNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CSS = """\
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; background: #fff;
  max-width: 80rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h2 { border-bottom: 2px solid #d0d7de; padding-bottom: .25rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: .75rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
.wide { overflow-x: auto; }
.fail { background: #ffebe9; color: #82071e; font-weight: 600; }
.waived { background: #fff8c5; color: #6f4e00; }
.pass { background: #dafbe1; color: #116329; }
.not_applicable { color: #57606a; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.bar { display: inline-block; width: 8rem; height: .7rem; border: 1px solid #57606a; vertical-align: middle; }
.bar span { display: block; height: 100%; background: #0969da; }
details { margin: .4rem 0; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; text-decoration: underline dotted; text-align: left; }
th button:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
@media print { body { max-width: none; font-size: 10pt; } .wide { overflow: visible; }
  th, .fail, .waived, .pass { background: none !important; } tr, details { break-inside: avoid; }
  th button { text-decoration: none; } #matrix-sort-hint { display: none; }
  details > * { display: block; } }
"""

# Sorts the compliance matrix (progressive enhancement: without it the rows stay in project order). A cell's
# `data-key` is its sort key when its text is not (stage and tier in their order); ties keep project order.
SORT_SCRIPT = """\
(function () {
  "use strict";
  var table = document.getElementById("matrix-table");
  if (!table || !table.tHead || !table.tBodies.length) { return; }
  var heads = table.tHead.rows[0].cells, body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  function key(row, col) {
    var cell = row.cells[col];
    return cell.hasAttribute("data-key") ? cell.getAttribute("data-key") : cell.textContent.trim().toLowerCase();
  }
  Array.prototype.forEach.call(heads, function (th, col) {
    if (!th.hasAttribute("data-sort")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    button.title = "Sort by " + th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      var sign = dir === "ascending" ? 1 : -1;
      var keyed = rows.map(function (row, i) { return [key(row, col), i, row]; });
      keyed.sort(function (a, b) { return a[0] < b[0] ? -sign : a[0] > b[0] ? sign : a[1] - b[1]; });
      keyed.forEach(function (k) { body.appendChild(k[2]); });
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
    });
  });
  var hint = document.getElementById("matrix-sort-hint");
  if (hint) { hint.hidden = false; }
})();
"""
STAGE_ORDER = ("idea", "pilot", "program", "enterprise", "retired")
TIER_ORDER = ("unassessed", "low", "medium", "high", "critical")


def _order_key(value: str, order: tuple[str, ...]) -> str:
    """A sort key putting the known values in their order, then any other value by its text, then none."""
    if value in order:
        return f"{order.index(value)}"
    return f"8{value.casefold()}" if value else "9"


def render(summary: dict[str, Any]) -> str:
    title = f"AI portfolio report, as of {summary['as_of']}"
    body = [f"<h1>{escape(title)}</h1>"]
    for part in (_totals, _funnel, _matrix, _ownership, _waivers, _value, _trend, _unusable):
        body += part(summary)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n</main>\n<script>\n{SORT_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _td(value: object) -> str:
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float):
        return f'<td class="num">{value}</td>'
    return f"<td>{escape('' if value is None else str(value))}</td>"


def table(caption: str, head: list[str], rows: list[list[object]], raw: bool = False) -> list[str]:
    """A table with a caption and column headers; the first cell of each row is a row header."""
    out = ['<div class="wide"><table>', f"<caption>{escape(caption)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col">{escape(h)}</th>' for h in head] + ["</tr></thead>", "<tbody>"]
    for row in rows:
        first = f'<th scope="row">{escape(str(row[0]))}</th>' if row else ""
        rest = [str(v) if raw and isinstance(v, str) and v.startswith("<td") else _td(v) for v in row[1:]]
        out.append("<tr>" + first + "".join(rest) + "</tr>")
    return [*out, "</tbody></table></div>"]


def where(location: dict[str, Any] | None) -> str:
    return f"{location['file']}:{location['line']}:{location['column']}" if location else ""


def _totals(s: dict[str, Any]) -> list[str]:
    t, v = s["totals"], s["totals"]["verdicts"]
    return [
        f"<p>{t['manifests']} manifests, {t['evaluated']} evaluated, {t['unusable']} unusable; "
        f"<strong>{t['blocked_projects']} projects blocked</strong>. Results: {v['pass']} pass, {v['fail']} fail, "
        f"{v['waived']} waived, {v['not_applicable']} not applicable; {t['blocking_findings']} blocking findings "
        f"over {t['failing_rules']} distinct failing rules. Policy set <code>{escape(s['policy_set']['hash'][:12])}"
        f"</code> ({s['policy_set']['rules']} rules).</p>"
    ]


def funnel_chart(funnel: list[dict[str, Any]]) -> list[str]:
    """A horizontal bar chart: projects per stage, the part ready for the next gate drawn darker."""
    top = max([f["projects"] for f in funnel] + [1])
    height, width = 28 * len(funnel) + 10, 520
    desc = "; ".join(
        f"{f['stage']}: {f['projects']} projects"
        + (f", {f['ready']} ready for {f['next']}" if f["next"] else "")
        for f in funnel
    )
    out = [
        f'<svg role="img" aria-labelledby="funnel-title funnel-desc" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        '<title id="funnel-title">Projects per stage</title>',
        f'<desc id="funnel-desc">{escape(desc)}</desc>',
    ]
    for i, f in enumerate(funnel):
        y, w = 8 + 28 * i, round(360 * f["projects"] / top)
        ready = round(360 * f.get("ready", 0) / top)
        out += [
            f'<text x="0" y="{y + 15}" font-size="13">{escape(f["stage"])}</text>',
            f'<rect x="90" y="{y}" width="{w}" height="20" fill="#b6d7ff" stroke="#0969da"/>',
            f'<rect x="90" y="{y}" width="{ready}" height="20" fill="#0969da"/>' if ready else "",
            f'<text x="{96 + w}" y="{y + 15}" font-size="13">{f["projects"]}'
            + (f" ({f['ready']} ready)" if f["next"] else "")
            + "</text>",
        ]
    return [line for line in out if line] + ["</svg>"]


def _funnel(s: dict[str, Any]) -> list[str]:
    rows: list[list[object]] = []
    for f in s["funnel"]:
        blockers = ", ".join(f"{b['rule']} {b['title']} ({b['projects']})" for b in f.get("top_blockers", []))
        ready = f"{f['ready']}/{f['projects']} ({percent(f['share_ready'])})" if f["next"] else "–"
        rows.append([f["stage"], f["projects"], f["next"] or "–", ready, blockers or "–"])
    out = ['<section aria-labelledby="funnel"><h2 id="funnel">Stage funnel</h2>', "<figure>"]
    out += funnel_chart(s["funnel"])
    out += [
        "<figcaption>Projects per stage; the dark part of a bar is ready for the next gate "
        "(the numbers are in the table below).</figcaption></figure>"
    ]
    head = ["stage", "projects", "next gate", "ready for next gate", "most common blocking rules (projects)"]
    return out + table("Stage funnel", head, rows) + ["</section>"]


def _verdict_cell(verdict: str | None) -> str:
    label = MARK[verdict]
    return f'<td class="{escape(verdict or "")}">{escape(label)}</td>'


def _matrix(s: dict[str, Any]) -> list[str]:
    m = s["matrix"]
    out = [
        '<section aria-labelledby="matrix"><h2 id="matrix">Compliance matrix</h2>',
        "<p>Each cell is the worst verdict of the family's rules: ✗ fail, ~ waived, ✓ pass, – not applicable.</p>",
        '<p id="matrix-sort-hint" hidden>Rows are listed by project; the project, stage, tier, department and '
        "business owner headings are buttons that sort the rows (again for the reverse order).</p>",
    ]
    out += matrix_table(m)
    for r in m["rows"]:
        if not r["findings"]:
            continue
        out.append(f"<details><summary>{escape(r['project'])}: {len(r['findings'])} findings</summary>")
        out += table(
            f"Findings of {r['project']}",
            ["rule", "verdict", "severity", "enforcement", "blocking", "location", "message"],
            [
                [
                    f["rule"],
                    _verdict_cell(f["verdict"]),
                    f["severity"],
                    f["enforcement"],
                    f["blocking"],
                    where(f["location"]),
                    f["message"],
                ]
                for f in r["findings"]
            ],
            raw=True,
        )
        out.append("</details>")
    return [*out, "</section>"]


def matrix_table(m: dict[str, Any]) -> list[str]:
    """The matrix as a table the page's script can sort: `data-sort` on the sortable headers, `data-key` on the
    stage and tier cells (their order is not alphabetical); rows in project order, marked `aria-sort`."""
    sortable = ["project", "stage", "tier", "department", "business owner"]
    out = [
        '<div class="wide"><table id="matrix-table">',
        "<caption>Projects by rule family</caption>",
        "<thead><tr>",
        '<th scope="col" data-sort aria-sort="ascending">project</th>',
        *(f'<th scope="col" data-sort>{escape(h)}</th>' for h in sortable[1:]),
        *(f'<th scope="col">{escape(f)}</th>' for f in m["families"]),
        "</tr></thead>",
        "<tbody>",
    ]
    for r in m["rows"]:
        cells = [
            f'<th scope="row">{escape(r["project"])}</th>',
            f'<td data-key="{_order_key(r["stage"], STAGE_ORDER)}">{escape(r["stage"])}</td>',
            f'<td data-key="{escape(_order_key(r["risk_tier"], TIER_ORDER))}">{escape(r["risk_tier"])}</td>',
            _td(r["department"]),
            _td(r["business_owner"]),
            *(_verdict_cell(r["cells"][f]) for f in m["families"]),
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
    )
    out += table(
        "Projects whose people all sit in one department (XFN-001's count)",
        ["project", "department"],
        [[x["project"], ", ".join(x["departments"]) or "(none)"] for x in o["single_department"]],
    )
    out += table(
        "Failing findings by the business owner who must act",
        ["business owner", "projects", "findings", "blocking", "rules"],
        [
            [g["owner"], ", ".join(g["projects"]), g["findings"], g["blocking"], ", ".join(g["rules"])]
            for g in o["by_owner"]
        ],
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
        "Active waivers by age", ["age", "waivers"], [[a["age"], a["waivers"]] for a in w["active_by_age"]]
    )
    for key, title in (("by_approver", "approver"), ("by_rule", "rule")):
        out += table(
            f"Waivers by {title}",
            [title, "active", "expiring", "expired", "total"],
            [[r[title], r["active"], r["expiring"], r["expired"], r["total"]] for r in w[key]],
        )
    out += table(
        "Every waiver",
        ["project", "rule", "approver", "granted", "expires", "status", "covers a result", "location"],
        [
            [
                i["project"],
                i["rule"],
                i["approver"],
                i["granted_on"] or "–",
                i["expires_on"] or "–",
                i["status"],
                i["covers"],
                where(i["location"]),
            ]
            for i in w["items"]
        ],
    )
    return [*out, "</section>"]


def _progress(frac: float | None) -> str:
    if frac is None:
        return "<td>–</td>"
    width = max(0, min(100, round(frac * 100)))
    return (
        f'<td class="num"><span class="bar" aria-hidden="true"><span style="width:{width}%"></span></span> '
        f"{escape(percent(frac))}</td>"
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
    )
    out += table(
        "KPIs: baseline, current and target (progress is the share of the way from baseline to target)",
        ["project", "KPI", "direction", "baseline", "current", "target", "progress", "moved toward target"],
        [
            [
                k["project"],
                k["kpi"],
                k["direction"],
                number(k["baseline"]),
                number(k["current"]),
                number(k["target"]),
                _progress(k["progress"]),
                k["moved_toward_target"],
            ]
            for k in v["kpis"]
        ],
        raw=True,
    )
    return [*out, "</section>"]


def trend_chart(points: list[dict[str, Any]], key: str, label: str) -> list[str]:
    top = max([p[key] for p in points] + [1])
    width = 60 + 70 * len(points)
    desc = "; ".join(f"{p['as_of']}: {p[key]}" for p in points)
    ident = f"trend-{key}"
    out = [
        f'<svg role="img" aria-labelledby="{ident}-t {ident}-d" width="{width}" height="150" '
        f'viewBox="0 0 {width} 150">',
        f'<title id="{ident}-t">{escape(label)} over time</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
    ]
    for i, p in enumerate(points):
        h = round(100 * p[key] / top)
        x = 30 + 70 * i
        out += [
            f'<rect x="{x}" y="{115 - h}" width="40" height="{h}" fill="#0969da"/>',
            f'<text x="{x}" y="{110 - h}" font-size="12">{p[key]}</text>',
            f'<text x="{x - 10}" y="135" font-size="11">{escape(p["as_of"])}</text>',
        ]
    return [*out, "</svg>"]


def _trend(s: dict[str, Any]) -> list[str]:
    if "trend" not in s:
        return []
    pts = s["trend"]
    out = ['<section aria-labelledby="trend"><h2 id="trend">Trend</h2>']
    for key, label in (
        ("failing_findings", "Failing findings"),
        ("waiver_debt", "Waiver debt"),
        ("with_impact", "Projects with measured impact"),
    ):
        out += [
            "<figure>",
            *trend_chart(pts, key, label),
            f"<figcaption>{escape(label)}</figcaption></figure>",
        ]
    out += table(
        "Counts over time",
        [heading for heading, _ in TREND_COLUMNS],
        [[p[key] for _, key in TREND_COLUMNS] for p in pts],
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
        *table("Manifests that could not be evaluated", ["manifest", "code", "location", "message"], rows),
        "</section>",
    ]
