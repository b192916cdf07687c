"""The text channel of a result: a faithful, compact rendering of the structured one.

Pure. Every value of the structured result appears in the text: scalars as `key: value`
lines (nested keys dotted), lists of records as Markdown tables (nested lists of records
as further tables whose first column names the parent row), lists of plain values on one
line. Times Kinsta gives as epoch milliseconds are shown in ISO-8601 UTC, byte counts
also in binary units (`1048576 (1.0 MiB)`). Nothing is summarised away.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Metrics whose values are bytes, as Kinsta names them in analytics series.
BYTE_METRICS = frozenset({"bandwidth", "cdn-bandwidth", "cdn_bandwidth", "diskspaceusage", "diskspace", "disk_space"})
# Field names that hold a byte count wherever they appear.
_BYTE_KEYS = frozenset({"bandwidth", "cdn_bandwidth", "cdn-bandwidth", "size", "bytes", "disk_space", "diskspaceusage"})
_BYTE_SUFFIXES = ("_bytes", "_size", "size_in_bytes")
# Field names that hold a moment; Kinsta sends these as epoch milliseconds (sometimes seconds).
_TIME_KEYS = frozenset({"timestamp", "time", "date", "created", "updated", "expires", "started", "finished"})
_TIME_SUFFIXES = ("_at", "_time", "_date", "_timestamp")
# Columns that identify a parent row for the tables of its nested lists, best first.
_REF_KEYS = ("id", "name", "path", "key", "domain", "email")
_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")

Scalar = str | int | float | bool | None


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    value = float(count)
    for unit in _UNITS:
        value /= 1024
        if value < 1024 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def is_time_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _TIME_KEYS or lowered.endswith(_TIME_SUFFIXES) or key.endswith("At")  # createdAt


def iso_time(value: int | float) -> str | None:
    """Epoch milliseconds (or seconds) as ISO-8601 UTC; None when the number is no plausible moment."""
    if 1e12 <= value < 1e14:  # 2001-09-09 onwards
        seconds = value / 1000
    elif 1e9 <= value < 1e11:
        seconds = float(value)
    else:
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def is_byte_key(key: str, byte_scope: bool) -> bool:
    lowered = key.lower()
    if byte_scope and lowered in ("total", "value"):
        return True
    return lowered in _BYTE_KEYS or lowered.endswith(_BYTE_SUFFIXES)


def scalar_text(key: str, value: Scalar, byte_scope: bool = False, null: str = "null") -> str:
    """One value as the text shows it: with units and readable times where the key says what it is."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and is_time_key(key):
        moment = iso_time(value)
        if moment is not None:
            return moment
    if is_byte_key(key, byte_scope):
        number = (
            int(value)
            if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit())
            else None
        )
        if number is not None:
            return f"{value} ({human_bytes(number)})"
    return str(value)


def _byte_scope(record: Mapping[str, Any], inherited: bool) -> bool:
    """An analytics series of a byte metric: its `total` and its points' `value` are bytes."""
    for key in ("name", "key"):
        name = record.get(key)
        if isinstance(name, str) and name.lower() in BYTE_METRICS:
            return True
    return inherited


def _singular(label: str) -> str:
    last = label.rsplit(".", 1)[-1].removesuffix("[]")
    if last == "children":
        return "child"
    if last.endswith("ies"):
        return last[:-3] + "y"
    if last.endswith("s") and not last.endswith("ss"):
        return last[:-1]
    return last


def render(data: Any) -> list[str]:
    """The lines of text that carry every value of `data`."""
    out: list[str] = []
    node = data
    # Single-key wrappers ({"company": {"sites": ...}}) say nothing: skip them.
    while isinstance(node, Mapping) and len(node) == 1 and isinstance(next(iter(node.values())), Mapping):
        node = next(iter(node.values()))
    if isinstance(node, Mapping):
        _render_dict(node, "", out, _byte_scope(node, False))
    elif isinstance(node, list):
        _render_list(node, "items", out, False)
    else:
        out.append(scalar_text("result", node))
    return out


def _render_dict(node: Mapping[str, Any], prefix: str, out: list[str], scope: bool) -> None:
    for key, value in node.items():
        label = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if not value:
                out.append(f"{label}: {{}}")
            _render_dict(value, label + ".", out, _byte_scope(value, scope))
        elif isinstance(value, list):
            _render_list(value, label, out, scope)
        elif isinstance(value, str) and "\n" in value:
            out.append(f"{label}:\n{value}")
        else:
            out.append(f"{label}: {scalar_text(str(key), value, scope)}")


def _render_list(items: list[Any], label: str, out: list[str], scope: bool) -> None:
    if not items:
        out.append(f"{label}: []")
    elif all(is_scalar(v) for v in items):
        key = label.rsplit(".", 1)[-1]
        out.append(f"{label} ({len(items)}): " + ", ".join(scalar_text(key, v, scope) for v in items))
    elif all(isinstance(v, Mapping) for v in items):
        _render_records(_unwrap_records(items), label, out, [scope] * len(items), None)
    else:  # a mix of values, records and lists: each in turn, by position
        out.append(f"{label} ({len(items)}):")
        key = label.rsplit(".", 1)[-1]
        for index, value in enumerate(items):
            if isinstance(value, Mapping):
                _render_dict(value, f"{label}[{index}].", out, scope)
            elif isinstance(value, list):
                _render_list(value, f"{label}[{index}]", out, scope)
            else:
                out.append("- " + scalar_text(key, value, scope))


def _unwrap_records(items: list[Any]) -> list[Mapping[str, Any]]:
    """[{"user": {...}}, {"user": {...}}] -> [{...}, {...}]: the wrapper key repeats and says nothing."""
    keys = {tuple(item) for item in items}
    if (
        len(keys) == 1
        and len(next(iter(keys))) == 1
        and all(isinstance(next(iter(i.values())), Mapping) for i in items)
    ):
        return [next(iter(item.values())) for item in items]
    return list(items)


def _flatten(
    record: Mapping[str, Any], prefix: str, cells: dict[str, str], children: dict[str, list[Any]], scope: bool
) -> None:
    for key, value in record.items():
        column = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, column + ".", cells, children, _byte_scope(value, scope))
        elif isinstance(value, list):
            single = {tuple(v) for v in value if isinstance(v, Mapping)}
            if all(is_scalar(v) for v in value):
                cells[column] = ", ".join(scalar_text(str(key), v, scope) for v in value) if value else "[]"
            elif (
                len(single) == 1
                and len(next(iter(single))) == 1
                and all(isinstance(v, Mapping) and is_scalar(next(iter(v.values()))) for v in value)
            ):
                inner = next(iter(single))[0]  # [{"value": "a"}, {"value": "b"}] -> one cell "a, b"
                cells[f"{column}.{inner}"] = ", ".join(scalar_text(inner, v[inner], scope) for v in value)
            elif all(isinstance(v, Mapping) for v in value):
                children[column] = value
            else:
                cells[column] = _inline(str(key), value, scope)
        else:
            cells[column] = scalar_text(str(key), value, scope, null="-")


def _inline(key: str, value: Any, scope: bool) -> str:
    """A nested value on one line, its texts verbatim (no JSON escaping hides them)."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_inline(str(k), v, scope)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(key, v, scope) for v in value) + "]"
    return scalar_text(key, value, scope)


def _render_records(
    records: list[Mapping[str, Any]],
    label: str,
    out: list[str],
    scopes: list[bool],
    parents: list[tuple[str, str]] | None,
) -> None:
    rows: list[dict[str, str]] = []
    nested: list[dict[str, list[Any]]] = []
    row_scopes: list[bool] = []
    for index, record in enumerate(records):
        cells: dict[str, str] = {}
        if parents is not None:
            cells[parents[index][0]] = parents[index][1]
        children: dict[str, list[Any]] = {}
        scope = _byte_scope(record, scopes[index])
        _flatten(record, "", cells, children, scope)
        rows.append(cells)
        nested.append(children)
        row_scopes.append(scope)
    ref = next((k for k in _REF_KEYS if any(k in row for row in rows)), None)
    numbered = ref is None and any(nested)
    if numbered:
        rows = [{"#": str(number), **row} for number, row in enumerate(rows, 1)]
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    out.append(f"{label} ({len(records)}):")
    if any("|" in cell or "\n" in cell for row in rows for cell in row.values()):
        for row in rows:  # a cell that would break a table: one block per record instead
            out.extend(f"{'-' if i == 0 else ' '} {col}: {cell}" for i, (col, cell) in enumerate(row.items()))
    else:
        out.append("| " + " | ".join(columns) + " |")
        out.append("|" + "---|" * len(columns))
        out.extend("| " + " | ".join(row.get(col, "") for col in columns) + " |" for row in rows)
    child_keys: list[str] = []
    for children in nested:
        child_keys += [k for k in children if k not in child_keys]
    parent_column = f"{_singular(label)}.{ref or '#'}"
    for key in child_keys:
        items: list[Mapping[str, Any]] = []
        refs: list[tuple[str, str]] = []
        scopes_of: list[bool] = []
        for row, children, scope in zip(rows, nested, row_scopes, strict=True):
            for item in _unwrap_records(children.get(key, [])):
                items.append(item)
                refs.append((parent_column, row.get(ref or "#", "")))
                scopes_of.append(scope)
        if items and len({value for _, value in refs}) == 1:  # one parent: name it once, not on every row
            _render_records(items, f"{label}[].{key} of {parent_column} {refs[0][1]}", out, scopes_of, None)
        elif items:
            _render_records(items, f"{label}[].{key}", out, scopes_of, refs)
        else:
            out.append(f"{label}[].{key}: []")
