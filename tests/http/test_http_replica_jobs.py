"""Jobs and batches across replicas (issue 22): with Redis, a job started on one replica is listed, waited
for and resumed on another; another principal never sees it.

Two replicas (server apps in this process, each with its own Redis connection, over real HTTP) on one
simulator and one real `redis-server`. Kinsta's side keeps virtual time: replica A's batch answers at its
deadline and goes on as a job; its polls after that are held back until the test lets them go, so the job
is still running while replica B looks at it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from harness import MODES, answering, job_result, text_of
from http_world import ANY_TOKEN, BETA_API_KEY, BETA_COMPANY_ID, Served, served, two_company_settings
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr
from redis_server import RedisServer, free_port, redis_server

from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.jobs import Job
from kinsta_mcp.server.pipeline import Outcome
from kinsta_mcp.shared.jobs import MAX_RECORD_CHARS, encode
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, KeyInfo, Simulator
from kinsta_mcp.simulator.app import BASE_PATH
from kinsta_mcp.simulator.clock import SimClock

pytestmark = pytest.mark.anyio
OTHER_TOKEN = "token-other-principal-5e7a9c1b3d"
DEADLINE = 45.0  # call_deadline in the HTTP settings


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

                told: list[str | None] = []

                async def progress(value: float, total: float | None, message: str | None) -> None:
                    told.append(message)

                async def wait() -> None:
                    args = {"job_id": job["job_id"]}
                    waited.append(await on_b.call_tool("wait_for_operation", args, progress_callback=progress))

                tg.start_soon(wait)
                with anyio.fail_after(10):
                    while not told:  # past 2 s of B's call: B tells its client where the job stands
                        await anyio.sleep(0.1)
                        sim.clock.advance(0.5)
                sim.clock.advance(DEADLINE)  # B's deadline passes while A's job is held
            assert told[0] is not None and told[0].startswith("Back up every live environment: "), told
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


# -- a replica killed in the middle of a batch ---------------------------------------------------------

KILL_TOKEN = "token-replica-kill-test-8c2e4a6b0d"


class HoldingKinsta:
    """The simulator as an ASGI app that lets the first `through` manual-backup POSTs reach it and holds
    every later one (never answered, never passed on): writes on the wire when their replica is killed."""

    def __init__(self, sim: Simulator, through: int) -> None:
        self.sim, self.through = sim, through
        self.posted = 0  # manual-backup POSTs that arrived (passed on or held)
        self.gone = anyio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/manual-backups"):
            self.posted += 1
            if self.posted > self.through:
                await self.gone.wait()  # until the test ends; then refused, never passed on
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.sim.app(scope, receive, send)


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """`app` over HTTP on a free loopback port: its origin."""
    import uvicorn

    from kinsta_mcp.server.http import loopback_socket

    sock = loopback_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off", interface="asgi3"))
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve, [sock])
            while not server.started:
                await anyio.sleep(0.01)
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
            server.should_exit = True
            group.cancel_scope.cancel()
    finally:
        sock.close()


def start_replica(port: int, redis_url: str, kinsta_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KINSTA_API_KEY": DEMO_API_KEY,
        "KINSTA_COMPANY_ID": DEMO_COMPANY_ID,
        "KINSTA_MCP_HTTP_TOKENS": KILL_TOKEN,
        "KINSTA_MCP_AUDIT_LOG": "off",
        "KINSTA_MCP_REDIS_URL": redis_url,
    }
    env.pop("KINSTA_MCP_CONFIG", None)
    command = [sys.executable, "-m", "kinsta_mcp", "--transport", "http", "--port", str(port)]
    command += ["--api-base-url", kinsta_url, "--call-deadline", "2"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def until_ready(origin: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx2.AsyncClient() as http:
        with anyio.fail_after(60):
            while True:
                assert process.poll() is None, f"the replica exited ({process.returncode})"
                try:
                    if (await http.get(f"{origin}/readyz")).status_code == 200:
                        return
                except httpx2.HTTPError:
                    pass
                await anyio.sleep(0.1)


async def test_a_batch_whose_replica_was_killed_is_resumed_on_another_and_nothing_is_sent_twice(
    redis: RedisServer,
) -> None:
    """Replica A (a process) runs a batch over 12 live environments; 4 backups are accepted, 6 more are on
    the wire when A is killed (SIGKILL), 2 were never sent. Replica B reports the job stopped, and its
    resume follows the 4 operations to their end, names the 6 whose answer was lost (not sent again) and
    the 2 never sent. B sends no write."""
    sim = Simulator(operation_seconds=1.0, rate_limits=False, extra_sites=9)  # real time
    kinsta = HoldingKinsta(sim, through=4)
    callback, _ = answering("accept")
    port = free_port()
    async with serving(kinsta) as kinsta_origin:
        a = start_replica(port, redis.url, kinsta_origin + BASE_PATH)
        try:
            await until_ready(f"http://127.0.0.1:{port}", a)
            headers = {"Authorization": f"Bearer {KILL_TOKEN}"}
            async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as http:
                transport = streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
                async with Client(transport, mode="auto", elicitation_callback=callback) as on_a:  # type: ignore[arg-type]
                    first = await on_a.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
            job = first.structured_content["job"]
            assert job["state"] == "running" and job["total"] == 12, text_of(first)
            await until(lambda: kinsta.posted == 10, 30.0)  # 4 accepted, 6 on the wire (6 at once), 2 waiting for them
            a.send_signal(signal.SIGKILL)
            a.wait(timeout=10)
        finally:
            if a.poll() is None:
                a.kill()
                a.wait()
        settings = Settings(
            profiles={"default": Profile(name="default", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
            default_profile="default",
            audit_log=None,
            transport="http",
            http_tokens={KILL_TOKEN: None},
        )
        async with served(settings, sim, redis_url=redis.url) as b, b.client("auto", KILL_TOKEN) as on_b:
            listed = await on_b.call_tool("wait_for_operation", {})
            assert [j["job_id"] for j in listed.structured_content["jobs"]] == [job["job_id"]], text_of(listed)
            stopped = await on_b.call_tool("wait_for_operation", {"job_id": job["job_id"]})  # until A's mark expires
            assert stopped.structured_content["job"]["state"] == "stopped", text_of(stopped)
            assert "the replica running it stopped before it finished" in text_of(stopped)
            resumed = await job_result(on_b, await on_b.call_tool("run_batch", {"resume": [job["job_id"]]}))
        kinsta.gone.set()
    rows = resumed.structured_content["rows"]
    assert resumed.structured_content["totals"] == {"done": 4, "unknown": 6, "not_started": 2}, text_of(resumed)
    lives = [e.id for e in sim.state.environments.values() if e.is_live]
    assert len(lives) == 12 and sorted(r["id"] for r in rows) == sorted(lives)  # every target, once
    assert all("Not sent again" in r["message"] for r in rows if r["outcome"] == "unknown")
    assert all("nothing was sent" in r["message"] for r in rows if r["outcome"] == "not_started")
    assert kinsta.posted == 10 and len(backups(sim)) == 4  # B sent no write; Kinsta made 4 backups


async def test_without_redis_a_read_job_still_runs_and_its_replica_finds_it(redis: RedisServer) -> None:
    """Redis goes away: the company overview (a job) still answers on a replica, which lists it and
    answers wait_for_operation(job_id) with its result; the other replica cannot find it, and says why."""
    async with two_replicas(redis) as (a, b, _):
        redis.stop()
        async with a.client("auto", ANY_TOKEN) as on_a, b.client("auto", ANY_TOKEN) as on_b:
            overview = await on_a.call_tool("get_company_overview", {})
            assert not overview.is_error and overview.structured_content["sites"], text_of(overview)
            listed = await on_a.call_tool("wait_for_operation", {})
            jobs = listed.structured_content["jobs"]
            assert [(j["kind"], j["state"]) for j in jobs] == [("overview", "done")], text_of(listed)
            again = await on_a.call_tool("wait_for_operation", {"job_id": jobs[0]["job_id"]})
            assert not again.is_error and again.structured_content["sites"] == overview.structured_content["sites"]
            elsewhere = await on_b.call_tool("wait_for_operation", {"job_id": jobs[0]["job_id"]})
            assert elsewhere.is_error and "cannot be reached" in text_of(elsewhere), text_of(elsewhere)


async def test_a_shared_job_record_is_bounded() -> None:
    """A result far larger than a page (which shaping never makes) is still kept within MAX_RECORD_CHARS:
    its text cut, its structured part and the work's own record dropped."""
    job = Job("job_0123456789abcdef", "batch", "A batch", ("token-1", "alpha"))
    job.data["rows"] = [{"target": "t" * 100}] * 20_000
    job.state, job.result = "done", Outcome("x" * 3_000_000, {"rows": ["y" * 100] * 30_000})
    text = encode(job)
    record = json.loads(text)
    assert len(text) <= MAX_RECORD_CHARS and record["result"]["structured"] is None and record["data"] == {}
    assert record["result"]["text"].startswith("xxx") and record["owner"] == ["token-1", "alpha"]
