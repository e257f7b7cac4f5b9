"""`govrules policy diff`: a changed copy of the pack over the examples lists exactly the verdicts that change.

The cases are data (tests/cases/diff.yaml): edits to a copy of `policies/`, and the changes and exit code wanted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT, case_id, load_cases, run_cli

CASES = load_cases("diff.yaml")
AS_OF = "2026-11-28"


def edited_pack(tmp_path: Path, edits: list[dict[str, str]]) -> Path:
    copy = tmp_path / "new"
    shutil.copytree(ROOT / "policies", copy)
    for edit in edits:
        path = copy / edit["file"]
        text = path.read_text(encoding="utf-8")
        assert text.count(edit["replace"]) == 1, (
            f"the edit must match once in {edit['file']}: {edit['replace']!r}"
        )
        path.write_text(text.replace(edit["replace"], edit["with"]), encoding="utf-8")
    return copy


def policy_diff(old: Path | str, new: Path | str, *more: str) -> tuple[int, str, str]:
    args = ("policy", "diff", str(old), str(new), "--manifests", "examples", "--as-of", AS_OF, *more)
    return run_cli(*args, cwd=ROOT)


def side(result: dict[str, Any] | None) -> str:
    if result is None:
        return "(no such rule)"
    if result["verdict"] != "fail":
        return str(result["verdict"])
    return "fail (blocking)" if result["blocking"] else "fail (not blocking)"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_diff_cases(case: dict[str, Any], tmp_path: Path) -> None:
    old, new = ROOT / "policies", edited_pack(tmp_path, case.get("edits", []))
    if case.get("reverse"):
        old, new = new, old
    code, out, err = policy_diff(old, new, "--format", "json")
    want = case["want"]
    assert (code, err) == (want["exit"], "")
    data = json.loads(out)
    got = [
        [c["category"], Path(c["manifest"]).parent.name, c["rule"], f"{side(c['old'])} -> {side(c['new'])}"]
        for c in data["changes"]
    ]
    if "changes" in want:
        assert got == want["changes"]
    assert [r["id"] for r in data["rules_added"]] == want.get("added", [])
    assert [r["id"] for r in data["rules_removed"]] == want.get("removed", [])
    assert data["exit_code"] == want["exit"]
    assert len(data["manifests"]) == len(list((ROOT / "examples").glob("*/ai-project.yaml")))


def test_a_tightened_window_changes_what_the_same_parameter_override_changes(tmp_path: Path) -> None:
    """The oracle: `check --param max_age_dpia=150` blocks exactly the projects the edited copy newly blocks."""
    new = edited_pack(
        tmp_path,
        [
            {
                "file": "priv.gov",
                "replace": "age(privacy.dpia.date) <= max_age_dpia",
                "with": "age(privacy.dpia.date) <= 150 days",
            }
        ],
    )
    _, out, _ = policy_diff("policies", new, "--format", "json")
    diffed = {(c["manifest"], c["rule"]) for c in json.loads(out)["changes"]}

    def verdicts(*params: str) -> dict[tuple[str, str], tuple[str, bool]]:
        _, out, _ = run_cli("check", "examples", "--as-of", AS_OF, "--format", "json", *params, cwd=ROOT)
        return {
            (m["path"], r["rule"]): (r["verdict"], r["blocking"])
            for m in json.loads(out)["manifests"]
            for r in m["results"]
        }

    before, after = verdicts(), verdicts("--param", "max_age_dpia=150")
    assert diffed == {key for key in before if before[key] != after[key]}


def test_text_output_lists_newly_blocking_first_and_ends_with_the_counts(tmp_path: Path) -> None:
    tightened = edited_pack(
        tmp_path,
        [
            {
                "file": "priv.gov",
                "replace": "age(privacy.dpia.date) <= max_age_dpia",
                "with": "age(privacy.dpia.date) <= 150 days",
            }
        ],
    )
    code, out, err = policy_diff("policies", tightened)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == "newly blocking:"
    assert (
        lines[1] == "  examples/customer-service-assistant/ai-project.yaml  PRIV-004  pass -> fail (blocking)"
    )
    assert lines[2].startswith("      the DPIA")
    assert lines[-1] == "2 verdict changes over 10 manifests: 2 newly blocking, 0 newly passing, 0 other"


def test_identical_versions_say_so_and_exit_0() -> None:
    code, out, err = policy_diff("policies", "policies")
    assert (code, err) == (0, "")
    assert out == "0 verdict changes over 10 manifests: 0 newly blocking, 0 newly passing, 0 other\n"


def test_json_goes_to_a_file_with_output(tmp_path: Path) -> None:
    target = tmp_path / "diff.json"
    code, out, err = policy_diff("policies", "policies", "--format", "json", "--output", str(target))
    assert (code, out, err) == (0, "", "")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert (data["as_of"], data["old"], data["changes"]) == (AS_OF, "policies", [])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nowhere", "policies", "--manifests", "examples"), "policy path `nowhere` does not exist"),
        (("policies", "policies", "--manifests", "no-such-dir"), "`no-such-dir` does not exist"),
        (("policies", "policies"), "the following arguments are required: --manifests"),
        (("policies", "policies", "--manifests", "examples", "--as-of", "28/11/2026"), "not a calendar date"),
        (("policies", "policies", "--manifests", "examples", "--param", "max_age_dpai=3"), "max_age_dpia"),
    ],
)
def test_unusable_input_exits_2(args: tuple[str, ...], message: str) -> None:
    code, out, err = run_cli("policy", "diff", *args, cwd=ROOT)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_a_broken_policy_version_exits_2_at_its_line(tmp_path: Path) -> None:
    broken = edited_pack(
        tmp_path, [{"file": "priv.gov", "replace": "age(privacy.dpia.date)", "with": "age(privacy.dpia.dat)"}]
    )
    code, out, err = policy_diff("policies", broken)
    assert (code, out) == (2, "")
    assert "priv.gov:" in err and "GR204" in err and "privacy.dpia.date" in err


def test_an_unusable_manifest_is_reported_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad" / "ai-project.yaml"
    bad.parent.mkdir()
    bad.write_text("manifest_version: '1.0'\nproject: [\n", encoding="utf-8")
    code, out, err = run_cli(
        "policy", "diff", "policies", "policies", "--manifests", str(bad.parent), "--as-of", AS_OF, cwd=ROOT
    )
    assert code == 2
    assert out.endswith("0 verdict changes over 1 manifest: 0 newly blocking, 0 newly passing, 0 other\n")
    assert "ai-project.yaml:" in err and "GR3" in err
