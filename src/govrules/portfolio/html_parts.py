"""The building blocks of the portfolio's HTML page: its style sheet, its one script, tables and SVG charts.

Tables are real tables (a caption, column headers, a row header per row) inside a region that scrolls when the
table is long or wide, its header row and first column kept in view; the region is focusable and named by the
caption, so a keyboard can scroll it. Charts are inline SVG with a title and a description, next to a table of
the same numbers. Printing drops the scrolling, the colours and the sticky parts.

>>> "".join(table("Waivers by rule", ["rule", "waivers"], [["SEC-001", 2]], "w"))[:60]
'<div class="scroll" role="region" tabindex="0" aria-labelledby'
"""

from __future__ import annotations

from html import escape

from govrules.portfolio.render_markdown import SYMBOLS, plural

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CSS = """\
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; background: #fff;
  max-width: 84rem; margin: 0 auto; padding: 1rem 1rem 4rem; }
h2 { border-bottom: 2px solid #d0d7de; padding-bottom: .25rem; margin-top: 2.5rem; }
h3 { margin: 1.5rem 0 .5rem; font-size: 1.05rem; }
a { color: #0550ae; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; padding: 0; margin: .5rem 0; }
.figures { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.figures div { border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .9rem; min-width: 10rem; }
.figures dt { font-size: 13px; color: #57606a; }
.figures dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
.figures dd small { font-size: 13px; font-weight: 400; color: #57606a; }
.scroll { overflow: auto; max-height: 75vh; margin: .75rem 0; }
.scroll:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
table { border-collapse: separate; border-spacing: 0; border: solid #d0d7de; border-width: 1px 0 0 1px;
  min-width: min(36rem, 100%); }
th, td { border: solid #d0d7de; border-width: 0 1px 1px 0; padding: .3rem .55rem; text-align: left;
  vertical-align: top; background: #fff; }
th { background: #f6f8fa; }
thead th { position: sticky; top: 0; z-index: 2; }
tbody th { position: sticky; left: 0; z-index: 1; white-space: nowrap; }
thead th:first-child { left: 0; z-index: 3; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.nw { white-space: nowrap; }
.none { color: #57606a; }
.none strong { color: #1b1f24; }
.fail { background: #ffebe9; color: #82071e; font-weight: 600; }
.waived { background: #fff8c5; color: #6f4e00; }
.pass { background: #dafbe1; color: #116329; }
.not_applicable { color: #57606a; }
#matrix-table { font-size: 13px; }
#matrix-table th, #matrix-table td { padding: .25rem .4rem; }
#matrix-table tbody th { white-space: normal; min-width: 11rem; }
#matrix-table td.v { text-align: center; font-size: 15px; font-weight: 700; padding: .2rem .3rem; }
.legend > span { display: inline-block; padding: 0 .5rem; margin-right: .4rem; border: 1px solid #d0d7de; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.bar { display: inline-block; width: 8rem; height: .7rem; border: 1px solid #57606a; vertical-align: middle; }
.bar span { display: block; height: 100%; background: #0969da; print-color-adjust: exact; }
.bar + span { display: inline-block; min-width: 3.2rem; text-align: right; }
ul.cell { margin: 0; padding: 0 0 0 1.1rem; }
details { margin: .15rem 0; }
details[open] { margin: .5rem 0 1rem; }
summary { cursor: pointer; }
figure { margin: 1rem 0; }
.charts { display: flex; flex-wrap: wrap; gap: .5rem 2.5rem; }
.charts figcaption { font-weight: 600; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; text-decoration: underline dotted; text-align: left; }
th button:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
@media (max-width: 40rem) { body { padding: .5rem; } }
@page { margin: 12mm; }
@page wide { size: landscape; }
@media print {
  body { max-width: none; font-size: 9pt; padding: 0; }
  nav, #matrix-sort-hint { display: none; }
  .scroll { overflow: visible; max-height: none; }
  thead th, tbody th { position: static; }
  th, td, .fail, .waived, .pass { background: none !important; }
  tr, figure, .figures div { break-inside: avoid; }
  h2, h3, caption { break-after: avoid; }
  #matrix-section { page: wide; }
  #matrix-table { font-size: 8pt; }
  #matrix-table td { overflow-wrap: anywhere; }
  #matrix-table td[data-key] { white-space: nowrap; }
  th[data-sort]:has(> button)::before { content: attr(data-label); }
  th[data-sort] > button { display: none; }
  td details::details-content { content-visibility: visible; }
  a { color: inherit; text-decoration: none; }
}
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

VERDICT_WORDS = {"fail": "fail", "waived": "waived", "pass": "pass", "not_applicable": "not applicable"}


def td(value: object, nowrap: bool = False) -> str:
    """A data cell: numbers right-aligned, booleans as yes/no, none as empty; `nowrap` keeps it on one line."""
    classes = ["nw"] if nowrap else []
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int | float):
        text, classes = str(value), ["num", *classes]
    else:
        text = "" if value is None else str(value)
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{escape(text)}</td>"


def codes(values: list[str], noun: str, shown: int = 8) -> str:
    """A cell listing ids (rules, projects), each kept whole on its line (`RISK-004` never breaks at its
    hyphen); past `shown`, the rest fold away under a count a reader opens."""

    def ids(part: list[str]) -> str:
        return ", ".join(f'<span class="nw">{escape(v)}</span>' for v in part)

    if len(values) <= shown:
        return f"<td>{ids(values)}</td>"
    rest = len(values) - shown
    return (
        f"<td>{ids(values[:shown])} <details><summary>and {plural(rest, noun)} more</summary>"
        f"{ids(values[shown:])}</details></td>"
    )


def count(value: int) -> str:
    """A count with thousands separators: `23,619`."""
    return f"{value:,}"


def verdict_cell(verdict: str | None, compact: bool = False) -> str:
    """A verdict with its symbol and its word (colour is never the only signal); `compact` shows the symbol
    and leaves the word to screen readers (the matrix, where a legend explains the symbols)."""
    if verdict is None:
        return "<td></td>"
    symbol, word = SYMBOLS[verdict], VERDICT_WORDS[verdict]
    if compact:
        return f'<td class="v {verdict}"><span aria-hidden="true">{symbol}</span><span class="sr">{word}</span></td>'
    return f'<td class="{verdict} nw">{symbol} {escape(word)}</td>'


def table(
    caption: str,
    head: list[str],
    rows: list[list[object]],
    ident: str,
    nowrap: frozenset[int] = frozenset(),
) -> list[str]:
    """A table with a caption and column headers in a scrolling region; the first cell of each row is a row
    header; a cell given as markup (a string starting `<td`) is kept as it is; `nowrap` names the columns whose
    text stays on one line (codes, dates). An empty table is a sentence saying there is none."""
    if not rows:
        return [f'<p class="none"><strong>{escape(caption)}</strong>: none.</p>']
    out = [
        f'<div class="scroll" role="region" tabindex="0" aria-labelledby="{ident}">',
        f'<table><caption id="{ident}">{escape(caption)}</caption>',
        "<thead><tr>",
        *(f'<th scope="col">{escape(h)}</th>' for h in head),
        "</tr></thead>",
        "<tbody>",
    ]
    for row in rows:
        cells = [f'<th scope="row">{escape(str(row[0]))}</th>']
        for i, value in enumerate(row[1:], 1):
            markup = isinstance(value, str) and value.startswith("<td")
            cells.append(str(value) if markup else td(value, i in nowrap))
        out.append("<tr>" + "".join(cells) + "</tr>")
    return [*out, "</tbody></table></div>"]


def where(location: dict[str, Any] | None) -> str:
    return f"{location['file']}:{location['line']}:{location['column']}" if location else ""


def funnel_chart(funnel: list[dict[str, Any]]) -> list[str]:
    """A horizontal bar chart: projects per stage, the part ready for the next gate drawn darker, each bar
    labelled with its numbers in words."""
    top = max([f["projects"] for f in funnel] + [1])
    height, width, span = 28 * len(funnel) + 10, 700, 360
    desc = "; ".join(
        f"{f['stage']}: {f['projects']} projects"
        + (f", {f['ready']} ready for {f['next']}" if f["next"] else "")
        for f in funnel
    )
    out = [
        f'<svg role="img" aria-labelledby="funnel-title funnel-desc" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width: 100%; height: auto">',
        '<title id="funnel-title">Projects per stage</title>',
        f'<desc id="funnel-desc">{escape(desc)}</desc>',
    ]
    for i, f in enumerate(funnel):
        y, w = 8 + 28 * i, round(span * f["projects"] / top)
        ready = round(span * f.get("ready", 0) / top)
        label = plural(f["projects"], "project") + (
            f", {f['ready']} ready for {f['next']}" if f["next"] else ""
        )
        out += [
            f'<text x="0" y="{y + 15}" font-size="13">{escape(f["stage"])}</text>',
            f'<rect x="90" y="{y}" width="{w}" height="20" fill="#b6d7ff" stroke="#0969da"/>',
            f'<rect x="90" y="{y}" width="{ready}" height="20" fill="#0969da"/>' if ready else "",
            f'<text x="{96 + w}" y="{y + 15}" font-size="13">{escape(label)}</text>',
        ]
    return [line for line in out if line] + ["</svg>"]


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
