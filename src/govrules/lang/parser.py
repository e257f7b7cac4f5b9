"""Policy text to AST: the only module that imports lark.

`parse_policy(text, file)` returns a `Policy` or raises `GovrulesError` with `GR1xx` diagnostics that name the
line and column, quote the line with a caret, and say what was expected.

    >>> parse_policy('param pilot_max_days = 180 days', "p.gov").items[0].name
    'pilot_max_days'
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from typing import Any

from govrules.diagnostics import Diagnostic, GovrulesError
from govrules.lang import ast
from govrules.resources import cache_dir, read_data
from govrules.span import SourceText, Span
from govrules.table import Table

# Friendly names for terminals in "expected …" lists.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "DATE": "a date",
    "RULE_ID": "a rule id",
    "BOOL": "`true` or `false`",
    "COMP_OP": "a comparison",
    "ADD_OP": "`+` or `-`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "DOT": "`.`",
    "EQUAL": "`=`",
    "STAR": "`*`",
    "$END": "the end of the file",
    "MINUS": "`-`",
}


@functools.cache
def _parser() -> Any:
    import lark

    grammar = read_data("grammar", "govrules.lark").decode("utf-8")
    cache = cache_dir()
    try:
        os.makedirs(cache, exist_ok=True)
        cache_file: str | bool = os.path.join(cache, "grammar.lark-cache")
    except OSError:
        cache_file = False
    return lark.Lark(
        grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True, cache=cache_file
    )


def parse_policy(text: str, file: str) -> ast.Policy:
    import lark

    try:
        tree = _parser().parse(text)
    except lark.exceptions.UnexpectedInput as err:
        raise GovrulesError([_syntax_diagnostic(err, text, file)], {file: SourceText(file, text)}) from None
    try:
        items = _ToAst(file).transform(tree)
    except lark.exceptions.VisitError as err:
        orig = err.orig_exc
        if isinstance(orig, GovrulesError):
            raise GovrulesError(orig.diagnostics, {file: SourceText(file, text)}) from None
        raise
    except RecursionError:
        raise GovrulesError(
            [
                Diagnostic(
                    "GR111",
                    "error",
                    "the policy nests expressions too deeply to read",
                    Span(file, 1, 1),
                    "split long expressions with `let` definitions",
                )
            ],
            {file: SourceText(file, text)},
        ) from None
    return ast.Policy(file, tuple(items.children))


def policy_comments(text: str) -> list[tuple[int, int, str]]:
    """The `#` comments of a policy text as (line, column, text), in order: what `policy fmt` keeps.

    Call it on text that `parse_policy` accepts (the lexer would stop at a character no token matches).

    >>> policy_comments('param a = 1  # one\\n# two')
    [(1, 14, '# one'), (2, 1, '# two')]
    """
    return [
        (tok.line, tok.column, str(tok).rstrip())
        for tok in _parser().lex(text, dont_ignore=True)
        if tok.type == "COMMENT"
    ]


_HEAD = 'rule A-1 "t" { require '
_LABELLED_EXAMPLES = {
    (
        "GR108",
        "`every` or `some` inside `and`, `or`, `not` or `implies` needs parentheses",
        "write `a and (every x in xs: …)`",
    ): [
        _HEAD + "a and every x in b: c }",
        _HEAD + "a or some x in b: c }",
        _HEAD + "not every x in b: c }",
        _HEAD + "a implies every x in b: c }",
        _HEAD + "a and some x in b: c }",
        "let q = a and some x in b: c",
        "let q = a or every x in b: c",
    ],
    ("GR109", "a comparison cannot be chained", "join two comparisons with `and`: `a < b and b < c`"): [
        _HEAD + "a < b < c }",
        _HEAD + "a == b == c }",
    ],
    ("GR110", "a rule needs an id like `OWN-001` and a quoted title", 'write `rule OWN-001 "Title" { … }`'): [
        'rule own "t" { }',
        "rule OWN-001 { }",
        "rule { }",
    ],
}


def _labelled(err: Any, file: str, line: int, col: int) -> Diagnostic | None:
    try:
        label = err.match_examples(_parser().parse, _LABELLED_EXAMPLES, use_accepts=True)
    except Exception:  # matching is best effort; the plain message below still applies
        return None
    if not label:
        return None
    code, message, hint = label
    return Diagnostic(code, "error", message, Span(file, line, col, line, col + 1), hint)


def _syntax_diagnostic(err: Any, text: str, file: str) -> Diagnostic:
    import lark

    line, col = max(getattr(err, "line", 1), 1), max(getattr(err, "column", 1), 1)
    span = Span(file, line, col, line, col + 1)
    if isinstance(err, lark.exceptions.UnexpectedCharacters):
        pos = err.pos_in_stream if isinstance(err.pos_in_stream, int) else -1
        char = text[pos] if 0 <= pos < len(text) else "?"
        if char == '"':
            return Diagnostic(
                "GR102",
                "error",
                "unterminated string",
                span,
                hint='close the string with `"` on the same line',
            )
        return Diagnostic(
            "GR101", "error", f"unexpected character `{char}`", span, hint=_expected(err.allowed)
        )
    if isinstance(err, lark.exceptions.UnexpectedEOF):
        return Diagnostic("GR103", "error", "unexpected end of file", span, hint=_expected(err.expected))
    labelled = _labelled(err, file, line, col)
    if labelled is not None:
        return labelled
    token = err.token
    if token.type == "$END":
        return Diagnostic("GR103", "error", "unexpected end of file", span, hint=_expected(err.expected))
    end = Span(
        file,
        line,
        col,
        getattr(token, "end_line", line) or line,
        getattr(token, "end_column", col + 1) or col + 1,
    )
    return Diagnostic("GR104", "error", f"unexpected `{token.value}`", end, hint=_expected(err.expected))


def _expected(names: Any) -> str:
    words = sorted({_TERMINAL_WORDS.get(n, f"`{n.lower()}`") for n in names or ()})
    if not words:
        return ""
    if len(words) > 8:
        words = [*words[:8], "…"]
    return "expected " + ", ".join(words)


def _span(file: str, meta: Any) -> Span:
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def _unquote(token: Any) -> str:
    raw = str(token)[1:-1]
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            # \" \\ \n \t are escapes; any other backslash is kept, so patterns read as written: "\d", "\("
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _join(tokens: list[Any]) -> str:
    """Adjacent strings of a long text (`remediation "…" "…"`) join with one space."""
    return " ".join(part for part in (_unquote(t).strip() for t in tokens) if part)


def _tok_span(file: str, tok: Any) -> Span:
    return Span(file, tok.line, tok.column, tok.end_line, tok.end_column)


def _make_transformer() -> Any:
    import lark

    class ToAst(lark.Transformer[Any, Any]):
        def __init__(self, file: str) -> None:
            super().__init__()
            self.file = file

        def _s(self, meta: Any) -> Span:
            return _span(self.file, meta)

        # -- declarations --
        @lark.v_args(meta=True)
        def param(self, meta: Any, c: list[Any]) -> ast.Param:
            doc = _unquote(c[2]) if c[2] is not None else None
            return ast.Param(str(c[0]), c[1], doc, self._s(meta))

        @lark.v_args(meta=True)
        def let(self, meta: Any, c: list[Any]) -> ast.Let:
            doc = _unquote(c[2]) if c[2] is not None else None
            return ast.Let(str(c[0]), c[1], doc, self._s(meta))

        @lark.v_args(meta=True)
        def rule(self, meta: Any, c: list[Any]) -> ast.Rule:
            fields: dict[str, Any] = {"when": [], "requires": [], "advice": [], "escalations": ()}
            spans: list[tuple[str, Span]] = []
            problems: list[Diagnostic] = []
            for kind, value, span in c[2:]:
                if kind in ("when", "requires", "advice"):
                    fields[kind].append(value)
                    continue
                if kind in fields and kind != "escalations":
                    problems.append(
                        Diagnostic(
                            "GR105",
                            "error",
                            f"`{kind}` is given twice in rule `{c[0]}`",
                            span,
                            hint=f"keep one `{kind}` line",
                        )
                    )
                if kind == "enforcement":
                    fields["enforcement"], fields["escalations"] = value
                else:
                    fields[kind] = value
                spans.append((kind, span))
            if problems:
                raise GovrulesError(problems)
            fields["when"] = tuple(fields["when"])
            fields["requires"] = tuple(fields["requires"])
            fields["advice"] = tuple(fields["advice"])
            return ast.Rule(str(c[0]), _unquote(c[1]), span=self._s(meta), meta_spans=tuple(spans), **fields)

        @lark.v_args(meta=True)
        def severity(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            return ("severity", str(c[0]), _tok_span(self.file, c[0]))

        @lark.v_args(meta=True)
        def enforcement(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            return ("enforcement", (str(c[0]), tuple(c[1:])), _tok_span(self.file, c[0]))

        @lark.v_args(meta=True)
        def escalate_from(self, meta: Any, c: list[Any]) -> ast.Escalation:
            return ast.Escalation(str(c[0]), from_stage=str(c[1]), span=_tok_span(self.file, c[1]))

        @lark.v_args(meta=True)
        def escalate_when(self, meta: Any, c: list[Any]) -> ast.Escalation:
            return ast.Escalation(str(c[0]), condition=c[1], span=self._s(meta))

        @lark.v_args(meta=True)
        def waivable(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            return ("waivable", str(c[0]) == "true", self._s(meta))

        @lark.v_args(meta=True)
        def references(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            return ("references", tuple(_unquote(t) for t in c), self._s(meta))

        @lark.v_args(meta=True)
        def remediation(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            return ("remediation", _join(c), self._s(meta))

        @lark.v_args(meta=True)
        def description(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            return ("description", _join(c), self._s(meta))

        @lark.v_args(meta=True)
        def when(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            return ("when", c[0], self._s(meta))

        @lark.v_args(meta=True)
        def require(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            message = _unquote(c[1]) if c[1] is not None else None
            return ("requires", ast.Require(c[0], message, self._s(meta)), self._s(meta))

        @lark.v_args(meta=True)
        def advise(self, meta: Any, c: list[Any]) -> tuple[str, object, Span]:
            message = _unquote(c[1]) if c[1] is not None else None
            return ("advice", ast.Require(c[0], message, self._s(meta)), self._s(meta))

        # -- expressions --
        @lark.v_args(meta=True)
        def every(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Quantifier("every", str(c[0]), c[1], c[2], self._s(meta))

        @lark.v_args(meta=True)
        def some(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Quantifier("some", str(c[0]), c[1], c[2], self._s(meta))

        @lark.v_args(meta=True)
        def implies(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.BoolOp("implies", tuple(c), self._s(meta))

        @lark.v_args(meta=True)
        def or_expr(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.BoolOp("or", tuple(c), self._s(meta))

        @lark.v_args(meta=True)
        def and_expr(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.BoolOp("and", tuple(c), self._s(meta))

        @lark.v_args(meta=True)
        def not_(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Not(c[0], self._s(meta))

        @lark.v_args(meta=True)
        def compare(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Compare(str(c[1]), c[0], c[2], self._s(meta))

        @lark.v_args(meta=True)
        def member(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Member(c[0], c[1], False, self._s(meta))

        @lark.v_args(meta=True)
        def not_member(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Member(c[0], c[1], True, self._s(meta))

        @lark.v_args(meta=True)
        def contains_all(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Contains("all", c[0], c[1], self._s(meta))

        @lark.v_args(meta=True)
        def contains_any(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Contains("any", c[0], c[1], self._s(meta))

        @lark.v_args(meta=True)
        def is_(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.IsTest(c[0], str(c[1]), False, self._s(meta), _tok_span(self.file, c[1]))

        @lark.v_args(meta=True)
        def is_not(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.IsTest(c[0], str(c[1]), True, self._s(meta), _tok_span(self.file, c[1]))

        @lark.v_args(meta=True)
        def matches(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Matches(c[0], _unquote(c[1]), self._s(meta), _tok_span(self.file, c[1]))

        @lark.v_args(meta=True)
        def arith(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Arith(str(c[1]), c[0], c[2], self._s(meta))

        @lark.v_args(meta=True)
        def mul(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Arith("*", c[0], c[1], self._s(meta))

        @lark.v_args(meta=True)
        def neg(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Neg(c[0], self._s(meta))

        @lark.v_args(meta=True)
        def path(self, meta: Any, c: list[Any]) -> ast.Expr:
            spans = tuple(_tok_span(self.file, t) for t in c[1:])
            return ast.Path(str(c[0]), tuple(str(t) for t in c[1:]), self._s(meta), spans)

        @lark.v_args(meta=True)
        def name(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Name(str(c[0]), self._s(meta))

        @lark.v_args(meta=True)
        def as_of(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.AsOf(self._s(meta))

        @lark.v_args(meta=True)
        def call(self, meta: Any, c: list[Any]) -> ast.Expr:
            args = tuple(a for a in c[1:] if a is not None)
            return ast.Call(str(c[0]), args, self._s(meta), _tok_span(self.file, c[0]))

        @lark.v_args(meta=True)
        def list_(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.ListExpr(tuple(a for a in c if a is not None), self._s(meta))

        @lark.v_args(meta=True)
        def comprehension(self, meta: Any, c: list[Any]) -> ast.Expr:
            return ast.Comprehension(c[0], str(c[1]), c[2], c[3], self._s(meta))

        generator = comprehension

        # -- literals --
        @lark.v_args(meta=True)
        def string(self, meta: Any, c: list[Any]) -> ast.Literal:
            return ast.Literal(_unquote(c[0]), "string", self._s(meta))

        @lark.v_args(meta=True)
        def number(self, meta: Any, c: list[Any]) -> ast.Literal:
            text = str(c[0])
            if len(text.split(".")[0]) > 15:
                raise GovrulesError(
                    [
                        Diagnostic(
                            "GR107",
                            "error",
                            f"the number `{text[:20]}…` is too large",
                            self._s(meta),
                            "numbers in rules have at most 15 digits",
                        )
                    ]
                )
            return ast.Literal(float(text) if "." in text else int(text), "number", self._s(meta))

        @lark.v_args(meta=True)
        def bool_(self, meta: Any, c: list[Any]) -> ast.Literal:
            return ast.Literal(str(c[0]) == "true", "bool", self._s(meta))

        @lark.v_args(meta=True)
        def date(self, meta: Any, c: list[Any]) -> ast.Literal:
            try:
                value = dt.date.fromisoformat(str(c[0]))
            except ValueError:
                raise GovrulesError(
                    [
                        Diagnostic(
                            "GR106",
                            "error",
                            f"`{c[0]}` is not a calendar date",
                            self._s(meta),
                            hint="write a real date as YYYY-MM-DD",
                        )
                    ]
                ) from None
            return ast.Literal(value, "date", self._s(meta))

        @lark.v_args(meta=True)
        def days(self, meta: Any, c: list[Any]) -> ast.Literal:
            return self._duration(meta, c[0], 1)

        @lark.v_args(meta=True)
        def weeks(self, meta: Any, c: list[Any]) -> ast.Literal:
            return self._duration(meta, c[0], 7)

        def _duration(self, meta: Any, tok: Any, unit: int) -> ast.Literal:
            if len(str(tok)) > 6:
                raise GovrulesError(
                    [
                        Diagnostic(
                            "GR107",
                            "error",
                            f"the duration `{tok}` is too long",
                            self._s(meta),
                            "durations in rules are at most 999999 days",
                        )
                    ]
                )
            if "." in str(tok):
                raise GovrulesError(
                    [
                        Diagnostic(
                            "GR107",
                            "error",
                            f"a duration needs a whole number, found `{tok}`",
                            self._s(meta),
                            hint="write e.g. `30 days`",
                        )
                    ]
                )
            return ast.Literal(dt.timedelta(days=int(str(tok)) * unit), "duration", self._s(meta))

        @lark.v_args(meta=True)
        def literal_list(self, meta: Any, c: list[Any]) -> ast.Literal:
            items = tuple(x for x in c if x is not None)
            return ast.Literal(tuple(x.value for x in items), "list", self._s(meta))

        @lark.v_args(meta=True)
        def literal_table(self, meta: Any, c: list[Any]) -> ast.Literal:
            pairs = [x for x in c if x is not None]
            seen: dict[str, Span] = {}
            for key, _, span in pairs:
                if key in seen:
                    raise GovrulesError(
                        [
                            Diagnostic(
                                "GR112",
                                "error",
                                f"key `{key}` is given twice in the table",
                                span,
                                hint="keep one entry per key",
                            )
                        ]
                    )
                seen[key] = span
            return ast.Literal(Table((k, v.value) for k, v, _ in pairs), "table", self._s(meta))

        def entry(self, c: list[Any]) -> tuple[str, ast.Literal, Span]:
            return (_unquote(c[0]), c[1], _tok_span(self.file, c[0]))

    return ToAst


@functools.cache
def _transformer_class() -> Any:
    return _make_transformer()


def _ToAst(file: str) -> Any:
    return _transformer_class()(file)
