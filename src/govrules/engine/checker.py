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
    ANY,
    ENFORCEMENTS,
    SEVERITIES,
    STAGE_ORDER,
    Type,
)
from govrules.lang import ast
from govrules.lang.printer import print_literal_value
from govrules.span import Span
from govrules.table import Table

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
        "advise",
        "rule",
        "rules",
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
        """How a bare name resolves: `var`, `let`, `param`, `rules` (the built-in list) or `field` (a manifest key)."""
        if name in bound:
            return "var"
        if name in self.let_types:
            return "let"
        if name in self.params:
            return "param"
        if name == "rules":
            return "rules"
        return "field"


def _coerce(want: Type, value: object) -> object:
    """A configured value in the parameter's type, or None when it cannot be one (out of range, not finite…)."""
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, dict | Table) and want.kind == "table":
        elem = want.elem or ANY
        pairs = value.items() if isinstance(value, dict) else value
        coerced = [(str(k), _coerce(elem, v)) for k, v in pairs]
        if any(v is None for _, v in coerced):
            return None
        return Table(coerced)
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
    items = [item for policy in policies for item in policy.items]
    for item in items:
        if not isinstance(item, ast.Let):
            checker.declare(item)
    for let in checker.let_order([item for item in items if isinstance(item, ast.Let)]):
        checker.declare(let)
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
            lit = ast.Literal(value, python_kind(value))
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

    def let_order(self, lets: list[ast.Let]) -> list[ast.Let]:
        """Lets in dependency order (a let may use lets declared anywhere); a cycle is reported once."""
        by_name = {let.name: let for let in lets}
        uses = {let.name: [n for n in names_in(let.expr) if n in by_name] for let in lets}
        done: dict[str, bool] = {}  # name -> finished (False while on the current path)
        order: list[ast.Let] = []
        cyclic: set[str] = set()

        def visit(name: str, path: tuple[str, ...]) -> None:
            if done.get(name) is False:
                loop = [*path[path.index(name) :], name]
                self.error(
                    "GR203",
                    f"`{name}` is defined in terms of itself ({' -> '.join(loop)})",
                    by_name[name].span,
                    "break the cycle: a `let` may not use itself, directly or through other lets",
                )
                cyclic.update(loop)
                return
            if name in done:
                return
            done[name] = False
            for used in uses[name]:
                visit(used, (*path, name))
            done[name] = True
            order.append(by_name[name])

        for let in lets:
            visit(let.name, ())
        self.declared_lets = {n: by_name[n].span for n in cyclic}
        return [let for let in order if let.name not in cyclic]

    def check_rule(self, rule: ast.Rule) -> None:
        self.check_metadata(rule)
        for esc in rule.escalations:
            self.check_escalation(esc)
        self.in_rule = True
        for cond in rule.when:
            self.want_bool(self.expr(cond, {}), cond)
        for req in (*rule.requires, *rule.advice):
            self.want_bool(self.expr(req.expr, {}), req.expr)
        self.in_rule = False
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


def names_in(node: object) -> list[str]:
    """Every bare name an expression reads (path heads included), in order, bound variables too."""
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Name):
            out.append(item.id)
        elif isinstance(item, ast.Path):
            out.append(item.head)
        elif isinstance(item, tuple) and not isinstance(item, ast.Literal | Span):
            stack.extend(reversed(item))
    return out


__all__: list[str] = ["CheckedPolicySet", "ParamValue", "check_policies", "literal_type"]
