"""The period a time-based result covers, as dates, with today's date from the server's clock.

A model that reads "visits: 48213" or the newest log lines cannot tell which days they cover, and it
does not know what today is; it guesses. So every operation whose result is about time declares how
its period is known (`Operation.period`, a `catalog.spec.Period`), and `period_of` works it out from
the call's arguments and Kinsta's answer. Shaping puts it under `_period` in structured content and
states it in one line of the text: "Period: 2026-01-09 to 2026-01-15 (7 days; time_span 7_days).
Today is 2026-01-15."

Today is the server's (UTC): a clock that tells wall time (the simulator's, in tests) gives it,
else the system's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from kinsta_mcp.catalog.spec import Period
from kinsta_mcp.logfilter import iso, parse_moment, times_shown

PERIOD_KEY = "_period"
# Kinsta's time_span values, in days counted back from today (24_hours: yesterday and today).
SPAN_DAYS = {"24_hours": 2, "7_days": 7, "30_days": 30, "60_days": 60}
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|[T ])")
_EPOCH_MS = 10**11  # a created_at above this is in milliseconds (Kinsta's), below it in seconds


@runtime_checkable
class WallClock(Protocol):
    def time(self) -> float:
        """Seconds since the Unix epoch."""
        ...


def today_of(clock: Any) -> date:
    """Today (UTC) on the server's clock: a clock that tells wall time (the simulator's, in tests), else the
    system's."""
    now = clock.time() if isinstance(clock, WallClock) else time.time()
    return datetime.fromtimestamp(now, UTC).date()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not str(key).startswith("_"):
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _created(value: Any) -> Iterator[datetime]:
    """When each dated entry was made (Kinsta's `created_at`, milliseconds since the epoch)."""
    if isinstance(value, Mapping):
        stamp = value.get("created_at")
        if isinstance(stamp, int | float) and not isinstance(stamp, bool) and stamp > 0:
            yield datetime.fromtimestamp(stamp / 1000 if stamp > _EPOCH_MS else stamp, UTC)
        for key, item in value.items():
            if not str(key).startswith("_"):
                yield from _created(item)
    elif isinstance(value, list):
        for item in value:
            yield from _created(item)


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _moment(text: Any) -> datetime | None:
    try:
        return parse_moment("time", str(text)) if text else None
    except ValueError:
        return None


def _span(first: date, last: date, basis: str, today: date) -> dict[str, Any]:
    days = (last - first).days + 1
    return {"from": first.isoformat(), "to": last.isoformat(), "days": days, "basis": basis, "today": today.isoformat()}


def _times(first: datetime, last: datetime, basis: str, today: date) -> dict[str, Any]:
    return {"from": iso(first), "to": iso(last), "basis": basis, "today": today.isoformat()}


def _requested(data: Any, args: Mapping[str, Any], today: date) -> dict[str, Any]:
    """Analytics: from/to as asked; else the days the data's points carry; else time_span back from today."""
    first, last = _day(args.get("from_date")), _day(args.get("to_date"))
    if first is not None and last is not None:
        return _span(first, last, "from_date to to_date", today)
    span = args.get("time_span")
    days = sorted({d for s in _strings(data) if (m := _DATE.match(s)) and (d := _day(m.group(1)))})
    if days:
        return _span(days[0], days[-1], f"time_span {span}: the data's first and last day" if span else "", today)
    if span in SPAN_DAYS:
        start = today - timedelta(days=SPAN_DAYS[span] - 1)
        return _span(start, today, f"time_span {span}, counted back from today", today)
    return {"today": today.isoformat()}


def _lines(data: Any, args: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A log: the first and last time among its lines; since/until where the lines do not reach them."""
    stamps = [t for s in _strings(data) for line in s.split("\n") for t in times_shown(line)]
    since, until = _moment(args.get("since")), _moment(args.get("until"))
    if since is not None and until is not None:
        return _times(since, until, "since to until", today)
    if not stamps:
        return {"today": today.isoformat()}
    return _times(since or min(stamps), until or max(stamps), "the first and last line's time", today)


def _items(data: Any, today: date) -> dict[str, Any]:
    """Dated entries (an activity log, backups): the oldest and newest shown."""
    made = list(_created(data))
    if not made:
        return {"today": today.isoformat()}
    return _times(min(made), max(made), "the oldest and newest entry's created_at", today)


def period_of(period: Period, data: Any, args: Mapping[str, Any], today: date) -> dict[str, Any]:
    """What `_period` says for a result of this kind: from and to (dates, or UTC times for logs and dated
    entries), days, what they are based on, and today. Only today when the answer has nothing dated."""
    if period is Period.THIS_MONTH:
        return _span(today.replace(day=1), today, "this month so far", today)
    if period is Period.REQUESTED:
        found = _requested(data, args, today)
    elif period is Period.LINES:
        found = _lines(data, args, today)
    else:
        found = _items(data, today)
    return {k: v for k, v in found.items() if v != ""}


def period_line(period: Mapping[str, Any]) -> str:
    """The period in one sentence for the text channel."""
    today = f"Today is {period['today']}."
    if "from" not in period:
        return f"Nothing dated in this result. {today}"
    said = [f"{period['days']} days" if "days" in period else "", str(period.get("basis") or "")]
    detail = "; ".join(s for s in said if s)
    return f"Period: {period['from']} to {period['to']}" + (f" ({detail})" if detail else "") + f". {today}"
