"""Properties over generated input: checked policies never raise on schema-valid manifests, the compiled verdicts
agree with the explaining interpreter, printed expressions parse back to the same AST, and no manifest text makes
the loader raise anything but a located GovrulesError."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govrules.api import Engine, root_type
from govrules.diagnostics import GovrulesError
from govrules.engine.builtins import Context
from govrules.engine.checker import check_policies
from govrules.engine.compiler import compile_policies
from govrules.engine.explain import Explainer
from govrules.lang.parser import parse_policy
from govrules.lang.printer import print_expr
from govrules.manifest.loader import LocatedDocument, load_text
from govrules.manifest.schema import manifest_schema

SCHEMA = manifest_schema()
DEFS = SCHEMA["$defs"]
AS_OF = dt.date(2026, 11, 28)
ENGINE = Engine.load()


def from_schema(node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    if "$ref" in node:
        return from_schema(DEFS[node["$ref"].removeprefix("#/$defs/")], depth)
    kind = node.get("type")
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if kind == "object":
        props = node.get("properties", {})
        required = set(node.get("required", []))
        if depth > 5:
            props = {k: v for k, v in props.items() if k in required}
        return st.fixed_dictionaries(
            {k: from_schema(v, depth + 1) for k, v in props.items() if k in required},
            optional={k: from_schema(v, depth + 1) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        items = from_schema(node.get("items", {}), depth + 1)
        return st.lists(items, max_size=3, unique=bool(node.get("uniqueItems")))
    if kind == "string":
        if node.get("format") == "date":
            return st.dates(dt.date(2023, 1, 1), dt.date(2027, 12, 31))
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True)
        return st.sampled_from(
            ["", "x", "Data Science", "ana@corp.example", "https://x.example/a", "docs/a.md"]
        )
    if kind == "integer":
        return st.integers(min_value=node.get("minimum", -5), max_value=1000)
    if kind == "number":
        return st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    return st.none()


MANIFESTS = from_schema(SCHEMA)


def explained_outcomes(data: dict[str, Any], levels: tuple[str, ...]) -> list[Any]:
    checked = ENGINE.compiled.checked()
    explainer = Explainer(checked, LocatedDocument("m.yaml", data), AS_OF, Context(AS_OF), levels)
    out: list[Any] = []
    for rule in checked.rules:
        if not all(explainer.truth(w, {}) for w in rule.when):
            out.append(None)
            continue
        requires = tuple(explainer.truth(r.expr, {}) for r in rule.requires)
        out.append((requires, tuple(explainer.truth(r.expr, {}) for r in rule.advice)))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MANIFESTS)
def test_pack_never_raises_and_agrees_with_the_explainer(data: dict[str, Any]) -> None:
    outcomes, levels = ENGINE.compiled.evaluate(data, AS_OF, Context(AS_OF))
    got = [(o[0], o[2]) if o else None for o in outcomes]
    assert got == explained_outcomes(data, levels)


PATHS = [
    "stage.since",
    "risk.assessed_on",
    "security.review.date",
    "kpis",
    "project.jurisdictions",
    "owners.business_owner.email",
    "ai_system.generative",
    "stage.current",
    "data.datasets",
    "monitoring.review_cadence_days",
    "as_of",
    "3",
    "30 days",
    '"pilot"',
    '["EU", "DE"]',
    "2025-01-01",
]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    leaf = draw(st.sampled_from(PATHS))
    choice = draw(st.integers(0, 9 if depth < 3 else 5))
    other = draw(st.sampled_from(PATHS))
    match choice:
        case 0:
            return f"{leaf} is {draw(st.sampled_from(['present', 'absent', 'email', 'url', 'empty']))}"
        case 1 | 2:
            return f"{leaf} {draw(st.sampled_from(['==', '!=', '<', '<=', '>', '>=']))} {other}"
        case 3:
            return f"{leaf} in {other}"
        case 4:
            return f"age({leaf}) <= {other}"
        case 5:
            return f"{leaf} - {other} >= as_of - 400 days"
        case 6:
            return f"({draw(expressions(depth + 1))}) and ({draw(expressions(depth + 1))})"
        case 7:
            return f"not ({draw(expressions(depth + 1))})"
        case 8:
            return f"every k in kpis: k.baseline.value is present or ({draw(expressions(depth + 1))})"
        case _:
            return f"count(d for d in data.datasets if d.personal_data) >= {draw(st.integers(0, 3))}"


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(expressions(), MANIFESTS)
def test_any_checked_policy_never_raises(expr: str, data: dict[str, Any]) -> None:
    text = f'rule P-1 "p" {{\n  severity low\n  enforcement soft\n  references "r"\n  remediation "r"\n  require {expr}\n}}\n'
    try:
        checked = check_policies([parse_policy(text, "p.gov")], root_type())
    except GovrulesError:
        assume(False)
        return
    compiled = compile_policies(checked)
    outcome, _ = compiled.evaluate(data, AS_OF, Context(AS_OF))
    explainer = Explainer(checked, LocatedDocument("m.yaml", data), AS_OF, Context(AS_OF))
    assert outcome[0] is not None and outcome[0][0] == (
        explainer.truth(checked.rules[0].requires[0].expr, {}),
    )
    if not outcome[0][0][0]:
        explainer.why(checked.rules[0].requires[0].expr)  # explaining a failure never raises either


@settings(max_examples=200, deadline=None)
@given(expressions())
def test_printed_expressions_parse_back_to_the_same_ast(expr: str) -> None:
    parsed = parse_policy(f'rule P-1 "p" {{ require {expr} }}', "p.gov").items[0].requires[0].expr
    printed = print_expr(parsed)
    again = parse_policy(f'rule P-1 "p" {{ require {printed} }}', "p.gov").items[0].requires[0].expr
    assert again == parsed


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`,? \n\t0123456789.xyz")), max_size=80))
def test_loader_never_raises_anything_but_a_located_error(text: str) -> None:
    try:
        load_text(text, "m.yaml")
    except GovrulesError as err:
        assert all(d.span is not None and d.span.line >= 1 for d in err.diagnostics)
