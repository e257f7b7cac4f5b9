"""The portfolio's HTML page as a reader meets it: key figures and section links first, a compact matrix whose
project names lead to their findings, long tables in focusable scrolling regions, readable numbers, a print
layout; and the page itself, byte for byte, against its golden file (regenerate with GOVRULES_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import datetime as dt
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from govrules.api import Engine
from govrules.portfolio import render_html
from govrules.portfolio.html_parts import codes, table
from govrules.portfolio.render_markdown import number
from govrules.portfolio.summary import portfolio

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "portfolio" / "examples.html"


@pytest.fixture(scope="module")
def html() -> str:
    cwd = os.getcwd()
    os.chdir(ROOT)  # manifest paths are shown relative to the working directory
    try:
        return render_html.render(portfolio(Engine.load(), ["examples/"], dt.date(2026, 11, 28)))
    finally:
        os.chdir(cwd)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_the_page_matches_its_golden_file(html: str) -> None:
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8")


def test_every_link_stays_on_the_page_and_lands_on_an_element(html: str) -> None:
    found = tags(html)
    ids = [a["id"] for _, a in found if "id" in a]
    assert len(ids) == len(set(ids)), "ids are unique"
    links = [a["href"] for t, a in found if t == "a"]
    assert links and all(h.startswith("#") and h[1:] in ids for h in links)
    nav = re.search(r'<nav aria-label="Sections">(.*?)</nav>', html)
    assert nav and re.findall(r'href="#(\w+)"', nav.group(1)) == [
        "funnel",
        "matrix",
        "owners",
        "waivers",
        "value",
    ]


def test_scrolling_regions_are_named_and_reachable_by_keyboard(html: str) -> None:
    found = tags(html)
    ids = {a["id"] for _, a in found if "id" in a}
    regions = [a for _, a in found if a.get("class") == "scroll"]
    assert len(regions) >= 10
    assert all(
        a["role"] == "region" and a["tabindex"] == "0" and a["aria-labelledby"] in ids for a in regions
    )


def test_the_matrix_is_compact_and_leads_to_findings(html: str) -> None:
    found = re.search(r'<table id="matrix-table">.*?</table>', html, re.S)
    assert found
    matrix = found.group(0)
    assert '<caption id="t-matrix">Projects by rule family (10 projects)</caption>' in matrix
    cells = re.findall(
        r'<td class="v (\w+)"><span aria-hidden="true">(.)</span><span class="sr">([a-z ]+)</span>', matrix
    )
    assert len(cells) == 10 * 12
    assert {(v, s, w) for v, s, w in cells} <= {
        ("fail", "✗", "fail"),
        ("waived", "~", "waived"),
        ("pass", "✓", "pass"),
        ("not_applicable", "–", "not applicable"),
    }
    linked = re.findall(r'<th scope="row"><a href="#(p\d+)">([^<]+)</a></th>', matrix)
    assert ("p6", "retail-credit-scoring") in linked and len(linked) == 7  # the projects with findings
    assert '<details id="p6"><summary>retail-credit-scoring: 2 findings, 2 blocking</summary>' in html
    assert "sc-demand-forecast: 1 finding</summary>" in html


def test_key_figures_come_first(html: str) -> None:
    figures = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)", html)
    assert figures == [
        ("projects", "10"),
        ("blocked projects", "5 "),
        ("failing rules", "24 "),
        ("active waivers", "3 "),
        ("with measured impact", "8 "),
    ]
    assert html.index('<dl class="figures">') < html.index('<h2 id="funnel">')


def test_print_layout(html: str) -> None:
    css = html[html.index("<style>") : html.index("</style>")]
    printed = css[css.index("@media print") :]
    assert "@page wide { size: landscape; }" in css and "#matrix-section { page: wide; }" in printed
    assert ".scroll { overflow: visible; max-height: none; }" in printed
    assert "break-inside: avoid" in printed and "nav, #matrix-sort-hint { display: none; }" in printed


def test_an_empty_table_is_a_sentence() -> None:
    assert table("Projects without an owner", ["project"], [], "t-x") == [
        '<p class="none"><strong>Projects without an owner</strong>: none.</p>'
    ]


def test_long_lists_of_ids_fold_away() -> None:
    short = codes(["A-1", "B-2"], "rule")
    assert short == '<td><span class="nw">A-1</span>, <span class="nw">B-2</span></td>'
    long = codes([f"R-{i}" for i in range(11)], "rule", shown=8)
    assert long.count('<span class="nw">') == 11 and "<summary>and 3 rules more</summary>" in long


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "–"),
        (0, "0"),
        (-0.0, "0"),
        (12, "12"),
        (1.25, "1.25"),
        (1380, "1,380"),
        (3.1e6, "3,100,000"),
        (2.75e6, "2,750,000"),
        (-2.5, "-2.5"),
        (1 / 3, "0.333333"),
        (0.00012, "0.00012"),
        (1e-7, "1e-07"),
        (1e20, "1e+20"),
    ],
)
def test_kpi_values_read_as_numbers(value: Any, shown: str) -> None:
    assert number(value) == shown
