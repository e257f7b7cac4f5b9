"""The portfolio summary as JSON: the summary dict itself, keys in the order built, two-space indent.

The bytes are `json.dumps(summary, indent=2)`'s. The standard library writes indented JSON in pure Python, a
generator per nesting level, and a 10,000-manifest summary (about 50 MB) took seconds; `render` writes the same
text with the C string encoder and one flat list of parts, and hands anything it does not know (a key that is
not text, an unusual value type) back to `json.dumps`.

>>> render({"version": "1.0", "rules": [1, 2.5, None]})
'{\\n  "version": "1.0",\\n  "rules": [\\n    1,\\n    2.5,\\n    null\\n  ]\\n}\\n'
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_SCALAR = json.JSONEncoder(check_circular=False).encode  # floats (NaN, Infinity) and anything else json takes


class _Unusual(Exception):
    """Raised on a value the fast writer leaves to `json.dumps`."""


def render(summary: dict[str, Any]) -> str:
    try:
        return _write(summary) + "\n"
    except _Unusual:
        return json.dumps(summary, indent=2, sort_keys=False) + "\n"


def _write(document: object) -> str:
    parts: list[str] = []
    put = parts.append

    def value(item: object, indent: str) -> None:
        kind = type(item)
        if kind is str:
            put(encode_basestring_ascii(item))  # type: ignore[arg-type]
        elif kind is dict:
            _mapping(item, indent, put, value)  # type: ignore[arg-type]
        elif kind is list or kind is tuple:
            _sequence(item, indent, put, value)  # type: ignore[arg-type]
        elif item is None:
            put("null")
        elif item is True:
            put("true")
        elif item is False:
            put("false")
        elif kind is int:
            put(int.__repr__(item))
        elif kind is float:
            put(_SCALAR(item))
        else:
            raise _Unusual

    value(document, "\n")
    return "".join(parts)


def _mapping(
    item: dict[object, object], indent: str, put: Callable[[str], None], value: Callable[[object, str], None]
) -> None:
    if not item:
        put("{}")
        return
    inner = indent + "  "
    opening = "{" + inner
    for key, sub in item.items():
        if type(key) is not str:
            raise _Unusual
        put(opening + encode_basestring_ascii(key) + ": ")
        opening = "," + inner
        value(sub, inner)
    put(indent + "}")


def _sequence(
    item: list[object], indent: str, put: Callable[[str], None], value: Callable[[object, str], None]
) -> None:
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
