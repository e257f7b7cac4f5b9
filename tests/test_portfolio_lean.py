"""The portfolio's leaner evaluation gives what the matrix shows exactly as a full check does: explaining only a
failing rule's first clause (`explain="first"`) keeps every verdict, message, location and blocking flag."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from govrules.api import Engine, discover
from govrules.manifest.loader import load_manifest

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 28)


@pytest.mark.parametrize("stage", [None, "program"])
def test_first_failure_explanation_keeps_what_the_report_shows(stage: str | None) -> None:
    engine = Engine.load()
    paths, _ = discover([ROOT / "examples"])
    failing = 0
    for path in paths:
        full = engine.check_document(load_manifest(path), AS_OF, stage, path)
        first = engine.check_document(load_manifest(path), AS_OF, stage, path, explain="first")
        assert full.evaluated and first.evaluated
        shown = [(r.rule, r.verdict, r.message, r.location, r.blocking, r.enforcement) for r in full.results]
        assert [
            (r.rule, r.verdict, r.message, r.location, r.blocking, r.enforcement) for r in first.results
        ] == shown
        for a, b in zip(full.results, first.results, strict=True):
            assert b.failures == a.failures[:1] and b.notes == ()
            failing += bool(a.failures)
        assert first.diagnostics == full.diagnostics
    assert failing > 20  # the examples fail enough rules for this to mean something
