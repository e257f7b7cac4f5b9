"""Shared helpers for the table-driven tests: load case files, build manifests and engines from text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).parent / "cases"

MINIMAL = """\
manifest_version: "1.0"
project: {id: demo, name: Demo, description: A demo project}
stage: {current: pilot, since: 2025-06-01}
owners:
  business_owner: {name: Ana Ruiz, email: ana@corp.example, department: Customer Operations}
  technical_owner: {name: Lee Chen, email: lee@corp.example, department: Data Science}
ai_system: {sourcing: buy, model_type: llm, user_facing: true}
risk: {internal_tier: low}
"""

RULE_HEAD = 'severity high\n  enforcement soft\n  references "test"\n  remediation "fix it"\n'


def load_cases(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    return list(data)


def case_id(case: dict[str, Any]) -> str:
    return str(case["note"])


def as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def rule(body: str, rule_id: str = "T-001", head: str = RULE_HEAD) -> str:
    return f'rule {rule_id} "test rule" {{\n  {head}  {body}\n}}\n'


ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 120) -> tuple[int, str, str]:
    """`python -m govrules ARGS` from the source tree, without colour, with the tests' own cache."""
    import os
    import subprocess
    import sys

    env = {
        "PYTHONPATH": str(ROOT / "src"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NO_COLOR": "1",
        "GOVRULES_CACHE_DIR": os.environ["GOVRULES_CACHE_DIR"],
    }
    proc = subprocess.run(
        [sys.executable, "-m", "govrules", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout, proc.stderr
