"""The portfolio's JSON writer gives `json.dumps(summary, indent=2)`'s bytes, for any JSON-like summary."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from govrules.portfolio import render_json

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too: json writes NaN, Infinity, -Infinity
    | st.text()  # any code point: escaped to ASCII as json does
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
@given(st.dictionaries(st.text(max_size=8), VALUES, max_size=6))
def test_render_is_json_dumps_with_an_indent_of_two(summary: dict[str, object]) -> None:
    assert render_json.render(summary) == json.dumps(summary, indent=2) + "\n"


def test_unusual_keys_and_values_are_left_to_json() -> None:
    class Count(int):
        pass

    summary = {"a": {1: "x", None: [Count(3)], 2.5: math.inf}, "b": True}
    assert render_json.render(summary) == json.dumps(summary, indent=2) + "\n"
