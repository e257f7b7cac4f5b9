"""The command line: (exit code, stdout, stderr) together, as a user sees them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from helpers import MINIMAL, run_cli

ROOT = Path(__file__).resolve().parents[1]
POLICY = """\
rule OWN-001 "business owner named" {
  severity high
  enforcement hard
  references "NIST AI RMF GOVERN 2.1"
  remediation "name the business owner with a valid email"
  require owners.business_owner.email is email
}
"""


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    return run_cli(*args, cwd=cwd, timeout=60)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "p.gov").write_text(POLICY)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "ai-project.yaml").write_text(MINIMAL)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "ai-project.yaml").write_text(MINIMAL.replace("ana@corp.example", "ana-at-corp"))
    return tmp_path


def test_pass_exits_0(project: Path) -> None:
    code, out, err = run("check", "ok", "--policy", "p.gov", "--as-of", "2026-11-28", cwd=project)
    assert (code, err) == (0, "")
    assert (
        out.splitlines()[0]
        == "ok/ai-project.yaml: ok: 0 failed (0 blocking), 0 waived, 1 passed, 0 not applicable"
    )


def test_blocking_failure_exits_1_with_a_located_line(project: Path) -> None:
    code, out, err = run("check", "bad", "--policy", "p.gov", "--as-of", "2026-11-28", cwd=project)
    assert (code, err) == (1, "")
    first = out.splitlines()[0]
    assert (
        first == "bad/ai-project.yaml:5:43: high OWN-001 `owners.business_owner.email is email` does not hold"
    )
    assert "    fix: name the business owner with a valid email" in out


def test_json_is_valid_against_the_report_schema(project: Path) -> None:
    code, out, _ = run(
        "check", ".", "--policy", "p.gov", "--as-of", "2026-11-28", "--format", "json", cwd=project
    )
    assert code == 1
    report = json.loads(out)
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
    assert [m["path"] for m in report["manifests"]] == ["bad/ai-project.yaml", "ok/ai-project.yaml"]
    assert report["manifests"][0]["results"][0]["location"] == {
        "file": "bad/ai-project.yaml",
        "line": 5,
        "column": 43,
    }


def test_output_is_deterministic(project: Path) -> None:
    args = ("check", ".", "--policy", "p.gov", "--as-of", "2026-11-28", "--format", "json")
    assert run(*args, cwd=project) == run(*args, cwd=project)


def test_invalid_manifest_exits_2_with_file_line_col(project: Path) -> None:
    (project / "ok" / "ai-project.yaml").write_text(MINIMAL.replace("current: pilot", "current: pilott"))
    code, out, _ = run("check", "ok", "--policy", "p.gov", "--as-of", "2026-11-28", cwd=project)
    assert code == 2
    assert out.splitlines()[0] == (
        "ok/ai-project.yaml:3:18: error GR312 `pilott` is not an allowed value for `stage.current`"
        " (did you mean `pilot`?)"
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("check", "missing-dir"), "GR300 `missing-dir` does not exist"),
        (("check", "ok", "--as-of", "yesterday"), "`yesterday` is not a calendar date"),
        (("check", "ok", "--format", "xml"), "invalid choice: 'xml'"),
        (("check", "ok", "--policy", "nope.gov"), "policy path `nope.gov` does not exist"),
        (("check", "ok", "--stage", "pilott"), "invalid choice: 'pilott'"),
    ],
)
def test_bad_input_exits_2_without_traceback(project: Path, args: tuple[str, ...], needle: str) -> None:
    code, out, err = run(*args, cwd=project)
    assert code == 2
    assert needle in out + err
    assert "Traceback" not in out + err


def test_bad_policy_exits_2_with_caret(project: Path) -> None:
    (project / "p.gov").write_text(POLICY.replace("is email", "is emial"))
    code, _, err = run("check", "ok", "--policy", "p.gov", cwd=project)
    assert code == 2
    assert err.splitlines()[0] == "p.gov:6:42: error GR207 unknown test `is emial` (did you mean `email`?)"
    assert err.splitlines()[2].strip() == "^^^^^"


def test_help_lists_exit_codes() -> None:
    code, out, _ = run("check", "--help")
    assert code == 0
    assert "1  at least one blocking failure" in out


def test_cli_does_not_import_the_web_stack() -> None:
    code = "import sys, govrules.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi','uvicorn','starlette','pydantic')))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src")},
        check=True,
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("value", ["nan", "inf", "99999999999", "-5"])
def test_out_of_range_parameters_exit_2(project: Path, value: str) -> None:
    (project / "p.gov").write_text("param window = 30 days\n" + POLICY)
    code, out, err = run("check", "ok", "--policy", "p.gov", "--param", f"window={value}", cwd=project)
    assert (code, out) == (2, "")
    assert err.startswith("error GR502 parameter `window` needs a duration")


def test_a_policy_set_without_rules_exits_2(project: Path) -> None:
    (project / "empty.gov").write_text("# nothing yet\n")
    code, _, err = run("check", "ok", "--policy", "empty.gov", cwd=project)
    assert code == 2
    assert "error GR200 the policy files define no rules" in err


def test_json_output_even_when_the_policies_fail(project: Path) -> None:
    (project / "p.gov").write_text(POLICY.replace("is email", "is emial"))
    code, out, _ = run("check", "ok", "--policy", "p.gov", "--format", "json", cwd=project)
    assert code == 2
    report = json.loads(out)
    assert report["exit_code"] == 2
    assert report["diagnostics"][0]["code"] == "GR207"


def test_stage_ends_with_the_gate_readiness_checklist(tmp_path: Path) -> None:
    manifest = ROOT / "tests" / "rules" / "bases" / "pilot.yaml"
    args = ("check", str(manifest), "--as-of", "2026-11-28", "--stage", "program")
    code, out, _ = run(*args, cwd=tmp_path)
    code_json, out_json, _ = run(*args, "--format", "json", cwd=tmp_path)
    assert code == code_json
    report = json.loads(out_json)
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    (m,) = report["manifests"]
    ready = m["readiness"]
    counts = m["summary"]
    assert ready["stage"] == "program"
    assert ready["total"] == counts["pass"] + counts["fail"] + counts["waived"]
    assert ready["met"] == counts["pass"] + counts["waived"]
    assert [u["rule"] for u in ready["unmet"]] == [r["rule"] for r in m["results"] if r["verdict"] == "fail"]
    assert ready["ready"] is (code == 0)
    head = f"{'ready' if ready['ready'] else 'not ready'} for program: {ready['met']}/{ready['total']} met"
    lines = out.splitlines()
    assert head in lines
    checklist = lines[lines.index(head) + 1 :]
    for unmet in ready["unmet"]:
        assert any(line.startswith(f"  [ ] {unmet['rule']} ") for line in checklist)
        assert f"      fix: {unmet['remediation']}" in checklist
    # a promotion needs its gate decision: GATE-002 is unmet until one is recorded
    assert "GATE-002" in [u["rule"] for u in ready["unmet"]]


def test_without_stage_there_is_no_checklist(project: Path) -> None:
    _, out, _ = run(
        "check", "ok", "--policy", "p.gov", "--as-of", "2026-11-28", "--format", "json", cwd=project
    )
    assert "readiness" not in json.loads(out)["manifests"][0]


def test_several_formats_from_one_run(project: Path) -> None:
    code, out, err = run(
        "check", "bad", "--policy", "p.gov", "--as-of", "2026-11-28",
        "--format", "sarif", "--output", "r.sarif", "--format", "json",
        "--format", "junit", "--output", "r.xml",
        cwd=project,
    )  # fmt: skip
    assert (code, err) == (1, "")
    assert json.loads(out)["exit_code"] == 1  # the one format without --output goes to standard output
    sarif = json.loads((project / "r.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["OWN-001"]
    assert (project / "r.xml").read_text().startswith("<?xml")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--output", "a", "--output", "b", "--format", "json"), "put a --format before each --output"),
        (("--format", "json", "--format", "sarif"), "only one --format can go to standard output"),
    ],
)
def test_format_and_output_pairs_are_checked(project: Path, args: tuple[str, ...], needle: str) -> None:
    code, out, err = run("check", "bad", "--policy", "p.gov", *args, cwd=project)
    assert (code, out) == (2, "")
    assert needle in err


def test_auto_format_speaks_github_under_github_actions(project: Path) -> None:
    import os

    summary = project / "summary.md"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    proc = subprocess.run(
        [sys.executable, "-m", "govrules", "check", "bad", "--policy", "p.gov", "--as-of", "2026-11-28"],
        cwd=project,
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error file=bad/ai-project.yaml,line=5,col=43,")
    assert "OWN-001" in summary.read_text()


@pytest.mark.parametrize(
    "command",
    [
        ("check",), ("rules",), ("config",), ("schema",), ("init",), ("explain",),
        ("policy", "check"), ("policy", "fmt"), ("policy", "test"), ("policy", "doc"), ("policy", "diff"),
        ("report",), ("serve",), ("token", "create"), ("audit", "verify"),
    ],
)  # fmt: skip
def test_every_command_help_shows_examples_and_exit_codes(command: tuple[str, ...]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    lines = out.splitlines()
    assert any(line in ("example:", "examples:") for line in lines), out
    assert "exit codes:" in lines, out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("serve", "--workers", "0"),
            "argument --workers: expected a number of worker processes (1 or more), got `0`",
        ),
        (
            ("serve", "--max-body", "-5"),
            "argument --max-body: expected a number of bytes (1 or more), got `-5`",
        ),
        (
            ("report", "--jobs", "x"),
            "argument --jobs: expected a number of processes, 0 for every core (0 or more)",
        ),
    ],
)
def test_counts_on_the_command_line_are_checked(argv: tuple[str, ...], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2 and message in err, err
