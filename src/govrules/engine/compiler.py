"""Checked policies to Python: one generated function evaluates every rule of a policy set over one manifest.

The generated code only reads the manifest (plain dicts and lists), calls the total helpers of
`engine.runtime` and the declared built-ins, and returns, per rule, `None` (not applicable) or the tuple of its
`require` outcomes with the enforcement in force. Names in the generated code come from the checker, never from
manifest text, and every constant is passed in the namespace, so no policy text is ever executed as code.

    >>> # compile_policies(checked).evaluate(data, as_of, context) -> list of per-rule outcomes
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from govrules.engine import builtins, runtime
from govrules.engine.checker import STAGE_ORDER, CheckedPolicySet
from govrules.lang import ast

Outcome = tuple[tuple[bool, ...], str] | None
Evaluate = Callable[[Mapping[str, Any], dt.date, builtins.Context], list[Outcome]]

_COMPARE = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_ARITH = {"+": "add", "-": "sub", "*": "mul"}


@dataclass(frozen=True, slots=True)
class CompiledPolicySet:
    checked: CheckedPolicySet
    source: str
    evaluate: Evaluate
    hash: str


def compile_policies(checked: CheckedPolicySet) -> CompiledPolicySet:
    gen = _Generator(checked)
    source = gen.module()
    code = compile(source, "<govrules policies>", "exec")
    namespace = dict(gen.namespace)
    exec(code, namespace)  # generated from the checked AST only; see the module docstring
    digest = hashlib.sha256(source.encode()).hexdigest()
    return CompiledPolicySet(checked, source, namespace["evaluate"], digest)


class _Generator:
    def __init__(self, checked: CheckedPolicySet) -> None:
        self.checked = checked
        self.namespace: dict[str, Any] = {
            "_E": runtime.EMPTY,
            "_rt": runtime,
            "_as_date": runtime.as_date,
            "_RANK": {s: i for i, s in enumerate(STAGE_ORDER)},
        }
        self.constants: dict[tuple[str, object], str] = {}
        for name, pred in builtins.PREDICATES.items():
            self.namespace[f"_is_{name}"] = pred.impl
        for name, func in builtins.FUNCTIONS.items():
            self.namespace[f"_fn_{name}"] = func.impl
        for name, param in checked.params.items():
            value = param.value
            self.namespace[f"p_{name}"] = list(value) if isinstance(value, tuple) else value

    def const(self, value: object, kind: str = "") -> str:
        key = (kind or type(value).__name__, value)
        if key not in self.constants:
            name = f"_k{len(self.constants)}"
            self.constants[key] = name
            self.namespace[name] = value
        return self.constants[key]

    def module(self) -> str:
        lines = [
            "def evaluate(d, as_of, ctx):",
            "    out = []",
            "    _stage = _RANK.get((d.get('stage') or _E).get('current'), -1)",
        ]
        for let in self.checked.lets:
            lines.append(f"    l_{let.name} = {self.expr(let.expr, {})}")
        for i, rule in enumerate(self.checked.rules):
            lines.append(f"    # {rule.id}")
            when = " and ".join(f"({self.expr(w, {})})" for w in rule.when) or "True"
            requires = ", ".join(f"bool({self.expr(r.expr, {})})" for r in rule.requires)
            lines.append(f"    if {when}:")
            lines.append(f"        _lv = {rule.enforcement!r}")
            for esc in rule.escalations:
                if esc.from_stage is not None:
                    cond = f"_stage >= {STAGE_ORDER.index(esc.from_stage)}"
                else:
                    cond = self.expr(esc.condition, {}) if esc.condition is not None else "False"
                lines.append(f"        if {cond}:")
                lines.append(f"            _lv = {esc.level!r}")
            lines.append(f"        out.append((({requires},), _lv))")
            lines.append("    else:")
            lines.append("        out.append(None)")
            del i
        lines.append("    return out")
        return "\n".join(lines) + "\n"

    # ---- expressions ----

    def expr(self, node: ast.Expr, bound: Mapping[str, str]) -> str:
        method: Callable[[Any, Mapping[str, str]], str] = getattr(self, f"_{type(node).__name__}")
        return method(node, bound)

    def _Literal(self, node: ast.Literal, bound: Mapping[str, str]) -> str:
        value = node.value
        if node.kind == "list":
            return self.const(value, "tuple")
        if isinstance(value, dt.date | dt.timedelta):
            return self.const(value)
        return repr(value)

    def _AsOf(self, node: ast.AsOf, bound: Mapping[str, str]) -> str:
        return "as_of"

    def _Name(self, node: ast.Name, bound: Mapping[str, str]) -> str:
        return self.name(node.id, bound)

    def name(self, name: str, bound: Mapping[str, str]) -> str:
        kind = self.checked.name_kind(name, list(bound))
        if kind == "var":
            return bound[name]
        if kind == "let":
            return f"l_{name}"
        if kind == "param":
            return f"p_{name}"
        return f"d.get({name!r})"

    def _Path(self, node: ast.Path, bound: Mapping[str, str]) -> str:
        code = self.name(node.head, bound)
        for field in node.fields:
            code = f"({code} or _E).get({field!r})"
        return code

    def _Not(self, node: ast.Not, bound: Mapping[str, str]) -> str:
        return f"(not {self.expr(node.operand, bound)})"

    def _Neg(self, node: ast.Neg, bound: Mapping[str, str]) -> str:
        return f"_rt.neg({self.expr(node.operand, bound)})"

    def _BoolOp(self, node: ast.BoolOp, bound: Mapping[str, str]) -> str:
        parts = [self.expr(o, bound) for o in node.operands]
        if node.op == "implies":
            return f"(not {parts[0]} or {parts[1]})"
        return "(" + f" {node.op} ".join(parts) + ")"

    def _Compare(self, node: ast.Compare, bound: Mapping[str, str]) -> str:
        left, right = self.expr(node.left, bound), self.expr(node.right, bound)
        if node.op == "==" and (isinstance(node.left, ast.Literal) or isinstance(node.right, ast.Literal)):
            return f"({left} == {right})"
        return f"_rt.{_COMPARE[node.op]}({left}, {right})"

    def _Arith(self, node: ast.Arith, bound: Mapping[str, str]) -> str:
        return f"_rt.{_ARITH[node.op]}({self.expr(node.left, bound)}, {self.expr(node.right, bound)})"

    def _Member(self, node: ast.Member, bound: Mapping[str, str]) -> str:
        item = self.expr(node.item, bound)
        coll = node.collection
        if isinstance(coll, ast.Literal) and isinstance(coll.value, tuple):
            collection = self.const(frozenset(coll.value), "frozenset")
        elif isinstance(coll, ast.ListExpr) and all(isinstance(i, ast.Literal) for i in coll.items):
            collection = self.const(
                frozenset(i.value for i in coll.items if isinstance(i, ast.Literal)), "frozenset"
            )
        else:
            collection = self.expr(coll, bound)
        return f"_rt.{'not_member' if node.negated else 'member'}({item}, {collection})"

    def _Contains(self, node: ast.Contains, bound: Mapping[str, str]) -> str:
        return (
            f"_rt.contains_{node.kind}({self.expr(node.collection, bound)}, {self.expr(node.items, bound)})"
        )

    def _IsTest(self, node: ast.IsTest, bound: Mapping[str, str]) -> str:
        test = f"_is_{node.predicate}({self.expr(node.operand, bound)})"
        return f"(not {test})" if node.negated else test

    def _Matches(self, node: ast.Matches, bound: Mapping[str, str]) -> str:
        pattern = self.const(builtins.compile_pattern(node.pattern), f"re:{node.pattern}")
        return f"_rt.matches({pattern}, {self.expr(node.operand, bound)})"

    def loop(self, var: str, source: ast.Expr, bound: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        pyname = f"v{len(bound)}_{var}"
        return f"for {pyname} in ({self.expr(source, bound)} or ())", {**bound, var: pyname}

    def _Quantifier(self, node: ast.Quantifier, bound: Mapping[str, str]) -> str:
        head, inner = self.loop(node.var, node.source, bound)
        func = "all" if node.kind == "every" else "any"
        return f"{func}({self.expr(node.body, inner)} {head})"

    def _Comprehension(self, node: ast.Comprehension, bound: Mapping[str, str]) -> str:
        head, inner = self.loop(node.var, node.source, bound)
        cond = f" if {self.expr(node.condition, inner)}" if node.condition is not None else ""
        return f"[{self.expr(node.element, inner)} {head}{cond}]"

    def _ListExpr(self, node: ast.ListExpr, bound: Mapping[str, str]) -> str:
        return "[" + ", ".join(self.expr(i, bound) for i in node.items) + "]"

    def _Call(self, node: ast.Call, bound: Mapping[str, str]) -> str:
        func = builtins.FUNCTIONS[node.func]
        args = [self.expr(a, bound) for a in node.args]
        if func.needs_context:
            args.insert(0, "ctx")
        return f"_fn_{node.func}({', '.join(args)})"
