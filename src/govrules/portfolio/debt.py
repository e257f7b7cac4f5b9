"""Waiver debt and value: the two portfolio sections read from the manifests' own records.

Waivers come from `waivers:` (age from `granted_on`, expiry from `expires_on`, whether a result used it); value
from `kpis:` (baseline -> current -> target, progress as the fraction of the way covered in the KPI's direction).

>>> progress({"direction": "increase", "baseline": {"value": 12}, "current": {"value": 41},
...           "target": {"value": 60}})
0.6042
"""

from __future__ import annotations

import datetime as dt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from govrules.manifest.loader import LocatedDocument
    from govrules.results import ManifestReport

EXPIRING_DAYS = 30
AGE_BUCKETS = ((30, "under 30 days"), (90, "30-89 days"), (180, "90-179 days"), (None, "180 days or more"))


def as_date(value: object) -> dt.date | None:
    """A manifest date: a date, or ISO text; anything else is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def waiver_items(doc: LocatedDocument, report: ManifestReport, as_of: dt.date) -> list[dict[str, Any]]:
    """Every waiver the manifest records, with its status (active, expiring, expired) and whether it covers a result."""
    used = {r.waiver.rule for r in report.results if r.waiver is not None and r.verdict.value == "waived"}
    waivers = doc.data.get("waivers")
    out: list[dict[str, Any]] = []
    for i, w in enumerate(waivers if isinstance(waivers, list) else []):
        w = _mapping(w)
        granted, expires = as_date(w.get("granted_on")), as_date(w.get("expires_on"))
        days_left = (expires - as_of).days if expires else None
        if days_left is not None and days_left < 0:
            status = "expired"
        elif days_left is not None and days_left <= EXPIRING_DAYS:
            status = "expiring"
        else:
            status = "active"
        approver = _mapping(w.get("approver"))
        out.append(
            {
                "project": report.project,
                "path": report.path,
                "rule": str(w.get("rule", "")),
                "approver": str(approver.get("email") or approver.get("name") or "(none)"),
                "granted_on": granted.isoformat() if granted else None,
                "expires_on": expires.isoformat() if expires else None,
                "age_days": (as_of - granted).days if granted else None,
                "days_left": days_left,
                "status": status,
                "covers": str(w.get("rule", "")) in used and status != "expired",
                "ticket": str(w.get("ticket", "")),
                "location": doc.span_of(("waivers", i)).to_json(),
            }
        )
    return out


def _tally(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        row = counts.setdefault(item[key], {"active": 0, "expiring": 0, "expired": 0})
        row[item["status"]] += 1
    return [{key: k, **v, "total": sum(v.values())} for k, v in sorted(counts.items())]


def _age_bucket(age: int | None) -> str:
    if age is None:
        return "unknown"
    for limit, label in AGE_BUCKETS:
        if limit is None or age < limit:
            return label
    return AGE_BUCKETS[-1][1]  # pragma: no cover


def waiver_debt(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Waiver debt over the portfolio: counts by status, active ones by age, and by approver and by rule."""
    live = [i for i in items if i["status"] != "expired"]
    ages = [label for _, label in AGE_BUCKETS] + ["unknown"]
    by_age = {label: 0 for label in ages}
    for item in live:
        by_age[_age_bucket(item["age_days"])] += 1
    return {
        "total": len(items),
        "active": len(live),
        "expiring_within_30_days": sum(1 for i in items if i["status"] == "expiring"),
        "expired": len(items) - len(live),
        "covering_nothing": sum(1 for i in live if not i["covers"]),
        "active_by_age": [{"age": k, "waivers": v} for k, v in by_age.items() if v or k != "unknown"],
        "by_approver": _tally(items, "approver"),
        "by_rule": _tally(items, "rule"),
        "items": sorted(items, key=lambda i: (i["expires_on"] or "", i["project"], i["rule"])),
    }


def progress(kpi: dict[str, Any]) -> float | None:
    """The share of the way from baseline to target covered by the current value (1 = target reached), or none."""
    base = _number(_mapping(kpi.get("baseline")).get("value"))
    current = _number(_mapping(kpi.get("current")).get("value"))
    target = _number(_mapping(kpi.get("target")).get("value"))
    if base is None or current is None or target is None or target == base:
        return None
    sign = 1 if kpi.get("direction") != "decrease" else -1
    if sign * (target - base) <= 0:
        return None  # the target does not lie in the KPI's direction: no progress can be read
    return round((current - base) / (target - base), 4)


def kpi_rows(report: ManifestReport, data: dict[str, Any], as_of: dt.date) -> list[dict[str, Any]]:
    """Each KPI of a project: baseline, current and target values, the progress, and whether it moved."""
    kpis = data.get("kpis")
    rows = []
    for kpi in kpis if isinstance(kpis, list) else []:
        kpi = _mapping(kpi)
        current = _mapping(kpi.get("current"))
        measured_on = as_date(current.get("date"))
        frac = progress(kpi)
        measured = _number(current.get("value")) is not None and (measured_on is None or measured_on <= as_of)
        rows.append(
            {
                "project": report.project,
                "kpi": str(kpi.get("id", "")),
                "name": str(kpi.get("name", "")),
                "unit": str(kpi.get("unit", "")),
                "direction": str(kpi.get("direction", "")),
                "baseline": _number(_mapping(kpi.get("baseline")).get("value")),
                "current": _number(current.get("value")),
                "target": _number(_mapping(kpi.get("target")).get("value")),
                "progress": frac,
                "moved_toward_target": bool(measured and frac is not None and frac > 0),
            }
        )
    return rows
