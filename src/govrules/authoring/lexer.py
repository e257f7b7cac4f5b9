"""Syntax highlighting for the govrules policy language: a Pygments lexer, registered as `govrules` (alias `gov`).

The HTML catalogue (`govrules policy doc --format html`) highlights each rule's source with it, and any tool that
uses Pygments (Sphinx, MkDocs, `pygmentize`) finds it through the `pygments.lexers` entry point once govrules is
installed. Built-in function and predicate names come from `engine/builtins.py`, so they stay in step.

    $ pygmentize -l govrules -f terminal policies/priv.gov
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    STANDARD_TYPES,
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from govrules.engine.builtins import FUNCTIONS, PREDICATES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pygments.token import _TokenType

# the grammar's reserved words (grammar/govrules.lark), by role
DECLARATIONS = ("param", "let", "rule")
METADATA = ("severity", "enforcement", "waivable", "references", "remediation", "description")
CLAUSES = ("when", "require", "advise", "else")
OPERATOR_WORDS = ("every", "some", "in", "implies", "or", "and", "not", "is", "matches", "for", "if", "from")
LEVELS = ("advisory", "soft", "hard")
SEVERITIES = ("info", "low", "medium", "high", "critical")

_NAME = r"[a-z_][a-z0-9_]*"
_END = r"(?![a-z0-9_])"  # a word ends where a name could not go on


class GovrulesLexer(RegexLexer):
    """Tokens of a `.gov` policy file: declarations, rule metadata, clauses and expressions."""

    name = "govrules"
    aliases = ["govrules", "gov"]  # noqa: RUF012 (Pygments' class attributes)
    filenames = ["*.gov"]  # noqa: RUF012
    mimetypes = ["text/x-govrules"]  # noqa: RUF012
    url = "https://github.com/govrules/govrules"
    version_added = ""

    tokens = {  # noqa: RUF012
        "root": [
            (r"\s+", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"', String.Double, "string"),
            # declarations: the name they declare
            (
                r"(rule)(\s+)([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)",
                bygroups(Keyword.Declaration, Whitespace, Name.Label),
            ),
            (rf"(param|let)(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+", Name.Label),  # a rule id elsewhere (e.g. in a waiver test)
            # rule metadata with the value it takes
            (
                rf"(severity)(\s+)({'|'.join(SEVERITIES)}){_END}",
                bygroups(Keyword.Reserved, Whitespace, Name.Constant),
            ),
            (
                rf"(enforcement)(\s+)({'|'.join(LEVELS)}){_END}",
                bygroups(Keyword.Reserved, Whitespace, Name.Constant),
            ),
            (
                rf"(,)(\s*)({'|'.join(LEVELS)})(\s+)(from)(\s+)({_NAME})",
                bygroups(
                    Punctuation, Whitespace, Name.Constant, Whitespace, Keyword, Whitespace, Name.Constant
                ),
            ),
            (
                rf"(,)(\s*)({'|'.join(LEVELS)})(\s+)(when){_END}",
                bygroups(Punctuation, Whitespace, Name.Constant, Whitespace, Keyword),
            ),
            (words(METADATA, suffix=_END), Keyword.Reserved),
            (words(CLAUSES, suffix=_END), Keyword),
            # `x is [not] PREDICATE`, `contains all|any`
            (
                rf"(is)(\s+)(?:(not)(\s+))?({'|'.join(sorted(PREDICATES))}){_END}",
                bygroups(Operator.Word, Whitespace, Operator.Word, Whitespace, Name.Builtin),
            ),
            (r"(contains)(\s+)(all|any)" + _END, bygroups(Operator.Word, Whitespace, Operator.Word)),
            (words(OPERATOR_WORDS, suffix=_END), Operator.Word),
            (words(("true", "false"), suffix=_END), Keyword.Constant),
            (words(("as_of", "rules"), suffix=_END), Name.Builtin.Pseudo),
            # literals: dates before durations before numbers
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])", Literal.Date),
            (
                rf"([0-9]+(?:\.[0-9]+)?)(\s*)(days|day|weeks|week){_END}",
                bygroups(Number, Whitespace, Keyword.Type),
            ),
            (r"[0-9]+\.[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
            # calls and names
            (
                rf"({'|'.join(sorted(FUNCTIONS, key=lambda n: (-len(n), n)))})(\s*)(\()",
                bygroups(Name.Builtin, Whitespace, Punctuation),
            ),
            (rf"({_NAME})(\s*)(\()", bygroups(Name.Function, Whitespace, Punctuation)),
            (rf"(\.)({_NAME})", bygroups(Punctuation, Name.Attribute)),
            (_NAME, Name),
            (r"==|!=|<=|>=|<|>|\+|-|\*", Operator),
            (r"=", Operator),
            (r"[{}()\[\],:.]", Punctuation),
        ],
        "string": [
            (r"\\[^\n]", String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (
                r"\n",
                String.Double,
                "#pop",
            ),  # an unclosed string ends at the line's end, as the parser sees it
        ],
    }


def css_class(token: _TokenType) -> str:
    """Pygments' short class for a token (`k`, `s2`, `nb`…), or its nearest parent's; "" for plain text."""
    found: _TokenType | None = token
    while found is not None and found not in STANDARD_TYPES:
        found = found.parent
    return STANDARD_TYPES[found] if found is not None else ""


def highlight_html(text: str) -> str:
    """Policy source as HTML: runs of one token class as `<span class="…">` with Pygments' short class names,
    text escaped. No wrapper and no styles: the page styles the classes itself, so the bytes do not depend on
    Pygments' default style."""
    from html import escape

    runs: list[list[str]] = []  # [class, text]
    for token, value in GovrulesLexer(stripnl=False, ensurenl=False).get_tokens(text):
        cls = css_class(token) if value.strip() else ""
        if runs and runs[-1][0] == cls:
            runs[-1][1] += value
        else:
            runs.append([cls, value])
    return "".join(
        f'<span class="{cls}">{escape(value, quote=False)}</span>' if cls else escape(value, quote=False)
        for cls, value in runs
    )
