"""A request already sent waits for Kinsta's answer no longer than its call may run (issue 26: no call past
the deadline, whatever Kinsta does): Kinsta stalls (real time: the transport never answers), the call
answers at its deadline. A read says nothing changed and may be asked again; a write says its outcome is
unknown and how to check, and is not sent twice. Through a real MCP client, both protocol versions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from harness import MODES, client, text_of, world

from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
DEADLINE = 4.0  # seconds: call_deadline (a request is sent only 3 s or more before it); the stall lasts far longer


class Stalling:
    """The simulator's transport, except that requests `stalls` picks get no answer (for a minute)."""

    def __init__(self, inner: Any, stalls: str) -> None:
        self.inner, self.stalls = inner, stalls
        self.stalled: list[str] = []

    async def handle_async_request(self, request: Any) -> Any:
        if request.method == self.stalls:
            self.stalled.append(request.url.path)
            await anyio.sleep(60)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("mode", MODES)
async def test_a_read_kinsta_does_not_answer_ends_at_the_call_deadline_and_says_nothing_changed(mode: str) -> None:
    transports: list[Stalling] = []

    def stall_reads(inner: Any) -> Stalling:
        transports.append(Stalling(inner, "GET"))
        return transports[-1]

    async with world(wrap=stall_reads, call_deadline=DEADLINE) as w, client(w.server, mode) as c:
        started = time.monotonic()
        with anyio.fail_after(20):
            result = await c.call_tool("get_site", {"site_id": ids.ACME_SITE_ID})
        took = time.monotonic() - started
    assert result.is_error and "had not answered" in text_of(result) and "Nothing changed" in text_of(result)
    assert took < DEADLINE + 5, took  # not the read timeout's 70 s
    stalled = transports[0].stalled  # asked once: no second attempt past the deadline
    assert len(stalled) == 1 and stalled[0].endswith(f"/sites/{ids.ACME_SITE_ID}"), stalled


@pytest.mark.parametrize("mode", MODES)
async def test_a_write_kinsta_does_not_answer_ends_at_the_deadline_with_its_outcome_unknown(
    mode: str, tmp_path: Path
) -> None:
    transports: list[Stalling] = []

    def stall_writes(inner: Any) -> Stalling:
        transports.append(Stalling(inner, "POST"))
        return transports[-1]

    audit = tmp_path / "audit.jsonl"
    async with world(audit=audit, wrap=stall_writes, call_deadline=DEADLINE) as w, client(w.server, mode) as c:
        started = time.monotonic()
        with anyio.fail_after(20):
            result = await c.call_tool("clear_cache", {"env_id": ids.ACME_LIVE_ENV_ID, "cache": "site"})
        took = time.monotonic() - started
    text = text_of(result)
    assert result.is_error and "outcome is unknown" in text and "not retried" in text, text
    assert took < DEADLINE + 5, took
    assert len(transports[0].stalled) == 1  # sent once, never again
    outcome = [r for r in map(json.loads, audit.read_text().splitlines()) if r.get("phase") == "outcome"]
    assert len(outcome) == 1 and "outcome is unknown" in outcome[0].get("message", ""), outcome
