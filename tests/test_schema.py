"""Manifest schema errors point at the offending value and carry a hint (cases/schema.yaml)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from govrules.manifest.loader import load_text
from govrules.manifest.schema import manifest_schema, validate_document
from govrules.resources import read_data
from helpers import MINIMAL, case_id, load_cases

CASES = load_cases("schema.yaml")


def test_schema_is_valid_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(manifest_schema())


def test_every_property_has_description_and_examples() -> None:
    missing: list[str] = []

    def walk(node: dict, where: str) -> None:
        for name, sub in node.get("properties", {}).items():
            if "description" not in sub or not sub.get("examples"):
                missing.append(f"{where}.{name}")
            walk(sub, f"{where}.{name}")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{where}[]")

    schema = json.loads(read_data("schemas", "ai-project.schema.json"))
    walk(schema, "$")
    for name, sub in schema.get("$defs", {}).items():
        walk(sub, f"$defs.{name}")
    assert missing == []


def test_minimal_manifest_is_valid() -> None:
    assert validate_document(load_text(MINIMAL, "m.yaml")) == ()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_schema_case(case: dict) -> None:
    text = MINIMAL + case.get("append", "")
    for old, new in (case.get("replace") or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    found = validate_document(load_text(text, "m.yaml"))
    got = [{"code": d.code, "line": d.span.line, "col": d.span.col} for d in found]
    assert got == case["want"], [d.format() for d in found]
    for want_hint in case.get("hints", []):
        assert any(want_hint in d.hint for d in found), [d.hint for d in found]
