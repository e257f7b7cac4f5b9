"""The safe YAML loader: every bad input is a located diagnostic, never a traceback (cases/loader.yaml)."""

from __future__ import annotations

import pytest
import yaml

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


# Plain scalars take shortcuts (a cached tag, a direct conversion); each spelling must read as PyYAML reads it.
SCALARS = [
    "0", "007", "0x1F", "0b101", "0o17", "1_000", "1:30", "+5", "-5", "-0", "123456789012345678", "1" + "0" * 30,
    "1.5", "-0.0", ".5", "-.5", "1.", "1e3", "1.0e+3", "6.8523015e+5", ".inf", "-.inf", ".nan", "NaN",
    "yes", "No", "ON", "off", "y", "n", "~", "null", "Null", "2025-06-02", "2025-6-2",
    "2025-06-02 10:00:00", "2025-06-02t10:00:00.5", "9999-12-31", "text", "'007'", '"yes"',
    "!!str 12", "!!int '12'", "!!float '1'", "!!float ' 1.5'", "!!bool 'YES'", "!!null x", "!!timestamp '2025-06-02'",
]  # fmt: skip


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_read_as_pyyaml_reads_them(scalar: str) -> None:
    text = f"a: {scalar}\nb: [{scalar}, {scalar}]\n"
    want = yaml.load(text, Loader=yaml.SafeLoader)
    got = load_text(text, "m.yaml").data
    assert repr(got) == repr(want)  # repr: 1 and 1.0 and True, a date and a datetime, all differ


@pytest.mark.parametrize(
    ("scalar", "message"),
    [
        ("!!bool maybe", "cannot read `maybe` as a boolean"),
        ('!!int ""', "cannot read `` as a number"),
        ("!!int '-'", "cannot read `-` as a number"),
        ("!!int '0x'", "cannot read `0x` as a number"),
        ('!!float ""', "cannot read `` as a number"),
        ("1" * 5000, "`11111111111111111111…` has too many digits to be a number"),
    ],
)
def test_a_scalar_its_tag_does_not_fit_is_located(scalar: str, message: str) -> None:
    with pytest.raises(GovrulesError) as info:
        load_text(f"x: 1\na: {scalar}\n", "m.yaml")
    d = info.value.diagnostics[0]
    assert (d.code, d.message, d.span.line, d.span.col) == ("GR309", message, 2, 4)


@pytest.mark.parametrize(
    "scalar",
    ["2025-02-30", "0000-01-01", "!!timestamp '2025-W01-1'", '!!timestamp ""', "!!timestamp 2025-13-45"],
)
def test_a_timestamp_that_is_no_date_stays_text(scalar: str) -> None:
    assert isinstance(load_text(f"a: {scalar}\n", "m.yaml").data["a"], str)


SPANS_TEXT = """\
project:
  id: cs-bot
  tags: [a, "b", 3]
owners: &o
  business_owner: {email: a@example.org}
copy: *o
empty: []
"""


def test_spans_are_read_off_the_nodes() -> None:
    doc = load_text(SPANS_TEXT, "m.yaml")
    spans = {path: (s.line, s.col) for path, s in doc.spans.items()}
    assert spans == {
        (): (1, 1),
        ("project",): (2, 3),
        ("project", "id"): (2, 7),
        ("project", "tags"): (3, 9),
        ("project", "tags", 0): (3, 10),
        ("project", "tags", 1): (3, 13),
        ("project", "tags", 2): (3, 18),
        ("owners",): (4, 9),  # a node starts at its anchor
        ("owners", "business_owner"): (5, 19),
        ("owners", "business_owner", "email"): (5, 27),
        ("copy",): (4, 9),  # an alias has the span of the node it names
        ("copy", "business_owner"): (5, 19),
        ("copy", "business_owner", "email"): (5, 27),
        ("empty",): (7, 8),
    }
    assert len(doc.spans) == len(spans)
    assert {p: (s.line, s.col) for p, s in doc.key_spans.items()} == {
        ("project",): (1, 1),
        ("project", "id"): (2, 3),
        ("project", "tags"): (3, 3),
        ("owners",): (4, 1),
        ("owners", "business_owner"): (5, 3),
        ("owners", "business_owner", "email"): (5, 20),
        ("copy",): (6, 1),
        ("copy", "business_owner"): (5, 3),
        ("copy", "business_owner", "email"): (5, 20),
        ("empty",): (7, 1),
    }
    plain = [p for p in doc.spans if p in doc.plain_scalars]
    assert plain == [
        ("project", "id"),
        ("project", "tags", 0),
        ("project", "tags", 2),
        ("owners", "business_owner", "email"),
        ("copy", "business_owner", "email"),
    ]


@pytest.mark.parametrize(
    ("path", "want"),
    [
        (("project", "id"), (2, 7)),  # present
        (("project", "name"), (1, 1)),  # missing: the key of its parent
        (("project", "tags", 7), (3, 3)),  # past the end of a list: the list's key
        (("project", "tags", -1), (3, 3)),  # no negative indices
        (("project", "tags", "0"), (3, 3)),  # a list is not indexed by text
        (("project", "id", "x"), (2, 3)),  # under text: the text's key
        (("owners", 0), (4, 1)),  # a mapping is not indexed by number
        (("nothing", "here"), (1, 1)),  # missing at the top level: the start of the file
    ],
)
def test_span_of_a_missing_value_is_its_nearest_parent(path: tuple, want: tuple[int, int]) -> None:
    doc = load_text(SPANS_TEXT, "m.yaml")
    span = doc.span_of(path)
    assert (span.file, span.line, span.col) == ("m.yaml", *want)
    assert (path in doc.spans) == (path == ("project", "id"))
