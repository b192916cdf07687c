"""Jobs and batches across replicas (issue 22): with Redis, a job started on one replica is listed, waited
for and resumed on another; another principal never sees it.

Two replicas (server apps in this process, each with its own Redis connection, over real HTTP) on one
simulator and one real `redis-server`. Kinsta's side keeps virtual time: replica A's batch answers at its
deadline and goes on as a job; its polls after that are held back until the test lets them go, so the job
is still running while replica B looks at it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import pytest
from harness import MODES, answering, job_result, text_of
from http_world import ANY_TOKEN, BETA_API_KEY, BETA_COMPANY_ID, Served, served, two_company_settings
from redis_server import RedisServer, redis_server

from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, KeyInfo, Simulator
from kinsta_mcp.simulator.clock import SimClock

pytestmark = pytest.mark.anyio
OTHER_TOKEN = "token-other-principal-5e7a9c1b3d"
DEADLINE = 45.0  # operation_wait in the HTTP settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


class HeldPolls:
    """The simulator's transport, holding back polls sent once virtual time passed `after`, until `release`."""

    def __init__(self, inner: Any, clock: SimClock) -> None:
        self.inner, self.clock = inner, clock
        self.after = float("inf")
        self.reached = anyio.Event()
        self.release = anyio.Event()

    async def handle_async_request(self, request: Any) -> Any:
        if "/operations/" in request.url.path and self.clock.time() > self.after:
            self.reached.set()
            await self.release.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def two_replicas(redis: RedisServer) -> AsyncIterator[tuple[Served, Served, HeldPolls]]:
    clock = SimClock()
    sim = Simulator(
        api_keys={DEMO_API_KEY: KeyInfo(DEMO_COMPANY_ID), BETA_API_KEY: KeyInfo(BETA_COMPANY_ID)},
        clock=clock,
        operation_seconds=150.0,  # a backup outlasts the call's deadline
    )
    settings = two_company_settings(http_tokens={ANY_TOKEN: None, OTHER_TOKEN: None})
    held: list[HeldPolls] = []

    def hold(inner: Any) -> HeldPolls:
        held.append(HeldPolls(inner, clock))
        return held[-1]

    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(served(settings, sim, redis_url=redis.url, wrap=hold))
        b = await stack.enter_async_context(served(settings, sim, redis_url=redis.url))
        yield a, b, held[0]
        held[0].release.set()


def backups(sim: Simulator) -> Counter[str]:
    posts = [r for r in sim.requests if r.method == "POST" and r.path.endswith("/manual-backups")]
    return Counter(r.path.split("/")[3] for r in posts)


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    with anyio.fail_after(seconds):
        while not check():
            await anyio.sleep(0.02)


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_job_of_one_replica_is_listed_waited_for_and_resumed_on_another(
    redis: RedisServer, mode: str
) -> None:
    callback, _ = answering("accept")
    async with two_replicas(redis) as (a, b, held):
        sim = a.sim
        held.after = sim.clock.time() + DEADLINE  # polls after A's call answered wait for the test
        async with a.client(mode, ANY_TOKEN, callback) as on_a:
            first = await on_a.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
        job = first.structured_content["job"]
        assert job["state"] == "running" and job["total"] == 3, text_of(first)
        await until(held.reached.is_set)  # A's job goes on: its next poll is held
        async with b.client(mode, ANY_TOKEN) as on_b, b.client(mode, OTHER_TOKEN) as other:
            # B lists A's running job, and says where it runs.
            listed = await on_b.call_tool("wait_for_operation", {})
            assert [j["job_id"] for j in listed.structured_content["jobs"]] == [job["job_id"]]
            assert listed.structured_content["jobs"][0]["state"] == "running"
            assert "on another replica" in text_of(listed), text_of(listed)
            # Another principal finds nothing of it, on either replica.
            for on in (other,):
                assert (await on.call_tool("wait_for_operation", {})).structured_content["jobs"] == []
                for call in (
                    ("wait_for_operation", {"job_id": job["job_id"]}),
                    ("run_batch", {"resume": [job["job_id"]]}),
                ):
                    refused = await on.call_tool(*call)
                    assert refused.is_error and f"No job {job['job_id']!r}" in text_of(refused), text_of(refused)
            # B waits for it until B's deadline: where it stands, on which replica, and how to continue.
            async with anyio.create_task_group() as tg:
                waited: list[Any] = []

                async def wait() -> None:
                    waited.append(await on_b.call_tool("wait_for_operation", {"job_id": job["job_id"]}))

                tg.start_soon(wait)
                await anyio.sleep(0.5)  # B's call is waiting on the job's record
                sim.clock.advance(DEADLINE + 5)  # B's deadline passes while A's job is held
            standing = waited[0]
            assert not standing.is_error and standing.structured_content["job"]["state"] == "running"
            assert f"still running on another replica as job {job['job_id']} (0 of 3 done)" in text_of(standing)
            assert len(standing.structured_content["rows"]) == 3  # the batch's rows so far, from A's record
            ops = sorted(r["operation_id"] for r in standing.structured_content["rows"])
            assert all(ops) and len(set(ops)) == 3
            # A's job goes on and finishes; B returns its result.
            held.release.set()
            done = await job_result(on_b, standing)
            assert not done.is_error and done.structured_content["totals"] == {"done": 3}, text_of(done)
            assert sorted(r["operation_id"] for r in done.structured_content["rows"]) == ops
            polls = sum(1 for r in sim.requests if "/operations/" in r.path)
            # B resumes the batch by its job id: every operation it started, each already ended (nothing asked).
            resumed = await job_result(on_b, await on_b.call_tool("run_batch", {"resume": [job["job_id"]]}))
            assert not resumed.is_error and resumed.structured_content["totals"] == {"done": 3}, text_of(resumed)
            assert sorted(r["operation_id"] for r in resumed.structured_content["rows"]) == ops
            assert sum(1 for r in sim.requests if "/operations/" in r.path) == polls
            listed = await on_b.call_tool("wait_for_operation", {})
            states = [(j["title"], j["state"]) for j in listed.structured_content["jobs"]]  # oldest first
            assert states == [("Back up every live environment", "done"), ("Resumed batch operations", "done")]
        assert set(backups(sim).values()) == {1} and len(backups(sim)) == 3  # each live environment once
