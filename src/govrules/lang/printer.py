"""AST back to DSL text, for messages ("`kpi.baseline.value is present` does not hold") and, later, `fmt`.

>>> from govrules.lang.ast import Compare, Path, AsOf
>>> print_expr(Compare("<", Path("kpi", ("baseline", "date")), AsOf()))
'kpi.baseline.date < as_of'
"""

from __future__ import annotations

import datetime as dt

from govrules.lang import ast
from govrules.table import Table

_PRECEDENCE = {"implies": 1, "or": 2, "and": 3}


def print_literal_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.timedelta):
        n = value.days
        return f"{n // 7} weeks" if n and n % 7 == 0 and n % 365 else f"{n} day{'s' if n != 1 else ''}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return (
            '"'
            + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
            + '"'
        )
    if isinstance(value, Table):
        return "{" + ", ".join(f"{print_literal_value(k)}: {print_literal_value(v)}" for k, v in value) + "}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(print_literal_value(v) for v in value) + "]"
    return str(value)


def print_expr(node: ast.Expr, parent: int = 0) -> str:
    match node:
        case ast.Literal(value=value):
            return print_literal_value(value)
        case ast.Name(id=name):
            return name
        case ast.Path(head=head, fields=fields):
            return ".".join((head, *fields))
        case ast.AsOf():
            return "as_of"
        case ast.Not(operand=operand):
            return _wrap(f"not {print_expr(operand, 4)}", 4, parent)
        case ast.Neg(operand=operand):
            return f"-{print_expr(operand, 9)}"
        case ast.BoolOp(op=op, operands=operands):
            level = _PRECEDENCE[op]
            return _wrap(f" {op} ".join(print_expr(o, level + 1) for o in operands), level, parent)
        case ast.Compare(op=op, left=left, right=right):
            return _wrap(f"{print_expr(left, 6)} {op} {print_expr(right, 6)}", 5, parent)
        case ast.Arith(op=op, left=left, right=right):
            level = 7 if op == "*" else 6
            return _wrap(f"{print_expr(left, level)} {op} {print_expr(right, level + 1)}", level, parent)
        case ast.Member(item=item, collection=coll, negated=negated):
            word = "not in" if negated else "in"
            return _wrap(f"{print_expr(item, 6)} {word} {print_expr(coll, 6)}", 5, parent)
        case ast.Contains(kind=kind, collection=coll, items=items):
            return _wrap(f"{print_expr(coll, 6)} contains {kind} {print_expr(items, 6)}", 5, parent)
        case ast.IsTest(operand=operand, predicate=pred, negated=negated):
            return _wrap(f"{print_expr(operand, 6)} is {'not ' if negated else ''}{pred}", 5, parent)
        case ast.Matches(operand=operand, pattern=pattern):
            return _wrap(f"{print_expr(operand, 6)} matches {print_literal_value(pattern)}", 5, parent)
        case ast.Quantifier(kind=kind, var=var, source=source, body=body):
            return _wrap(f"{kind} {var} in {print_expr(source, 6)}: {print_expr(body)}", 0, parent)
        case ast.ListExpr(items=items):
            return "[" + ", ".join(print_expr(i) for i in items) + "]"
        case ast.Comprehension():
            return f"[{_generator(node)}]"
        case ast.Call(func=func, args=args):
            if len(args) == 1 and isinstance(args[0], ast.Comprehension):
                return f"{func}({_generator(args[0])})"
            return f"{func}({', '.join(print_expr(a) for a in args)})"
    raise TypeError(f"cannot print {type(node).__name__}")


def _generator(node: ast.Comprehension) -> str:
    text = f"{print_expr(node.element)} for {node.var} in {print_expr(node.source, 6)}"
    if node.condition is not None:
        text += f" if {print_expr(node.condition, 2)}"
    return text


def _wrap(text: str, level: int, parent: int) -> str:
    return f"({text})" if level < parent or (level == 0 and parent > 0) else text
