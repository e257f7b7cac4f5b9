"""From compiled outcomes to located results: verdicts, failing requires with their values, waivers.

`evaluate_document(compiled, doc, as_of, ctx)` runs the compiled policy set once over the manifest data, then
explains only what failed and applies the manifest's waivers. Blocking means: failed, not advisory, not waived.

    >>> # evaluate_document(compiled, doc, as_of, ctx, settings) -> (results, waiver diagnostics)
"""

from __future__ import annotations

import datetime as dt

from govrules.diagnostics import Diagnostic
from govrules.engine.builtins import Context
from govrules.engine.prepared import PreparedPolicySet, RuleInfo
from govrules.engine.waivers import WaiverSettings, check_waivers
from govrules.manifest.loader import LocatedDocument, dotted
from govrules.results import RequireOutcome, RuleResult, Verdict
from govrules.span import Span

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature

if TYPE_CHECKING:
    from typing import Literal

    from govrules.engine.explain import Explainer


def evaluate_document(
    prepared: PreparedPolicySet,
    doc: LocatedDocument,
    as_of: dt.date,
    ctx: Context,
    settings: WaiverSettings,
    explain_failures: bool | Literal["first"] = True,
) -> tuple[list[RuleResult], list[Diagnostic]]:
    """Verdicts, blocking and waivers for every rule; without `explain_failures`, a failure carries only its
    first message (no deciding value, location or notes: the portfolio's gate question needs no more); with
    `"first"`, only its first failing clause is explained (the result's message and location, as in full) and
    no `advise` note is (the portfolio's matrix shows no more)."""
    outcomes, levels = prepared.evaluate(doc.data, as_of, ctx)
    explainer: Explainer | None = None

    def explain() -> Explainer:
        nonlocal explainer
        if explainer is None:
            from govrules.engine.explain import Explainer

            explainer = Explainer(prepared.checked(), doc, as_of, ctx, levels)
        return explainer

    results: list[RuleResult] = []
    enforcement = {rule.id: level for rule, level in zip(prepared.rules, levels, strict=True)}
    for index, (rule, outcome) in enumerate(zip(prepared.rules, outcomes, strict=True)):
        if outcome is None:
            message = f"applies only when {rule.applies_when}" if rule.applies_when else "does not apply"
            results.append(_result(rule, Verdict.NOT_APPLICABLE, rule.enforcement, None, message, ()))
            continue
        passed, level, advice = outcome
        if explain_failures is not True:  # False or "first": no advice notes, at most the first failure
            first = next((i for i, ok in enumerate(passed) if not ok), None)
            if first is None:
                results.append(_result(rule, Verdict.PASS, level, None, "", ()))
            elif explain_failures == "first":
                failure = _explain(explain(), doc, rule, index, first)
                results.append(
                    _result(rule, Verdict.FAIL, level, failure.location, failure.message, (failure,))
                )
            else:
                message = rule.messages[first] or f"`{rule.requires[first]}` does not hold"
                results.append(_result(rule, Verdict.FAIL, level, None, message, ()))
            continue
        advised = tuple(
            _explain(explain(), doc, rule, index, i, True) for i, ok in enumerate(advice) if not ok
        )
        if all(passed):
            results.append(_result(rule, Verdict.PASS, level, None, "", (), advised))
            continue
        failures = tuple(_explain(explain(), doc, rule, index, i) for i, ok in enumerate(passed) if not ok)
        results.append(
            _result(rule, Verdict.FAIL, level, failures[0].location, failures[0].message, failures, advised)
        )
    rules = {r.id: r for r in prepared.rules}
    waivers, notes = check_waivers(doc, rules, enforcement, as_of, settings)
    failing = {r.rule for r in results if r.verdict is Verdict.FAIL}
    for rule_id, waiver in waivers.items():
        if rule_id not in failing:
            notes.append(
                Diagnostic(
                    "GR517",
                    "warning",
                    f"waiver for `{rule_id}` matches no failing rule",
                    waiver.location,
                    "remove it, or keep it only while the finding stands",
                )
            )
    final = []
    for result in results:
        cover = waivers.get(result.rule) if result.verdict is Verdict.FAIL else None
        if cover is not None:
            result = result._replace(verdict=Verdict.WAIVED, blocking=False, waiver=cover)
        final.append(result)
    return final, notes


def _result(
    rule: RuleInfo,
    verdict: Verdict,
    level: str,
    location: Span | None,
    message: str,
    failures: tuple[RequireOutcome, ...],
    notes: tuple[RequireOutcome, ...] = (),
) -> RuleResult:
    return RuleResult(
        rule=rule.id,
        title=rule.title,
        verdict=verdict,
        severity=rule.severity,
        enforcement=level,
        blocking=verdict is Verdict.FAIL and level != "advisory",
        message=message,
        location=location,
        policy_location=rule.span,
        remediation=rule.remediation,
        references=rule.references,
        failures=failures,
        notes=notes,
    )


def _explain(
    explainer: Explainer,
    doc: LocatedDocument,
    rule: RuleInfo,
    rule_index: int,
    index: int,
    advice: bool = False,
) -> RequireOutcome:
    """A failing `require` (or `advise`, for a note): its message, the value that decided it and where."""
    checked = explainer.checked.rules[rule_index]
    clause = (checked.advice if advice else checked.requires)[index]
    witness = explainer.why(clause.expr)
    path = witness.path or ()
    text = (rule.advice if advice else rule.requires)[index]
    message = (rule.advice_messages if advice else rule.messages)[index] or f"`{text}` does not hold"
    return RequireOutcome(index, text, message, witness.text, doc.span_of(path), dotted(path))
