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
import marshal
from collections.abc import Callable, Iterator, Mapping

from govrules.dates import calendar_date
from govrules.diagnostics import Diagnostic, did_you_mean, one_of
from govrules.manifest.loader import DocPath, LocatedDocument, dotted
from govrules.resources import read_data

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

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
    import json

    loaded: dict[str, Any] = json.loads(read_data("schemas", "ai-project.schema.json"))
    return loaded


@functools.cache
def _validator() -> Any:
    import jsonschema
    from jsonschema import validators

    base = jsonschema.Draft202012Validator
    original_type = base.VALIDATORS["type"]

    def type_with_dates(
        validator: Any, types: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[Any]:
        if isinstance(instance, dt.date) and calendar_date(instance) and schema.get("format") == "date":
            return iter(())
        return original_type(validator, types, instance, schema)  # type: ignore[no-any-return]

    formats = jsonschema.FormatChecker(formats=())

    formats.checks("date")(lambda value: calendar_date(value) is not None)
    cls = validators.extend(base, {"type": type_with_dates})
    return cls(manifest_schema(), format_checker=formats)


@functools.cache
def schema_date_paths() -> frozenset[tuple[str, ...]]:
    """Paths (`*` for list items) whose values are dates, read from the schema."""
    schema = manifest_schema()
    defs = schema.get("$defs", {})
    out: set[tuple[str, ...]] = set()

    def walk(node: Mapping[str, Any], path: tuple[str, ...], depth: int) -> None:
        if depth > 32:
            return
        if "$ref" in node:
            node = defs.get(str(node["$ref"]).removeprefix("#/$defs/"), {})
        if node.get("format") == "date":
            out.add(path)
        for name, sub in node.get("properties", {}).items():
            walk(sub, (*path, name), depth + 1)
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*path, "*"), depth + 1)

    walk(schema, (), 0)
    return frozenset(out)


def validate_document(
    doc: LocatedDocument, date_paths: frozenset[tuple[str, ...]] | None = None
) -> tuple[Diagnostic, ...]:
    """Diagnostics for every schema error (empty when valid); a valid document's dates are normalised.

    The common case, a valid manifest, takes a generated validator (fastjsonschema, cached) and the date walk;
    only a manifest that fails them pays for jsonschema's full, located error report.
    """
    if date_paths is None:
        date_paths = schema_date_paths()
    fast = _fast_validator()
    if fast is not None:
        try:
            fast(doc.data)
        except ValueError:
            pass
        else:
            if normalise_dates(doc.data, date_paths):
                return ()
    errors = sorted(_validator().iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    out: list[Diagnostic] = []
    for error in errors:
        out.extend(_diagnose(error, doc))
    typed = {d.span for d in out if d.code == "GR316"}
    unique = {
        (d.code, d.span, d.message): d for d in out if not (d.code in ("GR312", "GR313") and d.span in typed)
    }
    if not unique:
        normalise_dates(doc.data, date_paths)
    return tuple(unique.values())


@functools.cache
def _fast_validator() -> Callable[[Any], Any] | None:
    """The schema compiled to Python by fastjsonschema, kept in the cache so later runs skip generating it.

    Date fields are left open in it: `normalise_dates` checks them, since YAML gives dates as date objects.
    """
    from govrules import __version__, cache

    raw = read_data("schemas", "ai-project.schema.json")
    digest = cache.key(__version__, cache.code_fingerprint(), raw)
    blob = cache.read("validator", digest)
    code: Any = None
    if blob is not None:
        try:
            code = marshal.loads(blob)
        except (EOFError, ValueError, TypeError):
            code = None
    if code is None:
        try:
            import fastjsonschema
        except ImportError:
            return None
        source = fastjsonschema.compile_to_code(_fast_schema(manifest_schema()), detailed_exceptions=False)
        source = source.replace(
            "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException",
            "class JsonSchemaValueException(ValueError):\n"
            "    def __init__(self, message, *args, **kwargs):\n"
            "        ValueError.__init__(self, message)\n"
            "JsonSchemaValuesException = JsonSchemaValueException",
        )
        # YAML never yields Decimal; a stand-in spares importing the decimal module on every start
        source = source.replace("from decimal import Decimal", "class Decimal:\n    pass")
        code = compile(source, "<govrules manifest validator>", "exec")
        cache.write("validator", digest, marshal.dumps(code))
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # generated by fastjsonschema from our own schema
    validate: Callable[[Any], Any] = namespace["validate"]
    return validate


def _fast_schema(node: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The schema with references inlined, annotations dropped and date fields open (checked separately)."""
    defs = defs if defs is not None else node.get("$defs", {})
    if "$ref" in node:
        return _fast_schema(defs[str(node["$ref"]).removeprefix("#/$defs/")], defs)
    if node.get("format") == "date":
        return {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("description", "examples", "title", "default", "$id", "$defs", "$schema"):
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: _fast_schema(sub, defs) for name, sub in value.items()}
        elif key == "items":
            out[key] = _fast_schema(value, defs)
        else:
            out[key] = value
    return out


def _raw(doc: LocatedDocument, path: DocPath) -> str:
    span = doc.spans.get(path)
    if span is None or doc.source is None or span.end_line != span.line:
        return ""
    return doc.source.line(span.line)[span.col - 1 : span.end_col - 1]


def _diagnose(error: Any, doc: LocatedDocument) -> list[Diagnostic]:
    path: DocPath = tuple(error.absolute_path)
    describe = _BY_KEYWORD.get(error.validator, _out_of_bounds)
    return describe(error, doc, path, dotted(path) or "the manifest")


def _unknown_keys(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> list[Diagnostic]:
    allowed = list(error.schema.get("properties", {}))
    place = f"in `{where}`" if path else "at the top level"
    return [
        Diagnostic(
            "GR310",
            "error",
            f"unknown key `{key}` {place}",
            doc.key_span_of((*path, key)),
            did_you_mean(key, allowed) or "keys starting with `x-` are free for your own extensions",
        )
        for key in sorted(k for k in error.instance if k not in allowed and not str(k).startswith("x-"))
    ]


def _missing_keys(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> list[Diagnostic]:
    span = doc.key_span_of(path) if path else doc.span_of(())
    place, under = (f"in `{where}`", f"under `{where}`") if path else ("at the top level", "at the top level")
    return [
        Diagnostic("GR311", "error", f"missing required key `{k}` {place}", span, f"add `{k}:` {under}")
        for k in error.validator_value
        if k not in error.instance
    ]


def _not_allowed(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> list[Diagnostic]:
    found = error.instance
    allowed = [str(v) for v in error.validator_value]
    hint = one_of(str(found), allowed)
    if not isinstance(found, str) and path in doc.plain_scalars and _raw(doc, path):
        hint = f'quote it: `"{_raw(doc, path)}"` ({hint})'
    message = f"`{_show(found, doc, path)}` is not an allowed value for `{where}`"
    return [Diagnostic("GR312", "error", message, doc.span_of(path), hint)]


def _bad_date(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> list[Diagnostic]:
    message = f"`{_show(error.instance, doc, path)}` in `{where}` is not a calendar date"
    return [
        Diagnostic(
            "GR313", "error", message, doc.span_of(path), "write the date as YYYY-MM-DD, e.g. 2025-06-02"
        )
    ]


def _bad_form(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> list[Diagnostic]:
    hint = (
        _first_sentence(error.schema.get("description", ""))
        or f"expected text matching `{error.validator_value}`"
    )
    message = f"`{error.instance}` in `{where}` does not have the expected form"
    return [Diagnostic("GR314", "error", message, doc.span_of(path), hint)]


def _out_of_bounds(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> list[Diagnostic]:
    limit = error.validator_value
    expected = {
        "minimum": f"at least {limit}",
        "exclusiveMinimum": f"more than {limit}",
        "maximum": f"at most {limit}",
        "minLength": "not empty",
        "minItems": f"at least {limit} item(s)",
        "maxItems": f"at most {limit} items",
        "uniqueItems": "without repeated items",
        "const": f"`{limit}`",
    }.get(error.validator, str(error.validator))
    message = f"`{where}` must be {expected}, found `{_show(error.instance, doc, path)}`"
    return [Diagnostic("GR315", "error", message, doc.span_of(path))]


def _type_error(error: Any, doc: LocatedDocument, path: DocPath, where: str) -> list[Diagnostic]:
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
    if found is None:
        got = "an empty value"
        hint = "give a value, or remove the key"
    elif isinstance(found, dt.datetime) and want.startswith("a date"):
        hint = "give the calendar date only, e.g. 2025-06-02"
    elif expected == "string" and path in doc.plain_scalars and not isinstance(found, dict | list):
        hint = f'YAML reads the unquoted `{raw}` as {_kind_of(found)}; quote it: `"{raw}"`'
    elif expected == "boolean" and isinstance(found, str):
        hint = "write `true` or `false`"
    elif expected == "array" and not isinstance(found, list):
        hint = "write a list: `[a, b]` or one `- item` per line"
    elif expected == "object":
        keys = list(error.schema.get("properties", {}))[:3]
        hint = (
            f"`{where}` holds keys ({', '.join(f'`{k}`' for k in keys)}, …), not a single value"
            if keys
            else ""
        )
    return [Diagnostic("GR316", "error", f"`{where}` must be {want}, found {got}", span, hint)]


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
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return str(value)


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].strip().rstrip(".")
    return head[:1].lower() + head[1:] if head else ""


def normalise_dates(data: dict[str, Any], paths: frozenset[tuple[str, ...]]) -> bool:
    """Turn quoted ISO dates at the schema's date fields into `datetime.date`, in place.

    Returns False when a date field holds anything else (a date-time, a bad date, a number…): the caller then
    asks jsonschema for the located error.
    """
    return _walk_dates(data, _date_tree(paths))


@functools.cache
def _date_tree(paths: frozenset[tuple[str, ...]]) -> dict[str, Any]:
    """The date paths as a tree of keys (`True` at a date field), built once per set of paths; never modified."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1], True)
    return tree


def _walk_dates(value: Any, tree: Mapping[str, Any]) -> bool:
    ok = True
    if isinstance(value, dict):
        for key, sub in tree.items():
            if key in value:
                if sub is True:
                    value[key] = calendar_date(value[key]) or value[key]
                    ok = ok and isinstance(value[key], dt.date) and not isinstance(value[key], dt.datetime)
                else:
                    ok = _walk_dates(value[key], sub) and ok
    elif isinstance(value, list) and "*" in tree:
        sub = tree["*"]
        for i, item in enumerate(value):
            if sub is True:
                value[i] = calendar_date(item) or item
                ok = ok and isinstance(value[i], dt.date) and not isinstance(value[i], dt.datetime)
            else:
                ok = _walk_dates(item, sub) and ok
    return ok


_BY_KEYWORD: dict[str, Callable[[Any, LocatedDocument, DocPath, str], list[Diagnostic]]] = {
    "additionalProperties": _unknown_keys,
    "required": _missing_keys,
    "enum": _not_allowed,
    "type": _type_error,
    "format": _bad_date,
    "pattern": _bad_form,
}
