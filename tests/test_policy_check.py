"""`govrules policy check`: every error and warning of a policy set at once (cases/policy_check.yaml), the exit
codes, the text and JSON output, and the default pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govrules.authoring.check import check_texts
from helpers import ROOT, case_id, load_cases, run_cli

CASES = load_cases("policy_check.yaml")
RULE = 'rule A-1 "t" {{\n  severity high\n  enforcement soft\n  references "r"\n  remediation "r"\n  {body}\n}}\n'


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_policy_check_case(case: dict) -> None:
    files = case.get("files") or {"p.gov": case["policy"]}
    found = check_texts(list(files.items()))
    several = "files" in case
    got = [
        {**({"file": d.span.file} if several else {}), "code": d.code, "line": d.span.line, "col": d.span.col}
        for d in found
    ]
    assert got == case["want"], "\n".join(d.format() for d in found)
    for hint in case.get("hints", []):
        assert any(hint in d.hint for d in found), "\n".join(d.format() for d in found)


def _write(tmp_path: Path, body: str, name: str = "p.gov") -> Path:
    path = tmp_path / name
    path.write_text(RULE.format(body=body), encoding="utf-8")
    return path


def test_clean_policy_exits_0(tmp_path: Path) -> None:
    path = _write(tmp_path, "require project.id is present")
    assert run_cli("policy", "check", str(path)) == (0, "1 policy file checked: no problems\n", "")


def test_warnings_exit_0_or_1_under_strict_with_the_line_and_caret(tmp_path: Path) -> None:
    path = _write(tmp_path, 'when stage.current == "pilot" and stage.current == "program"\n  require true')
    code, out, err = run_cli("policy", "check", str(path))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].endswith(
        "p.gov:6:8: warning GR230 the `when` of rule `A-1` can never hold: no value of `stage.current` satisfies it"
    )
    assert lines[1] == '      when stage.current == "pilot" and stage.current == "program"'
    assert lines[2].startswith("           ^^^^")
    assert lines[3].startswith("    hint: `stage.current` is one of `enterprise`, `idea`")
    assert lines[-1] == "1 policy file checked: 0 errors, 1 warning"
    assert run_cli("policy", "check", "--strict", str(path))[0] == 1


def test_errors_exit_2_and_all_are_reported(tmp_path: Path) -> None:
    a = _write(tmp_path, "require kpi is present", "a.gov")
    b = tmp_path / "b.gov"
    b.write_text(RULE.format(body="require stage.since > 3").replace("A-1", "B-1"), encoding="utf-8")
    code, out, err = run_cli("policy", "check", str(tmp_path))
    assert code == 2 and err == ""
    heads = [line for line in out.splitlines() if not line.startswith(" ")]
    assert [h.split(": ", 1)[0].rsplit("/", 1)[-1] for h in heads[:-1]] == ["a.gov:6:11", "b.gov:6:25"]
    assert "error GR204 unknown name `kpi` (did you mean `kpis`?)" in heads[0]
    assert heads[-1] == "2 policy files checked: 2 errors, 0 warnings"
    assert a.exists()


def test_json_output(tmp_path: Path) -> None:
    path = _write(tmp_path, "require true\n  require true")
    code, out, _ = run_cli("policy", "check", "--format", "json", str(path))
    data = json.loads(out)
    assert code == 0
    assert data["summary"] == {"errors": 0, "warnings": 1}
    assert [(d["code"], d["location"]["line"], d["location"]["column"]) for d in data["diagnostics"]] == [
        ("GR233", 7, 3)
    ]


def test_missing_path_exits_2(tmp_path: Path) -> None:
    code, out, err = run_cli("policy", "check", str(tmp_path / "nope.gov"))
    assert (code, out) == (2, "") and "GR200" in err


def test_the_default_pack_has_no_errors() -> None:
    code, out, _ = run_cli("policy", "check", str(ROOT / "policies"))
    assert code == 0, out
    assert "error" not in out.splitlines()[-1].replace("0 errors", "")
