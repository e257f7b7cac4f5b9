"""The small total helpers that compiled policies call: missing values never raise, they compare false.

>>> lt(None, 3), lt(2, 3), sub(None, 1)
(False, True, None)
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from govrules.table import Table

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

EMPTY: dict[str, Any] = {}


def eq(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a == b


def ne(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a != b


def lt(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a < b


def le(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a <= b


def gt(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a > b


def ge(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a >= b


def _total(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """`op` made total: a missing operand, or a date pushed past year 9999, gives a missing result."""

    def apply(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        try:
            return op(a, b)
        except OverflowError:
            return None

    return apply


add = _total(operator.add)  # numbers, dates and durations, and lists (concatenation)
sub = _total(operator.sub)
mul = _total(operator.mul)


def neg(a: Any) -> Any:
    return None if a is None else -a


def member(item: Any, collection: Any) -> bool:
    return item is not None and collection is not None and item in collection


def not_member(item: Any, collection: Any) -> bool:
    return item is not None and collection is not None and item not in collection


def contains_all(collection: Any, items: Any) -> bool:
    if collection is None or items is None:
        return False
    have = set(collection)
    return all(i in have for i in items)


def contains_any(collection: Any, items: Any) -> bool:
    if collection is None or items is None:
        return False
    have = set(collection)
    return any(i in have for i in items)


def matches(pattern: Any, text: Any) -> bool:
    return isinstance(text, str) and pattern.search(text) is not None


def rules_view(rows: Any, levels: Any) -> list[dict[str, Any]]:
    """The DSL's `rules` list: each loaded rule with the enforcement in force for this manifest."""
    return [
        {"id": i, "title": t, "severity": s, "enforcement": lv, "waivable": w}
        for (i, t, s, w), lv in zip(rows, levels, strict=True)
    ]


def param_value(value: Any) -> Any:
    """A parameter or literal as rules see it: lists as lists; tables stay tables (read with `lookup`)."""
    return list(value) if isinstance(value, tuple) and not isinstance(value, Table) else value
