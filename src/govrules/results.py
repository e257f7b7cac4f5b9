"""What an evaluation produces: verdicts per rule, per manifest, per run.

>>> Verdict.WAIVED.value
'waived'
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from enum import StrEnum

from govrules.diagnostics import Diagnostic
from govrules.span import Span

REPORT_VERSION = "1.0"


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"


class RequireOutcome(namedtuple("RequireOutcome", "position expression message found location path")):
    """One failing `require` (or `advise`): what it asks, what was found, and where."""

    __slots__ = ()
    position: int
    expression: str
    message: str
    found: str
    location: Span
    path: str


class Waiver(namedtuple("Waiver", "rule approver expires_on reason ticket location")):
    __slots__ = ()
    rule: str
    approver: str
    expires_on: str
    reason: str
    ticket: str
    location: Span


class RuleResult(
    namedtuple(
        "RuleResult",
        "rule title verdict severity enforcement blocking message location policy_location remediation references failures waiver notes",
        defaults=(
            (),
            (),
            None,
            (),
        ),
    )
):
    __slots__ = ()
    rule: str
    title: str
    verdict: Verdict
    severity: str
    enforcement: str
    blocking: bool
    message: str
    location: Span | None
    policy_location: Span
    remediation: str
    references: tuple[str, ...]
    failures: tuple[RequireOutcome, ...]
    waiver: Waiver | None
    notes: tuple[RequireOutcome, ...]  # failed `advise` clauses: advisory sub-findings, verdict unchanged


class ManifestReport(
    namedtuple(
        "ManifestReport",
        "path results diagnostics evaluated project stage",
        defaults=(
            (),
            (),
            True,
            "",
            "",
        ),
    )
):
    __slots__ = ()
    path: str
    results: tuple[RuleResult, ...]
    diagnostics: tuple[Diagnostic, ...]
    evaluated: bool
    project: str
    stage: str

    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for result in self.results:
            out[result.verdict.value] += 1
        out["blocking"] = sum(1 for r in self.results if r.blocking)
        out["errors"] = sum(1 for d in self.diagnostics if d.severity == "error")
        out["warnings"] = sum(1 for d in self.diagnostics if d.severity == "warning")
        return out

    def readiness(self) -> tuple[list[RuleResult], list[RuleResult]]:
        """Gate readiness (with `--stage`): the applicable rules met (passed or waived), and those not met."""
        met = [r for r in self.results if r.verdict in (Verdict.PASS, Verdict.WAIVED)]
        unmet = [r for r in self.results if r.verdict is Verdict.FAIL]
        return met, unmet

    @property
    def blocked(self) -> bool:
        return any(r.blocking for r in self.results)

    @property
    def unusable(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


class Report(
    namedtuple(
        "Report",
        "as_of policy_hash rules params manifests stage diagnostics version disabled fail_on",
        defaults=(
            None,
            (),
            REPORT_VERSION,
            (),
            "soft",
        ),
    )
):
    __slots__ = ()
    as_of: dt.date
    policy_hash: str
    rules: tuple[tuple[str, str, Span], ...]
    params: dict[str, object]
    manifests: tuple[ManifestReport, ...]
    stage: str | None
    diagnostics: tuple[Diagnostic, ...]
    version: str
    disabled: tuple[tuple[str, str], ...]  # rules switched off by configuration: (id, reason)
    fail_on: str  # the lowest enforcement that blocks

    @property
    def exit_code(self) -> int:
        if self.diagnostics and any(d.severity == "error" for d in self.diagnostics):
            return 2
        if any(m.unusable for m in self.manifests):
            return 2
        return 1 if any(m.blocked for m in self.manifests) else 0
