"""Golden output of every format over the bundled examples; regenerate with GOVRULES_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(("fmt", "name"), [("text", "examples.txt"), ("json", "examples.json")])
def test_examples_output_matches_golden(fmt: str, name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "govrules", "check", "examples", "--as-of", "2026-11-28", "--format", fmt],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PYTHONPATH": str(ROOT / "src"),
            "NO_COLOR": "1",
            "PATH": os.environ.get("PATH", ""),
            "GOVRULES_CACHE_DIR": os.environ["GOVRULES_CACHE_DIR"],
        },
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # hr-cv-screening is blocked on purpose
    assert proc.stderr == ""
    golden = GOLDEN / name
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        golden.write_text(proc.stdout, encoding="utf-8")
    assert proc.stdout == golden.read_text(encoding="utf-8")
