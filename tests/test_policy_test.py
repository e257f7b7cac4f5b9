"""`govrules policy test`: the default pack's tables at 100% rule coverage, and a tiny fixed policy
(tests/data/policy_test/pack/policy.gov) with passing cases (pack/), failing ones (failing/) and test files that
cannot be used (tests/cases/policy_test.yaml). Golden files under tests/golden/policy_test/, regenerated with
GOVRULES_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import yaml
from hypothesis import given
from hypothesis import strategies as st

from govrules.authoring import casefile
from govrules.diagnostics import GovrulesError
from govrules.manifest.loader import load_text
from helpers import ROOT, load_cases, run_cli

DATA = ROOT / "tests" / "data" / "policy_test"
PACK = "tests/data/policy_test/pack"
FAILING = "tests/data/policy_test/failing"
GOLDEN = ROOT / "tests" / "golden" / "policy_test"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def policy_test(*args: str) -> tuple[int, str, str]:
    return run_cli("policy", "test", *args, cwd=ROOT)


# ---- the default pack ----


def test_the_default_pack_tables_pass_with_full_rule_coverage() -> None:
    files = sorted((ROOT / "tests" / "rules").glob("*.yaml"))
    n = sum(len(casefile.load(str(f)) or ()) for f in files)
    code, out, err = policy_test("tests/rules", "--min-coverage", "100")
    assert (code, out, err) == (0, f"{n} cases in {len(files)} files: {n} passed\n", "")


# ---- a tiny policy ----


def test_passing_cases_with_coverage() -> None:
    code, out, err = policy_test(PACK, "--policy", PACK, "--coverage")
    assert (code, err) == (0, "")
    golden("pack.txt", out)
    assert "3 of 3 rules seen to pass and to fail (100%); 5 of 6 requires decided a failure (83.3%)" in out


def test_coverage_numbers_in_json() -> None:
    code, out, _ = policy_test(PACK, "--policy", PACK, "--coverage", "--format", "json")
    coverage = json.loads(out)["coverage"]
    assert code == 0
    assert coverage["rules"] == {"covered": 3, "total": 3, "percent": 100.0}
    assert coverage["requires"] == {"covered": 5, "total": 6, "percent": 83.3}
    assert coverage["not_applicable"] == {"covered": 2, "total": 2, "percent": 100.0}
    by_rule = {r["rule"]: r for r in coverage["by_rule"]}
    assert by_rule["TST-001"]["not_applicable"] is None  # no `when`: nothing to see
    assert [r["decided_a_failure"] for r in by_rule["TST-002"]["requires"]] == [False, True]


def test_failing_cases_exit_1_naming_file_line_rule_expected_and_got() -> None:
    code, out, err = policy_test(FAILING, "--policy", PACK)
    assert (code, err) == (1, "")
    golden("failing.txt", out)
    assert (
        f"{FAILING}/failing_test.yaml:6: case `a wrong verdict` failed: `TST-002` expected fail, got pass\n"
        in out
    )
    assert "`TST-001` expected the finding at line 5, got 6" in out
    assert "(line 6: the technical owner's email is not a valid address)" in out
    assert "`TST-01` is not a rule of the policies (did you mean `TST-001`?)" in out
    assert "could not run: " in out and "GR311 missing required key `owners`" in out
    assert out.endswith("5 cases in 1 file: 1 passed, 3 failed, 1 could not run\n")


def test_min_coverage_fails_below_and_names_what_is_missing() -> None:
    code, out, _ = policy_test(FAILING, "--policy", PACK, "--min-coverage", "30")
    assert code == 1  # the failing cases
    assert "below the minimum" not in out
    code, out, err = policy_test(f"{PACK}/pack_test.yaml", "--policy", PACK, "--min-coverage", "100")
    assert (code, err) == (0, "")
    code, out, err = policy_test(FAILING, "--policy", PACK, "--min-coverage", "50", "--format", "json")
    assert code == 1
    assert json.loads(out)["coverage"]["met"] is False
    assert err == (
        "rule coverage 33.3% is below the minimum 50%: `TST-002` never seen to pass or to fail, "
        "`TST-003` never seen to pass\n"
        "    hint: add a case that expects each missing verdict (a manifest on which the rule passes, or fails)\n"
    )


def test_json_has_every_case_with_its_status_and_details() -> None:
    code, out, _ = policy_test(FAILING, "--policy", PACK, "--format", "json")
    assert code == 1
    golden("failing.json", out)
    data = json.loads(out)
    assert data["summary"] == {"files": 1, "cases": 5, "passed": 1, "failed": 3, "errors": 1}
    cases = {c["name"]: c for c in data["files"][0]["cases"]}
    wrong = cases["wrong requires, line, message and blocking"]
    assert wrong["line"] == 9
    assert [(p["rule"], p["check"], p["expected"], p["got"]) for p in wrong["problems"]] == [
        ("TST-001", "failing", [1], [2]),
        ("TST-001", "location", 5, 6),
        ("TST-001", "message", "business owner", "the technical owner's email is not a valid address"),
        ("TST-003", "blocking", True, False),
    ]
    assert cases["a manifest the schema refuses"]["diagnostics"][0]["code"] == "GR311"


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(ROOT / "tests" / "data" / "junit.xsd"))


def test_junit_is_valid_one_suite_per_file(junit_schema: xmlschema.XMLSchema, tmp_path: Path) -> None:
    report = tmp_path / "tests.xml"
    args = (PACK, FAILING, "--policy", PACK, "--format", "junit", "--min-coverage", "100")
    code, out, _ = policy_test(*args, "--output", str(report))
    assert (code, out) == (1, "")
    text = report.read_text(encoding="utf-8")
    golden("all.junit.xml", text)
    junit_schema.validate(text)
    doc = junit_schema.to_dict(text)
    suites = {s["@name"]: s for s in doc["testsuite"]}
    assert list(suites) == [f"{FAILING}/failing_test.yaml", f"{PACK}/pack_test.yaml", "coverage"]
    assert (suites[f"{PACK}/pack_test.yaml"]["@tests"], suites[f"{PACK}/pack_test.yaml"]["@failures"]) == (
        "14",
        "0",
    )
    failing = suites[f"{FAILING}/failing_test.yaml"]
    assert (failing["@tests"], failing["@failures"], failing["@errors"]) == ("5", "3", "1")
    assert suites["coverage"]["@failures"] == "0"  # both files together see every rule pass and fail


# ---- test files that cannot be used ----

BAD = load_cases("policy_test.yaml")


@pytest.mark.parametrize("case", BAD, ids=[c["note"] for c in BAD])
def test_bad_test_files_are_refused_with_located_diagnostics(case: dict[str, Any], tmp_path: Path) -> None:
    for name, text in case["files"].items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(GovrulesError) as caught:
        casefile.load(str(tmp_path / "t_test.yaml"))
    got = caught.value.diagnostics
    assert [(d.code, d.span.line if d.span else None) for d in got] == [
        (w["code"], w["line"]) for w in case["want"]
    ]
    for d, want in zip(got, case["want"], strict=True):
        assert want.get("message", "") in d.message
        assert want.get("hint", "") in d.hint


def test_bad_test_file_exits_2_with_file_line_and_nothing_run(tmp_path: Path) -> None:
    (tmp_path / "t_test.yaml").write_text(
        "cases:\n  - name: x\n    manifest_file: m.yaml\n    expect: {TST-001: failed}\n", encoding="utf-8"
    )
    code, out, err = run_cli("policy", "test", "t_test.yaml", "--policy", str(DATA / "pack"), cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith("t_test.yaml:3:20: error GR600 cannot read manifest file `m.yaml`")
    assert (
        "t_test.yaml:4:23: error GR604 `expect` of `TST-001`: `failed` is not a verdict (did you mean `fail`?)"
        in err
    )


def test_unknown_parameter_of_a_case_exits_2_at_its_params(tmp_path: Path) -> None:
    (tmp_path / "t_test.yaml").write_text(
        f"cases:\n  - name: x\n    manifest_file: {DATA / 'pack/bases/small.yaml'}\n"
        "    params: {max_stage_ag: 3}\n    expect: {TST-001: pass}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("policy", "test", "t_test.yaml", "--policy", str(DATA / "pack"), cwd=tmp_path)
    assert (code, out) == (2, "")
    assert "max_stage_ag" in err and "max_stage_age" in err


def test_missing_path_and_empty_folder_exit_2(tmp_path: Path) -> None:
    code, out, err = run_cli("policy", "test", "nope", str(tmp_path), cwd=tmp_path)
    assert (code, out) == (2, "")
    assert "error GR600 `nope` does not exist" in err
    assert "error GR600 no test files (`*.yaml`) found under" in err


def test_json_of_an_unusable_run_holds_the_diagnostics(tmp_path: Path) -> None:
    code, out, _ = run_cli("policy", "test", "nope", "--format", "json", cwd=tmp_path)
    assert code == 2
    assert [d["code"] for d in json.loads(out)["diagnostics"]] == ["GR600"]


# ---- the pure parts ----


def test_edit_order_and_creation() -> None:
    doc = {"a": {"b": 1, "l": [1]}, "n": None}
    spec = {"unset": ["a.b"], "set": {"x.y": 2, "n.z": 3, "a.l[0]": 5}, "append": {"a.l": 6, "new": 7}}
    assert casefile.edit(doc, spec) == {"a": {"l": [5, 6]}, "n": {"z": 3}, "x": {"y": 2}, "new": [7]}
    assert doc == {"a": {"b": 1, "l": [1]}, "n": None}  # a copy is edited


def test_build_follows_bases_and_refuses_loops() -> None:
    local = {"b": {"from": "a", "set": {"k": 2}}, "c": {"from": "b"}, "x": {"from": "y"}, "y": {"from": "x"}}
    assert casefile.build("c", local, lambda name: {"base": name}) == {"base": "a", "k": 2}
    with pytest.raises(LookupError, match="x -> y -> x"):
        casefile.build("x", local, lambda name: {})


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.dates()
    | st.text(st.characters(exclude_categories=("Cs",)))
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), _values, min_size=1, max_size=5))
def test_dump_reads_back_to_the_same_data(data: dict[str, Any]) -> None:
    assert load_text(casefile.dump(data), "m.yaml").data == data


def test_dump_keeps_dates_as_dates_and_text_as_text() -> None:
    text = casefile.dump(
        {"since": dt.date(2026, 1, 2), "id": "2026-01-02", "on": "yes", "n": [{"a": 1, "b": [True]}]}
    )
    assert load_text(text, "m.yaml").data == {
        "since": dt.date(2026, 1, 2),
        "id": "2026-01-02",
        "on": "yes",
        "n": [{"a": 1, "b": [True]}],
    }
