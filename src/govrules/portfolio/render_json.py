"""The portfolio summary as JSON: the summary dict itself, keys in the order built, two-space indent.

>>> render({"version": "1.0"})
'{\\n  "version": "1.0"\\n}\\n'
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def render(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, sort_keys=False) + "\n"
