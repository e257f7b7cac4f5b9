"""Table: the value of a lookup-table parameter (`{"weekly": 14 days, "monthly": 62 days}`).

An immutable, hashable, picklable sequence of (key, value) pairs that answers `get` like a dict. The policy
language, the checker, the compiled code and the reports all share it; it imports nothing.

    >>> Table((("weekly", 14), ("monthly", 62))).get("monthly")
    62
"""

from __future__ import annotations


class Table(tuple):  # type: ignore[type-arg]
    """(key, value) pairs in the order written; keys are text."""

    def get(self, key: object, default: object = None) -> object:
        for k, v in self:
            if k == key:
                return v
        return default

    def keys(self) -> list[str]:
        return [k for k, _ in self]

    def values(self) -> list[object]:
        return [v for _, v in self]

    def __repr__(self) -> str:
        return f"Table({tuple(self)!r})"
