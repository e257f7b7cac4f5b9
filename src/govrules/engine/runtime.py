"""The small total helpers that compiled policies call: missing values never raise, they compare false.

>>> lt(None, 3), lt(2, 3), sub(None, 1)
(False, True, None)
"""

from __future__ import annotations

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


def add(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    try:
        return a + b
    except OverflowError:
        return None


def sub(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    try:
        return a - b
    except OverflowError:
        return None


def mul(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    try:
        return a * b
    except OverflowError:
        return None


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
