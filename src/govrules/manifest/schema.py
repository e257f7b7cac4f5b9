"""Validate a located manifest against `schemas/ai-project.schema.json`: the only module that imports jsonschema.

Every error points at the offending value (or, for a missing key, at its parent), says what was expected and what
was found, and gives a hint: the nearest allowed key or value, or "quote it" for YAML 1.1 surprises such as an
unquoted `no`, `on`, `0x1F`, `1.10` or a date where text belongs. After validation, quoted ISO dates in date
fields become `datetime.date`, so the evaluator sees one kind of date.

    >>> # validate_document(load_text(...)) -> tuple of Diagnostics (empty when valid)
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

from govrules.diagnostics import Diagnostic, did_you_mean
from govrules.manifest.loader import DocPath, LocatedDocument
from govrules.resources import data_path

_KIND_WORDS = {
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping of keys",
    "array": "a list",
    "null": "nothing",
}


@functools.cache
def manifest_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data_path("schemas", "ai-project.schema.json").read_text("utf-8"))
    return loaded


def is_plain_date(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


@functools.cache
def _validator() -> Any:
    import jsonschema
    from jsonschema import validators

    base = jsonschema.Draft202012Validator
    original_type = base.VALIDATORS["type"]

    def type_with_dates(
        validator: Any, types: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[Any]:
        if is_plain_date(instance) and schema.get("format") == "date":
            return iter(())
        return original_type(validator, types, instance, schema)  # type: ignore[no-any-return]

    formats = jsonschema.FormatChecker(formats=())

    def _date(value: object) -> bool:
        if isinstance(value, dt.date):
            return is_plain_date(value)
        if not isinstance(value, str) or len(value) != 10:
            return False
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return True

    formats.checks("date")(_date)
    cls = validators.extend(base, {"type": type_with_dates})
    return cls(manifest_schema(), format_checker=formats)


def validate_document(doc: LocatedDocument) -> tuple[Diagnostic, ...]:
    errors = sorted(_validator().iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    out: list[Diagnostic] = []
    for error in errors:
        out.extend(_diagnose(error, doc))
    typed = {d.span for d in out if d.code == "GR316"}
    unique = {
        (d.code, d.span, d.message): d for d in out if not (d.code in ("GR312", "GR313") and d.span in typed)
    }
    return tuple(unique.values())


def _dotted(path: DocPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the manifest"


def _raw(doc: LocatedDocument, path: DocPath) -> str:
    span = doc.spans.get(path)
    if span is None or doc.source is None or span.end_line != span.line:
        return ""
    return doc.source.line(span.line)[span.col - 1 : span.end_col - 1]


def _diagnose(error: Any, doc: LocatedDocument) -> list[Diagnostic]:
    path: DocPath = tuple(error.absolute_path)
    where = _dotted(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        out = []
        for key in sorted(k for k in error.instance if k not in allowed and not str(k).startswith("x-")):
            hint = did_you_mean(key, allowed) or "keys starting with `x-` are free for your own extensions"
            out.append(
                Diagnostic(
                    "GR310", "error", f"unknown key `{key}` in `{where}`", doc.key_span_of((*path, key)), hint
                )
            )
        return out
    if kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        span = doc.key_span_of(path) if path else doc.span_of(())
        return [
            Diagnostic(
                "GR311",
                "error",
                f"missing required key `{k}` in `{where}`",
                span,
                f"add `{k}:` under `{where}`" if path else f"add `{k}:` at the top level",
            )
            for k in missing
        ]
    span = doc.span_of(path)
    found = error.instance
    if kind == "enum":
        allowed = [str(v) for v in error.validator_value]
        hint = did_you_mean(str(found), allowed) or f"use one of: {', '.join(allowed)}"
        if not isinstance(found, str) and path in doc.plain_scalars and _raw(doc, path):
            hint = f'quote it: `"{_raw(doc, path)}"` ({hint})'
        return [
            Diagnostic(
                "GR312",
                "error",
                f"`{_show(found, doc, path)}` is not an allowed value for `{where}`",
                span,
                hint,
            )
        ]
    if kind == "type":
        return [_type_error(error, doc, path, where)]
    if kind == "format":
        return [
            Diagnostic(
                "GR313",
                "error",
                f"`{_show(found, doc, path)}` in `{where}` is not a calendar date",
                span,
                "write the date as YYYY-MM-DD, e.g. 2025-06-02",
            )
        ]
    if kind == "pattern":
        desc = schema.get("description", "")
        return [
            Diagnostic(
                "GR314",
                "error",
                f"`{found}` in `{where}` does not have the expected form",
                span,
                _first_sentence(desc) or f"expected text matching `{error.validator_value}`",
            )
        ]
    words = {
        "minimum": f"at least {error.validator_value}",
        "exclusiveMinimum": f"more than {error.validator_value}",
        "maximum": f"at most {error.validator_value}",
        "minLength": "not empty",
        "minItems": f"at least {error.validator_value} item(s)",
        "uniqueItems": "without repeated items",
        "const": f"`{error.validator_value}`",
    }
    expected = words.get(kind, kind)
    return [
        Diagnostic("GR315", "error", f"`{where}` must be {expected}, found `{_show(found, doc, path)}`", span)
    ]


def _type_error(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> Diagnostic:
    expected = error.validator_value
    found = error.instance
    span = doc.span_of(path)
    want = _KIND_WORDS.get(expected, expected)
    if error.schema.get("format") == "date":
        want = "a date (YYYY-MM-DD)"
    raw = _raw(doc, path)
    if isinstance(found, dt.datetime):
        got = f"a date and time `{raw or found}`"
    else:
        got = f"{_kind_of(found)} `{_show(found, doc, path)}`"
    hint = ""
    if expected == "string" and path in doc.plain_scalars and not isinstance(found, dict | list):
        hint = f'YAML reads the unquoted `{raw}` as {_kind_of(found)}; quote it: `"{raw}"`'
    elif isinstance(found, dt.datetime) and want.startswith("a date"):
        hint = "give the calendar date only, e.g. 2025-06-02"
    elif expected == "boolean" and isinstance(found, str):
        hint = "write `true` or `false`"
    elif expected == "array" and not isinstance(found, list):
        hint = "write a list: `[a, b]` or one `- item` per line"
    elif expected == "object" and found is None:
        hint = "give the keys under it, or remove the empty key"
    return Diagnostic("GR316", "error", f"`{where}` must be {want}, found {got}", span, hint)


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


def _show(value: object, doc: LocatedDocument, path: DocPath) -> str:
    raw = _raw(doc, path)
    if raw and not isinstance(value, dict | list):
        return raw.strip("\"'")
    if isinstance(value, dict | list):
        return "{…}" if isinstance(value, dict) else "[…]"
    return str(value)


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].strip().rstrip(".")
    return head[:1].lower() + head[1:] if head else ""


def normalise_dates(data: dict[str, Any], paths: set[tuple[str, ...]]) -> None:
    """Turn quoted ISO dates at the schema's date fields into `datetime.date`, in place."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1], True)
    _walk_dates(data, tree)


def _walk_dates(value: Any, tree: Mapping[str, Any]) -> None:
    if isinstance(value, dict):
        for key, sub in tree.items():
            if key in value:
                if sub is True:
                    item = value[key]
                    if isinstance(item, str):
                        value[key] = dt.date.fromisoformat(item)
                else:
                    _walk_dates(value[key], sub)
    elif isinstance(value, list) and "*" in tree:
        sub = tree["*"]
        for i, item in enumerate(value):
            if sub is True:
                if isinstance(item, str):
                    value[i] = dt.date.fromisoformat(item)
            else:
                _walk_dates(item, sub)
