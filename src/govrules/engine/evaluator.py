"""From compiled outcomes to located results: verdicts, failing requires with their values, waivers.

`evaluate_document(compiled, doc, as_of, ctx)` runs the compiled policy set once over the manifest data, then
explains only what failed and applies the manifest's waivers. Blocking means: failed, not advisory, not waived.

    >>> # evaluate_document(compiled, doc, as_of, ctx, settings) -> (results, waiver diagnostics)
"""

from __future__ import annotations

import datetime as dt

from govrules.diagnostics import Diagnostic
from govrules.engine.builtins import Context
from govrules.engine.compiler import CompiledPolicySet
from govrules.engine.explain import Explainer, dotted
from govrules.engine.waivers import WaiverSettings, check_waivers
from govrules.lang import ast
from govrules.lang.printer import print_expr
from govrules.manifest.loader import LocatedDocument
from govrules.results import RequireOutcome, RuleResult, Verdict, Waiver


def evaluate_document(
    compiled: CompiledPolicySet, doc: LocatedDocument, as_of: dt.date, ctx: Context, settings: WaiverSettings
) -> tuple[list[RuleResult], list[Diagnostic]]:
    checked = compiled.checked
    outcomes = compiled.evaluate(doc.data, as_of, ctx)
    explainer: Explainer | None = None
    results: list[RuleResult] = []
    enforcement: dict[str, str] = {}
    for rule, outcome in zip(checked.rules, outcomes, strict=True):
        if outcome is None:
            results.append(
                _result(
                    rule, Verdict.NOT_APPLICABLE, rule.enforcement or "soft", None, _not_applicable(rule), ()
                )
            )
            continue
        passed, level = outcome
        enforcement[rule.id] = level
        if all(passed):
            results.append(_result(rule, Verdict.PASS, level, None, "", ()))
            continue
        explainer = explainer or Explainer(checked, doc, as_of, ctx)
        failures = tuple(_explain(explainer, doc, rule, i) for i, ok in enumerate(passed) if not ok)
        results.append(
            _result(rule, Verdict.FAIL, level, failures[0].location, failures[0].message, failures)
        )
    rules = {r.id: r for r in checked.rules}
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
            result = _replace(result, Verdict.WAIVED, cover)
        final.append(result)
    return final, notes


def _result(
    rule: ast.Rule,
    verdict: Verdict,
    level: str,
    location: object,
    message: str,
    failures: tuple[RequireOutcome, ...],
) -> RuleResult:
    from govrules.span import Span

    return RuleResult(
        rule=rule.id,
        title=rule.title,
        verdict=verdict,
        severity=rule.severity or "medium",
        enforcement=level,
        blocking=verdict is Verdict.FAIL and level != "advisory",
        message=message,
        location=location if isinstance(location, Span) else None,
        policy_location=rule.span,
        remediation=rule.remediation or "",
        references=rule.references,
        failures=failures,
    )


def _replace(result: RuleResult, verdict: Verdict, waiver: Waiver) -> RuleResult:
    from dataclasses import replace

    return replace(result, verdict=verdict, blocking=False, waiver=waiver)


def _not_applicable(rule: ast.Rule) -> str:
    if not rule.when:
        return "does not apply"
    return "applies only when " + " and ".join(f"`{print_expr(w)}`" for w in rule.when)


def _explain(explainer: Explainer, doc: LocatedDocument, rule: ast.Rule, index: int) -> RequireOutcome:
    require = rule.requires[index]
    text = print_expr(require.expr)
    witness = explainer.why(require.expr)
    path = witness.path or ()
    message = require.message or f"`{text}` does not hold"
    return RequireOutcome(index, text, message, witness.text, doc.span_of(path), dotted(path))
