"""Indented JSON text, byte for byte as `json.dumps(value, indent=2, ensure_ascii=...)` writes it, faster.

The standard library writes indented JSON in pure Python, a generator per nesting level: a 10,000-manifest
portfolio summary (about 50 MB) or a 2,000-manifest `check --format json` report (about 120 MB) took seconds.
`dumps` writes the same text with the C string encoders into one flat list of parts, and hands any value it
does not know (a key that is not text, a subclass of int or float, a type json converts some other way) back
to `json.dumps`, so the result is always json's own.

>>> dumps({"version": "1.0", "rules": [1, 2.5, None, "é"]}, ensure_ascii=False)
'{\\n  "version": "1.0",\\n  "rules": [\\n    1,\\n    2.5,\\n    null,\\n    "é"\\n  ]\\n}'
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring, encode_basestring_ascii

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

_FLOAT = json.JSONEncoder(
    check_circular=False
).encode  # repr, and NaN, Infinity, -Infinity as json writes them


class _Unusual(Exception):
    """Raised on a value the fast writer leaves to `json.dumps`."""


def dumps(value: object, ensure_ascii: bool = True) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=ensure_ascii)`."""
    try:
        return _write(value, encode_basestring_ascii if ensure_ascii else encode_basestring)
    except _Unusual:
        return json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


def _write(document: object, text: Callable[[str], str]) -> str:
    parts: list[str] = []
    put = parts.append

    def value(item: object, indent: str) -> None:
        kind = type(item)
        if kind is str:
            put(text(item))  # type: ignore[arg-type]
        elif kind is dict:
            mapping(item, indent)  # type: ignore[arg-type]
        elif kind is list or kind is tuple:
            sequence(item, indent)  # type: ignore[arg-type]
        elif item is None:
            put("null")
        elif item is True:
            put("true")
        elif item is False:
            put("false")
        elif kind is int:
            put(int.__repr__(item))
        elif kind is float:
            put(_FLOAT(item))
        else:
            raise _Unusual

    def mapping(item: dict[object, object], indent: str) -> None:
        if not item:
            put("{}")
            return
        inner = indent + "  "
        opening = "{" + inner
        for key, sub in item.items():
            if type(key) is not str:
                raise _Unusual
            put(opening + text(key) + ": ")
            opening = "," + inner
            value(sub, inner)
        put(indent + "}")

    def sequence(item: list[object], indent: str) -> None:
        if not item:
            put("[]")
            return
        inner = indent + "  "
        opening = "[" + inner
        for sub in item:
            put(opening)
            opening = "," + inner
            value(sub, inner)
        put(indent + "]")

    value(document, "\n")
    return "".join(parts)
