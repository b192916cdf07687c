"""Several replicas sharing one real Redis (issue 22): approvals spent once across replicas, one rate
budget per company over all of them (fair per principal), and when Redis goes away, writes and guarded
calls refused clearly while reads go on; readiness says so.

Each test starts its own `redis-server` on a free port (tests/redis_server.py) and stops it. The
replicas are server apps in this process, each with its own Redis connection, served over real HTTP.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import anyio.lowlevel
import httpx2
import pytest
from harness import answering, text_of
from http_world import ANY_TOKEN, Served, served, two_company_settings, two_company_simulator
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr
from redis_server import RedisServer, redis_server
from virtual_time import OrderedClock

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.ratelimit import current_principal
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.server.http import loopback_socket
from kinsta_mcp.shared import SharedState
from kinsta_mcp.shared.limiter import SharedRateLimiter
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.simulator.clock import SimClock

pytestmark = pytest.mark.anyio
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "replicas.py"
TOKEN = re.compile(r'confirmation_token="([^"]+)"')
LINK_ARGS = {"env_id": ids.ACME_LIVE_ENV_ID}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@asynccontextmanager
async def replicas(redis: RedisServer, count: int = 2, **overrides: Any) -> AsyncIterator[list[Served]]:
    """`count` replicas of one configuration on one simulator (one Kinsta) and one Redis."""
    sim = two_company_simulator(SimClock())
    settings = two_company_settings(http_tokens={ANY_TOKEN: None}, **overrides)
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(served(settings, sim, redis_url=redis.url)) for _ in range(count)]


def load_benchmark() -> ModuleType:
    """benchmarks/replicas.py, for its round-robin proxy."""
    spec = importlib.util.spec_from_file_location("kinsta_replicas_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@asynccontextmanager
async def round_robin(ports: list[int]) -> AsyncIterator[tuple[str, Any]]:
    """The benchmark's round-robin proxy in front of `ports`, on a free loopback port: (its /mcp URL, it)."""
    import uvicorn

    proxy = load_benchmark().RoundRobinProxy(ports)
    sock = loopback_socket()
    config = uvicorn.Config(proxy, log_level="error", lifespan="off", interface="asgi3")
    server = uvicorn.Server(config)
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve, [sock])
            while not server.started:
                await anyio.lowlevel.checkpoint()
            yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp", proxy
            server.should_exit = True
    finally:
        sock.close()
        await proxy.http.aclose()


def link_requests(sim: Simulator) -> int:
    suffix = BY_NAME["get_phpmyadmin_link"].path.rsplit("}", 1)[1]
    return sum(1 for r in sim.requests if r.path.endswith(suffix))


async def test_an_approval_redeemed_on_one_replica_is_refused_when_replayed_on_another(redis: RedisServer) -> None:
    """2026-07-28 requests may land on any replica: a confirmation token minted on A is good on B (the
    store is shared), and once used there it is refused on A, and on B again. One request reaches Kinsta."""
    async with replicas(redis, confirmation="elicit-or-model-token") as (a, b):
        async with a.client("auto", ANY_TOKEN) as on_a:
            asked = await on_a.call_tool("get_phpmyadmin_link", LINK_ARGS)
        minted = TOKEN.search(text_of(asked))
        assert minted and link_requests(a.sim) == 0, text_of(asked)
        approved = {**LINK_ARGS, "confirmation_token": minted.group(1)}
        async with b.client("auto", ANY_TOKEN) as on_b:
            done = await on_b.call_tool("get_phpmyadmin_link", approved)
        assert not done.is_error, text_of(done)
        assert link_requests(a.sim) == 1
        for replica in (a, b):
            async with replica.client("auto", ANY_TOKEN) as client:
                replayed = await client.call_tool("get_phpmyadmin_link", approved)
            assert replayed.is_error and "already used" in text_of(replayed), text_of(replayed)
        assert link_requests(a.sim) == 1


async def test_an_elicitation_round_asked_by_one_replica_is_answered_on_another(redis: RedisServer) -> None:
    """2026-07-28 through a round-robin proxy: the human is asked by one replica and the answer lands on
    the other, which opens the sealed request state with the key the replicas share and spends the
    approval in Redis. One question, one request to Kinsta."""
    async with replicas(redis) as (a, b):
        ports = [int(a.origin.rsplit(":", 1)[1]), int(b.origin.rsplit(":", 1)[1])]
        async with round_robin(ports) as (url, proxy):
            callback, prompts = answering("accept")
            async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {ANY_TOKEN}"}) as http:
                transport = streamable_http_client(url, http_client=http)
                async with Client(transport, mode="auto", elicitation_callback=callback) as client:  # type: ignore[arg-type]
                    result = await client.call_tool("get_phpmyadmin_link", LINK_ARGS)
        assert not result.is_error, text_of(result)
        assert len(prompts) == 1 and link_requests(a.sim) == 1
        rounds = [port for port, body in proxy.log if b'"tools/call"' in body]
        assert len(rounds) == 2 and rounds[0] != rounds[1], proxy.log  # asked on one, answered on the other


async def test_a_write_through_one_replica_drops_the_cached_reads_of_the_others(redis: RedisServer) -> None:
    """The read cache stays per replica, but a write through A tells B (Redis pub/sub) to drop what it
    may have changed: B's next read of the company's sites goes to Kinsta instead of its cache."""
    async with replicas(redis, resource_ttl=600) as (a, b):

        def site_lists() -> int:
            return sum(1 for r in a.sim.requests if r.path == "/sites")

        async with b.client("auto", ANY_TOKEN) as on_b:
            await on_b.read_resource("kinsta://sites")
            before = site_lists()
            await on_b.read_resource("kinsta://sites")
            assert site_lists() == before  # cached on B
            async with a.client("auto", ANY_TOKEN) as on_a:
                cleared = await on_a.call_tool("clear_cache", {"cache": "site", "env_id": ids.ACME_LIVE_ENV_ID})
            assert not cleared.is_error, text_of(cleared)
            after_write = site_lists()  # A may have listed sites itself for the write
            with anyio.fail_after(5):  # the message crosses Redis: real time, a moment
                while site_lists() == after_write:
                    await on_b.read_resource("kinsta://sites")  # from B's cache until the message lands
                    await anyio.sleep(0.05)
        assert site_lists() == after_write + 1


async def test_two_replicas_together_never_exceed_kinsta_limit_and_share_it_fairly(redis: RedisServer) -> None:
    """Two replicas (each its own limiter on one Redis), three principals on one company, against the
    simulator with Kinsta's limits on (a 429 if exceeded), in virtual time: at most 120 requests in any
    60 s, no 429, and the light principal on replica B is served within a couple of seconds while
    principals on both replicas flood."""
    clock = OrderedClock()
    sim = Simulator(clock=clock, rate_limits=True)
    list_sites = BY_NAME["list_sites"]
    clients: list[KinstaClient] = []
    shared: list[SharedState] = []
    for _ in range(2):
        state = SharedState(redis.url)
        await state.start()
        shared.append(state)
        limiter = SharedRateLimiter(state, clock=clock)
        clients.append(
            KinstaClient(
                api_key=SecretStr(DEMO_API_KEY),
                base_url=sim.base_url,
                transport=sim.transport(),
                limiter=limiter,
                clock=clock,
            )
        )
    other_waits: list[float] = []

    working = [0]  # tasks calling: virtual time moves only while every one of them sleeps on the clock

    async def calls(client: KinstaClient, principal: str, count: int, every: float = 0.0) -> None:
        current_principal.set(principal)
        working[0] += 1
        try:
            await each_call(client, principal, count, every)
        finally:
            working[0] -= 1

    async def each_call(client: KinstaClient, principal: str, count: int, every: float) -> None:
        for _ in range(count):
            asked = clock.now
            await client.call(list_sites, {"include_environments": False}, company_id=DEMO_COMPANY_ID)
            if principal == "other":
                other_waits.append(clock.now - asked)
            if every:
                await clock.sleep(every)

    done = anyio.Event()
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(clock.drive, done, lambda: working[0])
            await calls(clients[1], "other", 1)  # an active user before the floods
            async with anyio.create_task_group() as callers:
                # A caller's calls to a company take turns on its replica anyway: one task each, back to back.
                callers.start_soon(calls, clients[0], "flood-a", 70)  # through replica A
                callers.start_soon(calls, clients[1], "flood-b", 70)  # through replica B
                callers.start_soon(calls, clients[1], "other", 12, 4.0)
            done.set()
    finally:
        for client in clients:
            await client.aclose()
        for state in shared:
            await state.aclose()
    listed = [r for r in sim.requests if r.path == "/sites"]
    assert len(listed) == 153 and {r.status for r in listed} == {200}  # more than a window's 120; no 429
    times = sorted(r.time for r in listed)
    busiest = max(sum(1 for t in times if start <= t < start + 60.0) for start in times)
    assert busiest <= 120, busiest
    assert busiest >= 115  # the limit was reached: the floods had to wait for it
    assert len(other_waits) == 13 and max(other_waits) <= 2.0, other_waits


async def test_without_redis_writes_and_guarded_calls_are_refused_reads_continue(redis: RedisServer) -> None:
    async with replicas(redis, confirmation="elicit-or-model-token") as (a, b):
        async with httpx2.AsyncClient(timeout=10.0) as http:
            ready = await http.get(f"{a.origin}/readyz")
            assert ready.status_code == 200 and ready.json()["checks"] == {"redis": "ok"}
            redis.stop()
            for replica in (a, b):
                assert (await http.get(f"{replica.origin}/healthz")).status_code == 200  # alive
                down = await http.get(f"{replica.origin}/readyz")
                assert down.status_code == 503 and down.json() == {
                    "status": "not ready",
                    "checks": {"redis": "unreachable"},
                }
        before = len(a.sim.requests)
        for replica in (a, b):
            async with replica.client("auto", ANY_TOKEN) as client:
                cleared = await client.call_tool("clear_cache", {"cache": "site", "env_id": ids.ACME_LIVE_ENV_ID})
                assert cleared.is_error and "shared state (Redis at redis://127.0.0.1" in text_of(cleared)
                assert "Nothing was sent" in text_of(cleared), text_of(cleared)
                guarded = await client.call_tool("get_phpmyadmin_link", LINK_ARGS)
                assert guarded.is_error and "cannot be reached" in text_of(guarded), text_of(guarded)
                assert "confirmation_token" not in text_of(guarded)
        writes = [r for r in a.sim.requests[before:] if r.method != "GET"]
        assert writes == [] and link_requests(a.sim) == 0
        for replica in (a, b):
            async with replica.client("auto", ANY_TOKEN) as client:
                listed = await client.call_tool("list_sites", {})
            assert not listed.is_error and "Acme Shop" in text_of(listed), text_of(listed)


async def test_one_process_without_redis_is_ready_and_unchanged() -> None:
    """The default (no redis_url): /readyz is 200 with nothing to check, approvals stay in the process."""
    async with served(two_company_settings(http_tokens={ANY_TOKEN: None})) as one:
        async with httpx2.AsyncClient(timeout=10.0) as http:
            ready = await http.get(f"{one.origin}/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready", "checks": {}}
        assert one.front.shared is None
