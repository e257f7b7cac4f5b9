"""The canonical layout of policy text: expressions and declarations as documents that break at 110 columns.

A small Wadler/Prettier-style pretty printer: an expression becomes a document of text, line breaks that are a
space when their group fits on the line (`LINE`), groups, nesting and fills (lists fill their lines). The layout
depends only on the AST, so printing is deterministic and `parse(print(ast)) == ast`; `policy fmt` adds the
comments (`print_policy`). Parentheses follow `lang.printer.print_expr`.

    >>> from govrules.lang.parser import parse_policy
    >>> print(print_policy(parse_policy('param   a=1 "A."', "p.gov")), end="")
    param a = 1 "A."
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from govrules.lang import ast
from govrules.lang.printer import print_literal_value
from govrules.table import Table

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import TypeAlias

    Doc: TypeAlias = "str | tuple[object, ...]"

WIDTH = 110
INDENT = "  "
LINE = ("line",)  # a space, or a new line when its group breaks
SOFT = ("soft",)  # nothing, or a new line when its group breaks
_PRECEDENCE = {"implies": 1, "or": 2, "and": 3}
_FLAT, _BREAK = 0, 1


def group(*docs: Doc) -> Doc:
    return ("group", docs)


def nest(n: int, *docs: Doc) -> Doc:
    return ("nest", n, docs)


def fill(docs: Sequence[Doc]) -> Doc:
    """Contents separated by `LINE`s, each line break taken only when the next content does not fit."""
    return ("fill", tuple(docs))


def cat(*docs: Doc) -> Doc:
    return ("cat", docs)


# ---- rendering ----

Cmd = tuple[int, int, object]


def render(doc: Doc, indent: int = 0, col: int = 0, width: int = WIDTH) -> str:
    """The document as text starting at column `col`; broken lines start at `indent` plus their nesting."""
    out: list[str] = []
    stack: list[Cmd] = [(indent, _BREAK, doc)]
    while stack:
        ind, mode, d = stack.pop()
        if isinstance(d, str):
            out.append(d)
            col += len(d)
            continue
        assert isinstance(d, tuple)
        kind = d[0]
        if kind in ("line", "soft"):
            if mode == _FLAT:
                text = " " if kind == "line" else ""
                out.append(text)
                col += len(text)
            else:
                out.append("\n" + " " * ind)
                col = ind
        elif kind == "cat":
            stack.extend((ind, mode, c) for c in reversed(d[1]))
        elif kind == "nest":
            stack.extend((ind + d[1], mode, c) for c in reversed(d[2]))
        elif kind == "group":
            flat = mode == _FLAT or _fits(width - col, (ind, _FLAT, d), stack)
            stack.extend((ind, _FLAT if flat else _BREAK, c) for c in reversed(d[1]))
        elif kind == "fill":
            _fill_step(d[1], ind, mode, width - col, stack)
    return "".join(out)


def _fill_step(items: tuple[Doc, ...], ind: int, mode: int, room: int, stack: list[Cmd]) -> None:
    if not items:
        return
    if mode == _FLAT:
        stack.extend((ind, _FLAT, c) for c in reversed(items))
        return
    first = items[0]
    first_mode = _FLAT if _fits(room, (ind, _FLAT, first), []) else _BREAK
    if len(items) == 1:
        stack.append((ind, first_mode, first))
        return
    both = _fits(room, (ind, _FLAT, cat(first, items[1], items[2])), [])
    stack.append((ind, _BREAK, ("fill", items[2:])))
    stack.append((ind, _FLAT if both else _BREAK, items[1]))
    stack.append((ind, first_mode, first))


def _fits(room: int, first: Cmd, rest: list[Cmd]) -> bool:
    """Whether `first` (then the rest of the line) fits in `room` columns."""
    todo: list[Cmd] = [first]
    taken = len(rest)
    while room >= 0:
        if not todo:
            if taken == 0:
                return True
            taken -= 1
            todo.append(rest[taken])
            continue
        ind, mode, d = todo.pop()
        if isinstance(d, str):
            room -= len(d)
            continue
        assert isinstance(d, tuple)
        kind = d[0]
        if kind in ("line", "soft"):
            if mode == _BREAK:
                return True
            room -= 1 if kind == "line" else 0
        elif kind in ("cat", "group", "fill"):
            todo.extend((ind, mode, c) for c in reversed(d[1]))
        elif kind == "nest":
            todo.extend((ind, mode, c) for c in reversed(d[2]))
    return False


# ---- expressions ----


def _wrap(doc: Doc, level: int, parent: int) -> Doc:
    return cat("(", doc, ")") if level < parent or (level == 0 and parent > 0) else doc


def _items(open_: str, docs: Sequence[Doc], close: str) -> Doc:
    """`[a, b, c]` filling its lines; continuation lines are nested two deeper."""
    if not docs:
        return open_ + close
    parts: list[Doc] = []
    for i, d in enumerate(docs):
        last = i == len(docs) - 1
        parts.append(cat(open_ if i == 0 else "", d, close if last else ","))
        if not last:
            parts.append(LINE)
    return nest(2, fill(parts))


def _scalar(value: object) -> str:
    """A literal as written; durations always in days (`14 days`, not `2 weeks`), as the catalogue counts."""
    if isinstance(value, dt.timedelta):
        return f"{value.days} day{'s' if value.days != 1 else ''}"
    return print_literal_value(value)


def literal_doc(value: object) -> Doc:
    if isinstance(value, Table):
        return _items("{", [f"{_scalar(k)}: {_scalar(v)}" for k, v in value], "}")
    if isinstance(value, tuple | list):
        return _items("[", [_scalar(v) for v in value], "]")
    return _scalar(value)


def expr_doc(node: ast.Expr, parent: int = 0) -> Doc:
    """The document of an expression: breaks after `and`/`or`/`implies` operands, quantifier bodies, list items
    and call arguments; parentheses exactly where `print_expr` puts them."""
    match node:
        case ast.Literal(value=value):
            return literal_doc(value)
        case ast.Name(id=name):
            return name
        case ast.Path(head=head, fields=fields):
            return ".".join((head, *fields))
        case ast.AsOf():
            return "as_of"
        case ast.Not(operand=operand):
            return _wrap(cat("not ", expr_doc(operand, 6)), 4, parent)  # `not (a == b)`, as people read it
        case ast.Neg(operand=operand):
            return cat("-", expr_doc(operand, 9))
        case ast.BoolOp(op=op, operands=operands):
            level = _PRECEDENCE[op]
            parts: list[Doc] = [_operand(operands[0], level)]
            for o in operands[1:]:
                parts.extend((LINE, f"{op} ", _operand(o, level)))
            return _wrap(group(nest(2, *parts)), level, parent)
        case ast.Compare(op=op, left=left, right=right):
            return _wrap(cat(expr_doc(left, 6), f" {op} ", expr_doc(right, 6)), 5, parent)
        case ast.Arith(op="*", left=left, right=right):
            return _wrap(cat(expr_doc(left, 7), " * ", expr_doc(right, 8)), 7, parent)
        case ast.Arith():
            return _wrap(group(nest(2, *_sum_parts(node))), 6, parent)
        case ast.Member(item=item, collection=coll, negated=negated):
            word = " not in " if negated else " in "
            return _wrap(cat(expr_doc(item, 6), word, expr_doc(coll, 6)), 5, parent)
        case ast.Contains(kind=kind, collection=coll, items=items):
            return _wrap(cat(expr_doc(coll, 6), f" contains {kind} ", expr_doc(items, 6)), 5, parent)
        case ast.IsTest(operand=operand, predicate=pred, negated=negated):
            return _wrap(cat(expr_doc(operand, 6), f" is {'not ' if negated else ''}{pred}"), 5, parent)
        case ast.Matches(operand=operand, pattern=pattern):
            text = f" matches {print_literal_value(pattern)}"
            return _wrap(cat(expr_doc(operand, 6), text), 5, parent)
        case ast.Quantifier(kind=kind, var=var, source=source, body=body):
            header = cat(f"{kind} {var} in ", expr_doc(source, 6), ":")
            return _wrap(group(header, nest(2, LINE, expr_doc(body))), 0, parent)
        case ast.ListExpr(items=items):
            return _items("[", [expr_doc(i, 1) for i in items], "]")
        case ast.Comprehension():
            return group("[", _generator(node), "]")
        case ast.Call(func=func, args=args):
            if len(args) == 1 and isinstance(args[0], ast.Comprehension):
                return group(f"{func}(", _generator(args[0]), ")")
            return _items(f"{func}(", [expr_doc(a, 1) for a in args], ")")
    raise TypeError(f"cannot print {type(node).__name__}")


def _sum_parts(node: ast.Expr) -> list[Doc]:
    """`a + b - c` as one chain that breaks before each operator (sums nest to the left)."""
    if isinstance(node, ast.Arith) and node.op != "*":
        return [*_sum_parts(node.left), LINE, f"{node.op} ", expr_doc(node.right, 7)]
    return [expr_doc(node, 6)]


def _operand(node: ast.Expr, level: int) -> Doc:
    """An operand of `and`/`or`/`implies`: another of them is put in parentheses even where precedence would
    not need them (`(a and b) or c`), as people read it best."""
    return expr_doc(node, 9 if isinstance(node, ast.BoolOp) else level + 1)


def _generator(node: ast.Comprehension) -> Doc:
    parts: list[Doc] = [LINE, f"for {node.var} in ", expr_doc(node.source, 6)]
    if node.condition is not None:
        parts.extend((LINE, "if ", expr_doc(node.condition, 2)))
    return cat(expr_doc(node.element, 1), nest(2, *parts))


# ---- declarations ----


def string_chunks(value: str, first_room: int, room: int) -> list[str]:
    """A long text as quoted strings that fit their lines, split at single spaces between words, so the
    parser's joining (strip each, join with one space) gives the text back."""
    cuts = [
        i
        for i in range(1, len(value) - 1)
        if value[i] == " " and not value[i - 1].isspace() and not value[i + 1].isspace()
    ]
    words = [value[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(value)], strict=True)]
    chunks: list[str] = []
    current, limit = words[0], first_room
    for word in words[1:]:
        if len(print_literal_value(f"{current} {word}")) <= limit:
            current = f"{current} {word}"
        else:
            chunks.append(print_literal_value(current))
            current, limit = word, room
    chunks.append(print_literal_value(current))
    return chunks


def text_clause(keyword: str, value: str, indent: int) -> list[str]:
    """`remediation "…"` with its text wrapped over continuation strings nested two deeper."""
    head = f"{' ' * indent}{keyword} "
    cont = " " * (indent + 2)
    chunks = string_chunks(value, WIDTH - len(head), WIDTH - len(cont))
    return [head + chunks[0], *(cont + c for c in chunks[1:])]


def doc_lines(doc: Doc, indent: int) -> list[str]:
    return (" " * indent + render(doc, indent, indent)).split("\n")


def param_lines(item: ast.Param) -> list[str]:
    parts: list[Doc] = [f"param {item.name} = ", literal_doc(item.default.value)]
    if item.doc is not None:
        parts.append(nest(2, LINE, print_literal_value(item.doc)))
    return doc_lines(group(*parts), 0)


def let_lines(item: ast.Let) -> list[str]:
    parts: list[Doc] = [f"let {item.name} = ", expr_doc(item.expr)]
    if item.doc is not None:
        parts.append(nest(2, LINE, print_literal_value(item.doc)))
    return doc_lines(group(*parts), 0)


def enforcement_doc(rule: ast.Rule) -> Doc:
    parts: list[Doc] = [f"enforcement {rule.enforcement}"]
    for esc in rule.escalations:
        if esc.condition is None:
            parts.append(f", {esc.level} from {esc.from_stage}")
        else:
            parts.append(cat(f", {esc.level} when ", expr_doc(esc.condition, 2)))
    return cat(*parts)


def clause_lines(keyword: str, expr: ast.Expr, message: str | None = None) -> list[str]:
    lines = doc_lines(cat(f"{keyword} ", expr_doc(expr)), 2)
    if message is not None:
        lines.append(f"    else {print_literal_value(message)}")
    return lines


def rule_parts(rule: ast.Rule) -> list[tuple[object, list[str]]]:
    """The lines of each part of a rule in the canonical order, keyed by what they print: `header`, a metadata
    name, `("when", i)`, a `Require` of `requires` or `advice` (in source order), and `close`."""
    parts: list[tuple[object, list[str]]] = [
        ("header", [f"rule {rule.id} {print_literal_value(rule.title)} {{"])
    ]
    written = {key for key, _ in rule.meta_spans}
    if rule.severity is not None:
        parts.append(("severity", [f"  severity {rule.severity}"]))
    if rule.enforcement is not None:
        parts.append(("enforcement", doc_lines(enforcement_doc(rule), 2)))
    if not rule.waivable or "waivable" in written:
        parts.append(("waivable", [f"  waivable {'true' if rule.waivable else 'false'}"]))
    if rule.references:
        refs = _items("", [print_literal_value(r) for r in rule.references], "")
        parts.append(("references", doc_lines(cat("references ", refs), 2)))
    for key in ("remediation", "description"):
        value = getattr(rule, key)
        if value is not None:
            parts.append((key, text_clause(key, value, 2)))
    for i, cond in enumerate(rule.when):
        parts.append((("when", i), clause_lines("when", cond)))
    for kind, clause in clauses_in_order(rule):
        parts.append(((kind, clause), clause_lines(kind, clause.expr, clause.message)))
    parts.append(("close", ["}"]))
    return parts


def clauses_in_order(rule: ast.Rule) -> list[tuple[str, ast.Require]]:
    """`require` and `advise` clauses as written: the two lists merged by position, each kept in its order
    (requires first where positions are unknown)."""
    requires, advice = list(rule.requires), list(rule.advice)
    out: list[tuple[str, ast.Require]] = []
    while requires or advice:
        if advice and (not requires or _where(advice[0]) < _where(requires[0])):
            out.append(("advise", advice.pop(0)))
        else:
            out.append(("require", requires.pop(0)))
    return out


def _where(clause: ast.Require) -> tuple[int, int]:
    return (clause.span.line, clause.span.col)


def item_lines(item: ast.Item) -> list[str]:
    if isinstance(item, ast.Param):
        return param_lines(item)
    if isinstance(item, ast.Let):
        return let_lines(item)
    return [line for _, lines in rule_parts(item) for line in lines]


def print_policy(policy: ast.Policy) -> str:
    """A whole policy in the canonical layout, without comments (`authoring.fmt` keeps them): items in order,
    a blank line around every rule."""
    out: list[str] = []
    previous: ast.Item | None = None
    for item in policy.items:
        if previous is not None and (isinstance(item, ast.Rule) or isinstance(previous, ast.Rule)):
            out.append("")
        out.extend(item_lines(item))
        previous = item
    return "\n".join(out) + "\n" if out else ""
