"""Every rule of the default pack against its table of cases (tests/rules/*.yaml), run as `govrules policy test`
runs them (govrules.authoring.casefile reads the cases, govrules.authoring.test runs one), one pytest case each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govrules.api import Engine
from govrules.authoring import casefile
from govrules.authoring.test import run_case
from helpers import ROOT

CASES = [
    case
    for path in sorted((ROOT / "tests" / "rules").glob("*.yaml"))
    for case in casefile.load(str(path)) or ()
]
_ENGINES: dict[str, Engine] = {}


def engine(params: dict[str, Any] | None) -> Engine:
    key = repr(sorted((params or {}).items()))
    if key not in _ENGINES:
        _ENGINES[key] = Engine.load(None, params)
    return _ENGINES[key]


@pytest.mark.parametrize("case", CASES, ids=[f"{Path(c.file).stem}: {c.name}" for c in CASES])
def test_rule_case(case: casefile.Case, tmp_path: Path) -> None:
    outcome = run_case(engine(case.params), case, str(tmp_path))
    assert outcome.diagnostics == ()
    assert outcome.problems == (), [p._asdict() for p in outcome.problems]
    assert outcome.status == "passed"


def expected() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for case in CASES:
        for rule, verdict in case.checks.get("expect", {}).items():
            seen.setdefault(rule, set()).add(verdict)
    return seen


def test_every_rule_has_pass_fail_and_not_applicable_cases() -> None:
    """Issue 4's floor for the tables: each rule seen to pass and to fail, and not to apply where it has a `when`."""
    seen = expected()
    missing = []
    for rule in engine(None).compiled.checked().rules:
        want = {"pass", "fail"} | ({"not_applicable"} if rule.when else set())
        if not want <= seen.get(rule.id, set()):
            missing.append(f"{rule.id}: no {', '.join(sorted(want - seen.get(rule.id, set())))} case")
    assert missing == []


def test_every_family_has_a_waived_case() -> None:
    families = {rule.id.split("-")[0] for rule in engine(None).compiled.checked().rules}
    waived = {rule.split("-")[0] for rule, verdicts in expected().items() if "waived" in verdicts}
    assert sorted(families - waived) == []
