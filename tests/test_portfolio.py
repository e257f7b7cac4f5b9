"""The portfolio report (issue 8): its numbers over the examples, cross-checked against `govrules check --format
json`, a KPI's progress worked out by hand, the trend over two dates, the HTML's shape, and the Markdown golden
file (regenerate it with GOVRULES_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from govrules.api import Engine
from govrules.cli import main
from govrules.portfolio import command
from govrules.portfolio.summary import portfolio

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "portfolio"
AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # manifest paths are shown relative to the working directory


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return portfolio(Engine.load(), ["examples/"], AS_OF)
    finally:
        os.chdir(cwd)


def report(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="govrules report")
    command.configure(parser)
    code = command.run(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def check_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    main(["check", "examples/", "--as-of", AS_OF.isoformat(), "--format", "json", *argv])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_projects_per_stage(summary: dict[str, Any]) -> None:
    per_stage = {f["stage"]: f["projects"] for f in summary["funnel"]}
    assert per_stage == {"idea": 1, "pilot": 4, "program": 2, "enterprise": 2, "retired": 1}
    assert [f["stage"] for f in summary["funnel"]] == ["idea", "pilot", "program", "enterprise", "retired"]
    assert summary["totals"]["manifests"] == 10 and summary["unusable"] == []


def test_numbers_agree_with_check_json(summary: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    checked = check_json(capsys)
    manifests = checked["manifests"]
    assert Counter(m["stage"] for m in manifests) == Counter(
        {f["stage"]: f["projects"] for f in summary["funnel"] if f["projects"]}
    )
    totals = summary["totals"]
    for verdict in ("pass", "fail", "waived", "not_applicable"):
        assert totals["verdicts"][verdict] == checked["summary"][verdict], verdict
    assert totals["blocking_findings"] == sum(m["summary"]["blocking"] for m in manifests)
    assert totals["blocked_projects"] == sum(1 for m in manifests if m["summary"]["blocking"])
    failing = {(m["project"], r["rule"]) for m in manifests for r in m["results"] if r["verdict"] == "fail"}
    in_matrix = {
        (row["project"], f["rule"])
        for row in summary["matrix"]["rows"]
        for f in row["findings"]
        if f["verdict"] == "fail"
    }
    assert in_matrix == failing
    for row in summary["matrix"]["rows"]:
        fams = {
            r["rule"].split("-")[0]
            for m in manifests
            if m["project"] == row["project"]
            for r in m["results"]
            if r["verdict"] == "fail"
        }
        assert {f for f, v in row["cells"].items() if v == "fail"} == fams
    waived = sum(m["summary"]["waived"] for m in manifests)
    assert sum(1 for w in summary["waivers"]["items"] if w["covers"]) == waived


def test_gate_readiness_agrees_with_check_at_the_next_stage(
    summary: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    at_pilot = {m["path"] for m in check_json(capsys)["manifests"] if m["stage"] == "pilot"}
    gate = [m for m in check_json(capsys, "--stage", "program")["manifests"] if m["path"] in at_pilot]
    ready = [m for m in gate if m["readiness"]["ready"]]
    pilot_row = next(f for f in summary["funnel"] if f["stage"] == "pilot")
    assert len(gate) == pilot_row["projects"] == 4
    assert pilot_row["ready"] == len(ready)
    blockers = Counter(r["rule"] for m in gate for r in m["results"] if r["blocking"])
    for b in pilot_row["top_blockers"]:
        assert blockers[b["rule"]] == b["projects"]


def test_kpi_progress_by_hand(summary: dict[str, Any]) -> None:
    # examples/invoice-extraction-waived: touchless-rate, increase, baseline 12, current 41, target 60
    kpi = next(k for k in summary["value"]["kpis"] if k["kpi"] == "touchless-rate")
    assert kpi["progress"] == round((41 - 12) / (60 - 12), 4) == 0.6042
    assert kpi["moved_toward_target"] is True
    # cost-per-invoice has no baseline and no current value: no progress can be read
    kpi = next(k for k in summary["value"]["kpis"] if k["kpi"] == "cost-per-invoice")
    assert (kpi["progress"], kpi["moved_toward_target"]) == (None, False)
    projects = {p["project"]: p["measured_impact"] for p in summary["value"]["projects"]}
    assert projects["ap-invoice-extraction"] is True
    assert summary["value"]["with_impact"] == sum(projects.values())


def test_ownership_and_waivers(summary: dict[str, Any]) -> None:
    own = summary["ownership"]
    assert [x["project"] for x in own["single_department"]] == ["ta-cv-screening"]
    assert own["by_owner"][0]["owner"] == "jana.novak@corp.example"
    w = summary["waivers"]
    assert (w["active"], w["expired"]) == (3, 0)
    assert [r["rule"] for r in w["by_rule"]] == ["KPI-002", "LEARN-002", "SEC-001"]


def test_history_gives_a_trend_over_two_dates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    history = str(tmp_path / "history")
    for day in ("2026-11-28", "2027-03-01"):
        code, out, err = report(capsys, "examples/", "--as-of", day, "--format", "json", "--history", history)
        assert (code, err) == (0, "")
    assert sorted(os.listdir(history)) == ["2026-11-28.json", "2027-03-01.json"]
    trend = json.loads(out)["trend"]
    assert [p["as_of"] for p in trend] == ["2026-11-28", "2027-03-01"]
    later = json.loads((tmp_path / "history" / "2027-03-01.json").read_text(encoding="utf-8"))
    assert trend[1]["waiver_debt"] == later["waivers"]["active"] + later["waivers"]["expired"]
    assert later["waivers"]["expired"] == 3  # every example waiver has run out by March 2027
    code, out, _ = report(capsys, "examples/", "--as-of", "2026-11-28", "--history", history)
    assert code == 0 and "## Trend" in out and "| 2027-03-01 |" in out


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in {"meta", "rect", "br", "img", "input", "link"}:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else ''}>"
        self.open.pop()


def test_html_is_one_accessible_self_contained_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "portfolio.html"
    code, _, _ = report(
        capsys, "examples/", "--as-of", "2026-11-28", "--format", "html", "--output", str(out_file)
    )
    assert code == 0
    html = out_file.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    page.close()
    assert page.open == []
    tags = [t for t, _ in page.tags]
    assert "http" not in html and "<link" not in html and html.count("<script") == 1
    assert all(not a.get("src") and (a.get("href") or "#").startswith("#") for _, a in page.tags)
    heads = [a for t, a in page.tags if t == "th" and "data-sort" in a]
    assert len(heads) == 5 and [a.get("aria-sort") for a in heads] == ["ascending", None, None, None, None]
    assert 'id="matrix-sort-hint" hidden' in html, "the sorting hint shows only when the script runs"
    assert "<strong>Never waivable.</strong>" in html and "<code>RISK-002</code>" in html
    assert {"table", "caption", "th", "svg", "title", "desc", "style"} <= set(tags)
    assert all(a.get("role") == "img" and a.get("aria-labelledby") for t, a in page.tags if t == "svg")
    assert all(a.get("scope") in ("col", "row") for t, a in page.tags if t == "th")
    assert "✗ fail" in html and "@media print" in html


def test_markdown_matches_its_golden_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = report(capsys, "examples/", "--as-of", "2026-11-28")
    assert (code, err) == (0, "")
    golden = GOLDEN / "examples.md"
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
    assert report(capsys, "examples/", "--as-of", "2026-11-28") == (code, out, err), "deterministic"


def test_unusable_input_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "ai-project.yaml"
    bad.write_text("project: [\n", encoding="utf-8")
    code, out, _ = report(capsys, str(bad), "--as-of", "2026-11-28", "--format", "json")
    assert code == 2 and json.loads(out)["totals"]["unusable"] == 1
    code, _, err = report(capsys, str(tmp_path / "missing"), "--as-of", "2026-11-28")
    assert code == 2
    code, _, err = report(capsys, "examples/", "--policy", str(tmp_path / "nope.gov"))
    assert code == 2 and "GR200" in err


def test_jobs_give_the_same_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("examples/", "--as-of", AS_OF.isoformat(), "--format", "json")
    code1, one, _ = report(capsys, *argv, "--jobs", "1")
    code2, two, _ = report(capsys, *argv, "--jobs", "2")
    code0, every, _ = report(capsys, *argv, "--jobs", "0")
    assert (code1, code2, code0) == (0, 0, 0)
    assert one.encode() == two.encode() == every.encode()
    assert json.loads(one)["totals"]["manifests"] == 10


def test_jobs_must_be_a_count() -> None:
    parser = argparse.ArgumentParser(prog="govrules report")
    command.configure(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["examples/", "--jobs", "-1"])


@pytest.mark.parametrize(
    "engine_args",
    [
        {},
        {"fail_on": "hard"},
        {"fail_on": "advisory"},
        {"disabled": {"GATE-001": "tested", "OWN-001": "tested"}},
    ],
)
def test_the_lean_gate_blocks_as_check_at_the_next_stage(engine_args: dict[str, Any]) -> None:
    from govrules.api import discover
    from govrules.manifest.loader import load_manifest
    from govrules.portfolio.summary import _gate

    engine = Engine.load(**engine_args)
    paths, _ = discover(["examples/"])
    compared = blocked = 0
    for path in paths:
        for stage in ("pilot", "program", "enterprise"):
            doc = load_manifest(path)
            report = engine.check_document(doc, AS_OF, None, path)
            order = ("idea", "pilot", "program", "enterprise")
            if (
                not report.evaluated
                or report.stage not in order
                or order.index(stage) <= order.index(report.stage)
            ):
                continue  # a move forward only, as the funnel asks
            data = doc.data
            lean = _gate(engine, doc, AS_OF, stage, path)
            assert doc.data is data
            full = engine.check_document(load_manifest(path), AS_OF, stage, path)
            assert list(lean) == [(r.rule, r.title) for r in full.results if r.blocking], (path, stage)
            compared += 1
            blocked += bool(lean)
    assert compared == 13 and blocked > 0


def test_a_waiver_of_a_rule_never_waivable_is_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import yaml

    source = ROOT / "examples" / "customer-service-assistant" / "ai-project.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    waiver = {"rule": "RISK-002", "reason": "tried", "granted_on": dt.date(2026, 10, 1)}
    waiver["approver"] = data["owners"]["business_owner"]
    waiver["expires_on"] = dt.date(2027, 1, 1)
    data["waivers"] = [*(data.get("waivers") or []), waiver]
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "ai-project.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    found = portfolio(Engine.load(), [tmp_path], AS_OF)["waivers"]
    assert found["never_waivable"] == [{"rule": "RISK-002", "title": "No prohibited AI practice"}]
    assert [(i["rule"], i["covers"]) for i in found["targeting_never_waivable"]] == [("RISK-002", False)]
    code, out, _ = report(capsys, str(tmp_path), "--as-of", AS_OF.isoformat())
    assert code == 0 and "these waivers target one and waive nothing:" in out and "`RISK-002`" in out


SHIM = """
function node(attrs, text) {
  var n = {attrs: attrs || {}, text: text || "", kids: [], listeners: {}};
  n.hasAttribute = function (k) { return k in n.attrs; };
  n.getAttribute = function (k) { return k in n.attrs ? n.attrs[k] : null; };
  n.setAttribute = function (k, v) { n.attrs[k] = String(v); };
  n.removeAttribute = function (k) { delete n.attrs[k]; };
  n.appendChild = function (c) { n.kids.push(c); n.text = ""; };
  n.addEventListener = function (type, f) { n.listeners[type] = f; };
  Object.defineProperty(n, "textContent", {
    get: function () { return n.kids.length ? n.kids.map(function (k) { return k.textContent; }).join("") : n.text; },
    set: function (v) { n.text = v; n.kids = []; }
  });
  return n;
}
var input = JSON.parse(require("fs").readFileSync(0, "utf8"));
var heads = input.heads.map(function (h) { return node(h.attrs, h.text); });
var rows = input.rows.map(function (r) {
  var row = {cells: r.map(function (c) { return node(c.attrs, c.text); })};
  row.name = row.cells[0].textContent;
  return row;
});
var body = {rows: rows.slice()};
body.appendChild = function (row) { body.rows.splice(body.rows.indexOf(row), 1); body.rows.push(row); };
var table = {tHead: {rows: [{cells: heads}]}, tBodies: [body]};
var hint = {hidden: true};
global.document = {
  getElementById: function (id) { return id === "matrix-table" ? table : id === "matrix-sort-hint" ? hint : null; },
  createElement: function () { return node(); }
};
eval(input.script);
var out = {hint: hint.hidden, clicks: []};
input.clicks.forEach(function (col) {
  heads[col].kids[0].listeners.click();
  out.clicks.push({order: body.rows.map(function (r) { return r.name; }),
                   sort: heads.map(function (h) { return h.getAttribute("aria-sort"); }),
                   label: heads[col].kids[0].textContent});
});
process.stdout.write(JSON.stringify(out));
"""


class _Matrix(HTMLParser):
    """The matrix table's header and body cells (attributes and text) and the page's script."""

    def __init__(self) -> None:
        super().__init__()
        self.heads: list[dict[str, Any]] = []
        self.rows: list[list[dict[str, Any]]] = []
        self.script = ""
        self.where = ""
        self.cell: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.where = "matrix" if dict(attrs).get("id") == "matrix-table" else ""
        elif tag == "script":
            self.where = "script"
        elif self.where == "matrix" and tag == "tbody":
            self.where = "body"
        elif self.where == "body" and tag == "tr":
            self.rows.append([])
        elif self.where in ("matrix", "body") and tag in ("th", "td"):
            self.cell = {"attrs": {k: v or "" for k, v in attrs}, "text": ""}
            (self.heads if not self.rows else self.rows[-1]).append(self.cell)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("table", "script"):
            self.where = ""
        elif tag in ("th", "td"):
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.where == "script":
            self.script += data
        elif self.cell is not None:
            self.cell["text"] += data


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the page's script")
def test_the_matrix_script_sorts_rows_and_sets_aria_sort(
    capsys: pytest.CaptureFixture[str], summary: dict[str, Any]
) -> None:
    _, html, _ = report(capsys, "examples/", "--as-of", "2026-11-28", "--format", "html")
    page = _Matrix()
    page.feed(html)
    rows = page.rows
    assert len(page.heads) > 5 and len(rows) == 10 and page.script
    stage, tier, dept = 1, 2, 3
    data = {"heads": page.heads, "rows": rows, "script": page.script, "clicks": [stage, stage, tier, dept, 0]}
    done = subprocess.run(
        ["node", "-e", SHIM], input=json.dumps(data), capture_output=True, text=True, check=True
    )
    out = json.loads(done.stdout)
    assert out["hint"] is False
    by_project = [r["project"] for r in summary["matrix"]["rows"]]
    order = ["idea", "pilot", "program", "enterprise", "retired"]
    stage_of = {r["project"]: r["stage"] for r in summary["matrix"]["rows"]}
    up = sorted(by_project, key=lambda p: order.index(stage_of[p]))
    down = sorted(by_project, key=lambda p: -order.index(stage_of[p]))
    assert [c["order"] for c in out["clicks"][:2]] == [up, down], "stage order, ties in project order"
    assert out["clicks"][0]["sort"][:5] == [None, "ascending", None, None, None]
    assert out["clicks"][1]["sort"][:5] == [None, "descending", None, None, None]
    tiers = ["unassessed", "low", "medium", "high", "critical"]
    tier_of = {r["project"]: r["risk_tier"] for r in summary["matrix"]["rows"]}
    assert out["clicks"][2]["order"] == sorted(by_project, key=lambda p: tiers.index(tier_of[p]))
    dept_of = {r["project"]: r["department"].strip().lower() for r in summary["matrix"]["rows"]}
    assert out["clicks"][3]["order"] == sorted(by_project, key=lambda p: dept_of[p])
    assert out["clicks"][4]["order"] == sorted(by_project) == by_project
    assert out["clicks"][4]["sort"][0] == "ascending" and out["clicks"][4]["label"] == "project"
