"""Types of DSL values, and the manifest's types read from its JSON Schema.

The checker types every expression with `Type`; `manifest_type(schema)` turns the manifest schema into the
root object type, so `owners.business_owner.email` resolves to a string before any manifest is read.

    >>> t = object_of({"id": STRING})
    >>> t.field("id") is STRING
    True
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any


class Type(
    namedtuple(
        "Type",
        "kind elem fields enum description",
        defaults=(
            None,
            {},
            None,
            "",
        ),
    )
):
    __slots__ = ()
    kind: str
    elem: Type | None
    fields: Mapping[str, Type]
    enum: frozenset[object] | None
    description: str

    def field(self, name: str) -> Type | None:
        return self.fields.get(name)

    def show(self) -> str:
        if self.kind == "list":
            plural = {
                "string": "texts",
                "number": "numbers",
                "bool": "booleans",
                "date": "dates",
                "duration": "durations",
                "object": "objects",
                "list": "lists",
            }
            return f"a list of {plural.get(self.elem.kind, 'values') if self.elem else 'values'}"
        if self.kind == "object":
            return "an object"
        if self.kind == "table":
            inner = list_of(self.elem or ANY).show().removeprefix("a list of ")
            return f"a table of {inner}"
        return {
            "string": "text",
            "number": "a number",
            "bool": "a boolean",
            "date": "a date",
            "duration": "a duration",
            "any": "anything",
        }.get(self.kind, self.kind)

    def accepts(self, other: Type) -> bool:
        if self.kind == "any" or other.kind == "any":
            return True
        if self.kind != other.kind:
            return False
        if self.kind in ("list", "table") and self.elem and other.elem:
            return self.elem.accepts(other.elem)
        return True


STRING = Type("string")
NUMBER = Type("number")
BOOL = Type("bool")
DATE = Type("date")
DURATION = Type("duration")
ANY = Type("any")
OBJECT = Type("object")


def list_of(elem: Type) -> Type:
    return Type("list", elem)


def table_of(elem: Type) -> Type:
    """A lookup table: text keys, values of one type (read with `lookup(table, key)`)."""
    return Type("table", elem)


def object_of(fields: Mapping[str, Type]) -> Type:
    return Type("object", fields=dict(fields))


def manifest_type(schema: Mapping[str, Any]) -> Type:
    """The root object type of the manifest schema (only the keyword subset the schema uses)."""
    defs = schema.get("$defs", {})
    return _from_schema(schema, defs)


def _from_schema(node: Mapping[str, Any], defs: Mapping[str, Any], depth: int = 0) -> Type:
    if depth > 32:
        return ANY
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"), {})
        base = _from_schema(target, defs, depth + 1)
        desc = node.get("description", base.description)
        return Type(base.kind, base.elem, base.fields, base.enum, desc)
    kind = node.get("type")
    desc = node.get("description", "")
    enum = frozenset(node["enum"]) if isinstance(node.get("enum"), list) else None
    if kind == "object":
        props = node.get("properties", {})
        return Type(
            "object", fields={k: _from_schema(v, defs, depth + 1) for k, v in props.items()}, description=desc
        )
    if kind == "array":
        return Type("list", _from_schema(node.get("items", {}), defs, depth + 1), description=desc)
    if kind == "string":
        return Type("date" if node.get("format") == "date" else "string", enum=enum, description=desc)
    if kind in ("number", "integer"):
        return Type("number", enum=enum, description=desc)
    if kind == "boolean":
        return Type("bool", description=desc)
    return Type("any", description=desc)


STAGE_ORDER = ("idea", "pilot", "program", "enterprise")
SEVERITIES = ("info", "low", "medium", "high", "critical")
ENFORCEMENTS = ("advisory", "soft", "hard")

# `rules`: the loaded policy set as the DSL sees it (GATE-004 checks waivers against it); `enforcement` is the
# level in force for the manifest being evaluated
RULES_TYPE = list_of(
    object_of({"id": STRING, "title": STRING, "severity": STRING, "enforcement": STRING, "waivable": BOOL})
)
