"""The safe YAML loader: every bad input is a located diagnostic, never a traceback (cases/loader.yaml)."""

from __future__ import annotations

import pytest

from govrules.diagnostics import GovrulesError
from govrules.manifest.loader import MAX_BYTES, load_bytes, load_text
from helpers import case_id, load_cases

CASES = load_cases("loader.yaml")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_loader_case(case: dict) -> None:
    text = case["text"]
    want = case.get("want_error")
    if want is None:
        doc = load_text(text, "m.yaml")
        for path, (line, col) in (case.get("want_spans") or {}).items():
            key = tuple(int(p) if p.isdigit() else p for p in path.split("."))
            span = doc.span_of(key)
            assert (span.line, span.col) == (line, col), path
        return
    with pytest.raises(GovrulesError) as info:
        load_text(text, "m.yaml")
    d = info.value.diagnostics[0]
    assert (d.code, d.span.line, d.span.col) == (want["code"], want["line"], want["col"]), d.format()


def test_bom_and_crlf_are_accepted() -> None:
    doc = load_bytes(b"\xef\xbb\xbfa: 1\r\nb:\r\n  c: x\r\n", "m.yaml")
    assert doc.data == {"a": 1, "b": {"c": "x"}}
    assert doc.span_of(("b", "c")).start == "m.yaml:3:6"


def test_invalid_utf8_is_located() -> None:
    with pytest.raises(GovrulesError) as info:
        load_bytes(b"a: 1\nb: caf\xe9\n", "m.yaml")
    d = info.value.diagnostics[0]
    assert (d.code, d.span.line, d.span.col) == ("GR302", 2, 7)


def test_oversized_file_is_refused() -> None:
    with pytest.raises(GovrulesError) as info:
        load_bytes(b"a: " + b"x" * (MAX_BYTES + 1), "m.yaml")
    assert info.value.diagnostics[0].code == "GR301"


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(GovrulesError) as info:
        load_text("\n".join(lines) + "\n", "m.yaml")
    assert info.value.diagnostics[0].code == "GR306"


def test_deep_nesting_is_bounded() -> None:
    with pytest.raises(GovrulesError) as info:
        load_text("a: " + "[" * 200 + "]" * 200 + "\n", "m.yaml")
    assert info.value.diagnostics[0].code in ("GR304", "GR306")
