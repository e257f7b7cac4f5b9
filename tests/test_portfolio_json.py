"""The fast JSON writer (`govrules.json_text`, behind the portfolio's JSON and `check --format json`) gives
`json.dumps(value, indent=2, ensure_ascii=...)`'s bytes, for any JSON-like value."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govrules.json_text import dumps
from govrules.portfolio import render_json

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too: json writes NaN, Infinity, -Infinity
    | st.text()  # any code point: escaped to ASCII, or kept, as json does
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.booleans())
def test_dumps_is_json_dumps_with_an_indent_of_two(value: object, ensure_ascii: bool) -> None:
    assert dumps(value, ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_unusual_keys_and_values_are_left_to_json(ensure_ascii: bool) -> None:
    class Count(int):
        pass

    value = {"a": {1: "x", None: [Count(3)], 2.5: math.inf}, "b": True, "c": "é\u2028"}
    assert dumps(value, ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


def test_the_portfolio_summary_is_ascii_json_with_a_final_newline() -> None:
    summary = {"version": "1.0", "owner": "José", "rows": [{"cells": {}, "findings": []}]}
    assert render_json.render(summary) == json.dumps(summary, indent=2) + "\n"
