"""Long Kinsta operations through MCP: awaited with progress, bounded, resumable, failures and cancellation."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from harness import MODES, client, text_of, world

from kinsta_mcp.simulator import seed

pytestmark = pytest.mark.anyio
LIVE = seed.ACME_LIVE_ENV_ID


def polls(w: Any) -> list[Any]:
    return [r for r in w.sim.requests if r.path.startswith("/operations/")]


@pytest.mark.parametrize("mode", MODES)
async def test_a_created_site_is_awaited_with_progress_and_then_exists(mode: str) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with world(sim_options={"not_visible_seconds": 2.0}) as w, client(w.server, mode) as c:
        result = await c.call_tool(
            "create_site",
            {"source": "empty", "display_name": "Launch Site", "region": "us-central1"},
            progress_callback=on_progress,
        )
        assert not result.is_error, text_of(result)
        outcome = result.structured_content or {}
        assert outcome["state"] == "succeeded"
        new_site = outcome["data"]["idSite"]
        listed = await c.call_tool("list_sites", {})
    assert new_site in str(listed.structured_content)
    assert progress, "no progress notification while waiting"
    assert all(total == 45.0 for _, total, _ in progress)
    assert [v for v, _, _ in progress] == sorted(v for v, _, _ in progress)
    assert any("not visible yet" in (m or "") for _, _, m in progress)  # the early 404s of a site creation
    assert 1 <= len(polls(w)) <= 8 and "polls" not in outcome and "basis" not in outcome  # no polling internals


async def test_the_wait_is_bounded_and_wait_for_operation_resumes() -> None:
    async with world(operation_wait=2.0) as w, client(w.server, "auto") as c:
        first = await c.call_tool(
            "create_site", {"source": "empty", "display_name": "Slow Site", "region": "us-central1"}
        )
        outcome = first.structured_content or {}
        assert not first.is_error and outcome["state"] == "running"
        assert "wait_for_operation" in text_of(first) and outcome["operation_id"] in text_of(first)
        resumed = await c.call_tool("wait_for_operation", {"operation_id": outcome["operation_id"]})
        second = resumed.structured_content or {}
        while second["state"] == "running":
            resumed = await c.call_tool("wait_for_operation", {"operation_id": outcome["operation_id"]})
            second = resumed.structured_content or {}
    assert second["state"] == "succeeded" and second["data"]["idSite"]
    assert w.writes() and len([r for r in w.writes() if r.path == "/sites/plain"]) == 1  # never sent twice


async def test_operation_wait_caps_polling_and_the_call_deadline_caps_the_call() -> None:
    # operation_wait 0: a long operation is not polled at all, yet the call still has its own deadline.
    async with world(operation_wait=0) as w, client(w.server, "auto") as c:
        started = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE})
        overview = await c.call_tool("get_company_overview", {})  # a job, waited for within the call's deadline
    assert started.structured_content["state"] == "running" and polls(w) == []
    assert not overview.is_error and "job" not in overview.structured_content, text_of(overview)
    # operation_wait 600 does not carry a call past its deadline.
    options = {"operation_seconds": 10_000.0}
    async with world(sim_options=options, operation_wait=600.0, call_deadline=10.0) as w, client(w.server, "auto") as c:
        began = w.clock.monotonic()
        result = await c.call_tool("create_site", {"source": "empty", "display_name": "Slow", "region": "us-central1"})
        took = w.clock.monotonic() - began
    outcome = result.structured_content or {}
    assert outcome["state"] == "running" and "wait_for_operation" in text_of(result)
    assert took <= 10.0 and outcome["waited_seconds"] <= 10.0 and polls(w)


async def test_wait_false_returns_the_ticket_at_once() -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE, "wait": False})
    outcome = result.structured_content or {}
    assert outcome["state"] == "running" and outcome["operation_id"] and polls(w) == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_operation_is_a_tool_error_with_kinsta_message(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        w.sim.fail_operations("*clear-cache*")
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE})
    assert result.is_error
    outcome = result.structured_content or {}
    assert outcome["state"] == "failed" and outcome["message"] and outcome["message"] in text_of(result)
    # Kinsta's failure answer is not retried as an error, but confirmed once by the next poll, a moment later.
    assert len([p for p in polls(w) if p.status == 500]) == 2


async def test_cancelling_the_call_stops_polling() -> None:
    options = {"operation_seconds": 10_000.0}
    async with (
        world(sim_options=options, call_deadline=600.0, operation_wait=600.0) as w,
        client(w.server, "auto") as c,
    ):
        original = w.clock.sleep

        async def slow_sleep(seconds: float) -> None:  # let real time pass so the client can give up
            await anyio.sleep(0.01)
            await original(seconds)

        w.clock.sleep = slow_sleep  # type: ignore[method-assign]
        with anyio.move_on_after(0.3):
            await c.call_tool("create_site", {"source": "empty", "display_name": "Never Mind", "region": "us-central1"})
        await anyio.sleep(0.2)
        count = len(polls(w))
        await anyio.sleep(0.3)
        assert len(polls(w)) == count
