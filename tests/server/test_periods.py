"""Every time-based result states its period as dates and today's date (issue 21), in both channels, through
a real MCP client on the demo. Today is the server's clock's (virtual here: the simulator's), so the model
repeats dates instead of guessing them; the period is declared once per operation (`Operation.period`) and
stated by shaping, never by a tool of its own."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from harness import MODES, client, text_of, world

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Period
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
DAY = 86_400
LIVE = ids.ACME_LIVE_ENV_ID

# One call of every kind of period, and what its period must be (None: worked out from the answer below).
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_usage", {"site_id": ids.ACME_SITE_ID, "metric": "bandwidth"}),
    ("get_analytics", {"env_id": LIVE, "metric": "visits", "time_span": "7_days"}),
    ("get_analytics", {"env_id": LIVE, "metric": "top-countries", "from_date": "2026-01-02", "to_date": "2026-01-11"}),
    ("get_disk_space", {"env_id": LIVE, "time_zone": "00:00", "time_span": "30_days"}),
    ("get_logs", {"env_id": LIVE, "file_name": "error", "lines": 300}),
    ("list_activity_logs", {}),
    ("list_backups", {"env_id": LIVE}),
]


def today_of(w: Any) -> str:
    return datetime.fromtimestamp(w.clock.time(), UTC).date().isoformat()


def stated(result: Any) -> tuple[dict[str, Any], str]:
    """The result's `_period` and the text's line that states it (both channels must carry it)."""
    assert not result.is_error, text_of(result)
    period = (result.structured_content or {})["_period"]
    line = next((ln for ln in text_of(result).splitlines() if ln.startswith(("Period: ", "Nothing dated"))), "")
    return period, line


def created(structured: dict[str, Any]) -> list[int]:
    found: list[int] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.extend([node["created_at"]] if isinstance(node.get("created_at"), int) else [])
            for key, value in node.items():
                if not key.startswith("_"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(structured)
    return found


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("mode", MODES)
async def test_every_time_based_result_states_its_period_and_today_in_both_channels(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        today = today_of(w)
        for name, args in CALLS:
            result = await c.call_tool(name, args)
            period, line = stated(result)
            structured = result.structured_content or {}
            assert period["today"] == today, name
            assert line == (
                f"Period: {period['from']} to {period['to']}"
                + (f" ({period['days']} days; {period['basis']})" if "days" in period else f" ({period['basis']})")
                + f". Today is {today}."
            ), (name, line)
            if name == "get_usage":  # this month so far
                assert (period["from"], period["to"]) == (today[:8] + "01", today) and period["days"] == 15
            elif args.get("from_date"):  # as asked
                assert (period["from"], period["to"], period["days"]) == ("2026-01-02", "2026-01-11", 10)
            elif name in ("get_analytics", "get_disk_space"):  # the days the data's points carry
                series = structured["analytics"]["analytics_response"]["data"][0]["dataset"]
                days = [p["key"][:10] for p in series]
                assert (period["from"], period["to"]) == (min(days), max(days)) and period["to"] == today
                assert period["days"] == {"7_days": 7, "30_days": 30}[args["time_span"]] == len(days)
                assert f"time_span {args['time_span']}" in period["basis"]
            elif name == "get_logs":  # the first and last time among the lines shown
                lines = structured["environment"]["container_info"]["logs"]
                stamps = re.findall(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}:\d{2}:\d{2})", lines, re.M)
                times = sorted(f"{y}-{m}-{d}T{t}Z" for y, m, d, t in stamps)
                assert period["to"] == times[-1] and period["from"] <= times[0], period
            else:  # dated entries: the oldest and newest created_at
                made = created(structured)
                assert made and (period["from"], period["to"]) == (iso_ms(min(made)), iso_ms(max(made))), name


@pytest.mark.parametrize("mode", MODES)
async def test_today_is_the_servers_clock(mode: str) -> None:
    """Twenty days on, it is February on the server's clock: this month is February so far."""
    async with world() as w, client(w.server, mode) as c:
        w.sim.clock.advance(20 * DAY)
        result = await c.call_tool("get_usage", {"site_id": ids.ACME_SITE_ID, "metric": "visits"})
    period, line = stated(result)
    assert period == {
        "from": "2026-02-01",
        "to": "2026-02-04",
        "days": 4,
        "basis": "this month so far",
        "today": "2026-02-04",
    }
    assert line == "Period: 2026-02-01 to 2026-02-04 (4 days; this month so far). Today is 2026-02-04."


@pytest.mark.parametrize("mode", MODES)
async def test_a_log_window_asked_is_the_period_and_an_empty_one_still_says_today(mode: str) -> None:
    window = {"since": "2026-01-15T11:00:00Z", "until": "2026-01-15T11:30:00Z"}
    async with world() as w, client(w.server, mode) as c:
        asked = await c.call_tool("get_logs", {"env_id": LIVE, "file_name": "error", **window})
        empty = await c.call_tool("get_logs", {"env_id": LIVE, "file_name": "error", "pattern": "no such line"})
    period, _ = stated(asked)
    assert (period["from"], period["to"], period["basis"]) == (window["since"], window["until"], "since to until")
    period, line = stated(empty)
    assert period == {"today": "2026-01-15"} and line == "Nothing dated in this result. Today is 2026-01-15."


def test_every_operation_about_time_declares_its_period() -> None:
    """A declaration whose arguments or answer are about time (a time span, dates, a log, this month's usage,
    dated entries) states its period: a new one cannot land without it."""

    def about_time(op: Any) -> bool:
        fields = set(op.input.model_fields)
        dated = "created_at" in str(op.output.model_json_schema())
        return bool(fields & {"time_span", "from_date", "since"}) or "this-month" in op.path or dated

    undeclared = [op.name for op in OPERATIONS if about_time(op) and op.period is None]
    assert undeclared == []
    declared = {op.name: op.period for op in OPERATIONS if op.period is not None}
    assert declared["get_visits_usage"] is Period.THIS_MONTH and declared["get_logs"] is Period.LINES
    assert declared["get_top_countries"] is Period.REQUESTED and declared["list_activity_logs"] is Period.ITEMS


@pytest.mark.parametrize("mode", MODES)
async def test_time_based_resources_state_their_period_too(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        usage = await c.read_resource(f"kinsta://sites/{ids.ACME_SITE_ID}/usage/visits")
        visits = await c.read_resource(f"kinsta://environments/{LIVE}/analytics/visits/7_days")
        logs = await c.read_resource(f"kinsta://environments/{LIVE}/logs/error")
    assert json.loads(usage.contents[0].text)["_period"] == {  # type: ignore[union-attr]
        "from": "2026-01-01",
        "to": "2026-01-15",
        "days": 15,
        "basis": "this month so far",
        "today": "2026-01-15",
    }
    period = json.loads(visits.contents[0].text)["_period"]  # type: ignore[union-attr]
    assert (period["from"], period["to"], period["days"], period["today"]) == (
        "2026-01-09",
        "2026-01-15",
        7,
        "2026-01-15",
    )
    # A log resource is the log alone, wholly inside its untrusted fence: get_logs states the period.
    assert logs.contents[0].text.startswith("<<<UNTRUSTED get_logs")  # type: ignore[union-attr]
