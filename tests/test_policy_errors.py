"""Policy syntax and meaning errors: code, line and column, and the hint (cases/policy_errors.yaml)."""

from __future__ import annotations

import pytest

from govrules.api import root_type
from govrules.diagnostics import GovrulesError
from govrules.engine.checker import check_policies
from govrules.lang.parser import parse_policy
from helpers import case_id, load_cases

CASES = load_cases("policy_errors.yaml")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_policy_error_case(case: dict) -> None:
    with pytest.raises(GovrulesError) as info:
        check_policies([parse_policy(case["policy"], "p.gov")], root_type())
    got = [{"code": d.code, "line": d.span.line, "col": d.span.col} for d in info.value.diagnostics]
    assert got == case["want"], info.value.format()
    for hint in case.get("hints", []):
        assert any(hint in d.hint for d in info.value.diagnostics), info.value.format()


def test_error_output_quotes_the_line_with_a_caret() -> None:
    with pytest.raises(GovrulesError) as info:
        parse_policy('rule A-1 "t" {\n  require stage.current ==\n}\n', "p.gov")
    text = info.value.format()
    assert text.splitlines()[0].startswith("p.gov:3:1: error GR104 unexpected `}`")
    assert "    }\n    ^" in text
