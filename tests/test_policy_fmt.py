"""`govrules policy fmt`: golden input/output pairs (golden/fmt/*.in.gov -> *.out.gov, regenerated with
GOVRULES_UPDATE_GOLDEN=1), identity and idempotence over the default pack, a property over generated policy ASTs,
and the command's --check, --diff and --write."""

from __future__ import annotations

import datetime as dt
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govrules.authoring.fmt import format_text
from govrules.authoring.layout import print_policy
from govrules.lang import ast
from govrules.lang.parser import parse_policy, policy_comments
from helpers import ROOT, run_cli

GOLDEN = Path(__file__).parent / "golden" / "fmt"
PAIRS = sorted(GOLDEN.glob("*.in.gov"))
PACK = sorted((ROOT / "policies").glob("*.gov"))


@pytest.mark.parametrize("source", PAIRS, ids=lambda p: p.name)
def test_golden_pair(source: Path) -> None:
    expected = source.with_name(source.name.replace(".in.gov", ".out.gov"))
    text = source.read_text(encoding="utf-8")
    got = format_text(text, source.name)
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        expected.write_text(got, encoding="utf-8")
    assert got == expected.read_text(encoding="utf-8")
    assert parse_policy(got, source.name) == parse_policy(text, source.name)
    assert format_text(got, source.name) == got
    assert sorted(c[2] for c in policy_comments(got)) == sorted(c[2] for c in policy_comments(text))


@pytest.mark.parametrize("path", PACK, ids=lambda p: p.name)
def test_pack_survives_formatting(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    policy = parse_policy(text, path.name)
    assert parse_policy(print_policy(policy), path.name) == policy  # parse(print(ast)) == ast
    once = format_text(text, path.name)
    assert parse_policy(once, path.name) == policy
    assert format_text(once, path.name) == once  # idempotent
    assert sorted(c[2] for c in policy_comments(once)) == sorted(c[2] for c in policy_comments(text))


def test_formatted_lines_fit_unless_a_single_string_or_word_is_longer() -> None:
    for path in PACK:
        for line in format_text(path.read_text(encoding="utf-8"), path.name).splitlines():
            if len(line) > 110 and not line.lstrip().startswith("#"):
                assert '"' in line, line  # a string is never split but between words


# ---- generated ASTs ----

NAMES = st.sampled_from(["a", "b", "pd", "stage", "kpis", "d", "x_1", "owner"])
TEXT = st.text(alphabet=string.ascii_letters + string.digits + ' "\\#.,:()-\t\n', max_size=12)
WORDS = st.lists(
    st.text(alphabet=string.ascii_letters + '"\\#.,()', min_size=1, max_size=12), max_size=30
).map(" ".join)
SCALARS = st.one_of(
    TEXT.map(lambda s: ast.Literal(s, "string")),
    st.integers(0, 10**6).map(lambda n: ast.Literal(n, "number")),
    st.sampled_from([0.5, 2.25, 10.0]).map(lambda n: ast.Literal(n, "number")),
    st.booleans().map(lambda b: ast.Literal(b, "bool")),
    st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)).map(lambda d: ast.Literal(d, "date")),
    st.integers(0, 999).map(lambda n: ast.Literal(dt.timedelta(days=n), "duration")),
)
LEAVES = st.one_of(
    SCALARS,
    NAMES.map(ast.Name),
    st.tuples(NAMES, st.lists(NAMES, min_size=1, max_size=3)).map(lambda t: ast.Path(t[0], tuple(t[1]))),
    st.just(ast.AsOf()),
)


def _extend(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    two = st.tuples(inner, inner)
    return st.one_of(
        inner.map(ast.Not),
        inner.map(ast.Neg),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=4)).map(
            lambda t: ast.BoolOp(t[0], tuple(t[1]))
        ),
        two.map(lambda t: ast.BoolOp("implies", t)),
        st.tuples(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), inner, inner).map(
            lambda t: ast.Compare(*t)
        ),
        st.tuples(st.sampled_from(["+", "-", "*"]), inner, inner).map(lambda t: ast.Arith(*t)),
        st.tuples(inner, inner, st.booleans()).map(lambda t: ast.Member(*t)),
        st.tuples(st.sampled_from(["all", "any"]), inner, inner).map(lambda t: ast.Contains(*t)),
        st.tuples(inner, st.sampled_from(["present", "absent", "email"]), st.booleans()).map(
            lambda t: ast.IsTest(*t)
        ),
        st.tuples(inner, TEXT).map(lambda t: ast.Matches(*t)),
        st.tuples(st.sampled_from(["every", "some"]), NAMES, inner, inner).map(lambda t: ast.Quantifier(*t)),
        st.lists(inner, max_size=4).map(lambda xs: ast.ListExpr(tuple(xs))),
        st.tuples(inner, NAMES, inner, st.none() | inner).map(lambda t: ast.Comprehension(*t)),
        st.tuples(NAMES, st.lists(inner, max_size=3)).map(lambda t: ast.Call(t[0], tuple(t[1]))),
        st.tuples(NAMES, st.tuples(inner, NAMES, inner, st.none() | inner)).map(
            lambda t: ast.Call(t[0], (ast.Comprehension(*t[1]),))
        ),
    )


EXPRS = st.recursive(LEAVES, _extend, max_leaves=14)
OPTIONAL_TEXT = st.none() | WORDS
LITERALS = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=6).map(lambda xs: ast.Literal(tuple(x.value for x in xs), "list")),
)
PARAMS = st.tuples(st.sampled_from(["p_1", "p_2", "window"]), LITERALS, st.none() | TEXT).map(
    lambda t: ast.Param(*t)
)
LETS = st.tuples(st.sampled_from(["l_1", "l_2", "ready"]), EXPRS, st.none() | TEXT).map(lambda t: ast.Let(*t))
CLAUSES = st.tuples(EXPRS, st.none() | TEXT).map(lambda t: ast.Require(*t))
LEVELS = st.sampled_from(["soft", "hard"])
ESCALATIONS = st.one_of(
    st.tuples(LEVELS, st.sampled_from(["pilot", "program"])).map(lambda t: ast.Escalation(t[0], t[1])),
    st.tuples(LEVELS, EXPRS).map(lambda t: ast.Escalation(t[0], None, t[1])),
)


@st.composite
def rules(draw: st.DrawFn) -> ast.Rule:
    enforcement = draw(st.none() | st.sampled_from(["advisory", "soft"]))
    return ast.Rule(
        draw(st.sampled_from(["A-1", "OWN-001", "X-2"])),
        draw(TEXT),
        draw(st.none() | st.sampled_from(["low", "high"])),
        enforcement,
        draw(st.lists(ESCALATIONS, max_size=2).map(tuple)) if enforcement else (),
        draw(st.booleans()),
        draw(st.lists(TEXT, max_size=3).map(tuple)),
        draw(OPTIONAL_TEXT),
        draw(OPTIONAL_TEXT),
        draw(st.lists(EXPRS, max_size=2).map(tuple)),
        draw(st.lists(CLAUSES, max_size=3).map(tuple)),
        advice=draw(st.lists(CLAUSES, max_size=2).map(tuple)),
    )


POLICIES = st.lists(st.one_of(PARAMS, LETS, rules()), max_size=4).map(
    lambda items: ast.Policy("p.gov", tuple(items))
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(POLICIES)
def test_printed_policies_parse_back_to_the_same_ast(policy: ast.Policy) -> None:
    text = print_policy(policy)
    assert parse_policy(text, "p.gov") == policy, text
    assert format_text(text, "p.gov") == text, text


# ---- the command ----


def _messy(tmp_path: Path) -> Path:
    path = tmp_path / "m.gov"
    path.write_text(
        'param   a =  1   # one\nrule A-1 "t" {  severity   low require a > 0 }\n', encoding="utf-8"
    )
    return path


def test_no_flag_prints_the_formatted_text(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    code, out, err = run_cli("policy", "fmt", str(path))
    assert (code, err) == (0, "")
    assert out == 'param a = 1  # one\n\nrule A-1 "t" {\n  severity low\n  require a > 0\n}\n'


def test_check_names_the_files_that_would_change(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    clean = tmp_path / "clean.gov"
    clean.write_text("param a = 1\n", encoding="utf-8")
    code, out, err = run_cli("policy", "fmt", "--check", str(tmp_path))
    assert (code, err) == (1, "")
    assert out.splitlines() == [f"would reformat {path.as_posix()}", "1 of 2 files would be reformatted"]
    assert run_cli("policy", "fmt", "--check", str(clean)) == (0, "1 file already formatted\n", "")


def test_diff_prints_a_unified_diff(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    code, out, _ = run_cli("policy", "fmt", "--diff", str(path))
    assert code == 1
    assert out.startswith(f"--- {path.as_posix()}\n+++ {path.as_posix()} (formatted)\n@@")
    assert "\n-param   a =  1   # one\n" in out and "\n+param a = 1  # one\n" in out


def test_write_rewrites_in_place_and_is_then_clean(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    path.chmod(0o640)
    code, out, _ = run_cli("policy", "fmt", "--write", str(path))
    assert (code, out) == (0, f"reformatted {path.as_posix()}\n")
    assert path.read_text(encoding="utf-8").startswith("param a = 1  # one\n")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["m.gov"]
    assert run_cli("policy", "fmt", "--check", str(path))[0] == 0


def test_a_syntax_error_exits_2_with_its_location(tmp_path: Path) -> None:
    path = tmp_path / "bad.gov"
    path.write_text('rule A-1 "t" {\n  require stage.current ==\n}\n', encoding="utf-8")
    code, _, err = run_cli("policy", "fmt", "--check", str(path))
    assert code == 2
    assert "bad.gov:3:1: error GR104 unexpected `}`" in err
    assert path.read_text(encoding="utf-8").startswith("rule A-1")


def test_the_default_pack_is_formatted_and_lint_clean() -> None:
    assert run_cli("policy", "fmt", "--check", "policies", cwd=ROOT)[0] == 0
    code, out, _ = run_cli("policy", "check", "--strict", cwd=ROOT)
    assert (code, out.strip().splitlines()[-1]) == (0, "13 policy files checked: no problems")
