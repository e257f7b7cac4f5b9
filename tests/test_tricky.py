"""Tricky and broken manifests through the CLI (cases/tricky.yaml): a verdict, or exit 2 with the location of the
first problem, and never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import MINIMAL, case_id, load_cases, run_cli

CASES = load_cases("tricky.yaml")
POLICY = 'rule OWN-001 "owner" {\n  severity high\n  enforcement hard\n  references "r"\n  remediation "r"\n  require owners.business_owner.email is email\n}\n'


def write_case(case: dict, folder: Path) -> Path:
    folder.mkdir()
    target = folder / "ai-project.yaml"
    if case.get("folder"):
        target.mkdir()
        return folder
    text = case.get("text")
    if text is None:
        text = MINIMAL + case.get("append", "")
        if case.get("history_items"):
            entries = "".join(
                "    - {stage: pilot, date: 2025-06-01}\n" for _ in range(case["history_items"])
            )
            text = text.replace(
                "stage: {current: pilot, since: 2025-06-01}",
                "stage:\n  current: pilot\n  since: 2025-06-01\n  history:\n" + entries,
            )
        if case.get("big_int"):
            text += "monitoring: {review_cadence_days: " + "9" * case["big_int"] + "}\n"
        for old, new in (case.get("replace") or {}).items():
            assert old in text, old
            text = text.replace(old, new)
    if case.get("utf16"):
        target.write_bytes(text.encode("utf-16"))
    elif case.get("bom_crlf"):
        target.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    else:
        target.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_tricky_manifest(case: dict, tmp_path: Path) -> None:
    (tmp_path / "p.gov").write_text(POLICY)
    folder = write_case(case, tmp_path / "m")
    code, out, err = run_cli(
        "check",
        str(folder),
        "--policy",
        str(tmp_path / "p.gov"),
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
        timeout=60,
    )
    want = case["want"]
    assert "Traceback" not in out + err
    assert code == want["exit"], out + err
    if "code" in want:
        report = json.loads(out)
        diagnostics = [d for m in report["manifests"] for d in m["diagnostics"]] + report["diagnostics"]
        first = diagnostics[0]
        assert first["code"] == want["code"], first
        if "line" in want:
            assert (first["location"]["line"], first["location"]["column"]) == (want["line"], want["col"]), (
                first
            )
