"""Warnings about policies that type-check but are probably not what the author meant (`govrules policy check`).

Each check is a small function over the parsed policies that returns `GR2xx` warnings:

- GR213 a rule cites no reference, or an empty one;
- GR230 a rule's `when` can never hold for a schema-valid manifest (a sound, simple analysis: for each manifest
  field with a closed set of values — an enum, or a boolean — the values a condition allows; `and` intersects,
  `or` unites, lets are read through; no solver);
- GR231 a parameter no rule or let uses (the engine's own settings excepted);
- GR232 a `let` nothing uses;
- GR233 a `require` (or `advise`) identical to an earlier one of the same rule.

    >>> from govrules.lang.parser import parse_policy
    >>> from govrules.engine.types import object_of, STRING
    >>> [d.code for d in lint([parse_policy('param p = 1', "p.gov")], object_of({}))]
    ['GR231']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from govrules.diagnostics import Diagnostic
from govrules.engine.checker import names_in
from govrules.engine.types import Type
from govrules.lang import ast
from govrules.lang.printer import print_expr
from govrules.span import Span

# Parameters the engine reads itself (waiver settings): used even when no rule names them.
ENGINE_PARAMS = frozenset(
    {
        "waiver_max_days",
        "hard_waiver_roles",
        "hard_waiver_approvers",
        "soft_waiver_roles",
        "soft_waiver_approvers",
    }
)


def lint(policies: Sequence[ast.Policy], root: Type) -> list[Diagnostic]:
    items = [item for policy in policies for item in policy.items]
    rules = [i for i in items if isinstance(i, ast.Rule)]
    lets = {i.name: i for i in items if isinstance(i, ast.Let)}
    out = [*unused_declarations(items)]
    never = _Never(root, lets)
    for rule in rules:
        out.extend(empty_references(rule))
        out.extend(repeated_clauses(rule))
        out.extend(never.check(rule))
    return out


# ---- metadata and clauses ----


def empty_references(rule: ast.Rule) -> list[Diagnostic]:
    spans = dict(rule.meta_spans)
    if not rule.references:
        return [
            Diagnostic(
                "GR213",
                "warning",
                f"rule `{rule.id}` cites no references",
                rule.span,
                'add `references "…"` naming the article or control it enforces',
            )
        ]
    if any(not ref.strip() for ref in rule.references):
        return [
            Diagnostic(
                "GR213",
                "warning",
                f"rule `{rule.id}` cites an empty reference",
                spans.get("references", rule.span),
                "name the article or control in each quoted reference, or remove the empty one",
            )
        ]
    return []


def repeated_clauses(rule: ast.Rule) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for keyword, clauses in (("require", rule.requires), ("advise", rule.advice)):
        seen: dict[ast.Expr, ast.Require] = {}
        for clause in clauses:
            first = seen.get(clause.expr)
            if first is None:
                seen[clause.expr] = clause
                continue
            out.append(
                Diagnostic(
                    "GR233",
                    "warning",
                    f"this `{keyword}` repeats the one at line {first.span.line} of rule `{rule.id}`",
                    clause.span,
                    "remove one of them, or change what one of them checks",
                    (first.span,),
                )
            )
    return out


# ---- declarations ----


def _expressions(item: ast.Item) -> Iterable[ast.Expr]:
    if isinstance(item, ast.Let):
        yield item.expr
    elif isinstance(item, ast.Rule):
        yield from item.when
        yield from (c.expr for c in (*item.requires, *item.advice))
        yield from (e.condition for e in item.escalations if e.condition is not None)


def unused_declarations(items: Sequence[ast.Item]) -> list[Diagnostic]:
    used: set[str] = set()
    for item in items:
        for expr in _expressions(item):
            used.update(names_in(expr))
    out: list[Diagnostic] = []
    for item in items:
        if isinstance(item, ast.Param) and item.name not in used and item.name not in ENGINE_PARAMS:
            out.append(
                Diagnostic(
                    "GR231",
                    "warning",
                    f"parameter `{item.name}` is never used",
                    _head(item, "param"),
                    "use it in a rule or a `let`, or remove it",
                )
            )
        elif isinstance(item, ast.Let) and item.name not in used:
            out.append(
                Diagnostic(
                    "GR232",
                    "warning",
                    f"`let {item.name}` is never used",
                    _head(item, "let"),
                    "use it in a rule or another `let`, or remove it",
                )
            )
    return out


def _head(item: ast.Param | ast.Let, keyword: str) -> Span:
    """`param NAME` / `let NAME`: where a declaration starts, as a caret under its first words."""
    s = item.span
    return Span(s.file, s.line, s.col, s.line, s.col + len(keyword) + 1 + len(item.name))


# ---- conditions that never hold ----

MISSING = "<missing>"  # a field not given: every comparison with it is false, a missing boolean is false


class _Bottom:
    """No manifest makes the condition true; `key` names the field that has no value left, when one does."""

    __slots__ = ("key",)

    def __init__(self, key: str | None) -> None:
        self.key = key


Allowed = Mapping[str, frozenset[object]] | _Bottom  # field -> the values (MISSING included) that may hold
TOP: Mapping[str, frozenset[object]] = {}


def meet(a: Allowed, b: Allowed) -> Allowed:
    if isinstance(a, _Bottom):
        return a
    if isinstance(b, _Bottom):
        return b
    out = dict(a)
    for key, values in b.items():
        out[key] = out[key] & values if key in out else values
        if not out[key]:
            return _Bottom(key)
    return out


def join(a: Allowed, b: Allowed) -> Allowed:
    if isinstance(a, _Bottom):
        return b
    if isinstance(b, _Bottom):
        return a
    return {key: a[key] | b[key] for key in a.keys() & b.keys()}


class _Never:
    """What a condition allows of the fields with a closed set of values; `_Bottom` when nothing."""

    def __init__(self, root: Type, lets: Mapping[str, ast.Let]) -> None:
        self.root, self.lets = root, lets
        self.reading: list[str] = []  # lets being read through (a cycle is the checker's error)

    def check(self, rule: ast.Rule) -> list[Diagnostic]:
        acc: Allowed = TOP
        for cond in rule.when:
            acc = meet(acc, self.allowed(cond, True, {}))
            if isinstance(acc, _Bottom):
                return [self.warning(rule, cond, acc.key)]
        return []

    def warning(self, rule: ast.Rule, cond: ast.Expr, key: str | None) -> Diagnostic:
        if key is None:
            return Diagnostic(
                "GR230",
                "warning",
                f"the `when` of rule `{rule.id}` can never hold for a valid manifest",
                cond.span,
                "the rule would never apply: fix or remove the condition",
            )
        values = ", ".join(f"`{v}`" for v in sorted(str(v) for v in self.universe(key) or ()) if v != MISSING)
        return Diagnostic(
            "GR230",
            "warning",
            f"the `when` of rule `{rule.id}` can never hold: no value of `{key}` satisfies it",
            cond.span,
            f"`{key}` is one of {values}; join alternatives with `or` or `in [...]`, not `and`",
        )

    def field_type(self, node: ast.Expr, env: Mapping[str, Type]) -> Type | None:
        """The schema type of a manifest path (or of a path below a bound variable), else None."""
        fields: tuple[str, ...] = ()
        if isinstance(node, ast.Name):
            head = node.id
        elif isinstance(node, ast.Path):
            head, fields = node.head, node.fields
        else:
            return None
        t: Type | None = env.get(head)
        if t is None:
            if head in self.lets:
                return None
            t = self.root.field(head)
        for field in fields:
            t = t.field(field) if t is not None and t.kind == "object" else None
        return t

    def key(self, node: ast.Expr, env: Mapping[str, Type]) -> str | None:
        """The name of a manifest field with a closed set of values that the analysis follows."""
        if not isinstance(node, ast.Name | ast.Path):
            return None
        head = node.id if isinstance(node, ast.Name) else node.head
        if head in env or self.universe_of(self.field_type(node, env)) is None:
            return None
        return print_expr(node)

    def universe(self, key: str) -> frozenset[object] | None:
        head, *fields = key.split(".")
        return self.universe_of(self.field_type(ast.Path(head, tuple(fields)), {}))

    @staticmethod
    def universe_of(t: Type | None) -> frozenset[object] | None:
        if t is None:
            return None
        if t.enum is not None and t.kind in ("string", "number"):
            return frozenset([*t.enum, MISSING])
        if t.kind == "bool":
            return frozenset([True, False, MISSING])
        return None

    def exact(self, key: str, truth: Iterable[object], positive: bool) -> Allowed:
        """The values of `key` for which an atom that is true exactly on `truth` takes the wanted value."""
        universe = self.universe(key) or frozenset()
        holds = universe & frozenset(truth)
        return {key: holds if positive else universe - holds}

    def allowed(self, node: ast.Expr, positive: bool, env: Mapping[str, Type]) -> Allowed:
        match node:
            case ast.Literal(value=bool() as value):
                return TOP if value == positive else _Bottom(None)
            case ast.Not(operand=operand):
                return self.allowed(operand, not positive, env)
            case ast.BoolOp(op="implies", operands=(left, right)):
                if positive:
                    return join(self.allowed(left, False, env), self.allowed(right, True, env))
                return meet(self.allowed(left, True, env), self.allowed(right, False, env))
            case ast.BoolOp(op=op, operands=operands):
                parts = [self.allowed(o, positive, env) for o in operands]
                combine = meet if (op == "and") == positive else join
                acc = parts[0]
                for part in parts[1:]:
                    acc = combine(acc, part)
                return acc
            case ast.Name(id=name) if name in self.lets and name not in env:
                return self.through_let(name, positive)
            case ast.Name() | ast.Path():
                key = self.key(node, env)
                if key is None or self.universe(key) != frozenset([True, False, MISSING]):
                    return TOP
                return self.exact(key, [True], positive)
            case ast.Quantifier(kind=kind, var=var, source=source, body=body):
                if (kind == "some") != positive:
                    return TOP  # `every` over an empty list holds; `not some` too
                source_type = self.source_type(source, env)
                return self.allowed(body, positive, {**env, var: source_type})  # keys are never bound
            case ast.Compare() | ast.Member() | ast.IsTest():
                return self.atom(node, positive, env)
        return TOP

    def through_let(self, name: str, positive: bool) -> Allowed:
        if name in self.reading or len(self.reading) > 32:
            return TOP
        self.reading.append(name)
        try:
            return self.allowed(self.lets[name].expr, positive, {})
        finally:
            self.reading.pop()

    def source_type(self, source: ast.Expr, env: Mapping[str, Type]) -> Type:
        t = self.field_type(source, env)
        return (t.elem if t is not None and t.kind == "list" else None) or Type("any")

    def atom(self, node: ast.Expr, positive: bool, env: Mapping[str, Type]) -> Allowed:
        if isinstance(node, ast.Compare) and node.op in ("==", "!="):
            disjoint = self.disjoint_enums(node.left, node.right, env)
            if disjoint and node.op == "==":
                return _Bottom(None) if positive else TOP
            for side, other in ((node.left, node.right), (node.right, node.left)):
                key = self.key(side, env)
                if key is None or not isinstance(other, ast.Literal):
                    continue
                universe = self.universe(key) or frozenset()
                if other.value not in universe or isinstance(other.value, bool) != (True in universe):
                    return TOP  # a value the schema forbids is the checker's error (GR206)
                if node.op == "==":
                    return self.exact(key, [other.value], positive)
                return self.exact(key, universe - {other.value, MISSING}, positive)
            return TOP
        if isinstance(node, ast.Member):
            key = self.key(node.item, env)
            values = _literal_values(node.collection)
            if key is None or values is None:
                return TOP
            universe = self.universe(key) or frozenset()
            if not values <= universe:
                return TOP
            truth = universe - values - {MISSING} if node.negated else values
            return self.exact(key, truth, positive)
        if isinstance(node, ast.IsTest) and node.predicate in ("present", "absent"):
            key = self.key(node.operand, env)
            if key is None:
                return TOP
            universe = self.universe(key) or frozenset()
            present = universe - {MISSING, ""}
            holds = present if (node.predicate == "present") != node.negated else universe - present
            return self.exact(key, holds, positive)
        return TOP

    def disjoint_enums(self, left: ast.Expr, right: ast.Expr, env: Mapping[str, Type]) -> bool:
        a, b = self.field_type(left, env), self.field_type(right, env)
        return bool(a is not None and b is not None and a.enum and b.enum and not (a.enum & b.enum))


def _literal_values(node: ast.Expr) -> frozenset[object] | None:
    if isinstance(node, ast.Literal) and isinstance(node.value, tuple):
        return frozenset(node.value)
    if isinstance(node, ast.ListExpr) and all(isinstance(i, ast.Literal) for i in node.items):
        return frozenset(i.value for i in node.items if isinstance(i, ast.Literal))
    return None
