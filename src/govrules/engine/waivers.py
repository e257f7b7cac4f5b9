"""Waivers are governed records: a valid one turns a failure into `waived`; an invalid one covers nothing.

A waiver needs a rule, a reason, an approver with an email, a grant date not in the future and an expiry not
passed, no longer than the allowed maximum. Rules marked `waivable false` can never be waived; a rule whose
enforcement is `hard` only by an approver with a governance role the configuration names, who is neither of the
project's owners. Each problem is a `GR5xx` warning at the waiver; one that matches no failing rule is one too.

    >>> # check_waivers(doc, rules_by_id, enforcement_by_id, as_of, settings) -> (valid_by_rule, diagnostics)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from govrules.dates import calendar_date
from govrules.diagnostics import Diagnostic, did_you_mean
from govrules.engine.builtins import is_email
from govrules.engine.prepared import RuleInfo
from govrules.manifest.loader import LocatedDocument
from govrules.results import Waiver


class WaiverSettings(NamedTuple):
    max_days: int = 365
    hard_approver_roles: tuple[str, ...] = ("governance",)
    hard_approvers: tuple[str, ...] = ()
    warn_within_days: int = 30


def check_waivers(
    doc: LocatedDocument,
    rules: Mapping[str, RuleInfo],
    enforcement: Mapping[str, str],
    as_of: dt.date,
    settings: WaiverSettings,
) -> tuple[dict[str, Waiver], list[Diagnostic]]:
    valid: dict[str, Waiver] = {}
    notes: list[Diagnostic] = []
    owners = doc.data.get("owners") or {}
    owner_emails = {
        str((owners.get(k) or {}).get("email", "")).lower() for k in ("business_owner", "technical_owner")
    }
    for i, raw in enumerate(doc.data.get("waivers") or []):
        path = ("waivers", i)
        span = doc.span_of(path)

        def note(
            code: str,
            message: str,
            hint: str = "",
            field: str = "",
            severity: str = "warning",
            path: tuple[str, int] = path,
            span: object = span,
        ) -> None:
            where = doc.span_of((*path, field)) if field else span
            notes.append(Diagnostic(code, severity, message, where, hint))  # type: ignore[arg-type]

        rule_id = str(raw.get("rule") or "")
        approver = raw.get("approver") or {}
        granted, expires = calendar_date(raw.get("granted_on")), calendar_date(raw.get("expires_on"))
        label = f"waiver for `{rule_id}`" if rule_id else f"waiver {i + 1}"
        problems_before = len(notes)
        missing = [k for k in ("rule", "reason", "granted_on", "expires_on") if not raw.get(k)]
        if not is_email(approver.get("email")):
            missing.append("approver.email")
        if missing:
            note(
                "GR510",
                f"{label} covers nothing: it lacks {', '.join(f'`{m}`' for m in missing)}",
                "a waiver needs rule, reason, approver (name, email), granted_on and expires_on",
            )
        if rule_id and rule_id not in rules:
            note(
                "GR511",
                f"{label} names no known rule",
                did_you_mean(rule_id, rules) or "check the rule id",
                "rule",
            )
        elif rule_id:
            rule = rules[rule_id]
            if not rule.waivable:
                note(
                    "GR515",
                    f"{label} covers nothing: `{rule_id}` can never be waived",
                    "fix the finding instead",
                    "rule",
                )
            elif enforcement.get(rule_id) == "hard":
                role = str(approver.get("role") or "").lower()
                email = str(approver.get("email") or "").lower()
                allowed = role in settings.hard_approver_roles or email in settings.hard_approvers
                if not allowed or email in owner_emails:
                    roles = ", ".join(f"`{r}`" for r in settings.hard_approver_roles)
                    note(
                        "GR516",
                        f"{label} covers nothing: `{rule_id}` is enforced hard and needs an approver "
                        f"with a governance role ({roles}) who is not a project owner",
                        "",
                        "approver",
                    )
        if granted and granted > as_of:
            note("GR513", f"{label} is granted in the future ({granted})", "", "granted_on")
        if expires and expires < as_of:
            note(
                "GR512",
                f"{label} expired on {expires}",
                "renew it with a new approval, or fix the finding",
                "expires_on",
            )
        if granted and expires and (expires - granted).days > settings.max_days:
            note(
                "GR514",
                f"{label} runs {(expires - granted).days} days, longer than the {settings.max_days} allowed",
                "shorten it and review the finding again at expiry",
                "expires_on",
            )
        if granted and expires and expires < granted:
            note("GR514", f"{label} expires before it is granted", "", "expires_on")
        if len(notes) == problems_before and rule_id in rules:
            if expires and (expires - as_of).days <= settings.warn_within_days:
                note(
                    "GR519",
                    f"{label} expires on {expires}",
                    "plan the fix or the renewal",
                    "expires_on",
                    "info",
                )
            valid.setdefault(
                rule_id,
                Waiver(
                    rule_id,
                    str(approver.get("email")),
                    str(expires),
                    str(raw.get("reason")),
                    str(raw.get("ticket") or ""),
                    span,
                ),
            )
    return valid, notes
