"""Filters on the log Kinsta returned: time window, severity, substring and regular expression.

Pure. Kinsta returns the newest `lines` lines (its ceiling, at most 20,000); these filters
then keep the entries that match, in order, newest last. An entry is a line with a
timestamp plus the lines after it that have none (a PHP stack trace belongs to its error).
Regular expressions run on a linear-time engine (Rust's `regex`, through pydantic-core),
so no pattern can hang the server; look-around and back-references are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic_core import SchemaError, SchemaValidator, core_schema

SEVERITIES = ("notice", "warning", "error", "fatal")  # lowest first: `severity` keeps this level and worse
_PHP_LEVEL = re.compile(
    r"PHP (Fatal error|Parse error|Recoverable fatal error|Catchable fatal error|Warning|Notice|Deprecated|"
    r"Strict Standards)"
)
_NGINX_LEVEL = re.compile(r"\[(debug|info|notice|warn|error|crit|alert|emerg)\]")
_LEVELS = {
    "debug": "notice",
    "info": "notice",
    "notice": "notice",
    "deprecated": "notice",
    "strict standards": "notice",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "recoverable fatal error": "error",
    "catchable fatal error": "error",
    "fatal error": "fatal",
    "parse error": "fatal",
    "crit": "fatal",
    "alert": "fatal",
    "emerg": "fatal",
}
_MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
_NGINX_TIME = re.compile(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_CLF_TIME = re.compile(r"(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")
_PHP_TIME = re.compile(r"^\[(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?: UTC)?\]")
_ISO_TIME = re.compile(r"^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)")


class LogFilterError(ValueError):
    """A filter argument that cannot be used; the message says which and why."""


def parse_moment(name: str, text: str) -> datetime:
    """An ISO-8601 date or date-time as an aware UTC moment (no zone means UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise LogFilterError(
            f"{name}: {text[:40]!r} is not an ISO-8601 date or time (e.g. 2026-01-15 or 2026-01-15T10:30:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def compile_pattern(pattern: str) -> SchemaValidator:
    """A linear-time matcher for `pattern` (searched anywhere in a line), or a short error."""
    try:
        return SchemaValidator(core_schema.str_schema(pattern=pattern, regex_engine="rust-regex"))
    except SchemaError as exc:
        reason = next((ln.strip()[7:] for ln in str(exc).splitlines() if ln.strip().startswith("error: ")), "")
        raise LogFilterError(
            f"pattern: {pattern[:60]!r} is not a usable regular expression"
            + (f" ({reason})" if reason else "")
            + "; look-around and back-references are not supported"
        ) from None


def line_time(line: str) -> datetime | None:
    """When a log line was written, in the formats Kinsta's error, access and cache logs use."""
    if m := _NGINX_TIME.match(line):
        y, mo, d, h, mi, s = map(int, m.groups())
        return _moment(y, mo, d, h, mi, s)
    if m := _PHP_TIME.match(line):
        day, month, year, hour, minute, second = m.groups()
        return _moment(int(year), _MONTHS.get(month, 0), int(day), int(hour), int(minute), int(second))
    if m := _ISO_TIME.match(line):
        try:
            return parse_moment("time", m.group(1))
        except LogFilterError:
            return None
    if m := _CLF_TIME.search(line[:400]):
        day, month, year, hour, minute, second, sign, oh, om = m.groups()
        moment = _moment(int(year), _MONTHS.get(month, 0), int(day), int(hour), int(minute), int(second))
        if moment is not None:
            offset = (int(oh) * 60 + int(om)) * (1 if sign == "+" else -1)
            return datetime.fromtimestamp(moment.timestamp() - offset * 60, UTC)
    return None


def _moment(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def line_severity(line: str) -> str | None:
    """notice, warning, error or fatal, as the line states it (PHP's level wins over nginx's)."""
    if m := _PHP_LEVEL.search(line):
        return _LEVELS[m.group(1).lower()]
    if m := _NGINX_LEVEL.search(line[:200]):
        return _LEVELS[m.group(1)]
    return None


@dataclass(frozen=True)
class Entry:
    lines: list[str]
    time: datetime | None
    severity: str | None


def entries(text: str) -> list[Entry]:
    """Lines grouped into entries: a dated line and the undated lines after it."""
    found: list[Entry] = []
    for line in text.splitlines():
        moment = line_time(line)
        if moment is None and found:
            found[-1].lines.append(line)
        else:
            found.append(Entry([line], moment, line_severity(line)))
    return [Entry(e.lines, e.time, e.severity or _first_severity(e.lines)) for e in found]


def _first_severity(lines: list[str]) -> str | None:
    return next((s for s in map(line_severity, lines[1:]) if s), None)


@dataclass(frozen=True)
class LogFilter:
    since: datetime | None = None
    until: datetime | None = None
    severity: str | None = None
    contains: str | None = None
    pattern: str | None = None

    @classmethod
    def from_arguments(cls, args: Mapping[str, Any]) -> LogFilter:
        severity = args.get("severity")
        if severity is not None and severity not in SEVERITIES:
            raise LogFilterError(f"severity: {severity!r} is not one of {', '.join(SEVERITIES)}")
        pattern = args.get("pattern") or None
        if pattern is not None:
            compile_pattern(pattern)
        return cls(
            since=parse_moment("since", args["since"]) if args.get("since") else None,
            until=parse_moment("until", args["until"]) if args.get("until") else None,
            severity=severity,
            contains=args.get("contains") or None,
            pattern=pattern,
        )

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.since, self.until, self.severity, self.contains, self.pattern))

    def describe(self) -> str:
        parts = []
        if self.since is not None:
            parts.append(f"since {iso(self.since)}")
        if self.until is not None:
            parts.append(f"until {iso(self.until)}")
        if self.severity is not None:
            parts.append(f"severity {self.severity} or worse")
        if self.contains is not None:
            parts.append(f"containing {self.contains!r} (any case)")
        if self.pattern is not None:
            parts.append(f"matching /{self.pattern}/")
        return ", ".join(parts) or "none"


def _span(lines: list[str]) -> dict[str, Any]:
    """What was read: the line count and the first and last moments found."""
    first = next((t for t in map(line_time, lines) if t is not None), None)
    last = next((t for t in map(line_time, reversed(lines)) if t is not None), None)
    return {
        "lines_read": len(lines) if any(lines) else 0,
        "read_from": iso(first) if first else None,
        "read_to": iso(last) if last else None,
    }


def apply(text: str, flt: LogFilter) -> tuple[str, dict[str, Any]]:
    """The lines of `text` that pass `flt` (newest last), and what was read and kept."""
    if not flt.active:  # nothing to filter: only say what was read
        lines = text.split("\n")
        span = _span(lines) | {"filters": flt.describe()}
        return text, span | {"lines_kept": span["lines_read"]}
    found = entries(text)
    matcher = compile_pattern(flt.pattern) if flt.pattern else None
    needle = flt.contains.casefold() if flt.contains else None
    floor = SEVERITIES.index(flt.severity) if flt.severity else None
    kept: list[str] = []
    for entry in found:
        if flt.since is not None and (entry.time is None or entry.time < flt.since):
            continue
        if flt.until is not None and (entry.time is None or entry.time > flt.until):
            continue
        if floor is not None and (entry.severity is None or SEVERITIES.index(entry.severity) < floor):
            continue
        if needle is not None and not any(needle in line.casefold() for line in entry.lines):
            continue
        if matcher is not None and not any(matcher.isinstance_python(line) for line in entry.lines):
            continue
        kept.extend(entry.lines)
    times = [e.time for e in found if e.time is not None]
    report: dict[str, Any] = {
        "lines_read": sum(len(e.lines) for e in found),
        "read_from": iso(min(times)) if times else None,
        "read_to": iso(max(times)) if times else None,
        "filters": flt.describe(),
        "lines_kept": len(kept),
    }
    return "\n".join(kept), report


def reach_note(report: Mapping[str, Any], flt: LogFilter, lines_asked: int | None, ceiling: int) -> str | None:
    """When the window asked for starts before the oldest line read: how to read further back."""
    if flt.since is None or not report.get("read_from") or lines_asked is None:
        return None
    if report["lines_read"] < lines_asked or parse_moment("read_from", report["read_from"]) <= flt.since:
        return None
    if lines_asked >= ceiling:
        return f"the {lines_asked} lines read (Kinsta's maximum) start after `since`; narrow with until to go back"
    return (
        f"the {lines_asked} lines read start at {report['read_from']}, after `since`: "
        f"raise lines (up to {ceiling}) to search further back"
    )


# -- diagnosis: repeated entries collapsed, the plugin or theme a PHP error's path names -------------

# The file a PHP error happened in names its plugin or theme: .../wp-content/plugins/<slug>/...
_SOURCE = re.compile(r"wp-content/(plugins|mu-plugins|themes)/([A-Za-z0-9._-]{1,80})/")
_PHP_MESSAGE = re.compile(r'PHP message: (.*?)(?:" while reading|"?$)')
_VARIABLE = re.compile(r"\d+")
_KINDS = {"plugins": "plugin", "mu-plugins": "must-use plugin", "themes": "theme"}


def source_of(lines: list[str]) -> tuple[str, str] | None:
    """(plugin|theme|must-use plugin, slug) where the entry's own text puts the error, or None."""
    for line in lines:
        message = _PHP_MESSAGE.search(line)
        if m := _SOURCE.search(message.group(1) if message else line):
            return _KINDS[m.group(1)], m.group(2)
    return None


def _key(entry: Entry) -> str:
    """What makes two entries the same error: the PHP message when nginx relays one (its request, client and
    worker ids differ each time), else the line without its time; numbers count as one."""
    first = entry.lines[0]
    message = _PHP_MESSAGE.search(first)
    text = message.group(1) if message else _NGINX_TIME.sub("", _PHP_TIME.sub("", first))
    return _VARIABLE.sub("#", text) + "\n".join(entry.lines[1:])


_REPEATED = re.compile(r"^\[repeated \d+ times from (\S+) to (\S+)\]$")


def times_shown(line: str) -> list[datetime]:
    """The times a shown line stands for: its own, or a collapsed entry's first and last (`collapse`)."""
    if m := _REPEATED.match(line):
        return [t for t in (_parsed(m.group(1)), _parsed(m.group(2))) if t is not None]
    moment = line_time(line)
    return [moment] if moment is not None else []


def _parsed(text: str) -> datetime | None:
    try:
        return parse_moment("time", text)
    except LogFilterError:
        return None


def collapse(text: str) -> tuple[str, dict[str, Any]]:
    """Each repeated error once, at its newest occurrence, marked with how often and when first and last;
    and which plugins and themes the errors come from (worst first)."""
    found = entries(text)
    groups: dict[str, list[Entry]] = {}
    for entry in found:
        groups.setdefault(_key(entry), []).append(entry)
    last_of = {id(group[-1]): group for group in groups.values()}
    out: list[str] = []
    for entry in found:
        group = last_of.get(id(entry))
        if group is None:
            continue
        if len(group) > 1:
            times = [e.time for e in group if e.time is not None]
            span = f" from {iso(min(times))} to {iso(max(times))}" if times else ""
            out.append(f"[repeated {len(group)} times{span}]")
        out.extend(entry.lines)
    sources: dict[tuple[str, str], dict[str, Any]] = {}
    for group in groups.values():
        where = source_of(group[0].lines)
        if where is None:
            continue
        row = sources.setdefault(where, {"kind": where[0], "name": where[1], "entries": 0, "worst": None})
        row["entries"] += len(group)
        severity = group[0].severity
        if severity is not None and (
            row["worst"] is None or SEVERITIES.index(severity) > SEVERITIES.index(row["worst"])
        ):
            row["worst"] = severity
    ranked = sorted(
        sources.values(), key=lambda r: (-(SEVERITIES.index(r["worst"]) if r["worst"] else -1), -r["entries"])
    )
    report = {
        "entries": len(found),
        "distinct": len(groups),
        "sources": [{k: v for k, v in row.items() if v is not None} for row in ranked],
    }
    return "\n".join(out), report


def logs_post(data: Any, args: Mapping[str, Any]) -> Any:
    """get_logs' post-processing: filter the log text, and report what was read and kept under `_filter`;
    for the error log (unless collapse=false) repeated errors once each with their count, and the plugins and
    themes the errors' paths name under `_diagnosis`."""
    container = data.get("environment", {}).get("container_info") if isinstance(data, Mapping) else None
    if not isinstance(container, Mapping) or not isinstance(container.get("logs"), str):
        return data
    flt = LogFilter.from_arguments(args)
    text, report = apply(container["logs"], flt)
    note = reach_note(report, flt, args.get("lines"), 20_000)
    if note:
        report["note"] = note
    extra: dict[str, Any] = {}
    if args.get("file_name") == "error" and args.get("collapse", True) and text:
        text, extra["_diagnosis"] = collapse(text)
    environment = {**data["environment"], "container_info": {**container, "logs": text}}
    return {**data, "environment": environment, "_filter": report, **extra}
