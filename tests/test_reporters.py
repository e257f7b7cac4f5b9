"""The CI reporters (sarif, junit, github, gitlab, markdown): golden files, schema validation, round trips.

The report comes from a small fixed policy (`tests/data/reporters/policy.gov`: a hard failure, an advisory failure
with an advisory note, a waived rule, a rule not applicable and a passing one) over two manifests, one of them
unusable, so the golden files do not move when the bundled pack does. Regenerate them with
GOVRULES_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st

from govrules import __version__
from govrules.api import Engine
from govrules.reporters import github, gitlab, junit, markdown, sarif
from govrules.results import ManifestReport, Report, RequireOutcome, RuleResult, Verdict, Waiver
from govrules.span import Span

DATA = Path(__file__).parent / "data"
CASE = DATA / "reporters"
GOLDEN = Path(__file__).parent / "golden" / "reporters"
AS_OF = dt.date(2026, 11, 28)
MANIFEST = "fraud-scoring/ai-project.yaml"

RENDERERS: dict[str, Callable[[Report], str]] = {
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "markdown": markdown.render,
}
GOLDEN_NAMES = {
    "sarif": "sarif.sarif",
    "junit": "junit.xml",
    "github": "github.txt",
    "gitlab": "gitlab.json",
    "markdown": "markdown.md",
}


def check_in(folder: Path) -> Report:
    """The report over `folder`'s manifests, with paths relative to it (as the CLI run there would show)."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return Engine.load(["policy.gov"]).check(["broken", "fraud-scoring"], AS_OF)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def report() -> Report:
    return check_in(CASE)


def results_of(report: Report) -> dict[str, RuleResult]:
    (m,) = [m for m in report.manifests if m.path == MANIFEST]
    return {r.rule: r for r in m.results}


def test_the_fixture_covers_every_verdict(report: Report) -> None:
    got = {rid: (r.verdict.value, r.blocking) for rid, r in results_of(report).items()}
    assert got == {
        "RPT-001": ("fail", True),
        "RPT-002": ("fail", False),
        "RPT-003": ("waived", False),
        "RPT-004": ("not_applicable", False),
        "RPT-005": ("pass", False),
    }
    assert results_of(report)["RPT-002"].notes
    assert [m.evaluated for m in report.manifests] == [False, True]


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_output_matches_golden(report: Report, fmt: str) -> None:
    out = RENDERERS[fmt](report)
    golden = GOLDEN / GOLDEN_NAMES[fmt]
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_output_is_deterministic(report: Report, fmt: str) -> None:
    assert RENDERERS[fmt](report) == RENDERERS[fmt](check_in(CASE))


# ---- SARIF -------------------------------------------------------------------------------------------------


def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((DATA / "sarif-2.1.0.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_sarif_is_valid_against_the_official_schema(report: Report) -> None:
    log = json.loads(sarif.render(report))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]
    assert errors == []


def test_sarif_reads_as_github_code_scanning_reads_it(report: Report) -> None:
    (run,) = json.loads(sarif.render(report))["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("govrules", __version__)
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [rid for rid, _, _ in report.rules]  # every rule, ran or not
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"].endswith("#" + rule["id"].lower())
        assert "governance" in rule["properties"]["tags"] and "RPT" in rule["properties"]["tags"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels == {
        "RPT-001": "error",
        "RPT-002": "warning",
        "RPT-003": "note",
        "RPT-004": "error",
        "RPT-005": "note",
    }
    by_rule = {(r["ruleId"], r["level"]): r for r in run["results"]}
    assert set(by_rule) == {("RPT-001", "error"), ("RPT-002", "note"), ("RPT-003", "note")}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (loc,) = result["locations"]
        artifact = loc["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": MANIFEST, "uriBaseId": "%SRCROOT%"}
        assert result["partialFingerprints"]["govrules/v1"]
    region = by_rule[("RPT-001", "error")]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (10, 43)
    assert "suppressions" not in by_rule[("RPT-001", "error")]
    waived = [r for r in run["results"] if r["ruleId"] == "RPT-003"]
    (suppression,) = waived[0]["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    for part in ("booked for 2026-12-01", "priya.nair@corp.example", "2027-01-31"):
        assert part in suppression["justification"]
    assert run["invocations"][0]["executionSuccessful"] is False  # one manifest is unusable
    codes = {n["descriptor"]["id"] for n in run["invocations"][0]["toolExecutionNotifications"]}
    assert codes == {"GR311", "GR312"}


def test_sarif_rule_without_results_keeps_its_title() -> None:
    rules = (("X-001", "A rule nobody ran", Span("p.gov", 1, 1)),)
    log = json.loads(sarif.render(Report(AS_OF, "h", rules, {}, ())))
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"] == {"text": "A rule nobody ran"}
    assert list(sarif_validator().iter_errors(log)) == []


def fingerprints(folder: Path) -> dict[str, tuple[str, int]]:
    (run,) = json.loads(sarif.render(check_in(folder)))["runs"]
    return {
        r["partialFingerprints"]["govrules/v1"]: (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    }


def test_fingerprints_survive_moved_lines(tmp_path: Path) -> None:
    shutil.copytree(CASE, tmp_path, dirs_exist_ok=True)
    before = fingerprints(tmp_path)
    manifest = tmp_path / MANIFEST
    manifest.write_text("# a comment\n# another\n" + manifest.read_text(encoding="utf-8"), encoding="utf-8")
    after = fingerprints(tmp_path)
    assert set(before) == set(after)
    assert all(after[fp][1] in (before[fp][1], before[fp][1] + 2) for fp in before)
    assert any(after[fp][1] == before[fp][1] + 2 for fp in before)
    assert len(before) == 4  # the two failures, the waiver and the advisory note are distinct


def test_fingerprints_change_with_the_failing_requirement() -> None:
    one = sarif.fingerprint("RPT-001", MANIFEST, ["owners.business_owner.email is email"])
    assert one != sarif.fingerprint("RPT-001", MANIFEST, ["owners.business_owner.name is present"])
    assert one != sarif.fingerprint(
        "RPT-001", "other/ai-project.yaml", ["owners.business_owner.email is email"]
    )
    assert one == sarif.fingerprint("RPT-001", MANIFEST, ("owners.business_owner.email is email",))


@pytest.mark.parametrize(
    ("path", "prefix", "want"),
    [
        ("fraud-scoring/ai-project.yaml", "", "fraud-scoring/ai-project.yaml"),
        ("fraud-scoring/ai-project.yaml", "services/ml", "services/ml/fraud-scoring/ai-project.yaml"),
        ("./ai-project.yaml", "services/ml/", "services/ml/ai-project.yaml"),
        ("../shared/ai-project.yaml", "services/ml", "services/shared/ai-project.yaml"),
        ("dir\\ai-project.yaml", ".", "dir/ai-project.yaml"),
        ("/abs/ai-project.yaml", "services", "/abs/ai-project.yaml"),
    ],
)
def test_paths_are_relative_to_the_repository_root(path: str, prefix: str, want: str) -> None:
    assert sarif.repo_path(path, prefix) == want


def test_prefix_moves_every_location(report: Report) -> None:
    (run,) = json.loads(sarif.render(report, prefix="services/ml"))["runs"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {f"services/ml/{MANIFEST}"}
    paths = {i["location"]["path"] for i in json.loads(gitlab.render(report, prefix="services/ml"))}
    assert paths == {"services/ml/broken/ai-project.yaml", f"services/ml/{MANIFEST}"}
    files = {
        props["file"]
        for _, props, _ in map(parse_command, github.render(report, "services/ml").splitlines())
        if props
    }
    assert files == {"services/ml/broken/ai-project.yaml", f"services/ml/{MANIFEST}"}


def test_absolute_paths_become_file_uris() -> None:
    path = "/srv/repo/a b/ai-project.yaml"
    m = ManifestReport(path, (edge_result()._replace(location=Span(path, 3, 5)),), project="edge")
    log = json.loads(sarif.render(Report(AS_OF, "h", (), {}, (m,))))
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///srv/repo/a%20b/ai-project.yaml"}
    assert list(sarif_validator().iter_errors(log)) == []


# ---- an edge report: text that needs escaping everywhere ------------------------------------------------------

NASTY = 'line one: 100% sure, "quoted" <tag> & a|pipe\r\nline two\x07 with a bell, `tick`'


def edge_result(verdict: Verdict = Verdict.FAIL, blocking: bool = True) -> RuleResult:
    where = Span("edge, dir/ai-project.yaml", 3, 5, 3, 9)
    outcome = RequireOutcome(0, "a.b is present", NASTY, f"found {NASTY}", where, "a.b")
    waiver = None
    if verdict is Verdict.WAIVED:
        waiver = Waiver("EDGE-001", "gov@corp.example", "2027-01-01", NASTY, "T-1", where)
    return RuleResult(
        "EDGE-001",
        f"Title: {NASTY}",
        verdict,
        "high",
        "hard",
        blocking,
        NASTY,
        where,
        Span("p.gov", 1, 1),
        f"fix: {NASTY}",
        ("Ref, 1: a",),
        (outcome,),
        waiver,
        (outcome,),
    )


def edge_report() -> Report:
    results = (
        edge_result(),
        edge_result(Verdict.WAIVED, False)._replace(rule="EDGE-002"),
        edge_result(blocking=False)._replace(rule="EDGE-003", enforcement="advisory"),
    )
    m = ManifestReport("edge, dir/ai-project.yaml", results, project="edge", stage="pilot")
    rules = tuple((r.rule, r.title, Span("p.gov", 1, 1)) for r in results)
    return Report(AS_OF, "h", rules, {}, (m,))


# ---- GitHub workflow commands ------------------------------------------------------------------------------

COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    """As the Actions runner reads properties (ActionCommand.cs): every escape but `%25` first, `%25` last."""
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ",")):
        text = text.replace(escaped, raw)
    return text.replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command line as the runner parses it; ("", {}, line) for a plain log line."""
    match = COMMAND.match(line)
    if match is None:
        return "", {}, line
    props: dict[str, str] = {}
    for pair in filter(None, (match["props"] or "").split(",")):
        key, _, value = pair.partition("=")
        props[key] = unescape_property(value)
    return match["name"], props, unescape_data(match["data"])


def test_github_annotations_by_verdict(report: Report) -> None:
    parsed = [parse_command(line) for line in github.render(report).splitlines()]
    commands = [(name, props) for name, props, _ in parsed if name]
    by_title = {
        props["title"].split(" ")[0] + ("/note" if "note" in props["title"] else ""): name
        for name, props in commands
    }
    assert by_title["RPT-001"] == "error"
    assert by_title["RPT-002"] == "warning"
    assert by_title["RPT-002/note"] == "notice"
    assert by_title["RPT-003"] == "notice"
    assert "RPT-004" not in by_title and "RPT-005" not in by_title
    assert by_title["GR312"] == "error"
    first = next(props for name, props in commands if props["title"].startswith("RPT-001"))
    assert (first["file"], first["line"], first["col"]) == (MANIFEST, "10", "43")
    assert first["title"] == "RPT-001 Business owner has a valid email"
    rpt2 = next(props for name, props in commands if props["title"].startswith("RPT-002 M"))
    assert rpt2["title"] == "RPT-002 Monitoring covers 100% of traffic, drift: weekly"


def test_github_escaping_round_trips() -> None:
    rep = edge_report()
    lines = github.render(rep).splitlines()
    assert len([line for line in lines if line.startswith("::")]) == 6
    for line in lines:
        assert "\r" not in line
        name, props, data = parse_command(line)
        if not name:
            continue
        assert props["file"] == "edge, dir/ai-project.yaml"
        assert (props["line"], props["col"], props["endColumn"]) == ("3", "5", "9")
        assert props["title"] in {f"EDGE-00{i} Title: {NASTY}" for i in (1, 2, 3)} | {
            f"EDGE-00{i} note" for i in (1, 2, 3)
        }
        assert data.startswith(NASTY)


@given(st.text())
def test_github_escaping_is_reversible(text: str) -> None:
    name, props, data = parse_command(github.command("error", text, Span("a.yaml", 1, 1), title=text))
    assert (name, props.get("title", ""), data) == ("error", text, text)


def test_github_summary_is_the_markdown_report(report: Report) -> None:
    assert github.summary(report) == markdown.render(report)


# ---- JUnit -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(DATA / "junit.xsd"))


@pytest.mark.parametrize("build", [lambda: None, edge_report], ids=["fixture", "edge"])
def test_junit_is_valid_against_the_xsd(
    report: Report, junit_schema: xmlschema.XMLSchema, build: Callable[[], Report | None]
) -> None:
    junit_schema.validate(junit.render(build() or report))


def test_junit_suites_and_cases(report: Report) -> None:
    root = ET.fromstring(junit.render(report))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["broken/ai-project.yaml", MANIFEST]
    broken, good = suites["broken/ai-project.yaml"], suites[MANIFEST]
    assert [
        (s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped")) for s in (broken, good)
    ] == [
        ("1", "0", "1", "0"),
        ("5", "2", "0", "2"),
    ]
    (error,) = broken.iter("error")
    assert "GR312" in (error.text or "")
    cases = {c.get("name", "").split(" ")[0]: c for c in good.iter("testcase")}
    assert cases["RPT-001"].get("name") == "RPT-001 Business owner has a valid email"
    assert cases["RPT-001"].get("classname") == "fraud-scoring.RPT"
    kinds = {
        rid: [(child.tag, child.get("type")) for child in case if child.tag != "system-out"]
        for rid, case in cases.items()
    }
    assert kinds == {
        "RPT-001": [("failure", "high")],
        "RPT-002": [("failure", "advisory")],
        "RPT-003": [("skipped", None)],
        "RPT-004": [("skipped", None)],
        "RPT-005": [],
    }
    body = cases["RPT-001"].find("failure")
    assert body is not None and body.text is not None
    for part in (f"{MANIFEST}:10:43", '"ana-at-corp"', "fix: Give owners.business_owner"):
        assert part in body.text
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "1")


def test_junit_keeps_text_that_needs_escaping() -> None:
    root = ET.fromstring(junit.render(edge_report()))
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == NASTY.replace(
        "\x07", "\ufffd"
    )  # CR and LF survive as character references
    case = root.find(".//testcase")
    assert case is not None and case.get("name") == f"EDGE-001 Title: {NASTY}".replace("\x07", "\ufffd")


def test_junit_run_diagnostics_are_an_error_case(junit_schema: xmlschema.XMLSchema) -> None:
    from govrules.diagnostics import Diagnostic

    rep = Report(
        AS_OF, "h", (), {}, (), diagnostics=(Diagnostic("GR300", "error", "`nowhere` does not exist", None),)
    )
    out = junit.render(rep)
    junit_schema.validate(out)
    assert ET.fromstring(out).find(".//error").get("message") == "`nowhere` does not exist"  # type: ignore[union-attr]


# ---- GitLab Code Quality -----------------------------------------------------------------------------------

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


@pytest.mark.parametrize("build", [lambda: None, edge_report], ids=["fixture", "edge"])
def test_gitlab_issues_have_the_required_keys(report: Report, build: Callable[[], Report | None]) -> None:
    text = gitlab.render(build() or report)
    assert not text.startswith("\ufeff")
    issues: list[dict[str, Any]] = json.loads(text)
    assert isinstance(issues, list) and issues
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert all(
            isinstance(issue[k], str) and issue[k] for k in ("description", "check_name", "fingerprint")
        )
        assert issue["severity"] in GITLAB_SEVERITIES
        assert set(issue["location"]) == {"path", "lines"}
        assert (
            isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
        )
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_gitlab_reports_failures_not_waivers(report: Report) -> None:
    issues = [i for i in json.loads(gitlab.render(report)) if i["location"]["path"] == MANIFEST]
    got = [(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues]
    assert got == [("RPT-001", "critical", 10), ("RPT-002", "info", 1), ("RPT-002", "info", 12)]
    (run,) = json.loads(sarif.render(report))["runs"]
    assert {i["fingerprint"] for i in issues} <= {
        r["partialFingerprints"]["govrules/v1"] for r in run["results"]
    }


@pytest.mark.parametrize(
    ("severity", "want"),
    [("info", "info"), ("low", "minor"), ("medium", "major"), ("high", "critical"), ("critical", "blocker")],
)
def test_gitlab_severity_follows_the_rule(severity: str, want: str) -> None:
    m = ManifestReport("a.yaml", (edge_result()._replace(severity=severity),))
    (issue,) = [
        i
        for i in json.loads(gitlab.render(Report(AS_OF, "h", (), {}, (m,))))
        if "note" not in i["description"]
    ]
    assert issue["severity"] == want


# ---- Markdown ----------------------------------------------------------------------------------------------


def test_markdown_summary(report: Report) -> None:
    out = markdown.render(report)
    assert "## ❌ `fraud-scoring/ai-project.yaml`: blocked" in out
    assert "## 🛑 `broken/ai-project.yaml`: not evaluated" in out
    rows = [line for line in out.splitlines() if line.startswith("| **")]
    assert [row.split(" ")[1] for row in rows] == ["**RPT-001**", "**RPT-002**", "**RPT-003**"]
    assert "`fraud-scoring/ai-project.yaml:10`" in rows[0]
    assert "**Counts:** 2 failed (1 blocking), 1 waived, 1 passed, 1 not applicable." in out
    assert "<details><summary>Remediation</summary>" in out and "</details>" in out


def test_markdown_cells_stay_in_their_column() -> None:
    rows = [line for line in markdown.render(edge_report()).splitlines() if line.startswith("| **")]
    assert len(rows) == 3
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells: pipes in the text are escaped
        assert "<tag>" not in row
