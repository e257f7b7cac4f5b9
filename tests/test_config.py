"""Configuration: `.govrules.toml` or `[tool.govrules]`, found walking up; flags win; `govrules config` says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import MINIMAL, run_cli

POLICY = """\
rule SOFT-001 "a soft rule that fails" {
  severity medium
  enforcement soft
  references "r"
  remediation "fix it"
  require project.domain is present else "no domain"
}
rule HARD-001 "a hard rule with a window" {
  severity high
  enforcement hard
  references "r"
  remediation "fix it"
  require age(stage.since) <= window else "the stage is too old"
}
param window = 600 days "How old the stage may be."
"""


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "gov").mkdir()
    (tmp_path / "gov" / "rules.gov").write_text(POLICY)
    (tmp_path / "app" / "deep").mkdir(parents=True)
    (tmp_path / "app" / "ai-project.yaml").write_text(MINIMAL)
    return tmp_path


def check(cwd: Path, *args: str) -> tuple[int, dict, str]:
    code, out, err = run_cli("check", ".", "--as-of", "2026-11-28", "--format", "json", *args, cwd=cwd)
    return code, json.loads(out) if out else {}, err


def verdicts(report: dict) -> dict[str, tuple[str, bool]]:
    return {r["rule"]: (r["verdict"], r["blocking"]) for r in report["manifests"][0]["results"]}


def test_pyproject_table_is_found_walking_up_and_policies_are_relative_to_it(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.govrules]\npolicies = ["gov"]\n')
    code, report, _ = check(repo / "app")
    assert code == 1
    assert verdicts(report) == {"SOFT-001": ("fail", True), "HARD-001": ("pass", False)}


def test_params_fail_on_and_disabled_rules_apply_and_are_reported(repo: Path) -> None:
    (repo / ".govrules.toml").write_text(
        'policies = ["gov"]\nfail_on = "hard"\n\n[params]\nwindow = "10 days"\n\n'
        '[disable]\n"SOFT-001" = "domains are not used here"\n'
    )
    code, report, _ = check(repo / "app")
    assert verdicts(report) == {"HARD-001": ("fail", True)}
    assert report["policy_set"]["disabled"] == [{"rule": "SOFT-001", "reason": "domains are not used here"}]
    assert report["policy_set"]["parameters"]["window"] == {"days": 10}
    assert (code, report["policy_set"]["fail_on"]) == (1, "hard")


def test_fail_on_hard_lets_soft_failures_pass(repo: Path) -> None:
    (repo / ".govrules.toml").write_text('policies = ["gov"]\nfail_on = "hard"\n')
    code, report, _ = check(repo / "app")
    assert (code, verdicts(report)["SOFT-001"]) == (0, ("fail", False))


def test_flags_win_over_the_file(repo: Path) -> None:
    (repo / ".govrules.toml").write_text('policies = ["gov"]\nfail_on = "hard"\n[params]\nwindow = 10\n')
    code, report, _ = check(repo / "app", "--fail-on", "soft", "--param", "window=700")
    assert code == 1
    assert verdicts(report) == {"SOFT-001": ("fail", True), "HARD-001": ("pass", False)}


def test_the_nearest_file_wins_and_govrules_toml_before_pyproject(repo: Path) -> None:
    (repo / ".govrules.toml").write_text('policies = ["nowhere"]\n')
    (repo / "app" / "pyproject.toml").write_text('[tool.govrules]\npolicies = ["../gov"]\n')
    (repo / "app" / ".govrules.toml").write_text('policies = ["../gov"]\nfail_on = "hard"\n')
    code, out, err = run_cli(
        "check", "..", "--as-of", "2026-11-28", "--format", "json", cwd=repo / "app" / "deep"
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["policy_set"]["fail_on"] == "hard"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('polices = ["gov"]\n', ".govrules.toml:1:1: error GR504 unknown configuration key `polices`"),
        ('fail_on = "hardest"\n', "unknown enforcement `hardest` for `fail_on`"),
        (
            'policies = ["gov"]\n[disable]\n"SOFT-001" = ""\n',
            ".govrules.toml:3:1: error GR504 rule `SOFT-001` is",
        ),
        (
            'policies = ["gov"]\n[disable]\n"SOFT-01" = "x"\n',
            "GR505 cannot switch off unknown rule `SOFT-01`",
        ),
        ('policies = ["gov"]\n[params]\nwindw = 3\n', "GR501 unknown rule parameter `windw`"),
        ('fail_on = "hard"\nformat = \n', ".govrules.toml:2:10: error GR503 invalid TOML: invalid value"),
        ('format = "xml"\n', "unknown format `xml`"),
    ],
)
def test_bad_configuration_exits_2_with_the_place_and_a_hint(repo: Path, text: str, message: str) -> None:
    (repo / ".govrules.toml").write_text(text)
    code, out, err = run_cli("check", ".", "--as-of", "2026-11-28", cwd=repo / "app")
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


def test_config_command_shows_each_value_and_its_source(repo: Path) -> None:
    (repo / ".govrules.toml").write_text('policies = ["gov"]\n\n[params]\nwindow = 30\n')
    code, out, err = run_cli("config", "--format", "json", "--fail-on", "hard", cwd=repo / "app")
    assert code == 0, err
    data = json.loads(out)
    sources = {s["key"]: (s["value"], s["source"]) for s in data["settings"]}
    assert sources["params.window"] == ({"days": 30}, "../.govrules.toml:4")
    assert sources["fail_on"] == ("hard", "--fail-on")
    assert sources["format"] == ("text", "default")
    assert sources["policies"][1] == "../.govrules.toml:1"
    code, text, _ = run_cli("config", cwd=repo / "app")
    assert code == 0
    assert text.splitlines()[0] == "# configuration file: ../.govrules.toml"
    assert any(
        line.startswith("params.window = 30 days") and line.endswith("# ../.govrules.toml:4")
        for line in text.splitlines()
    )
