"""The flood benchmark in small (issue 16, findings 7 and 8): one principal floods the HTTP endpoint
on loopback (session openings, idle and slow connections, Kinsta calls) and another is still
served. Counts and times are bounded; the figures are printed (benchmarks/flood.py has the full run).

Kinsta's budget is flooded in virtual time (tests/virtual_time.py): the limiter's clock moves only
when every caller waits on it, so the waits measured are the limiter's decisions, not how busy the
machine is. The session and connection floods are real time, with bounds far above their figures."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr
from virtual_time import OrderedClock

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.clock import SystemClock
from kinsta_mcp.server.app import build_server
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.http import loopback_socket, running
from kinsta_mcp.simulator import DEMO_API_KEY, SimClock, Simulator

pytestmark = pytest.mark.anyio
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "flood.py"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kinsta_flood_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


flood = load_benchmark()
BUDGET, CALLS, SESSIONS = 40, 48, 4  # requests a minute to the company; the flooder's calls and sessions


async def test_another_principal_connects_and_calls_through_session_and_connection_floods() -> None:
    report = await flood.run_flood(
        initialize=60,
        concurrency=8,
        idle=80,
        slow=4,
        max_connections=64,
        request_timeout=0.5,
        calls=0,  # Kinsta's budget: the virtual-time test below
        callers=1,
        other_per_minute=8,
        time_limit=90.0,
    )
    print("\n" + report.table())
    assert report.other_failures == []
    # 1. A flood of initialize: the flooder keeps at most its cap; the other connects and calls every time.
    assert report.initialize_sent == 60 and set(report.initialize_statuses) <= {200, 503}
    assert report.flooder_sessions_after <= 16
    assert report.other_connect_and_call and max(report.other_connect_and_call) < 10.0
    # 2. Idle and slow connections: the count stays at the limit, the server closes them, others get in.
    assert report.open_during_flood <= report.max_connections
    assert report.closed_by_server >= report.idle_opened + report.slow_opened - report.max_connections
    assert len(report.healthz_during) == 5 and len(report.other_call_during_connections) == 2
    assert report.slow_lifetimes and max(report.slow_lifetimes) < report.request_timeout + 3.0


async def test_another_principal_is_served_within_seconds_while_one_floods_kinsta_budget() -> None:
    """4 sessions of the flooder (both protocol versions) call get_site 48 times as fast as they are answered,
    more than the budget of 40 a minute the limiter is given here, while the other principal calls
    list_sites 8 times a (virtual) minute over HTTP. The flooder runs out of the budget and is paced; the
    other waits at most a couple of seconds for each slot; no 60 s window holds more than the budget.
    (Each session reads its own site; a read whose slot is more than 2 s away waits as a job, and a principal
    has at most 5 such jobs running, so 4 sessions.)"""
    clock = OrderedClock()
    sim = Simulator(clock=SimClock(), rate_limits=False, extra_sites=SESSIONS)  # the budget: the server's limiter
    sites = sorted(sim.state.sites)
    limiter = flood.TimedLimiter(clock, per_company=BUDGET)  # Kinsta gives 120: fewer calls to make
    limiter.waits, limiter.timer = {}, clock.monotonic
    kinsta = KinstaClient(
        api_key=SecretStr(DEMO_API_KEY), base_url=sim.base_url, transport=sim.transport(), limiter=limiter
    )
    sock = loopback_socket()
    port = sock.getsockname()[1]
    # The limiter's waits are virtual here and the calls' deadline real: a deadline past the longest wait
    # keeps this a test of the limiter's fairness (a slot past the deadline: tests/server/test_rate_deadline.py).
    settings = flood._settings(port, sim).model_copy(update={"call_deadline": 600.0})
    server = build_server(settings, {"demo": kinsta}, clock=SystemClock(), audit=AuditLog(None))
    url = f"http://127.0.0.1:{port}/mcp"
    working = [0]  # callers between sleeps: virtual time moves only while every one sleeps on the clock
    answered: list[float] = []  # the virtual time each call was answered
    done, flood_over = anyio.Event(), anyio.Event()

    async def calls(
        token: str, mode: str, count: int | None, every: float = 0.0, tool: str = "list_sites", args: Any = None
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60.0)) as http,
            Client(streamable_http_client(url, http_client=http), mode=mode) as c,  # type: ignore[arg-type]
        ):
            working[0] += 1
            try:
                made = 0
                while (count is None and not flood_over.is_set()) or made < (count or 0):
                    result = await c.call_tool(tool, args or {})
                    assert not result.is_error and "job" not in (result.structured_content or {}), result
                    answered.append(clock.now)
                    made += 1
                    if every:
                        await clock.sleep(every)
            finally:
                working[0] -= 1

    try:
        with anyio.fail_after(120):  # real seconds: a bound, not a measure
            async with running(server, settings, sock, 64), anyio.create_task_group() as group:
                group.start_soon(clock.drive, done, lambda: working[0])
                await calls(flood.OTHER_TOKEN, "legacy", 3)  # an active user, seen before the flood
                limiter.waits.clear()
                started = clock.now
                async with anyio.create_task_group() as callers:
                    callers.start_soon(calls, flood.OTHER_TOKEN, "auto", None, 60.0 / 8)
                    async with anyio.create_task_group() as floods:
                        for index in range(SESSIONS):
                            mode = ("legacy", "auto")[index % 2]
                            args = {"site_id": sites[index]}
                            floods.start_soon(
                                calls, flood.FLOODER_TOKEN, mode, CALLS // SESSIONS, 0.0, "get_site", args
                            )
                    took = clock.now - started
                    flood_over.set()
                done.set()
    finally:
        sock.close()
        await kinsta.aclose()
    flooder = [w for (principal, _), ws in limiter.waits.items() if principal == flood.FLOODER for w in ws]
    other = [w for (principal, _), ws in limiter.waits.items() if principal != flood.FLOODER for w in ws]
    print(
        f"\nflood: {len(flooder)} calls in {took:.0f} virtual s; flooder's slot waits total {sum(flooder):.0f} s, "
        f"max {max(flooder):.1f} s; other's {len(other)} calls, max wait {max(other):.2f} s"
    )
    assert len(flooder) == CALLS and took > 60.0  # more than a window's budget: it ran out
    busiest = max(sum(1 for t in answered if start <= t < start + 60.0) for start in answered)
    assert busiest <= BUDGET, busiest
    assert sum(flooder) > 60.0 and max(flooder) > 1.0  # the flooder waited, paced
    assert len(other) >= 8 and max(other) <= 2.0, other  # the other: served within a couple of seconds
