"""Typing DSL expressions against the manifest schema and the declared built-ins.

`ExpressionTyper` gives every expression node its `Type`, collecting a `GR2xx` diagnostic at the operand for each
unknown name or field (with "did you mean"), type mismatch, enum value the schema forbids, bad pattern and runaway
nesting. `engine.checker` builds on it for declarations, rules and parameters.

    >>> # ExpressionTyper subclass .expr(node, env) -> Type
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from govrules.diagnostics import Diagnostic, did_you_mean, one_of
from govrules.engine import builtins
from govrules.engine.types import (
    ANY,
    BOOL,
    DATE,
    DURATION,
    NUMBER,
    RULES_TYPE,
    STRING,
    Type,
    list_of,
    table_of,
)
from govrules.lang import ast
from govrules.span import Span
from govrules.table import Table

MAX_DEPTH = 32  # nesting of one expression: far beyond any readable rule, well inside Python's limits
MAX_LOOPS = 3  # nested quantifiers and comprehensions: pairs of items (GATE-001) need 2
_LITERAL_TYPES = {"string": STRING, "number": NUMBER, "bool": BOOL, "date": DATE, "duration": DURATION}


def literal_type(lit: ast.Literal) -> Type:
    if lit.kind in ("list", "table"):
        items = lit.value.values() if isinstance(lit.value, Table) else lit.value
        kinds = {python_kind(v) for v in items} if isinstance(items, tuple | list) else set()
        elem = _LITERAL_TYPES.get(kinds.pop(), ANY) if len(kinds) == 1 else ANY
        return table_of(elem) if lit.kind == "table" else list_of(elem)
    return _LITERAL_TYPES[lit.kind]


def python_kind(value: object) -> str:
    if isinstance(value, Table):
        return "table"
    if isinstance(value, tuple | list):
        return "list"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.timedelta):
        return "duration"
    if isinstance(value, dt.date):
        return "date"
    return "string"


TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Protocol

    class ParamLike(Protocol):
        """What typing needs of a declared parameter."""

        @property
        def type(self) -> Type: ...


class ExpressionTyper:
    """The expression half of the checker; the subclass provides the declarations it resolves names in."""

    root: Type
    errors: list[Diagnostic]
    let_types: dict[str, Type]
    params: Mapping[str, ParamLike]
    declared_lets: dict[str, Span]
    depth: int
    in_rule: bool = False  # `rules` is only known inside rules (its levels depend on the lets)

    def error(self, code: str, message: str, span: Span, hint: str = "") -> None:
        self.errors.append(Diagnostic(code, "error", message, span, hint))

    # ---- declarations ----

    def want_bool(self, t: Type, node: ast.Expr) -> Type:
        if t.kind not in ("bool", "any"):
            self.error(
                "GR220",
                f"expected a condition (true or false), found {t.show()}",
                node.span,
                'compare it, e.g. `… is present` or `… == "value"`',
            )
        return BOOL

    # ---- expressions ----

    def expr(self, node: ast.Expr, env: Mapping[str, Type]) -> Type:
        self.depth += 1
        try:
            if self.depth == MAX_DEPTH + 1:
                self.error(
                    "GR228",
                    f"the expression is nested more than {MAX_DEPTH} levels deep",
                    node.span,
                    "split it with `let` definitions",
                )
            if self.depth > MAX_DEPTH:
                return ANY
            method = getattr(self, f"_{type(node).__name__}")
            result: Type = method(node, env)
            return result
        finally:
            self.depth -= 1

    def _Literal(self, node: ast.Literal, env: Mapping[str, Type]) -> Type:
        return literal_type(node)

    def _AsOf(self, node: ast.AsOf, env: Mapping[str, Type]) -> Type:
        return DATE

    def _Name(self, node: ast.Name, env: Mapping[str, Type]) -> Type:
        return self.lookup(node.id, node.span, env)

    def lookup(self, name: str, span: Span, env: Mapping[str, Type]) -> Type:
        if name in env:
            return env[name]
        if name in self.let_types:
            return self.let_types[name]
        if name in self.params:
            return self.params[name].type
        if name == "rules":
            if not self.in_rule:
                self.error(
                    "GR205",
                    "`rules` can only be used inside a rule",
                    span,
                    "use it in a rule's `when`, `require` or `advise`, not in a `let` or an enforcement condition",
                )
            return RULES_TYPE
        field_type = self.root.field(name)
        if field_type is not None:
            return field_type
        if name in self.declared_lets:
            return ANY  # a `let` in a cycle, reported once where the cycle was found
        candidates = [*env, *self.let_types, *self.params, *self.root.fields]
        self.error(
            "GR204",
            f"unknown name `{name}`",
            span,
            did_you_mean(name, candidates) or "name a manifest field, a `let`, a `param` or a bound variable",
        )
        return ANY

    def _Path(self, node: ast.Path, env: Mapping[str, Type]) -> Type:
        t = self.lookup(node.head, node.span, env)
        shown = node.head
        for i, name in enumerate(node.fields):
            span = node.field_spans[i] if i < len(node.field_spans) else node.span
            if t.kind == "any":
                return ANY
            if t.kind == "list":
                self.error(
                    "GR205",
                    f"`{shown}` is a list; it has no field `{name}`",
                    span,
                    f"go through its items: `every x in {shown}: x.{name} …`",
                )
                return ANY
            if t.kind != "object":
                self.error("GR205", f"`{shown}` is {t.show()}; it has no field `{name}`", span)
                return ANY
            sub = t.field(name)
            if sub is None:
                self.error(
                    "GR204",
                    f"unknown manifest field `{shown}.{name}`",
                    span,
                    did_you_mean(name, t.fields, prefix=f"{shown}."),
                )
                return ANY
            t, shown = sub, f"{shown}.{name}"
        return t

    def _Not(self, node: ast.Not, env: Mapping[str, Type]) -> Type:
        return self.want_bool(self.expr(node.operand, env), node.operand)

    def _Neg(self, node: ast.Neg, env: Mapping[str, Type]) -> Type:
        t = self.expr(node.operand, env)
        if t.kind not in ("number", "duration", "any"):
            self.error("GR221", f"cannot negate {t.show()}", node.span)
        return t

    def _BoolOp(self, node: ast.BoolOp, env: Mapping[str, Type]) -> Type:
        for operand in node.operands:
            self.want_bool(self.expr(operand, env), operand)
        return BOOL

    def _Compare(self, node: ast.Compare, env: Mapping[str, Type]) -> Type:
        left, right = self.expr(node.left, env), self.expr(node.right, env)
        ordered = node.op not in ("==", "!=")
        if not left.accepts(right):
            self.error(
                "GR223",
                f"cannot compare {left.show()} with {right.show()}",
                node.right.span,
                _compare_hint(left, right),
            )
            return BOOL
        for side, t in ((node.left, left), (node.right, right)):
            if t.kind in ("list", "object") or (ordered and t.kind in ("string", "bool")):
                what = (
                    "ordered (<, >)"
                    if ordered and t.kind in ("string", "bool")
                    else f"compared with `{node.op}`"
                )
                self.error(
                    "GR222",
                    f"{t.show()} cannot be {what}",
                    side.span,
                    "compare numbers, dates or durations" if ordered else "compare single values",
                )
                return BOOL
        self.check_enum(left, node.right)
        self.check_enum(right, node.left)
        return BOOL

    def check_enum(self, t: Type, other: ast.Expr) -> None:
        if t.enum is None:
            return
        items: list[tuple[object, Span]] = []
        if isinstance(other, ast.Literal):
            values = (
                other.value if other.kind == "list" and isinstance(other.value, tuple) else (other.value,)
            )
            items = [(v, other.span) for v in values]
        elif isinstance(other, ast.ListExpr):
            items = [(i.value, i.span) for i in other.items if isinstance(i, ast.Literal)]
        allowed = sorted(str(v) for v in t.enum)
        for value, span in items:
            if value not in t.enum:
                self.error(
                    "GR206",
                    f"`{value}` is not a value the manifest schema allows here",
                    span,
                    one_of(str(value), allowed),
                )

    def _Arith(self, node: ast.Arith, env: Mapping[str, Type]) -> Type:
        left, right = self.expr(node.left, env), self.expr(node.right, env)
        result = arith_type(node.op, left, right)
        if result is None:
            self.error(
                "GR224",
                f"cannot compute {left.show()} {node.op} {right.show()}",
                node.span,
                "dates take `+`/`-` a duration (`as_of - 365 days`); a date minus a date is a duration",
            )
            return ANY
        return result

    def _Member(self, node: ast.Member, env: Mapping[str, Type]) -> Type:
        item, coll = self.expr(node.item, env), self.expr(node.collection, env)
        if item.kind in ("object", "list"):
            self.error(
                "GR225",
                f"`in` looks for a single value, found {item.show()}",
                node.item.span,
                "test a field of it, e.g. `x.id in [...]`",
            )
        elif coll.kind not in ("list", "any"):
            self.error(
                "GR225",
                f"`in` needs a list on its right, found {coll.show()}",
                node.collection.span,
                'write a list: `x in ["a", "b"]`',
            )
        elif coll.elem is not None and not coll.elem.accepts(item):
            self.error("GR223", f"cannot look for {item.show()} in a {coll.show()}", node.item.span)
        else:
            self.check_enum(item, node.collection)
        return BOOL

    def _Contains(self, node: ast.Contains, env: Mapping[str, Type]) -> Type:
        coll, items = self.expr(node.collection, env), self.expr(node.items, env)
        for side, t in ((node.collection, coll), (node.items, items)):
            if t.kind not in ("list", "any"):
                self.error(
                    "GR225", f"`contains {node.kind}` needs lists on both sides, found {t.show()}", side.span
                )
                return BOOL
            if t.elem is not None and t.elem.kind in ("object", "list"):
                self.error(
                    "GR225",
                    f"`contains {node.kind}` compares single values, found {t.show()}",
                    side.span,
                    "compare a field of the items, e.g. `[x.id for x in xs] contains all [...]`",
                )
                return BOOL
        if coll.elem is not None and items.elem is not None and not coll.elem.accepts(items.elem):
            self.error("GR223", f"cannot look for {items.show()} in a {coll.show()}", node.items.span)
        elif coll.elem is not None:
            self.check_enum(coll.elem, node.items)
        return BOOL

    def _IsTest(self, node: ast.IsTest, env: Mapping[str, Type]) -> Type:
        t = self.expr(node.operand, env)
        pred = builtins.PREDICATES.get(node.predicate)
        if pred is None:
            self.error(
                "GR207",
                f"unknown test `is {node.predicate}`",
                node.predicate_span,
                one_of(node.predicate, sorted(builtins.PREDICATES)),
            )
        elif t.kind not in pred.kinds:
            self.error("GR226", f"`is {node.predicate}` does not apply to {t.show()}", node.operand.span)
        return BOOL

    def _Matches(self, node: ast.Matches, env: Mapping[str, Type]) -> Type:
        t = self.expr(node.operand, env)
        if t.kind not in ("string", "any"):
            self.error("GR226", f"`matches` needs text, found {t.show()}", node.operand.span)
        try:
            builtins.compile_pattern(node.pattern)
        except ValueError as err:
            self.error(
                "GR208",
                f"invalid pattern: {err}",
                node.pattern_span,
                "patterns use RE2 syntax (no backreferences or look-around)",
            )
        return BOOL

    def bind(self, var: str, source: ast.Expr, span: Span, env: Mapping[str, Type]) -> dict[str, Type]:
        t = self.expr(source, env)
        loops = len(env) + 1  # env holds the variables of the enclosing quantifiers
        if loops == MAX_LOOPS + 1:
            self.error(
                "GR229",
                f"more than {MAX_LOOPS} quantifiers or comprehensions are nested",
                span,
                "each level multiplies the work by the length of a list; compute inner parts with `let`",
            )
        if t.kind not in ("list", "any"):
            self.error("GR225", f"can only go through a list, found {t.show()}", source.span)
        if var in env or var in self.let_types or var in self.params or self.root.field(var) is not None:
            self.error("GR209", f"`{var}` already names something here", span, "choose another variable name")
        return {**env, var: t.elem or ANY}

    def _Quantifier(self, node: ast.Quantifier, env: Mapping[str, Type]) -> Type:
        inner = self.bind(node.var, node.source, node.span, env)
        return self.want_bool(self.expr(node.body, inner), node.body)

    def _Comprehension(self, node: ast.Comprehension, env: Mapping[str, Type]) -> Type:
        inner = self.bind(node.var, node.source, node.span, env)
        if node.condition is not None:
            self.want_bool(self.expr(node.condition, inner), node.condition)
        return list_of(self.expr(node.element, inner))

    def _ListExpr(self, node: ast.ListExpr, env: Mapping[str, Type]) -> Type:
        types = [self.expr(item, env) for item in node.items]
        if not types:
            return list_of(ANY)
        first = types[0]
        for item, t in zip(node.items[1:], types[1:], strict=True):
            if not first.accepts(t):
                self.error("GR223", f"a list mixes {first.show()} and {t.show()}", item.span)
        return list_of(first)

    def _Call(self, node: ast.Call, env: Mapping[str, Type]) -> Type:
        func = builtins.FUNCTIONS.get(node.func)
        args = [self.expr(a, env) for a in node.args]
        if func is None:
            self.error(
                "GR207",
                f"unknown function `{node.func}`",
                node.func_span,
                one_of(node.func, sorted(builtins.FUNCTIONS)),
            )
            return ANY
        low, high = func.arity
        if not low <= len(args) <= high:
            self.error(
                "GR227",
                f"`{node.func}` takes {low} argument{'s' if low != 1 else ''}, found {len(args)}",
                node.span,
            )
            return ANY
        result = func.typing(args)
        if isinstance(result, str):
            self.error("GR226", f"`{node.func}` {result}", node.args[0].span if node.args else node.span)
            return ANY
        return result


def arith_type(op: str, left: Type, right: Type) -> Type | None:
    kinds = (left.kind, right.kind)
    if "any" in kinds:
        return ANY
    table: dict[tuple[str, str, str], Type] = {
        ("+", "number", "number"): NUMBER,
        ("-", "number", "number"): NUMBER,
        ("*", "number", "number"): NUMBER,
        ("+", "date", "duration"): DATE,
        ("-", "date", "duration"): DATE,
        ("+", "duration", "date"): DATE,
        ("-", "date", "date"): DURATION,
        ("+", "duration", "duration"): DURATION,
        ("-", "duration", "duration"): DURATION,
        ("*", "number", "duration"): DURATION,
        ("*", "duration", "number"): DURATION,
    }
    if op == "+" and left.kind == "list" and right.kind == "list":
        return left if left.accepts(right) else None
    return table.get((op, *kinds))


def _compare_hint(left: Type, right: Type) -> str:
    kinds = {left.kind, right.kind}
    if kinds == {"date", "string"}:
        return "write the date without quotes (`2025-01-31`), or compare with `as_of`"
    if kinds == {"date", "duration"}:
        return "turn the date into a duration with `age(…)`, or the duration into a date with `as_of - …`"
    if kinds == {"number", "duration"}:
        return "write the number as a duration, e.g. `30 days`"
    return ""


__all__: list[str] = ["ExpressionTyper", "arith_type", "literal_type", "python_kind"]
