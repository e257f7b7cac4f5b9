"""The policy AST: immutable records (NamedTuples) whose equality ignores spans.

Frozen and slotted as dataclasses would be, but about ten times cheaper to define: the AST is imported to explain
every failing finding, and start-up time is a feature (measured: 22 dataclasses took ~75 ms to create here).

`lang.parser` builds it from text, `lang.printer` prints it back, `engine.checker` types it and
`engine.compiler` turns it into Python. Children are tuples; nothing here knows about lark.

    >>> Compare("<", Path("kpi", ("baseline", "date")), AsOf()) == Compare("<", Path("kpi", ("baseline", "date")), AsOf())
    True
"""

from __future__ import annotations

from typing import NamedTuple

from govrules.span import Span

NOWHERE = Span("<none>", 0, 0)


# ---- expressions ----


class Literal(NamedTuple):
    """A constant: str, int/float, bool, `datetime.date`, a duration in days, or a tuple of those."""

    value: object
    kind: str  # "string" | "number" | "bool" | "date" | "duration" | "list"
    span: Span = NOWHERE


class Name(NamedTuple):
    """A bare name: a quantifier variable, a `let`, a `param`, or a top-level manifest key."""

    id: str
    span: Span = NOWHERE


class Path(NamedTuple):
    """`head.field.field…`: fields read below a name."""

    head: str
    fields: tuple[str, ...]
    span: Span = NOWHERE
    field_spans: tuple[Span, ...] = ()


class AsOf(NamedTuple):
    span: Span = NOWHERE


class Not(NamedTuple):
    operand: Expr
    span: Span = NOWHERE


class Neg(NamedTuple):
    operand: Expr
    span: Span = NOWHERE


class BoolOp(NamedTuple):
    """`and` / `or` over two or more operands, or `implies` over exactly two."""

    op: str
    operands: tuple[Expr, ...]
    span: Span = NOWHERE


class Compare(NamedTuple):
    op: str  # == != < <= > >=
    left: Expr
    right: Expr
    span: Span = NOWHERE


class Arith(NamedTuple):
    op: str  # + - *
    left: Expr
    right: Expr
    span: Span = NOWHERE


class Member(NamedTuple):
    """`item in collection` (negated: `not in`)."""

    item: Expr
    collection: Expr
    negated: bool = False
    span: Span = NOWHERE


class Contains(NamedTuple):
    """`collection contains all|any items`."""

    kind: str  # "all" | "any"
    collection: Expr
    items: Expr
    span: Span = NOWHERE


class IsTest(NamedTuple):
    """`operand is NAME` with NAME a declared predicate: present, absent, email, url, date…"""

    operand: Expr
    predicate: str
    negated: bool = False
    span: Span = NOWHERE
    predicate_span: Span = NOWHERE


class Matches(NamedTuple):
    operand: Expr
    pattern: str
    span: Span = NOWHERE
    pattern_span: Span = NOWHERE


class Quantifier(NamedTuple):
    kind: str  # "every" | "some"
    var: str
    source: Expr
    body: Expr
    span: Span = NOWHERE


class ListExpr(NamedTuple):
    items: tuple[Expr, ...]
    span: Span = NOWHERE


class Comprehension(NamedTuple):
    """`[element for var in source if condition]`, also the argument form `f(element for var in source)`."""

    element: Expr
    var: str
    source: Expr
    condition: Expr | None = None
    span: Span = NOWHERE


class Call(NamedTuple):
    func: str
    args: tuple[Expr, ...]
    span: Span = NOWHERE
    func_span: Span = NOWHERE


Expr = (
    Literal
    | Name
    | Path
    | AsOf
    | Not
    | Neg
    | BoolOp
    | Compare
    | Arith
    | Member
    | Contains
    | IsTest
    | Matches
    | Quantifier
    | ListExpr
    | Comprehension
    | Call
)


# ---- declarations ----


class Escalation(NamedTuple):
    """`, LEVEL from STAGE` or `, LEVEL when CONDITION`: raises enforcement where it holds."""

    level: str
    from_stage: str | None = None
    condition: Expr | None = None
    span: Span = NOWHERE


class Require(NamedTuple):
    expr: Expr
    message: str | None = None
    span: Span = NOWHERE


class Rule(NamedTuple):
    id: str
    title: str
    severity: str | None = None
    enforcement: str | None = None
    escalations: tuple[Escalation, ...] = ()
    waivable: bool = True
    references: tuple[str, ...] = ()
    remediation: str | None = None
    description: str | None = None
    when: tuple[Expr, ...] = ()
    requires: tuple[Require, ...] = ()
    span: Span = NOWHERE
    meta_spans: tuple[tuple[str, Span], ...] = ()


class Param(NamedTuple):
    name: str
    default: Literal
    doc: str | None = None
    span: Span = NOWHERE


class Let(NamedTuple):
    name: str
    expr: Expr
    doc: str | None = None
    span: Span = NOWHERE


Item = Rule | Param | Let


class Policy(NamedTuple):
    """One policy file: its items in source order."""

    file: str
    items: tuple[Item, ...]


def _equal(a: object, b: object) -> bool:
    """Nodes are equal when their type and every field but the spans are equal (spans are where, not what)."""
    if type(a) is not type(b):
        return False
    return all(getattr(a, f) == getattr(b, f) for f in type(a)._compared)  # type: ignore[attr-defined]


def _hash(node: object) -> int:
    return hash((type(node).__name__, *(getattr(node, f) for f in type(node)._compared)))  # type: ignore[attr-defined]


for _cls in (
    Literal,
    Name,
    Path,
    AsOf,
    Not,
    Neg,
    BoolOp,
    Compare,
    Arith,
    Member,
    Contains,
    IsTest,
    Matches,
    Quantifier,
    ListExpr,
    Comprehension,
    Call,
    Escalation,
    Require,
    Rule,
    Param,
    Let,
    Policy,
):
    setattr(_cls, "_compared", tuple(f for f in _cls._fields if not f.endswith(("span", "spans"))))  # noqa: B010
    setattr(_cls, "__eq__", _equal)  # noqa: B010
    setattr(_cls, "__ne__", lambda a, b: not _equal(a, b))  # noqa: B010
    setattr(_cls, "__hash__", _hash)  # noqa: B010
