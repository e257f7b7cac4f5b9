"""The trend over stored summaries: each `--history DIR` run writes DIR/<as_of>.json; this reads them back.

>>> point({"as_of": "2026-11-28", "totals": {"verdicts": {"fail": 3}, "blocking_findings": 2,
...        "failing_rules": 2, "blocked_projects": 1}, "waivers": {"active": 1, "expired": 0},
...        "value": {"with_impact": 4}})["waiver_debt"]
1
"""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def point(summary: dict[str, Any]) -> dict[str, Any]:
    """The counts a trend plots, from one summary."""
    totals, waivers = summary["totals"], summary["waivers"]
    return {
        "as_of": summary["as_of"],
        "failing_findings": totals["verdicts"]["fail"],
        "failing_rules": totals["failing_rules"],
        "blocking_findings": totals["blocking_findings"],
        "blocked_projects": totals["blocked_projects"],
        "waiver_debt": waivers["active"] + waivers["expired"],
        "expired_waivers": waivers["expired"],
        "with_impact": summary["value"]["with_impact"],
    }


def store(summary: dict[str, Any], folder: str, text: str) -> str:
    """Write the JSON summary as `folder/<as_of>.json` (the folder is created); return the path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{summary['as_of']}.json")
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return path


def read(folder: str) -> list[dict[str, Any]]:
    """The trend points of every readable summary in the folder, oldest first; unreadable files are skipped."""
    points: dict[str, dict[str, Any]] = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                p = point(json.load(handle))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        points[p["as_of"]] = p
    return [points[k] for k in sorted(points)]
