"""Check before you run: resolve every name and path against the manifest schema and type every expression.

`check_policies(policies, root)` returns a `CheckedPolicySet` or raises `GovrulesError` with every `GR2xx`
problem at once: unknown paths and names (with "did you mean"), type mismatches at the operand, enum values the
schema forbids, bad patterns, duplicate rule ids and missing metadata. Declarations, rules and parameter
overrides are checked here; expressions are typed by `engine.expressions`. A policy set that passes cannot make
the evaluator raise on a schema-valid manifest (a hypothesis property in the tests holds this).

    >>> from govrules.lang.parser import parse_policy
    >>> from govrules.engine.types import object_of, STRING
    >>> policy = parse_policy('rule A-1 "t" { severity low enforcement soft remediation "r" require x is present }', "p.gov")
    >>> len(check_policies([policy], object_of({"x": STRING})).rules)
    1
"""

from __future__ import annotations

import datetime as dt
import math
from collections import namedtuple
from collections.abc import Mapping, Sequence

from govrules.diagnostics import Diagnostic, GovrulesError, did_you_mean, one_of
from govrules.engine.expressions import ExpressionTyper, literal_type, python_kind
from govrules.engine.types import (
    ENFORCEMENTS,
    SEVERITIES,
    STAGE_ORDER,
    Type,
)
from govrules.lang import ast
from govrules.lang.printer import print_literal_value
from govrules.span import Span

RESERVED = frozenset(
    {
        "as_of",
        "true",
        "false",
        "and",
        "or",
        "not",
        "in",
        "is",
        "implies",
        "every",
        "some",
        "matches",
        "contains",
        "all",
        "any",
        "for",
        "if",
        "else",
        "when",
        "require",
        "rule",
        "param",
        "let",
        "days",
        "day",
        "weeks",
        "week",
    }
)


class ParamValue(namedtuple("ParamValue", "decl type value overridden", defaults=(False,))):
    __slots__ = ()
    decl: ast.Param
    type: Type
    value: object
    overridden: bool


class CheckedPolicySet(
    namedtuple(
        "CheckedPolicySet",
        "rules lets params root warnings let_types",
        defaults=(
            (),
            {},
        ),
    )
):
    __slots__ = ()
    rules: tuple[ast.Rule, ...]
    lets: tuple[ast.Let, ...]
    params: Mapping[str, ParamValue]
    root: Type
    warnings: tuple[Diagnostic, ...]
    let_types: Mapping[str, Type]

    def name_kind(self, name: str, bound: Sequence[str]) -> str:
        """How a bare name resolves: `var`, `let`, `param` or `field` (a top-level manifest key)."""
        if name in bound:
            return "var"
        if name in self.let_types:
            return "let"
        if name in self.params:
            return "param"
        return "field"


def _coerce(want: Type, value: object) -> object:
    """A configured value in the parameter's type, or None when it cannot be one (out of range, not finite…)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > 10**15:
        return None
    if want.kind == "duration" and isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 999_999:
            return None
        value = dt.timedelta(days=value)  # a bare number of days
    if isinstance(value, dt.timedelta) and not 0 <= value.days <= 999_999:
        return None
    return value


def check_policies(
    policies: Sequence[ast.Policy], root: Type, overrides: Mapping[str, object] | None = None
) -> CheckedPolicySet:
    checker = _Checker(root, dict(overrides or {}))
    checker.declared_lets = {i.name: i.span for p in policies for i in p.items if isinstance(i, ast.Let)}
    for policy in policies:
        for item in policy.items:
            checker.declare(item)
    checker.check_overrides()
    for policy in policies:
        for item in policy.items:
            if isinstance(item, ast.Rule):
                checker.check_rule(item)
    if checker.errors:
        raise GovrulesError(checker.errors)
    return CheckedPolicySet(
        tuple(checker.rules),
        tuple(checker.lets),
        checker.params,
        root,
        tuple(checker.warnings),
        checker.let_types,
    )


class _Checker(ExpressionTyper):
    def __init__(self, root: Type, overrides: dict[str, object]) -> None:
        self.root, self.overrides = root, overrides
        self.errors: list[Diagnostic] = []
        self.depth = 0
        self.declared_lets: dict[str, Span] = {}
        self.warnings: list[Diagnostic] = []
        self.rules: list[ast.Rule] = []
        self.rule_spans: dict[str, Span] = {}
        self.lets: list[ast.Let] = []
        self.let_types: dict[str, Type] = {}
        self.params: dict[str, ParamValue] = {}

    def declare(self, item: ast.Item) -> None:
        if isinstance(item, ast.Rule):
            if item.id in self.rule_spans:
                first = self.rule_spans[item.id]
                self.error(
                    "GR201",
                    f"rule id `{item.id}` is already used at {first.start}",
                    item.span,
                    "give every rule its own id",
                )
            self.rule_spans[item.id] = item.span
            return
        if item.name in RESERVED:
            self.error(
                "GR202",
                f"`{item.name}` is a word of the language and cannot name a `{type(item).__name__.lower()}`",
                item.span,
                "choose another name",
            )
            return
        if item.name in self.params or item.name in self.let_types:
            self.error("GR202", f"`{item.name}` is declared twice", item.span, "rename one of them")
            return
        if self.root.field(item.name) is not None:
            self.error(
                "GR202",
                f"`{item.name}` is a manifest field and cannot be redeclared",
                item.span,
                "choose another name",
            )
            return
        if isinstance(item, ast.Param):
            self.params[item.name] = ParamValue(item, literal_type(item.default), item.default.value)
        else:
            self.let_types[item.name] = self.expr(item.expr, {})
            self.lets.append(item)

    def check_overrides(self) -> None:
        for name, value in self.overrides.items():
            param = self.params.get(name)
            if param is None:
                hint = (
                    did_you_mean(name, self.params) or f"the parameters are: {', '.join(sorted(self.params))}"
                )
                self.errors.append(
                    Diagnostic("GR501", "error", f"unknown rule parameter `{name}`", None, hint)
                )
                continue
            value = _coerce(param.type, value)
            lit = ast.Literal(value, python_kind(value) if not isinstance(value, tuple) else "list")
            if value is None or not param.type.accepts(literal_type(lit)):
                default = print_literal_value(param.value)
                self.errors.append(
                    Diagnostic(
                        "GR502",
                        "error",
                        f"parameter `{name}` needs {param.type.show()}",
                        None,
                        f"give a value like its default, `{name}={default}`",
                    )
                )
                continue
            self.params[name] = ParamValue(param.decl, param.type, value, True)

    # ---- rules ----

    def check_rule(self, rule: ast.Rule) -> None:
        self.check_metadata(rule)
        for esc in rule.escalations:
            self.check_escalation(esc)
        for cond in rule.when:
            self.want_bool(self.expr(cond, {}), cond)
        for req in rule.requires:
            self.want_bool(self.expr(req.expr, {}), req.expr)
        self.rules.append(rule)

    def check_metadata(self, rule: ast.Rule) -> None:
        spans = dict(rule.meta_spans)
        if not rule.title.strip():
            self.error(
                "GR210", f"rule `{rule.id}` has an empty title", rule.span, "say what the rule asks for"
            )
        for key, allowed, example in (
            ("severity", SEVERITIES, "high"),
            ("enforcement", ENFORCEMENTS, "soft"),
        ):
            value = getattr(rule, key)
            if value is None:
                self.error(
                    "GR211",
                    f"rule `{rule.id}` has no `{key}`",
                    rule.span,
                    f"add `{key} {example}` (one of {', '.join(allowed)})",
                )
            elif value not in allowed:
                self.error(
                    "GR212",
                    f"unknown {key} `{value}`",
                    spans.get(key, rule.span),
                    one_of(value, allowed),
                )
        if not rule.remediation:
            self.error(
                "GR211",
                f"rule `{rule.id}` has no `remediation`",
                rule.span,
                'add `remediation "…"`: what the project team should do to pass',
            )
        if not rule.requires:
            self.error(
                "GR211", f"rule `{rule.id}` has no `require`", rule.span, "add at least one `require …`"
            )
        if not rule.references:
            self.warnings.append(
                Diagnostic(
                    "GR213",
                    "warning",
                    f"rule `{rule.id}` cites no references",
                    rule.span,
                    'add `references "…"` naming the article or control it enforces',
                )
            )

    def check_escalation(self, esc: ast.Escalation) -> None:
        if esc.level not in ENFORCEMENTS:
            self.error(
                "GR212",
                f"unknown enforcement `{esc.level}`",
                esc.span,
                one_of(esc.level, ENFORCEMENTS),
            )
        if esc.from_stage is not None and esc.from_stage not in STAGE_ORDER:
            self.error(
                "GR214",
                f"unknown stage `{esc.from_stage}`",
                esc.span,
                one_of(esc.from_stage, STAGE_ORDER),
            )
        if esc.condition is not None:
            self.want_bool(self.expr(esc.condition, {}), esc.condition)


__all__: list[str] = ["CheckedPolicySet", "ParamValue", "check_policies", "literal_type"]
