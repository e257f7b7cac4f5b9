"""Why a `require` failed: re-run it over the located manifest and find the value that decided it.

Only failing requires are explained (the compiled code decides verdicts). The explainer mirrors the compiled
semantics with the same runtime helpers, and keeps the manifest path of every value it reads, so a finding
can name `kpis[1].baseline.value` and its line:col — or the nearest present parent when a key is missing.

    >>> # Explainer(checked, doc, as_of, ctx).why(require.expr) -> Witness(path, value, text)
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Mapping

from govrules.engine import builtins, runtime
from govrules.engine.checker import CheckedPolicySet
from govrules.lang import ast
from govrules.lang.printer import print_expr, print_literal_value
from govrules.manifest.loader import DocPath, LocatedDocument, dotted

_COMPARE = {
    "==": runtime.eq,
    "!=": runtime.ne,
    "<": runtime.lt,
    "<=": runtime.le,
    ">": runtime.gt,
    ">=": runtime.ge,
}
_ARITH = {"+": runtime.add, "-": runtime.sub, "*": runtime.mul}


TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

    Located = tuple[Any, DocPath | None]


class Witness(namedtuple("Witness", "path text")):
    __slots__ = ()
    path: DocPath | None
    text: str


def show(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.timedelta):
        return f"{value.days} days"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return print_literal_value(value if len(value) <= 60 else value[:57] + "…")  # escaped: one line
    if isinstance(value, list):
        return "an empty list" if not value else f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    return str(value)


class Explainer:
    def __init__(
        self,
        checked: CheckedPolicySet,
        doc: LocatedDocument,
        as_of: dt.date,
        ctx: builtins.Context,
        levels: tuple[str, ...] = (),
    ) -> None:
        self.checked, self.doc, self.as_of, self.ctx = checked, doc, as_of, ctx
        self._levels = levels
        self._rules_view: list[dict[str, Any]] | None = None
        self.let_exprs = {let.name: let.expr for let in checked.lets}
        self._recording: list[Located] | None = None  # set by `trace`: every manifest value read
        # each let computed when first read (`let`): a failure reads a few of the pack's lets, not all
        self._lets: dict[str, Located] = {}

    def rules(self) -> list[dict[str, Any]]:
        """The DSL's `rules` list (built only when a rule reads it: it unpacks every rule)."""
        if self._rules_view is None:
            rules = self.checked.rules
            rows = tuple((r.id, r.title, r.severity or "medium", r.waivable) for r in rules)
            self._rules_view = runtime.rules_view(
                rows, self._levels or tuple(r.enforcement or "soft" for r in rules)
            )
        return self._rules_view

    # ---- values with their manifest paths ----

    def value(self, node: ast.Expr, env: Mapping[str, Located]) -> Located:
        match node:
            case ast.Literal(value=value):
                return runtime.param_value(value), None
            case ast.AsOf():
                return self.as_of, None
            case ast.Name(id=name):
                found = self.name(name, env)
                if self._recording is not None and found[1] is not None and name not in self.let_exprs:
                    self._recording.append(found)
                return found
            case ast.Path(head=head, fields=fields):
                value, path = self.name(head, env)
                for f in fields:
                    value = (value or runtime.EMPTY).get(f)
                    path = (*path, f) if path is not None else None
                if self._recording is not None and path is not None:
                    self._recording.append((value, path))
                return value, path
            case ast.Not(operand=operand):
                return (not self.value(operand, env)[0]), None
            case ast.Neg(operand=operand):
                return runtime.neg(self.value(operand, env)[0]), None
            case ast.BoolOp(op="implies", operands=(a, b)):
                return (not self.truth(a, env) or self.truth(b, env)), None
            case ast.BoolOp(op="and", operands=operands):
                return all(self.truth(o, env) for o in operands), None
            case ast.BoolOp(operands=operands):
                return any(self.truth(o, env) for o in operands), None
            case ast.Compare(op=op, left=left, right=right):
                return _COMPARE[op](self.value(left, env)[0], self.value(right, env)[0]), None
            case ast.Arith(op=op, left=left, right=right):
                return _ARITH[op](self.value(left, env)[0], self.value(right, env)[0]), None
            case ast.Member(item=item, collection=coll, negated=negated):
                member: Callable[[Any, Any], bool] = runtime.not_member if negated else runtime.member
                return member(self.value(item, env)[0], self.value(coll, env)[0]), None
            case ast.Contains(kind=kind, collection=coll, items=items):
                contains: Callable[[Any, Any], bool] = (
                    runtime.contains_all if kind == "all" else runtime.contains_any
                )
                return contains(self.value(coll, env)[0], self.value(items, env)[0]), None
            case ast.IsTest(operand=operand, predicate=pred, negated=negated):
                result = builtins.PREDICATES[pred].impl(self.value(operand, env)[0])
                return (not result if negated else result), None
            case ast.Matches(operand=operand, pattern=pattern):
                return runtime.matches(builtins.compile_pattern(pattern), self.value(operand, env)[0]), None
            case ast.Quantifier(kind=kind, var=var, source=source, body=body):
                results = (self.truth(body, {**env, var: item}) for item in self.items(source, env))
                return (all(results) if kind == "every" else any(results)), None
            case ast.Comprehension(element=element, var=var, source=source, condition=cond):
                out = []
                for entry in self.items(source, env):
                    inner = {**env, var: entry}
                    if cond is None or self.truth(cond, inner):
                        out.append(self.value(element, inner)[0])
                return out, None
            case ast.ListExpr(items=items):
                return [self.value(i, env)[0] for i in items], None
            case ast.Call(func="latest" | "earliest", args=(ast.Comprehension() as gen,)):
                return self.pick(node.func, gen, env)
            case ast.Call(func=func, args=args):
                spec = builtins.FUNCTIONS[func]
                values = [self.value(a, env)[0] for a in args]
                return (spec.impl(self.ctx, *values) if spec.needs_context else spec.impl(*values)), None
        raise TypeError(type(node).__name__)

    def pick(self, func: str, gen: ast.Comprehension, env: Mapping[str, Located]) -> Located:
        """`latest`/`earliest` over a comprehension, keeping the path of the item it picked."""
        found: list[Located] = []
        for entry in self.items(gen.source, env):
            inner = {**env, gen.var: entry}
            if gen.condition is None or self.truth(gen.condition, inner):
                found.append(self.value(gen.element, inner))
        chosen = [f for f in found if f[0] is not None]
        if not chosen:
            return None, None
        best = max(chosen, key=lambda f: f[0]) if func == "latest" else min(chosen, key=lambda f: f[0])
        return best

    def let(self, name: str) -> Located:
        """The value of the pack's let `name`, computed on first use."""
        known = self._lets.get(name)
        if known is None:
            recording, self._recording = self._recording, None  # a let's own reads are not the clause's
            try:
                known = self._lets[name] = self.value(self.let_exprs[name], {})
            finally:
                self._recording = recording
        return known

    def name(self, name: str, env: Mapping[str, Located]) -> Located:
        kind = self.checked.name_kind(name, list(env))
        if kind == "var":
            return env[name]
        if kind == "let":
            return self.let(name)
        if kind == "param":
            return runtime.param_value(self.checked.params[name].value), None
        if kind == "rules":
            return self.rules(), None
        return self.doc.data.get(name), (name,)

    def trace(
        self, node: ast.Expr, env: Mapping[str, Located] | None = None
    ) -> tuple[Any, list[tuple[Any, DocPath]]]:
        """The value of `node` and every manifest value read to get it, with its path: in reading order, each
        path once, as the compiled code reads them (`and`, `or` and quantifiers stop early). Lets are not
        re-read: their values were computed once, when the explainer was made."""
        outer, self._recording = self._recording, []
        try:
            value = self.value(node, env or {})[0]
            reads = self._recording
        finally:
            self._recording = outer
        seen: dict[DocPath, tuple[Any, DocPath]] = {}
        for read, path in reads:
            if path is not None:
                seen.setdefault(path, (read, path))
        return value, list(seen.values())

    def truth(self, node: ast.Expr, env: Mapping[str, Located]) -> bool:
        return bool(self.value(node, env)[0])

    def items(self, source: ast.Expr, env: Mapping[str, Located]) -> list[Located]:
        value, path = self.value(source, env)
        if not isinstance(value, list):
            return []
        return [(item, (*path, i) if path is not None else None) for i, item in enumerate(value)]

    # ---- the deciding value of a false condition ----

    def why(self, node: ast.Expr, env: Mapping[str, Located] | None = None) -> Witness:
        env = env or {}
        if isinstance(node, ast.Name) and node.id in self.let_exprs and node.id not in env:
            return self.why(self.let_exprs[node.id], {})
        match node:
            case ast.BoolOp(op="and", operands=operands):
                for operand in operands:
                    if not self.truth(operand, env):
                        return self.why(operand, env)
            case ast.BoolOp(op="or", operands=operands):
                return self.why(operands[0], env)
            case ast.BoolOp(op="implies", operands=(_, b)):
                return self.why(b, env)
            case ast.Quantifier(kind="every", var=var, source=source, body=body):
                for item in self.items(source, env):
                    inner = {**env, var: item}
                    if not self.truth(body, inner):
                        return self.why(body, inner)
            case ast.Quantifier(kind="some", source=source):
                value, path = self.value(source, env)
                what = f"`{dotted(path)}`" if path else f"`{print_expr(source)}`"
                if not value:
                    return Witness(path, f"{what} is {show(value)}")
                return Witness(path, f"no item of {what} satisfies `{print_expr(node.body)}`")
        return self.leaf(node, env)

    def leaf(self, node: ast.Expr, env: Mapping[str, Located]) -> Witness:
        reads = [(value, path) for value, path in self.reads(node, env) if path is not None]
        if not reads:
            return Witness(None, f"`{print_expr(node)}` is false")
        parts = [f"`{dotted(path)}` is {show(value)}" for value, path in reads[:3]]
        return Witness(reads[0][1], "found " + ", ".join(parts))

    def reads(self, node: ast.Expr, env: Mapping[str, Located]) -> list[Located]:
        """The manifest values a condition reads directly (not inside nested quantifiers)."""
        if isinstance(node, ast.Name) and node.id in self.let_exprs and node.id not in env:
            located = self.let(node.id)
            return [located] if located[1] is not None else self.reads(self.let_exprs[node.id], {})
        if isinstance(node, ast.Path | ast.Name):
            return [self.value(node, env)]
        children: tuple[ast.Expr, ...] = ()
        match node:
            case ast.Not(operand=o) | ast.Neg(operand=o) | ast.IsTest(operand=o) | ast.Matches(operand=o):
                children = (o,)
            case ast.Compare(left=a, right=b) | ast.Arith(left=a, right=b):
                children = (a, b)
            case ast.Member(item=a, collection=b) | ast.Contains(collection=a, items=b):
                children = (a, b)
            case ast.BoolOp(operands=ops) | ast.ListExpr(items=ops) | ast.Call(args=ops):
                children = ops
            case ast.Comprehension(source=s) | ast.Quantifier(source=s):
                children = (s,)
        out: list[Located] = []
        for child in children:
            out.extend(self.reads(child, env))
        return out
