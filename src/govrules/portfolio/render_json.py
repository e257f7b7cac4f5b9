"""The portfolio summary as JSON: the summary dict itself, keys in the order built, two-space indent.

The bytes are `json.dumps(summary, indent=2)`'s, written by `govrules.json_text` (the standard library's
indented writer is pure Python and took seconds over a 10,000-manifest summary).

>>> render({"version": "1.0"})
'{\\n  "version": "1.0"\\n}\\n'
"""

from __future__ import annotations

from govrules.json_text import dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def render(summary: dict[str, Any]) -> str:
    return dumps(summary) + "\n"
