"""Checked policies to Python: one generated function evaluates every rule of a policy set over one manifest.

The generated code only reads the manifest (plain dicts and lists), calls the total helpers of
`engine.runtime` and the declared built-ins, and returns, per rule, `None` (not applicable) or the tuple of its
`require` outcomes with the enforcement in force. Names in the generated code come from the checker, never from
manifest text, and every constant is passed in the namespace, so no policy text is ever executed as code.

    >>> # compile_policies(checked).evaluate(data, as_of, context) -> list of per-rule outcomes

Patterns are passed by their text and compiled (RE2) when the prepared set is built or loaded.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable, Mapping
from typing import Any

from govrules.engine import builtins
from govrules.engine.checker import CheckedPolicySet, names_in
from govrules.engine.prepared import PreparedPolicySet, RuleInfo
from govrules.engine.types import OBJECT, STAGE_ORDER
from govrules.lang import ast
from govrules.lang.printer import print_expr

_COMPARE = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_ARITH = {"+": "add", "-": "sub", "*": "mul"}


def compile_policies(
    checked: CheckedPolicySet, date_paths: frozenset[tuple[str, ...]] = frozenset()
) -> PreparedPolicySet:
    gen = _Generator(checked)
    source = gen.module()
    code = compile(source, "<govrules policies>", "exec")
    params = {name: p.value for name, p in sorted(checked.params.items())}
    rules = tuple(rule_info(rule) for rule in checked.rules)
    # the explainer never reads the manifest's type tree: leave it out of the pickle (a third of its size);
    # each rule is pickled on its own, so explaining a failure unpacks only the rules that failed
    head = checked._replace(root=OBJECT, rules=())
    each = tuple(pickle.dumps(rule, protocol=pickle.HIGHEST_PROTOCOL) for rule in checked.rules)
    blob = pickle.dumps((head, each), protocol=pickle.HIGHEST_PROTOCOL)
    return PreparedPolicySet(
        source, code, rules, params, gen.constants_by_name, gen.patterns, date_paths, checked.warnings, blob
    )


def rule_info(rule: ast.Rule) -> RuleInfo:
    applies = " and ".join(f"`{print_expr(w)}`" for w in rule.when)
    return RuleInfo(
        id=rule.id,
        title=rule.title,
        severity=rule.severity or "medium",
        enforcement=rule.enforcement or "soft",
        waivable=rule.waivable,
        references=rule.references,
        remediation=rule.remediation or "",
        description=rule.description or "",
        span=rule.span,
        applies_when=applies,
        requires=tuple(print_expr(r.expr) for r in rule.requires),
        messages=tuple(r.message for r in rule.requires),
        advice=tuple(print_expr(r.expr) for r in rule.advice),
        advice_messages=tuple(r.message for r in rule.advice),
    )


def _rule_rows(rules: tuple[ast.Rule, ...]) -> tuple[tuple[str, str, str, bool], ...]:
    return tuple((r.id, r.title, r.severity or "medium", r.waivable) for r in rules)


class _Generator:
    def __init__(self, checked: CheckedPolicySet) -> None:
        self.checked = checked
        self.constants: dict[tuple[str, object], str] = {}
        self.constants_by_name: dict[str, object] = {}
        self.patterns: dict[str, str] = {}

    def const(self, value: object, kind: str = "") -> str:
        key = (kind or type(value).__name__, value)
        if key not in self.constants:
            name = f"_k{len(self.constants)}"
            self.constants[key] = name
            self.constants_by_name[name] = value
        return self.constants[key]

    def pattern(self, pattern: str) -> str:
        for name, known in self.patterns.items():
            if known == pattern:
                return name
        name = f"_re{len(self.patterns)}"
        self.patterns[name] = pattern
        return name

    def module(self) -> str:
        rules = self.checked.rules
        lines = [
            "def evaluate(d, as_of, ctx):",
            "    out = []",
            "    _stage = _RANK.get((d.get('stage') or _E).get('current'), -1)",
        ]
        used = self.used_lets()
        for let in self.checked.lets:  # in dependency order; a let no rule reads is not computed
            if let.name in used:
                lines.append(f"    l_{let.name} = {self.expr(let.expr, {})}")
        for i, rule in enumerate(rules):  # the enforcement in force, whether or not the rule applies
            lines.append(f"    _lv{i} = {rule.enforcement!r}")
            for esc in rule.escalations:
                if esc.from_stage is not None:
                    cond = f"_stage >= {STAGE_ORDER.index(esc.from_stage)}"
                else:
                    cond = self.expr(esc.condition, {}) if esc.condition is not None else "False"
                lines.append(f"    if {cond}:")
                lines.append(f"        _lv{i} = {esc.level!r}")
        levels = "".join(f"_lv{i}, " for i in range(len(rules)))
        lines.append(f"    _levels = ({levels})")
        if self.uses_rules():
            lines.append(f"    _rules = _rt.rules_view({self.const(_rule_rows(rules), 'tuple')}, _levels)")
        for i, rule in enumerate(rules):
            lines.append(f"    # {rule.id}")
            when = " and ".join(f"({self.expr(w, {})})" for w in rule.when) or "True"
            requires = "".join(f"bool({self.expr(r.expr, {})}), " for r in rule.requires)
            advice = "".join(f"bool({self.expr(r.expr, {})}), " for r in rule.advice)
            lines.append(f"    out.append((({requires}), _lv{i}, ({advice})) if {when} else None)")
        lines.append("    return out, _levels")
        return "\n".join(lines) + "\n"

    def used_lets(self) -> set[str]:
        """The lets the rules read (their `when`, requires, advice and escalations), directly or through lets."""
        lets = {let.name: let for let in self.checked.lets}
        todo = [
            name
            for rule in self.checked.rules
            for node in (
                *rule.when,
                *(r.expr for r in (*rule.requires, *rule.advice)),
                *(e.condition for e in rule.escalations if e.condition is not None),
            )
            for name in names_in(node)
            if name in lets
        ]
        used: set[str] = set()
        while todo:
            name = todo.pop()
            if name not in used:
                used.add(name)
                todo.extend(n for n in names_in(lets[name].expr) if n in lets)
        return used

    def uses_rules(self) -> bool:
        return any(
            "rules" in names_in(node)
            for rule in self.checked.rules
            for node in (*rule.when, *(r.expr for r in (*rule.requires, *rule.advice)))
        )

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
        if kind == "rules":
            return "_rules"
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
        values: frozenset[object] | None = None
        if isinstance(coll, ast.Literal) and isinstance(coll.value, tuple):
            values = frozenset(coll.value)
        elif isinstance(coll, ast.ListExpr) and all(isinstance(i, ast.Literal) for i in coll.items):
            values = frozenset(i.value for i in coll.items if isinstance(i, ast.Literal))
        if values is not None and not node.negated:
            # a literal list never holds a missing value, so plain `in` already answers false for one
            return f"({item} in {self.const(values, 'frozenset')})"
        collection = self.const(values, "frozenset") if values is not None else self.expr(coll, bound)
        return f"_rt.{'not_member' if node.negated else 'member'}({item}, {collection})"

    def _Contains(self, node: ast.Contains, bound: Mapping[str, str]) -> str:
        return (
            f"_rt.contains_{node.kind}({self.expr(node.collection, bound)}, {self.expr(node.items, bound)})"
        )

    def _IsTest(self, node: ast.IsTest, bound: Mapping[str, str]) -> str:
        test = f"_is_{node.predicate}({self.expr(node.operand, bound)})"
        return f"(not {test})" if node.negated else test

    def _Matches(self, node: ast.Matches, bound: Mapping[str, str]) -> str:
        return f"_rt.matches({self.pattern(node.pattern)}, {self.expr(node.operand, bound)})"

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
