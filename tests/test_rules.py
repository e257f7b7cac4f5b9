"""Every rule of the default pack against its table of cases (tests/rules/*.yaml, see tests/rules_harness.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govrules.api import Engine
from rules_harness import all_cases, as_of, dump

CASES = all_cases()
_ENGINES: dict[str, Engine] = {}


def engine(params: dict[str, Any] | None) -> Engine:
    key = repr(sorted((params or {}).items()))
    if key not in _ENGINES:
        _ENGINES[key] = Engine.load(None, params)
    return _ENGINES[key]


@pytest.mark.parametrize(("name", "manifest", "case"), CASES, ids=[c[0] for c in CASES])
def test_rule_case(name: str, manifest: dict[str, Any], case: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    for rel in case.get("files") or ():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("evidence\n", encoding="utf-8")
    path = tmp_path / "ai-project.yaml"
    path.write_text(dump(manifest), encoding="utf-8")
    report = engine(case.get("params")).check_file(path, as_of(case), case.get("stage"))
    errors = [d.format() for d in report.diagnostics if d.severity == "error"]
    assert errors == [], errors
    results = {r.rule: r for r in report.results}
    got = {rule: results[rule].verdict.value for rule in case["expect"]}
    why = {r: [f.message for f in results[r].failures] for r in case["expect"]}
    assert got == case["expect"], why
    for rule, blocking in (case.get("blocking") or {}).items():
        assert results[rule].blocking is blocking
    for rule, positions in (case.get("failing") or {}).items():
        assert [f.position + 1 for f in results[rule].failures] == positions, why[rule]
    for rule, text in (case.get("message") or {}).items():
        assert text in results[rule].message, results[rule].message
    for rule, count in (case.get("notes") or {}).items():
        assert len(results[rule].notes) == count, results[rule].notes


def test_every_rule_has_pass_fail_and_not_applicable_cases() -> None:
    """Issue 4's floor for the tables: each rule seen to pass and to fail, and not to apply where it has a `when`."""
    seen: dict[str, set[str]] = {}
    for _, _, case in CASES:
        for rule, verdict in case["expect"].items():
            seen.setdefault(rule, set()).add(verdict)
    checked = engine(None).compiled.checked()
    missing = []
    for rule in checked.rules:
        want = {"pass", "fail"} | ({"not_applicable"} if rule.when else set())
        if not want <= seen.get(rule.id, set()):
            missing.append(f"{rule.id}: no {', '.join(sorted(want - seen.get(rule.id, set())))} case")
    assert missing == []


def test_every_family_has_a_waived_case() -> None:
    families = {rule.id.split("-")[0] for rule in engine(None).compiled.checked().rules}
    waived = {r.split("-")[0] for _, _, c in CASES for r, v in c["expect"].items() if v == "waived"}
    assert sorted(families - waived) == []
