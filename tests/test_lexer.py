"""The Pygments lexer of the policy language: the whole pack lexes cleanly, and Pygments finds it by name."""

from __future__ import annotations

import importlib.metadata

import pytest
from pygments.token import Error, Token

from govrules.authoring.lexer import GovrulesLexer, highlight_html
from govrules.engine.builtins import FUNCTIONS, PREDICATES
from helpers import ROOT

PACK = sorted((ROOT / "policies").glob("*.gov"))

# (source, the token each listed word gets)
CASES = [
    ('rule OWN-001 "Owner" {', {"rule": Token.Keyword.Declaration, "OWN-001": Token.Name.Label}),
    ("param max_age = 365 days", {"param": Token.Keyword.Declaration, "max_age": Token.Name.Variable}),
    ("param max_age = 365 days", {"365": Token.Literal.Number, "days": Token.Keyword.Type}),
    ("let eu = x in [1, 2.5]", {"let": Token.Keyword.Declaration, "1": Token.Literal.Number.Integer}),
    ("let eu = x in [1, 2.5]", {"2.5": Token.Literal.Number.Float, "in": Token.Operator.Word}),
    ("  severity critical", {"severity": Token.Keyword.Reserved, "critical": Token.Name.Constant}),
    ("  enforcement soft, hard from pilot", {"soft": Token.Name.Constant, "pilot": Token.Name.Constant}),
    ("  enforcement advisory, hard when eu_high", {"when": Token.Keyword, "eu_high": Token.Name}),
    ("  when a.b >= 2026-01-31", {"when": Token.Keyword, "2026-01-31": Token.Literal.Date}),
    ("  require x is not email else", {"not": Token.Operator.Word, "email": Token.Name.Builtin}),
    ("  require x contains any y", {"contains": Token.Operator.Word, "any": Token.Operator.Word}),
    ("  advise age(d.date) <= 2 weeks", {"advise": Token.Keyword, "age": Token.Name.Builtin}),
    ("  advise age(d.date) <= 2 weeks", {"date": Token.Name.Attribute, "<=": Token.Operator}),
    ("x == as_of - 30 days # why", {"as_of": Token.Name.Builtin.Pseudo, "# why": Token.Comment.Single}),
    ("x.when_done and rules", {"when_done": Token.Name.Attribute, "rules": Token.Name.Builtin.Pseudo}),
    ('"say \\"hi\\""', {'\\"': Token.Literal.String.Escape}),
    ("severity_x", {"severity_x": Token.Name}),
]


def tokens(text: str) -> list[tuple[object, str]]:
    return [(t, v) for t, v in GovrulesLexer().get_tokens(text) if v.strip()]


@pytest.mark.parametrize("path", PACK, ids=lambda p: p.name)
def test_every_pack_file_lexes_without_errors_and_keeps_its_text(path) -> None:
    text = path.read_text(encoding="utf-8")
    found = list(GovrulesLexer(stripnl=False, ensurenl=False).get_tokens(text))
    assert [v for t, v in found if t in Error] == []
    assert "".join(v for _, v in found) == text


@pytest.mark.parametrize(("source", "want"), CASES, ids=[f"{i}" for i in range(len(CASES))])
def test_tokens(source: str, want: dict[str, object]) -> None:
    got = dict((v, t) for t, v in tokens(source))
    for word, token in want.items():
        assert got.get(word) == token, (word, got)


def test_every_builtin_function_and_predicate_is_highlighted() -> None:
    for name in FUNCTIONS:
        assert (Token.Name.Builtin, name) in tokens(f"{name}(x)")
    for name in PREDICATES:
        assert (Token.Name.Builtin, name) in tokens(f"x is {name}")


def test_pygments_finds_the_lexer_by_name_alias_and_file_name() -> None:
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    names = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pygments.lexers")}
    if names.get("govrules") != "govrules.authoring.lexer:GovrulesLexer":
        pytest.skip("govrules is not installed here (`pip install -e .` registers the entry point)")
    for found in (get_lexer_by_name("govrules"), get_lexer_by_name("gov"), get_lexer_for_filename("a.gov")):
        assert type(found).__name__ == "GovrulesLexer"


def test_html_escapes_and_keeps_the_text() -> None:
    html = highlight_html('let a = b < 3 "x & <y>"\n')
    assert '<span class="o">&lt;</span>' in html
    assert '<span class="s2">"x &amp; &lt;y&gt;"</span>' in html
    assert html.endswith("\n")
