"""The text rendering is faithful for any JSON-like result, not only the shapes Kinsta sends today."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kinsta_mcp.server.render import render

KEYS = st.sampled_from(["id", "name", "value", "total", "created_at", "size", "status", "note", "items", "a|b"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=40,
)


def leaves(value: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, k)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v, key)]
    return [(key, value)]


def forms(key: str, value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    found = [str(value)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        for seconds in (value / 1000, value):  # a moment in epoch milliseconds or seconds
            if 1e9 <= abs(seconds) < 1e11 and seconds > 0:
                found.append(datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return found


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=6))
def test_every_value_appears_in_the_text(data: dict[str, Any]) -> None:
    text = "\n".join(render(data))
    for key, value in leaves(data):
        if value is not None:
            assert any(form in text for form in forms(key, value)), (key, value, text)
