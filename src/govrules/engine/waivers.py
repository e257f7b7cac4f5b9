"""Waivers are governed records: a valid one turns a failure into `waived`; an invalid one covers nothing.

A waiver needs a rule, a reason, an approver with an email, a grant date not in the future and an expiry not
passed, no longer than the allowed maximum. Rules marked `waivable false` can never be waived; a rule whose
enforcement is `hard` only by an approver with a governance role the configuration names, who is neither of the
project's owners. Each problem is a `GR5xx` warning at the waiver; one that matches no failing rule is one too.

    >>> # check_waivers(doc, rules_by_id, enforcement_by_id, as_of, settings) -> (valid_by_rule, diagnostics)
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Mapping

from govrules.dates import calendar_date
from govrules.diagnostics import Diagnostic, did_you_mean
from govrules.engine.builtins import is_email, role_matches
from govrules.engine.prepared import RuleInfo
from govrules.manifest.loader import LocatedDocument
from govrules.results import Waiver

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any


class WaiverSettings(
    namedtuple(
        "WaiverSettings",
        "max_days hard_approver_roles hard_approvers warn_within_days soft_approver_roles soft_approvers",
        defaults=(
            365,
            ("governance",),
            (),
            30,
            ("governance",),
            (),
        ),
    )
):
    __slots__ = ()
    max_days: int
    hard_approver_roles: tuple[str, ...]
    hard_approvers: tuple[str, ...]
    warn_within_days: int
    soft_approver_roles: tuple[str, ...]  # besides the business owner, who may always waive a soft rule
    soft_approvers: tuple[str, ...]


class _Waiver(namedtuple("_Waiver", "label rule_id reason email role granted expires ticket")):
    """One `waivers[i]` entry, read once for the checks below."""

    __slots__ = ()
    label: str
    rule_id: str
    reason: str
    email: str
    role: str
    granted: dt.date | None
    expires: dt.date | None
    ticket: str


class _Context(namedtuple("_Context", "rules enforcement as_of settings owner_emails business_owner")):
    __slots__ = ()
    rules: Mapping[str, RuleInfo]
    enforcement: Mapping[str, str]
    as_of: dt.date
    settings: WaiverSettings
    owner_emails: frozenset[str]
    business_owner: str


# A check returns (code, message, hint, field the finding points at), or None when the waiver passes it.
_Problem = tuple[str, str, str, str] | None


def _complete(w: _Waiver, c: _Context) -> _Problem:
    missing = [
        k
        for k, v in (
            ("rule", w.rule_id),
            ("reason", w.reason),
            ("granted_on", w.granted),
            ("expires_on", w.expires),
        )
        if not v
    ]
    if not is_email(w.email):
        missing.append("approver.email")
    if not missing:
        return None
    return (
        "GR510",
        f"{w.label} covers nothing: it lacks {', '.join(f'`{m}`' for m in missing)}",
        "a waiver needs rule, reason, approver (name, email), granted_on and expires_on",
        "",
    )


def _known_rule(w: _Waiver, c: _Context) -> _Problem:
    if not w.rule_id or w.rule_id in c.rules:
        return None
    return (
        "GR511",
        f"{w.label} names no known rule",
        did_you_mean(w.rule_id, c.rules) or "check the rule id",
        "rule",
    )


def _waivable(w: _Waiver, c: _Context) -> _Problem:
    rule = c.rules.get(w.rule_id)
    if rule is None or rule.waivable:
        return None
    return (
        "GR515",
        f"{w.label} covers nothing: `{w.rule_id}` can never be waived",
        "fix the finding instead",
        "rule",
    )


def _approver_may_waive(w: _Waiver, c: _Context) -> _Problem:
    rule = c.rules.get(w.rule_id)
    level = c.enforcement.get(w.rule_id)
    if rule is None or not rule.waivable or level not in ("soft", "hard"):
        return None
    s = c.settings
    if level == "soft":  # the business owner, or the roles and people named for soft or hard waivers
        if not is_email(w.email):
            return None  # reported as incomplete
        if w.email == c.business_owner or role_matches(
            w.role, (*s.soft_approver_roles, *s.hard_approver_roles)
        ):
            return None
        if w.email in (*s.soft_approvers, *s.hard_approvers):
            return None
        roles = ", ".join(f"`{r}`" for r in s.soft_approver_roles)
        return (
            "GR518",
            f"{w.label} covers nothing: `{w.rule_id}` may be waived by the business owner or a governance role",
            f"have it approved by the business owner or someone with a role in {roles}",
            "approver",
        )
    allowed = role_matches(w.role, c.settings.hard_approver_roles) or w.email in c.settings.hard_approvers
    if allowed and w.email not in c.owner_emails:
        return None
    roles = ", ".join(f"`{r}`" for r in c.settings.hard_approver_roles)
    return (
        "GR516",
        f"{w.label} covers nothing: `{w.rule_id}` is enforced hard",
        f"have it approved by someone with a governance role ({roles}) who is not a project owner",
        "approver",
    )


def _not_future(w: _Waiver, c: _Context) -> _Problem:
    if w.granted is None or w.granted <= c.as_of:
        return None
    return (
        "GR513",
        f"{w.label} is granted in the future ({w.granted})",
        "date it when it was approved",
        "granted_on",
    )


def _not_expired(w: _Waiver, c: _Context) -> _Problem:
    if w.expires is None or w.expires >= c.as_of:
        return None
    return (
        "GR512",
        f"{w.label} expired on {w.expires}",
        "renew it with a new approval, or fix the finding",
        "expires_on",
    )


def _not_too_long(w: _Waiver, c: _Context) -> _Problem:
    if w.granted is None or w.expires is None:
        return None
    days = (w.expires - w.granted).days
    if days < 0:
        return ("GR514", f"{w.label} expires before it is granted", "swap the two dates", "expires_on")
    if days <= c.settings.max_days:
        return None
    return (
        "GR514",
        f"{w.label} runs {days} days, longer than the {c.settings.max_days} allowed",
        "shorten it and review the finding again at expiry",
        "expires_on",
    )


CHECKS = (_complete, _known_rule, _waivable, _approver_may_waive, _not_future, _not_expired, _not_too_long)


def check_waivers(
    doc: LocatedDocument,
    rules: Mapping[str, RuleInfo],
    enforcement: Mapping[str, str],
    as_of: dt.date,
    settings: WaiverSettings,
) -> tuple[dict[str, Waiver], list[Diagnostic]]:
    """The valid waiver per rule id, and a located note for every problem found (CHECKS, in order)."""
    owners = doc.data.get("owners") or {}
    emails = frozenset(
        str((owners.get(k) or {}).get("email", "")).lower() for k in ("business_owner", "technical_owner")
    )
    business = str((owners.get("business_owner") or {}).get("email", "")).lower()
    context = _Context(rules, enforcement, as_of, settings, emails, business)
    valid: dict[str, Waiver] = {}
    notes: list[Diagnostic] = []
    for i, raw in enumerate(doc.data.get("waivers") or []):
        waiver = _read(i, raw)
        path = ("waivers", i)
        problems = [p for p in (check(waiver, context) for check in CHECKS) if p is not None]
        for code, message, hint, field in problems:
            where = doc.span_of((*path, field)) if field else doc.span_of(path)
            notes.append(Diagnostic(code, "warning", message, where, hint))
        if problems:
            continue
        if waiver.expires is not None and (waiver.expires - as_of).days <= settings.warn_within_days:
            notes.append(
                Diagnostic(
                    "GR519",
                    "info",
                    f"{waiver.label} expires on {waiver.expires}",
                    doc.span_of((*path, "expires_on")),
                    "plan the fix or the renewal",
                )
            )
        valid.setdefault(
            waiver.rule_id,
            Waiver(
                waiver.rule_id,
                waiver.email,
                str(waiver.expires),
                waiver.reason,
                waiver.ticket,
                doc.span_of(path),
            ),
        )
    return valid, notes


def _read(index: int, raw: Mapping[str, Any]) -> _Waiver:
    approver = raw.get("approver") or {}
    rule_id = str(raw.get("rule") or "")
    return _Waiver(
        label=f"waiver for `{rule_id}`" if rule_id else f"waiver {index + 1}",
        rule_id=rule_id,
        reason=str(raw.get("reason") or ""),
        email=str(approver.get("email") or "").lower(),
        role=str(approver.get("role") or "").lower(),
        granted=calendar_date(raw.get("granted_on")),
        expires=calendar_date(raw.get("expires_on")),
        ticket=str(raw.get("ticket") or ""),
    )
