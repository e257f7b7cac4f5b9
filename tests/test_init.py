"""`govrules init` and `govrules schema`: onboarding that passes the schema from the first commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import ROOT, run_cli


@pytest.mark.parametrize("stage", ["idea", "pilot", "program", "enterprise"])
def test_init_writes_a_schema_valid_manifest_for_each_stage(tmp_path: Path, stage: str) -> None:
    code, out, err = run_cli(
        "init", "--stage", stage, "--name", "Claims Triage", "--as-of", "2026-11-28", cwd=tmp_path
    )
    assert (code, err) == (0, ""), err
    text = (tmp_path / "ai-project.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=.govrules/ai-project.schema.json\n")
    assert "id: claims-triage" in text and f"current: {stage}" in text
    local = json.loads((tmp_path / ".govrules" / "ai-project.schema.json").read_text())
    assert local == json.loads((ROOT / "schemas" / "ai-project.schema.json").read_text())
    code, out, err = run_cli("check", ".", "--as-of", "2026-11-28", "--format", "json", cwd=tmp_path)
    report = json.loads(out)
    assert report["manifests"][0]["evaluated"] is True, report["manifests"][0]["diagnostics"]
    if stage == "idea":  # a fresh idea passes; later stages list what is still to do
        assert code == 0
    else:
        assert code == 1


def test_init_idea_passes_the_idea_gate(tmp_path: Path) -> None:
    run_cli("init", "--as-of", "2026-11-28", cwd=tmp_path)
    code, out, _ = run_cli("check", ".", "--as-of", "2026-11-28", "--stage", "idea", cwd=tmp_path)
    assert code == 0, out


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "ai-project.yaml").write_text("keep me\n")
    code, _, err = run_cli("init", cwd=tmp_path)
    assert code == 2 and "already exists" in err
    assert (tmp_path / "ai-project.yaml").read_text() == "keep me\n"
    code, _, _ = run_cli("init", "--force", "--schema-url", "https://example.org/s.json", cwd=tmp_path)
    assert code == 0
    assert (
        (tmp_path / "ai-project.yaml")
        .read_text()
        .startswith("# yaml-language-server: $schema=https://example.org/s.json")
    )
    assert not (tmp_path / ".govrules").exists()


def test_schema_prints_the_manifest_schema() -> None:
    code, out, _ = run_cli("schema")
    assert code == 0
    assert json.loads(out) == json.loads((ROOT / "schemas" / "ai-project.schema.json").read_text())
