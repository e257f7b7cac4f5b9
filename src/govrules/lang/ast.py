"""The policy AST: immutable records (NamedTuples) whose equality ignores spans.

Frozen and slotted as dataclasses would be, but about ten times cheaper to define: the AST is imported to explain
every failing finding, and start-up time is a feature (measured: 22 dataclasses took ~75 ms to create here).

`lang.parser` builds it from text, `lang.printer` prints it back, `engine.checker` types it and
`engine.compiler` turns it into Python. Children are tuples; nothing here knows about lark.

    >>> Compare("<", Path("kpi", ("baseline", "date")), AsOf()) == Compare("<", Path("kpi", ("baseline", "date")), AsOf())
    True
"""

from __future__ import annotations

from collections import namedtuple

from govrules.span import Span

NOWHERE = Span("<none>", 0, 0)


# ---- expressions ----


class Literal(namedtuple("Literal", "value kind span", defaults=(NOWHERE,))):
    """A constant: str, int/float, bool, `datetime.date`, a duration in days, or a tuple of those."""

    __slots__ = ()
    value: object
    kind: str
    span: Span


class Name(namedtuple("Name", "id span", defaults=(NOWHERE,))):
    """A bare name: a quantifier variable, a `let`, a `param`, or a top-level manifest key."""

    __slots__ = ()
    id: str
    span: Span


class Path(
    namedtuple(
        "Path",
        "head fields span field_spans",
        defaults=(
            NOWHERE,
            (),
        ),
    )
):
    """`head.field.field…`: fields read below a name."""

    __slots__ = ()
    head: str
    fields: tuple[str, ...]
    span: Span
    field_spans: tuple[Span, ...]


class AsOf(namedtuple("AsOf", "span", defaults=(NOWHERE,))):
    __slots__ = ()
    span: Span


class Not(namedtuple("Not", "operand span", defaults=(NOWHERE,))):
    __slots__ = ()
    operand: Expr
    span: Span


class Neg(namedtuple("Neg", "operand span", defaults=(NOWHERE,))):
    __slots__ = ()
    operand: Expr
    span: Span


class BoolOp(namedtuple("BoolOp", "op operands span", defaults=(NOWHERE,))):
    """`and` / `or` over two or more operands, or `implies` over exactly two."""

    __slots__ = ()
    op: str
    operands: tuple[Expr, ...]
    span: Span


class Compare(namedtuple("Compare", "op left right span", defaults=(NOWHERE,))):
    __slots__ = ()
    op: str
    left: Expr
    right: Expr
    span: Span


class Arith(namedtuple("Arith", "op left right span", defaults=(NOWHERE,))):
    __slots__ = ()
    op: str
    left: Expr
    right: Expr
    span: Span


class Member(
    namedtuple(
        "Member",
        "item collection negated span",
        defaults=(
            False,
            NOWHERE,
        ),
    )
):
    """`item in collection` (negated: `not in`)."""

    __slots__ = ()
    item: Expr
    collection: Expr
    negated: bool
    span: Span


class Contains(namedtuple("Contains", "kind collection items span", defaults=(NOWHERE,))):
    """`collection contains all|any items`."""

    __slots__ = ()
    kind: str
    collection: Expr
    items: Expr
    span: Span


class IsTest(
    namedtuple(
        "IsTest",
        "operand predicate negated span predicate_span",
        defaults=(
            False,
            NOWHERE,
            NOWHERE,
        ),
    )
):
    """`operand is NAME` with NAME a declared predicate: present, absent, email, url, date…"""

    __slots__ = ()
    operand: Expr
    predicate: str
    negated: bool
    span: Span
    predicate_span: Span


class Matches(
    namedtuple(
        "Matches",
        "operand pattern span pattern_span",
        defaults=(
            NOWHERE,
            NOWHERE,
        ),
    )
):
    __slots__ = ()
    operand: Expr
    pattern: str
    span: Span
    pattern_span: Span


class Quantifier(namedtuple("Quantifier", "kind var source body span", defaults=(NOWHERE,))):
    __slots__ = ()
    kind: str
    var: str
    source: Expr
    body: Expr
    span: Span


class ListExpr(namedtuple("ListExpr", "items span", defaults=(NOWHERE,))):
    __slots__ = ()
    items: tuple[Expr, ...]
    span: Span


class Comprehension(
    namedtuple(
        "Comprehension",
        "element var source condition span",
        defaults=(
            None,
            NOWHERE,
        ),
    )
):
    """`[element for var in source if condition]`, also the argument form `f(element for var in source)`."""

    __slots__ = ()
    element: Expr
    var: str
    source: Expr
    condition: Expr | None
    span: Span


class Call(
    namedtuple(
        "Call",
        "func args span func_span",
        defaults=(
            NOWHERE,
            NOWHERE,
        ),
    )
):
    __slots__ = ()
    func: str
    args: tuple[Expr, ...]
    span: Span
    func_span: Span


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


class Escalation(
    namedtuple(
        "Escalation",
        "level from_stage condition span",
        defaults=(
            None,
            None,
            NOWHERE,
        ),
    )
):
    """`, LEVEL from STAGE` or `, LEVEL when CONDITION`: raises enforcement where it holds."""

    __slots__ = ()
    level: str
    from_stage: str | None
    condition: Expr | None
    span: Span


class Require(
    namedtuple(
        "Require",
        "expr message span",
        defaults=(
            None,
            NOWHERE,
        ),
    )
):
    __slots__ = ()
    expr: Expr
    message: str | None
    span: Span


class Rule(
    namedtuple(
        "Rule",
        "id title severity enforcement escalations waivable references remediation description when requires span meta_spans advice",
        defaults=(
            None,
            None,
            (),
            True,
            (),
            None,
            None,
            (),
            (),
            NOWHERE,
            (),
            (),
        ),
    )
):
    __slots__ = ()
    id: str
    title: str
    severity: str | None
    enforcement: str | None
    escalations: tuple[Escalation, ...]
    waivable: bool
    references: tuple[str, ...]
    remediation: str | None
    description: str | None
    when: tuple[Expr, ...]
    requires: tuple[Require, ...]
    span: Span
    meta_spans: tuple[tuple[str, Span], ...]
    advice: tuple[
        Require, ...
    ]  # `advise` clauses: advisory sub-findings, notes that never change the verdict


class Param(
    namedtuple(
        "Param",
        "name default doc span",
        defaults=(
            None,
            NOWHERE,
        ),
    )
):
    __slots__ = ()
    name: str
    default: Literal
    doc: str | None
    span: Span


class Let(
    namedtuple(
        "Let",
        "name expr doc span",
        defaults=(
            None,
            NOWHERE,
        ),
    )
):
    __slots__ = ()
    name: str
    expr: Expr
    doc: str | None
    span: Span


Item = Rule | Param | Let


class Policy(namedtuple("Policy", "file items")):
    """One policy file: its items in source order."""

    __slots__ = ()
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
