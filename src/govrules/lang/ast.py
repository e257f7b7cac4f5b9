"""The policy AST: frozen, slotted dataclasses with spans that equality ignores.

`lang.parser` builds it from text, `lang.printer` prints it back, `engine.checker` types it and
`engine.compiler` turns it into Python. Children are tuples; nothing here knows about lark.

    >>> Compare("<", Path("kpi", ("baseline", "date")), AsOf()) == Compare("<", Path("kpi", ("baseline", "date")), AsOf())
    True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from govrules.span import Span

NOWHERE = Span("<none>", 0, 0)


def _span() -> Span:
    return field(default=NOWHERE, compare=False, repr=False)


# ---- expressions ----


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: str, int/float, bool, `datetime.date`, a duration in days, or a tuple of those."""

    value: object
    kind: str  # "string" | "number" | "bool" | "date" | "duration" | "list"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name:
    """A bare name: a quantifier variable, a `let`, a `param`, or a top-level manifest key."""

    id: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Path:
    """`head.field.field…`: fields read below a name."""

    head: str
    fields: tuple[str, ...]
    span: Span = _span()
    field_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class AsOf:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`and` / `or` over two or more operands, or `implies` over exactly two."""

    op: str
    operands: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < <= > >=
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # + - *
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Member:
    """`item in collection` (negated: `not in`)."""

    item: Expr
    collection: Expr
    negated: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Contains:
    """`collection contains all|any items`."""

    kind: str  # "all" | "any"
    collection: Expr
    items: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IsTest:
    """`operand is NAME` with NAME a declared predicate: present, absent, email, url, date…"""

    operand: Expr
    predicate: str
    negated: bool = False
    span: Span = _span()
    predicate_span: Span = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Matches:
    operand: Expr
    pattern: str
    span: Span = _span()
    pattern_span: Span = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Quantifier:
    kind: str  # "every" | "some"
    var: str
    source: Expr
    body: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Comprehension:
    """`[element for var in source if condition]`, also the argument form `f(element for var in source)`."""

    element: Expr
    var: str
    source: Expr
    condition: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = _span()
    func_span: Span = field(default=NOWHERE, compare=False, repr=False)


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


@dataclass(frozen=True, slots=True)
class Escalation:
    """`, LEVEL from STAGE` or `, LEVEL when CONDITION`: raises enforcement where it holds."""

    level: str
    from_stage: str | None = None
    condition: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Require:
    expr: Expr
    message: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Rule:
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
    span: Span = _span()
    meta_spans: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: Literal
    doc: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    expr: Expr
    doc: str | None = None
    span: Span = _span()


Item = Rule | Param | Let


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy file: its items in source order."""

    file: str
    items: tuple[Item, ...]


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
