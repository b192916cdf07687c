"""The result contract (issue 12, item 1): each channel complete on its own, both bounded.

Every read operation is called on the simulator (KinstaClient, no MCP), its answer shaped,
and then checked with this test's own reading of the structured result: each scalar value
appears in the text (times may appear as ISO-8601 UTC instead of epoch milliseconds), both
channels fit the budget, and on a large account every cut says how to fetch the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from kinsta_direct import Direct, direct, grow, start_operation

from kinsta_mcp.catalog import BY_NAME, OPERATIONS
from kinsta_mcp.catalog.spec import Effect
from kinsta_mcp.server.shaping import DEFAULT_BUDGET, TRUNCATED_KEY, UNTRUSTED_KEY, shape

pytestmark = pytest.mark.anyio
READS = sorted(op.name for op in OPERATIONS if op.effect is Effect.READ)


def calls(big: bool) -> dict[str, dict[str, Any]]:
    """Arguments for every read operation (beyond the seeded ids); `big` asks for the most data."""
    year_ago, today = (date(2026, 1, 15) - timedelta(days=364)).isoformat(), "2026-01-15"
    series = {"from_date": year_ago, "to_date": today} if big else {}
    return {
        "get_logs": {"file_name": "access" if big else "error", "lines": 20_000 if big else 100},
        "get_disk_space": {"time_zone": "00:00", **series},
        "get_visits": series,
        "get_bandwidth": series,
        "get_cdn_bandwidth": series,
        "list_sites": {"include_environments": True},
        "list_redirect_rules": {"limit": 500} if big else {},
        "list_activity_logs": {"limit": 500} if big else {},
    }


def test_every_read_operation_is_covered() -> None:
    unknown = set(calls(True)) - set(READS)
    assert not unknown, f"calls() names operations that are not reads: {unknown}"


def leaves(value: Any, path: str = "", key: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if not (path == "" and k == UNTRUSTED_KEY):
                yield from leaves(v, f"{path}.{k}" if path else str(k), str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, f"{path}[{i}]", key)
    else:
        yield path, key, value


def forms(value: Any) -> list[str]:
    """How a value may be written in the text: as itself, or a moment in epoch ms as ISO-8601 UTC."""
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int) and 10**11 <= value < 10**14:
        moment = datetime.fromtimestamp(value / 1000, UTC)
        return [str(value), moment.strftime("%Y-%m-%dT%H:%M:%S")]
    return [str(value)]


def missing_from_text(structured: dict[str, Any], text: str) -> list[str]:
    return [
        f"{path}={value!r}"
        for path, _key, value in leaves(structured)
        if value is not None and not any(form in text for form in forms(value))
    ]


def within_budget(shaped: Any, budget: int = DEFAULT_BUDGET) -> None:
    assert len(shaped.text.encode()) <= budget
    assert len(json.dumps(shaped.structured, ensure_ascii=False, separators=(",", ":")).encode()) <= budget


async def fetch(d: Direct, name: str, big: bool) -> tuple[dict[str, Any], Any]:
    extra = calls(big).get(name, {})
    if name == "get_operation":
        extra = {"operation_id": await start_operation(d)}
    return await d.fetch(name, **extra)


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("name", READS)
async def test_the_text_carries_every_value_of_the_structured_result(name: str, full: bool) -> None:
    async with direct() as d:
        args, data = await fetch(d, name, big=False)
    shaped = shape(BY_NAME[name], data, full=full, args=args)
    assert missing_from_text(shaped.structured, shaped.text) == []
    assert "(item)" not in shaped.text
    within_budget(shaped)


async def test_a_finished_operation_shows_the_id_of_what_it_created() -> None:
    async with direct() as d:
        operation_id = await start_operation(d)
        await d.sim.clock.sleep(10)
        args, data = await d.fetch("get_operation", operation_id=operation_id)
    backup = data["data"]["idBackup"]
    shaped = shape(BY_NAME["get_operation"], data, args=args)
    assert str(backup) in shaped.text and shaped.structured["data"]["idBackup"] == backup
    assert (
        "data.idBackup" in shaped.structured[UNTRUSTED_KEY]["paths"]
        or "message" in shaped.structured[UNTRUSTED_KEY]["paths"]
    )


def node_at(data: Any, dotted: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", dotted):
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    return data


def count(node: Any, unit: str) -> int:
    return len(node) if unit in ("items", "characters") else len(node.split("\n"))


@pytest.mark.parametrize("name", READS)
async def test_a_large_account_stays_within_budget_and_every_cut_says_how_to_get_the_rest(name: str) -> None:
    async with direct() as d:
        grow(d.sim)
        args, data = await fetch(d, name, big=True)
    op = BY_NAME[name]
    whole = shape(op, data, args=args, full=True, budget=10**9)
    for full in (False, True):
        shaped = shape(op, data, args=args, full=full)
        within_budget(shaped)
        assert missing_from_text(shaped.structured, shaped.text) == []
        for cut in shaped.structured.get(TRUNCATED_KEY, []):
            assert cut["omitted"] > 0 and cut["hint"] and cut["hint"] in shaped.text
            assert f"({cut['omitted']} left out)" in shaped.text
            if full:  # nothing projected away: the cut counts what Kinsta returned
                assert cut["of"] == count(node_at(whole.structured, cut["at"]), cut["unit"])
            assert cut["kept"] == count(node_at(shaped.structured, cut["at"]), cut["unit"])


async def test_big_results_are_cut_and_the_offset_hint_continues_the_list() -> None:
    async with direct() as d:
        grow(d.sim)
        args, data = await d.fetch("list_sites", include_environments=True)
    op = BY_NAME["list_sites"]
    first = shape(op, data, args=args)
    cut = first.structured[TRUNCATED_KEY][0]
    assert cut["at"] == "company.sites" and cut["of"] == 200
    offset = int(re.search(r"offset=(\d+)", cut["hint"]).group(1))  # type: ignore[union-attr]
    assert offset == cut["kept"]
    second = shape(op, data, args=args | {"offset": offset})
    sites = data["company"]["sites"]
    assert second.structured["company"]["sites"][0]["id"] == sites[offset]["id"]
    assert second.structured["_page"] == {"offset": offset, "total": 200, "at": "company.sites"}
    within_budget(second)
    # A long list inside a kept record names the tool that returns it whole, for that record.
    inner = next(c for c in first.structured[TRUNCATED_KEY] if c["at"].endswith(".domains"))
    env = node_at(first.structured, inner["at"].rsplit(".", 1)[0])
    assert f"list_site_domains(env_id={env['id']!r})" in inner["hint"]
    async with direct() as d:
        grow(d.sim)
        _, domains = await d.fetch("list_site_domains", env_id=env["id"])
    assert len(domains["environment"]["site_domains"]) == inner["of"]


async def test_logs_and_analytics_of_a_large_account_are_cut_not_dropped() -> None:
    async with direct() as d:
        grow(d.sim)
        log_args, logs = await fetch(d, "get_logs", big=True)
        series_args, series = await fetch(d, "get_bandwidth", big=True)
    log_shape = shape(BY_NAME["get_logs"], logs, args=log_args)
    assert log_shape.structured[TRUNCATED_KEY][0]["kept_part"] == "newest"
    year = shape(BY_NAME["get_bandwidth"], series, args=series_args)
    points = year.structured["analytics"]["analytics_response"]["data"][0]["dataset"]
    assert len(points) == 365 or year.structured[TRUNCATED_KEY][0]["omitted"] == 365 - len(points)
