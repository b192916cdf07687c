"""Cutting a result to its byte budget, in both channels, and saying so.

Pure. The cut is fair rather than greedy: every list is capped at the same number of items
(the largest cap with which both channels fit), so one site with 400 domains does not
crowd out 199 others; long texts (logs, command output) are capped at a number of lines.
Lists keep their first items; a log keeps its newest lines. Each cut is recorded under
`_truncated` with what was kept, what was left out and the caller's hint for the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TRUNCATED_KEY = "_truncated"
LONG_TEXT = 200  # characters: shorter texts are never cut
_CHARS_PER_LINE = 100  # a one-line text is cut by characters, counted in "lines" of this size

Path = tuple[str | int, ...]


@dataclass
class Cut:
    at: Path
    kept: int
    total: int
    unit: str  # items, lines or characters
    newest: bool  # kept the end (a log's newest lines) rather than the start
    hint: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "at": dotted(self.at),
            "kept": self.kept,
            "of": self.total,
            "omitted": self.total - self.kept,
            "unit": self.unit,
            "kept_part": "newest" if self.newest else "first",
            "hint": self.hint,
        }


Hint = Callable[[Cut, Any, Any], str]
"""Which arguments fetch what a cut left out, given the cut, what it kept and the record holding it."""
Compose = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]
"""Both channels (text, structured) for a candidate structured result."""


@dataclass(frozen=True)
class Shaped:
    text: str
    structured: dict[str, Any]


def dotted(trail: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(trail))


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def node_at(data: Any, trail: Path) -> Any:
    for part in trail:
        data = data[part]
    return data


def _text_units(text: str) -> tuple[int, str]:
    if "\n" in text:
        return text.count("\n") + 1, "lines"
    return len(text), "characters"


def _lines(text: str, split: dict[int, list[str]]) -> list[str]:
    """`text` split into lines once per fit, not once per probe (texts are never changed in place)."""
    found = split.get(id(text))
    if found is None:
        found = split[id(text)] = text.split("\n")
    return found


def _cut_text(text: str, limit: int, newest: bool, split: dict[int, list[str]]) -> str:
    if "\n" in text:
        lines = _lines(text, split)
        return "\n".join(lines[len(lines) - limit :] if newest else lines[:limit]) if limit else ""
    return text[len(text) - limit :] if newest else text[:limit]


def _cap(
    value: Any,
    trail: Path,
    items: int | None,
    lines: int | None,
    newest: bool,
    cuts: list[Cut],
    split: dict[int, list[str]],
) -> Any:
    """`value` with every list capped at `items` and every long text at `lines`; the cuts are appended."""
    if isinstance(value, Mapping):
        return {
            k: v if not trail and str(k).startswith("_") else _cap(v, (*trail, k), items, lines, newest, cuts, split)
            for k, v in value.items()
        }
    if isinstance(value, list):
        kept = value
        if items is not None and len(value) > items:
            kept = value[len(value) - items :] if newest else value[:items]
            cuts.append(Cut(trail, items, len(value), "items", newest))
        return [_cap(v, (*trail, i), items, lines, newest, cuts, split) for i, v in enumerate(kept)]
    if isinstance(value, str) and lines is not None and len(value) > LONG_TEXT:
        unit = "lines" if "\n" in value else "characters"
        total = len(_lines(value, split)) if unit == "lines" else len(value)
        limit = lines if unit == "lines" else lines * _CHARS_PER_LINE
        if total > limit:
            cuts.append(Cut(trail, limit, total, unit, newest))
            return _cut_text(value, limit, newest, split)
    return value


def _extent(value: Any, top: bool = True) -> tuple[int, int, int]:
    """(longest list, most lines of a long text, biggest long text in bytes), server keys excluded."""
    if isinstance(value, Mapping):
        parts = [_extent(v, False) for k, v in value.items() if not (top and str(k).startswith("_"))]
    elif isinstance(value, list):
        parts = [(len(value), 0, 0), *(_extent(v, False) for v in value)]
    elif isinstance(value, str) and len(value) > LONG_TEXT:
        total, unit = _text_units(value)
        parts = [(0, total if unit == "lines" else -(-total // _CHARS_PER_LINE), len(value.encode()))]
    else:
        parts = []
    return (
        max((p[0] for p in parts), default=0),
        max((p[1] for p in parts), default=0),
        max((p[2] for p in parts), default=0),
    )


def largest_fitting(ok: Callable[[int], bool], high: int) -> int | None:
    """The largest n in [0, high] with ok(n), assuming ok is monotone; None when even 0 fails.

    Galloping up from 1 before bisecting: probes stay small (a probe renders both channels).
    """
    if not ok(0):
        return None
    low, step = 0, 1
    while low + step <= high and ok(low + step):
        low += step
        step *= 2
    high = min(high, low + step - 1)
    while low < high:
        mid = (low + high + 1) // 2
        if ok(mid):
            low = mid
        else:
            high = mid - 1
    return low


def fit(structured: dict[str, Any], compose: Compose, budget: int, newest: bool, hint: Hint) -> Shaped:
    """Both channels within `budget` bytes; what is cut is stated in both."""

    split: dict[int, list[str]] = {}  # long texts by id, split into lines once (structured is not changed)

    def attempt(items: int | None, lines: int | None) -> tuple[str, dict[str, Any]]:
        cuts: list[Cut] = []
        data = _cap(structured, (), items, lines, newest, cuts, split)
        if cuts:
            for cut in cuts:
                cut.hint = hint(cut, node_at(data, cut.at), node_at(data, cut.at[:-1]) if cut.at else None)
            data = {**data, TRUNCATED_KEY: [c.record() for c in cuts]}
        return compose(data)

    def fits(pair: tuple[str, dict[str, Any]]) -> bool:
        return len(pair[0].encode()) <= budget and json_size(pair[1]) <= budget

    if json_size(structured) <= budget:  # else the structured channel alone is too big: skip rendering it whole
        whole = attempt(None, None)
        if fits(whole):
            return Shaped(*whole)
    longest, most_lines, biggest_text = _extent(structured)
    items: int | None = None
    lines: int | None = None
    # Cut texts first when one text alone is most of the budget (a log), lists first otherwise.
    for phase in ("lines", "items") if biggest_text > budget // 2 else ("items", "lines"):
        if phase == "items" and longest:

            def items_fit(n: int, fixed: int | None = lines) -> bool:
                return fits(attempt(n, fixed))

            found = largest_fitting(items_fit, longest - 1)
            if found is not None:
                return Shaped(*attempt(found, lines))
            items = 0
        elif phase == "lines" and most_lines:

            def lines_fit(n: int, fixed: int | None = items) -> bool:
                return fits(attempt(fixed, n))

            found = largest_fitting(lines_fit, most_lines - 1)
            if found is not None:
                return Shaped(*attempt(items, found))
            lines = 0
    last = attempt(items, lines)
    if fits(last):
        return Shaped(*last)
    # Still too big with every list and text emptied (an enormous set of keys): say so rather than overflow.
    note = f"The result is larger than the {budget}-byte limit and could not be cut to fit; ask for less."
    return Shaped(note, {TRUNCATED_KEY: [{"omitted": "everything", "hint": note}]})
