"""Golden output of every format over the bundled examples; regenerate with GOVRULES_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import ROOT, run_cli

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(("fmt", "name"), [("text", "examples.txt"), ("json", "examples.json")])
def test_examples_output_matches_golden(fmt: str, name: str) -> None:
    code, out, err = run_cli("check", "examples", "--as-of", "2026-11-28", "--format", fmt, cwd=ROOT)
    assert code == 1, err  # hr-cv-screening is blocked on purpose
    assert err == ""
    golden = GOLDEN / name
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
