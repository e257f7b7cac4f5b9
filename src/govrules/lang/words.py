"""Policy expressions in plain words: a small, deterministic AST -> English renderer for `govrules explain`.

Manifest paths are quoted in backticks, lets and parameters keep their names (a parameter shows its value when
it is short), and a construct that has no good wording falls back to its DSL text in backticks. The same AST
always gives the same words.

    >>> from govrules.lang.ast import IsTest, Path
    >>> say(IsTest(Path("privacy", ("ropa_entry",)), "present"))
    '`privacy.ropa_entry` is recorded'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from govrules.lang import ast
from govrules.lang.printer import print_expr, print_literal_value

Scope = tuple[tuple[str, str], ...]  # (variable, noun), innermost last

_PREDICATES = {
    "present": ("is recorded", "is not recorded"),
    "absent": ("is missing or empty", "is recorded"),
    "empty": ("is empty", "is not empty"),
    "email": ("is an email address", "is not an email address"),
    "url": ("is an http(s) URL", "is not an http(s) URL"),
    "iso_date": ("is a date written YYYY-MM-DD", "is not a date written YYYY-MM-DD"),
}
_COMPARE = {"==": "is", "!=": "is not", "<": "is less than", "<=": "is at most", ">": "is more than"}
_COMPARE_DATES = {"<": "is before", "<=": "is on or before", ">": "is after", ">=": "is on or after"}
_NOUNS = {
    "history": "history entry",
    "criteria": "criterion",
    "changes_from_feedback": "change",
    "kpis": "KPI",
    "slos": "SLO",
    "data": "item",
}
_DATE_FIELDS = ("date", "since", "next_review", "last_review", "as_of")
_LEVEL = {"implies": 1, "or": 2, "and": 3}
_LONG_LIST = 6


def say(node: ast.Expr, params: Mapping[str, object] | None = None, lets: Collection[str] = ()) -> str:
    """`node` (a condition) in plain words; `params` (name -> value) and `lets` tell those names from manifest
    fields, which are quoted."""
    return _Words(params or {}, frozenset(lets)).cond(node, (), 0)


def noun_for(source: ast.Expr) -> str:
    """What one item of a list is called: `data.datasets` -> dataset, `stage.history` -> history entry."""
    field = source.fields[-1] if isinstance(source, ast.Path) and source.fields else ""
    if isinstance(source, ast.Name):
        field = source.id
    if field in _NOUNS:
        return _NOUNS[field]
    if field.endswith("ies"):
        return field[:-3].replace("_", " ") + "y"
    if field.endswith(("sses", "ches", "shes", "xes")):
        return field[:-2].replace("_", " ")
    if field.endswith("s") and not field.endswith("ss"):
        return field[:-1].replace("_", " ")
    return "item"


class _Words:
    def __init__(self, params: Mapping[str, object], lets: frozenset[str]) -> None:
        self.params, self.lets = params, lets

    # ---- conditions ----

    def cond(self, node: ast.Expr, scope: Scope, parent: int) -> str:
        level, text = self.phrase(node, scope)
        return f"({text})" if level < parent or (level == 0 and parent > 0) else text

    def phrase(self, node: ast.Expr, scope: Scope) -> tuple[int, str]:
        """A condition's words and how tightly they bind (as `_LEVEL`; 0 for a quantifier, 9 for an atom)."""
        match node:
            case ast.BoolOp(op="implies", operands=(a, b)):
                return 1, f"if {self.cond(a, scope, 2)}, then {self.cond(b, scope, 1)}"
            case ast.BoolOp(op=op, operands=operands):
                level = _LEVEL[op]  # `or` wraps the `and`s inside it: "a or (b and c)" reads one way only
                return level, f" {op} ".join(self.cond(o, scope, level + 2) for o in operands)
            case ast.Not(operand=ast.Path() | ast.Name() as operand) if not self.is_named(operand, scope):
                return 9, f"{self.value(operand, scope)} is not true"
            case ast.Not(operand=ast.Compare() as operand):
                return 9, self.compare(operand, scope, negated=True)
            case ast.Not(operand=ast.Member() | ast.IsTest() as operand):
                return self.phrase(operand._replace(negated=not operand.negated), scope)
            case ast.Not(operand=ast.Contains(kind=kind, collection=coll, items=items)):
                what = "all of" if kind == "all" else "any of"
                return 9, f"{self.value(coll, scope)} does not include {what} {self.listing(items, scope)}"
            case ast.Not(operand=ast.Matches(operand=operand, pattern=pattern)):
                return 9, f"{self.value(operand, scope)} does not match the pattern `{pattern}`"
            case ast.Not(operand=operand):
                return 6, f"not {self.cond(operand, scope, 7)}"
            case ast.Quantifier():
                return 0, self.quantifier(node, scope)
            case ast.Path() | ast.Name() if not self.is_named(node, scope):
                return 9, f"{self.value(node, scope)} is true"
            case ast.Compare():
                return 9, self.compare(node, scope)
            case ast.Member(item=item, collection=coll, negated=negated):
                verb = "is not one of" if negated else "is one of"
                return 9, f"{self.value(item, scope)} {verb} {self.listing(coll, scope)}"
            case ast.Contains(kind=kind, collection=coll, items=items):
                what = "all of" if kind == "all" else "at least one of"
                return 9, f"{self.value(coll, scope)} includes {what} {self.listing(items, scope)}"
            case ast.IsTest(operand=operand, predicate=pred, negated=negated):
                yes, no = _PREDICATES.get(pred, (f"is {pred}", f"is not {pred}"))
                return 9, f"{self.value(operand, scope)} {no if negated else yes}"
            case ast.Matches(operand=operand, pattern=pattern):
                return 9, f"{self.value(operand, scope)} matches the pattern `{pattern}`"
            case ast.Call(func="link_exists", args=(arg,)):
                return 9, f"{self.value(arg, scope)} links to a URL or an existing file"
        return 9, self.value(node, scope)

    def compare(self, node: ast.Compare, scope: Scope, negated: bool = False) -> str:
        op = {"==": "!=", "!=": "=="}.get(node.op, node.op) if negated else node.op
        dates = self.dateish(node.left, scope) or self.dateish(node.right, scope)
        verb = (_COMPARE_DATES.get(op) if dates else None) or _COMPARE.get(op, "is at least")
        if negated and op not in ("==", "!="):
            verb = "is not " + verb.removeprefix("is ")
        return f"{self.value(node.left, scope)} {verb} {self.value(node.right, scope)}"

    def quantifier(self, node: ast.Quantifier, scope: Scope) -> str:
        noun = noun_for(node.source)
        if any(noun == n for _, n in scope):
            noun = f"{noun} `{node.var}`"
        inner = (*scope, (node.var, noun))
        where = f"{noun} in {self.value(node.source, scope)}"
        body = node.body
        if node.kind == "every":
            if isinstance(body, ast.BoolOp) and body.op == "implies":
                cond, then = body.operands
                return f"for every {where} where {self.cond(cond, inner, 2)}, {self.cond(then, inner, 1)}"
            return f"for every {where}, {self.cond(body, inner, 1)}"
        return f"there is a {where} where {self.cond(body, inner, 1)}"

    def is_named(self, node: ast.Expr, scope: Scope) -> bool:
        """A let or parameter used as a condition reads best by its own name."""
        return isinstance(node, ast.Name) and (node.id in self.lets or node.id in self.params)

    # ---- values ----

    def value(self, node: ast.Expr, scope: Scope) -> str:
        match node:
            case ast.Literal(value=value):
                return self.literal(value)
            case ast.AsOf():
                return "the evaluation date"
            case ast.Name(id=name) if name in dict(scope):
                return f"the {dict(scope)[name]}"
            case ast.Name(id=name):
                return self.named(name)
            case ast.Path(head=head, fields=fields) if head in dict(scope):
                owner = "its" if scope[-1][0] == head else f"the {dict(scope)[head]}'s"
                return f"{owner} {'.'.join(fields)}"
            case ast.Path(head=head, fields=fields):
                return f"`{'.'.join((head, *fields))}`"
            case ast.Neg(operand=operand):
                return f"minus {self.value(operand, scope)}"
            case ast.Arith():
                return self.arith(node, scope)
            case ast.ListExpr(items=items):
                return _join([self.value(i, scope) for i in items])
            case ast.Comprehension():
                return self.comprehension(node, scope)
            case ast.Call():
                return self.call(node, scope)
        return f"`{print_expr(node)}`"

    def literal(self, value: object) -> str:
        if isinstance(value, tuple):
            return self.items([print_literal_value(v) for v in value])
        return print_literal_value(value)

    def named(self, name: str) -> str:
        if name == "rules" and name not in self.lets:
            return "the loaded rules"
        if name in self.lets:
            return name
        if name not in self.params:
            return f"`{name}`"
        value = self.params[name]
        if isinstance(value, bool | int | float | dt.date | dt.timedelta):
            return f"{name} ({print_literal_value(value)})"
        return name

    def listing(self, node: ast.Expr, scope: Scope) -> str:
        if isinstance(node, ast.Literal) and isinstance(node.value, tuple):
            return self.items([print_literal_value(v) for v in node.value])
        if isinstance(node, ast.ListExpr):
            return self.items([self.value(i, scope) for i in node.items])
        return self.value(node, scope)

    def items(self, shown: list[str]) -> str:
        if len(shown) > _LONG_LIST:
            return f"{', '.join(shown[:3])}, …, {shown[-1]} ({len(shown)} values)"
        return ", ".join(shown)

    def arith(self, node: ast.Arith, scope: Scope) -> str:
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        if node.op in "+-" and self.durationish(node.right):
            return f"{right} {'after' if node.op == '+' else 'before'} {left}"
        if node.op == "-" and self.dateish(node.left, scope) and self.dateish(node.right, scope):
            return f"the time from {right} to {left}"
        word = {"+": "plus", "-": "minus", "*": "times"}[node.op]
        return f"{left} {word} {right}"

    def comprehension(self, node: ast.Comprehension, scope: Scope) -> str:
        element = node.element
        noun = noun_for(node.source)
        source = self.value(node.source, scope)
        if isinstance(element, ast.Name) and element.id == node.var:
            text, noun = f"the items in {source}", "item"
        elif isinstance(element, ast.Path) and element.head == node.var:
            text = f"the {'.'.join(element.fields)} of each {noun} in {source}"
        else:
            return f"`{print_expr(node)}`"
        inner = (*scope, (node.var, noun))
        if node.condition is not None:
            text += f" where {self.cond(node.condition, inner, 1)}"
        return text

    def call(self, node: ast.Call, scope: Scope) -> str:
        args = node.args
        if node.func in ("latest", "earliest", "distinct", "sum", "count") and len(args) == 1:
            what = {"count": "the number of", "distinct": "the distinct values of", "sum": "the sum of"}
            head = what.get(node.func, f"the {node.func} of")
            arg = args[0]
            inner = self.comprehension(arg, scope) if isinstance(arg, ast.Comprehension) else None
            return f"{head} {inner or self.value(arg, scope)}"
        shown = [self.value(a, scope) for a in args]
        match node.func, shown:
            case "age", [when]:
                return f"the time since {when}"
            case "days", [duration]:
                return f"{duration} in days"
            case "lower", [text]:
                return f"{text} in lower case"
            case "coalesce", [*options]:
                return f"the first recorded of {_join(options)}"
            case "lookup", [table, key]:
                return f"the {table} entry for {key}"
            case "lookup", [table, key, default]:
                return f"the {table} entry for {key} (else {default})"
        return f"`{print_expr(node)}`"

    # ---- kinds, guessed from the syntax (the words only) ----

    def dateish(self, node: ast.Expr, scope: Scope) -> bool:
        match node:
            case ast.AsOf():
                return True
            case ast.Literal(value=value):
                return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
            case ast.Path(fields=fields) if fields:
                return fields[-1].endswith(("_on", *_DATE_FIELDS))
            case ast.Name(id=name) if name not in dict(scope):
                value = self.params.get(name)
                return isinstance(value, dt.date) or name.endswith("_on")
            case ast.Arith(op="+" | "-", left=left, right=right):
                return self.dateish(left, scope) and self.durationish(right)
            case ast.Call(func="latest" | "earliest" | "coalesce"):
                return any(self.dateish(a, scope) for a in node.args)
            case ast.Comprehension(element=element):
                return self.dateish(element, scope)
            case ast.ListExpr(items=items):
                return any(self.dateish(i, scope) for i in items)
        return False

    def durationish(self, node: ast.Expr) -> bool:
        match node:
            case ast.Literal(value=value):
                return isinstance(value, dt.timedelta)
            case ast.Name(id=name):
                return isinstance(self.params.get(name), dt.timedelta)
            case ast.Call(func="age" | "lookup"):
                return True
        return False


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
