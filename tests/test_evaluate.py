"""Verdicts, failing requires and their manifest locations, waivers (cases/evaluate.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govrules.api import Engine
from helpers import MINIMAL, as_date, case_id, load_cases

CASES = load_cases("evaluate.yaml")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_evaluate_case(case: dict, tmp_path: Path) -> None:
    policy = tmp_path / "p.gov"
    policy.write_text(case["policy"], encoding="utf-8")
    text = MINIMAL + case.get("append", "")
    for old, new in (case.get("replace") or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    manifest = tmp_path / "ai-project.yaml"
    manifest.write_text(text, encoding="utf-8")
    engine = Engine.load([policy], case.get("params"))
    report = engine.check_file(manifest, as_of_date(case), case.get("stage"))
    assert [d.code for d in report.diagnostics if d.severity == "error"] == []
    verdicts = {r.rule: r.verdict.value for r in report.results}
    assert verdicts == case["want"]
    for rule_id, where in (case.get("want_locations") or {}).items():
        result = next(r for r in report.results if r.rule == rule_id)
        assert result.location is not None
        assert [result.location.line, result.location.col] == where, result.failures
    if "want_failing_requires" in case:
        got = {r.rule: [f.position + 1 for f in r.failures] for r in report.results if r.failures}
        assert got == case["want_failing_requires"]
    if "want_blocking" in case:
        assert sorted(r.rule for r in report.results if r.blocking) == case["want_blocking"]
    for rule_id, notes in (case.get("want_advice") or {}).items():
        result = next(r for r in report.results if r.rule == rule_id)
        assert [[n.location.line, n.location.col, n.message] for n in result.notes] == notes
    if "want_notes" in case:
        assert sorted(d.code for d in report.diagnostics) == case["want_notes"]


def as_of_date(case: dict):
    return as_date(case.get("as_of", "2026-11-28"))


def test_lets_no_rule_reads_are_not_computed(tmp_path: Path) -> None:
    policy = tmp_path / "p.gov"
    policy.write_text(
        'let used = inner and true\nlet inner = stage.current == "pilot"\nlet unused = count(kpis) > 1\n'
        'rule A-1 "t" {\n  severity low\n  enforcement soft\n  references "r"\n  remediation "r"\n  require used\n}\n'
    )
    source = Engine.load([policy]).compiled.source
    assert "l_used =" in source and "l_inner =" in source
    assert "l_unused" not in source
