"""Every built-in function and `is` predicate of the DSL, declared once.

Each entry holds its name, a one-line doc, its typing rule (read by the checker), and its implementation (bound
by the compiler and the explainer). All are total: they never raise on schema-valid data, and a missing input
gives a missing (or false) result.

    >>> FUNCTIONS["count"].doc
    'the number of items in a list'
"""

from __future__ import annotations

import datetime as dt
import os
from collections import namedtuple
from collections.abc import Callable, Sequence

from govrules.dates import calendar_date
from govrules.engine.types import ANY, BOOL, DATE, DURATION, NUMBER, STRING, Type
from govrules.table import Table

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

Typing = Callable[[Sequence[Type]], "Type | str"]


class Context(
    namedtuple(
        "Context",
        "as_of repo_root manifest_dir unchecked_links",
        defaults=(None, None, False),
    )
):
    """What a built-in may know besides its arguments: the evaluation date and the manifest's repository.

    `unchecked_links`: the manifest arrived without its repository (the HTTP API), so a well-formed relative
    evidence link is taken as given instead of being looked up on a file system it does not belong to.
    """

    __slots__ = ()
    as_of: dt.date
    repo_root: str | None
    manifest_dir: str | None
    unchecked_links: bool


class Function(namedtuple("Function", "name doc arity typing impl needs_context", defaults=(False,))):
    __slots__ = ()
    name: str
    doc: str
    arity: tuple[int, int]
    typing: Typing
    impl: Callable[..., Any]
    needs_context: bool


class Predicate(namedtuple("Predicate", "name doc kinds impl")):
    __slots__ = ()
    name: str
    doc: str
    kinds: frozenset[str]
    impl: Callable[[Any], bool]


# ---- typing rules ----


def _list_arg(args: Sequence[Type]) -> Type | str:
    return args[0] if args[0].kind in ("list", "any") else f"expects a list, found {args[0].show()}"


def _count(args: Sequence[Type]) -> Type | str:
    checked = _list_arg(args)
    return NUMBER if isinstance(checked, Type) else checked


def _ordered_list(args: Sequence[Type]) -> Type | str:
    t = args[0]
    if t.kind != "list" or t.elem is None or t.elem.kind not in ("number", "date", "duration", "any"):
        return f"expects a list of numbers, dates or durations, found {t.show()}"
    return t.elem


def _sum(args: Sequence[Type]) -> Type | str:
    t = args[0]
    if t.kind != "list" or t.elem is None or t.elem.kind not in ("number", "any"):
        return f"expects a list of numbers, found {t.show()}"
    return NUMBER


def _text(args: Sequence[Type]) -> Type | str:
    return STRING if args[0].kind in ("string", "any") else f"expects text, found {args[0].show()}"


def _age(args: Sequence[Type]) -> Type | str:
    return DURATION if args[0].kind in ("date", "any") else f"expects a date, found {args[0].show()}"


def _days(args: Sequence[Type]) -> Type | str:
    return NUMBER if args[0].kind in ("duration", "any") else f"expects a duration, found {args[0].show()}"


def _lookup(args: Sequence[Type]) -> Type | str:
    table, key = args[0], args[1]
    if table.kind not in ("table", "any"):
        return f'expects a lookup table first (a `param` like {{"weekly": 14 days}}), found {table.show()}'
    if key.kind not in ("string", "any"):
        return f"expects a text key second, found {key.show()}"
    elem = table.elem or ANY
    if len(args) == 3 and not elem.accepts(args[2]):
        return f"expects a default of the table's type ({elem.show()}), found {args[2].show()}"
    return elem


def _role_matches(args: Sequence[Type]) -> Type | str:
    if args[0].kind not in ("string", "any"):
        return f"expects a role (text) first, found {args[0].show()}"
    if args[1].kind not in ("list", "any") or (
        args[1].elem is not None and args[1].elem.kind not in ("string", "any")
    ):
        return f"expects a list of roles second, found {args[1].show()}"
    return BOOL


def _coalesce(args: Sequence[Type]) -> Type | str:
    known = [a for a in args if a.kind != "any"]
    if any(not known[0].accepts(a) for a in known[1:]):
        return f"expects values of one type, found {' and '.join(a.show() for a in args)}"
    return known[0] if known else ANY


def _link(args: Sequence[Type]) -> Type | str:
    return BOOL if args[0].kind in ("string", "any") else f"expects a link (text), found {args[0].show()}"


def _distinct(args: Sequence[Type]) -> Type | str:
    checked = _list_arg(args)
    if isinstance(checked, str):
        return checked
    elem = checked.elem
    if elem is not None and elem.kind in ("object", "list"):
        return f"expects a list of plain values, found {checked.show()}"
    return checked


# ---- implementations ----


def count(items: Any) -> int:
    return len(items) if isinstance(items, list | tuple) else 0


def distinct(items: Any) -> list[Any]:
    if not isinstance(items, list | tuple):
        return []
    seen: dict[Any, None] = {}
    for item in items:
        if item is not None and item != "":
            seen.setdefault(item, None)
    return list(seen)


def latest(items: Any) -> Any:
    values = [x for x in items or () if x is not None]
    return max(values) if values else None


def earliest(items: Any) -> Any:
    values = [x for x in items or () if x is not None]
    return min(values) if values else None


def total(items: Any) -> Any:
    return sum(x for x in items or () if x is not None)


def lower(text: Any) -> Any:
    return text.strip().lower() if isinstance(text, str) else None


def age(ctx: Context, when: Any) -> Any:
    return ctx.as_of - when if isinstance(when, dt.date) else None


def words(text: Any) -> list[str]:
    """The lower-case words of a text: letters, digits and `_`, split at anything else (linear, no pattern)."""
    if not isinstance(text, str):
        return []
    out, word = [], []
    for ch in text.lower():
        if ch.isalnum() or ch == "_":
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return out


def role_matches(role: Any, roles: Any) -> bool:
    """A role text names one of `roles`: a configured role matches a word of it (`governance` matches
    "AI Governance Lead"), a role of several words matches them in sequence."""
    said = words(role)
    joined = " " + " ".join(said) + " "
    return any(" " + " ".join(words(r)) + " " in joined for r in roles or () if words(r))


def lookup(table: Any, key: Any, default: Any = None) -> Any:
    found = table.get(key) if isinstance(table, Table) and isinstance(key, str) else None
    return default if found is None else found


def coalesce(*values: Any) -> Any:
    for value in values:
        if is_present(value):
            return value
    return None


def days(duration: Any) -> Any:
    return duration.days if isinstance(duration, dt.timedelta) else None


def link_exists(ctx: Context, link: Any) -> bool:
    """True for a URL (not fetched: no network) or a file that exists inside the manifest's repository.

    A relative link is read from the manifest's folder, as a relative link in a Markdown file is, resolved with
    symlinks followed, and must name a file inside the repository root (the nearest folder with `.git`, else the
    manifest's folder): no absolute paths, no escape through `..` or a symlink, no directories. Without a
    repository (`ctx.unchecked_links`, the HTTP API) a relative link without `..` is taken as given.
    """
    if not isinstance(link, str) or not link.strip():
        return False
    if is_url(link):
        return True
    path = link.split("#", 1)[0].strip()
    if not path or "\x00" in path or path.startswith(("/", "\\")) or ":" in path:
        return False
    if ctx.manifest_dir is None:
        return ctx.unchecked_links and ".." not in path.replace("\\", "/").split("/")
    root = os.path.realpath(ctx.repo_root or ctx.manifest_dir)
    target = os.path.realpath(os.path.join(ctx.manifest_dir, path))
    if not target.startswith(root + os.sep):
        return False
    return os.path.isfile(target)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("count", "the number of items in a list", (1, 1), _count, count),
        Function(
            "distinct",
            "the list without repeats and without missing or empty items",
            (1, 1),
            _distinct,
            distinct,
        ),
        Function(
            "latest",
            "the largest (latest) value of a list of numbers, dates or durations",
            (1, 1),
            _ordered_list,
            latest,
        ),
        Function(
            "earliest",
            "the smallest (earliest) value of a list of numbers, dates or durations",
            (1, 1),
            _ordered_list,
            earliest,
        ),
        Function("sum", "the sum of a list of numbers", (1, 1), _sum, total),
        Function("lower", "text in lower case with surrounding spaces removed", (1, 1), _text, lower),
        Function(
            "age",
            "how long ago a date was, as of the evaluation date (`as_of - date`)",
            (1, 1),
            _age,
            age,
            needs_context=True,
        ),
        Function("days", "a duration as a number of days", (1, 1), _days, days),
        Function(
            "role_matches",
            "whether a role text names one of the roles, word for word, ignoring case "
            '(`governance` matches "AI Governance Lead")',
            (2, 2),
            _role_matches,
            role_matches,
        ),
        Function(
            "lookup",
            "the value a lookup-table parameter gives for a key, else the default (`lookup(t, key, default)`)",
            (2, 3),
            _lookup,
            lookup,
        ),
        Function(
            "coalesce",
            "the first of its arguments that is present (`coalesce(i.aware_on, i.opened_on)`)",
            (2, 8),
            _coalesce,
            coalesce,
        ),
        Function(
            "link_exists",
            "a URL, or a repository-relative path that exists inside the repository",
            (1, 1),
            _link,
            link_exists,
            needs_context=True,
        ),
    )
}

# ---- predicates for `x is NAME` ----


def _has_space(text: str) -> bool:
    """Whether any character is whitespace (as `str.isspace` has it), tested in C: `split` drops exactly those."""
    return bool(text) and text.split() != [text]


def is_present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def is_email(value: Any) -> bool:
    """`local@domain.tld`: one `@`, no spaces, a dot inside the domain (linear time, no regular expression)."""
    if not isinstance(value, str) or value.count("@") != 1 or _has_space(value):
        return False
    local, domain = value.split("@")
    return (
        bool(local) and "." in domain.strip(".") and not domain.startswith(".") and not domain.endswith(".")
    )


def is_url(value: Any) -> bool:
    if not isinstance(value, str) or _has_space(value):
        return False
    for scheme in ("https://", "http://"):
        if value[: len(scheme)].lower() == scheme:
            host = value[len(scheme) :].split("/", 1)[0]
            return bool(host) and host[0] not in ".?#"
    return False


def is_iso_date(value: Any) -> bool:
    return calendar_date(value) is not None


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


_ALL = frozenset({"string", "number", "bool", "date", "duration", "list", "object", "any"})
PREDICATES: dict[str, Predicate] = {
    p.name: p
    for p in (
        Predicate(
            "present", "the value is given and not empty (`false` and `0` count as given)", _ALL, is_present
        ),
        Predicate("absent", "the value is missing or empty", _ALL, lambda v: not is_present(v)),
        Predicate(
            "empty",
            "a list or text with nothing in it (a missing value counts as empty)",
            frozenset({"list", "string", "any"}),
            is_empty,
        ),
        Predicate(
            "email",
            "text shaped like an email address (`name@domain.tld`)",
            frozenset({"string", "any"}),
            is_email,
        ),
        Predicate("url", "an http or https URL", frozenset({"string", "any"}), is_url),
        Predicate(
            "iso_date",
            "a calendar date written YYYY-MM-DD",
            frozenset({"string", "date", "any"}),
            is_iso_date,
        ),
    )
}


def compile_pattern(pattern: str) -> Any:
    """A linear-time (RE2) pattern; raises ValueError with RE2's reason when the pattern is not valid."""
    import re2  # only policies with patterns pay for it

    options = re2.Options()
    options.log_errors = False  # report through diagnostics, never on stderr
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error as err:
        reason = err.args[0] if err.args else "invalid pattern"
        raise ValueError(
            reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        ) from None


__all__ = ["DATE", "FUNCTIONS", "PREDICATES", "Context", "Function", "Predicate", "compile_pattern"]
