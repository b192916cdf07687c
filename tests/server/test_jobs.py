"""A deadline on every call, long work as jobs, progress, and cancellation (issues 26 and 20.6).

Time is virtual (the simulator's clock, moved by the server's waits): "within the deadline" is
measured on that clock, on the server's side of each call, so the tests never sleep.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from fleet_seed import add_sites, live_env_ids
from harness import MODES, answering, client, job_result, text_of, world

from kinsta_mcp.api.ratelimit import RateLimiter
from kinsta_mcp.server.sdk import McpCall
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

LIMITED = {"rate_limits": True}
DEADLINE = 45.0  # call_deadline in the harness
Tick = tuple[float, float, float | None, str | None]  # (virtual time, progress, total, message)


class Timed(list[float]):
    """The virtual seconds each tool call takes on the server, from its arrival to its answer; `spans` the
    (arrival, answer) of each (a 2026-07-28 confirmation is a second request: the answer is the last span)."""

    spans: list[tuple[float, float]]


def timed(w: Any) -> Timed:
    answered = Timed()
    answered.spans = []
    call_tool = w.server.call_tool

    async def measured(*args: Any, **kwargs: Any) -> Any:
        began = w.clock.sim.time()
        result = await call_tool(*args, **kwargs)
        answered.append(w.clock.sim.time() - began)
        answered.spans.append((began, w.clock.sim.time()))
        return result

    w.server.call_tool = measured
    return answered


def recorder(w: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Tick], list[Tick], Callable[..., Any]]:
    """(progress as the server sent it, at the virtual time it sent it; as the client got it; the callback)."""
    sent: list[Tick] = []
    got: list[Tick] = []
    send = McpCall.progress

    async def sending(self: McpCall, value: float, total: float | None, message: str) -> None:
        sent.append((w.clock.sim.time(), value, total, message))
        await send(self, value, total, message)

    monkeypatch.setattr(McpCall, "progress", sending)

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        got.append((w.clock.sim.time(), value, total, message))

    return sent, got, on_progress


def starve(w: Any, per_minute: int) -> None:
    """Kinsta's budget for the company cut to `per_minute` requests: a read of a few dozen takes minutes."""
    for kinsta in w.server.app.backend.clients.values():
        kinsta.limiter = RateLimiter(w.clock, per_company=per_minute)


def assert_progress_kept_coming(sent: list[Tick], got: list[Tick], start: float, end: float) -> None:
    """Sent from 2 s on, then at least every 5 s until the call answered; each value larger than the last;
    and the client got them all."""
    during = [t for t in sent if t[0] <= end]
    times = [start + 2.0] + [t for t, *_ in during] + [end]
    assert during and max(b - a for a, b in itertools.pairwise(times)) <= 5.0, times
    values = [v for _, v, *_ in during]
    assert values == sorted(set(values)) and [v for _, v, *_ in got][: len(values)] == values


@pytest.mark.parametrize("mode", MODES)
async def test_a_long_read_answers_by_the_deadline_with_a_job_and_its_result_later(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 20)
        starve(w, 1)  # one request a minute: even a read of a few requests takes minutes
        answered = timed(w)
        sent, got, on_progress = recorder(w, monkeypatch)
        async with client(w.server, mode) as c:
            first = await c.call_tool("get_company_overview", {}, progress_callback=on_progress)
            began, ended = answered.spans[-1]
            again = await c.call_tool("get_company_overview", {})  # joins the job, or answers from its reads
            done = await job_result(c, first)
    job = first.structured_content["job"]
    assert job["state"] == "running" and not first.is_error
    assert f'wait_for_operation(job_id="{job["job_id"]}")' in text_of(first) and "Do not start it again" in text_of(
        first
    )
    assert not again.is_error
    assert all(took <= DEADLINE for took in answered), answered  # every call, wait_for_operation included
    assert_progress_kept_coming(sent, got, began, ended)
    overview = done.structured_content
    assert not done.is_error and len(overview["sites"]) == 23 and overview["sites_with_errors"] == 0


@pytest.mark.parametrize("mode", MODES)
async def test_a_long_batch_answers_by_the_deadline_sends_progress_and_finishes_as_a_job(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    callback, _ = answering("accept")
    async with world(sim_options={**LIMITED, "operation_seconds": 150.0}) as w:
        add_sites(w.sim, 30)
        answered = timed(w)
        sent, got, on_progress = recorder(w, monkeypatch)
        async with client(w.server, mode, callback) as c:
            arguments = {"preset": "backup_live", "dry_run": False}
            first = await c.call_tool("run_batch", arguments, progress_callback=on_progress)
            began, ended = answered.spans[-1]  # the confirmed request (after the human's yes)
            done = await job_result(c, first)
    job = first.structured_content["job"]
    assert job["state"] == "running" and job["total"] == 33
    assert first.structured_content["totals"] == {"running": 33}  # what is done: all started
    assert all(took <= DEADLINE for took in answered), answered
    assert_progress_kept_coming(sent, got, began, ended)
    assert done.structured_content["totals"] == {"done": 33}, text_of(done)
    posted = Counter(r.path.split("/")[3] for r in w.writes() if r.path.endswith("/manual-backups"))
    assert sorted(posted) == sorted(live_env_ids(w.sim)) and set(posted.values()) == {1}


async def test_backing_up_500_live_environments_every_call_within_the_deadline_each_backed_up_once() -> None:
    callback, _ = answering("accept")
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 497)
        lives = live_env_ids(w.sim)
        answered = timed(w)
        async with client(w.server, "auto", callback) as c:
            first = await c.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
            done = await job_result(c, first, rounds=60)
    assert len(lives) == 500 and first.structured_content["job"]["state"] == "running"
    assert len(answered) > 2 and all(took <= DEADLINE for took in answered), answered
    assert done.structured_content["totals"] == {"done": 500}, text_of(done)[:500]
    posted = Counter(r.path.split("/")[3] for r in w.writes() if r.path.endswith("/manual-backups"))
    assert sorted(posted) == sorted(lives) and set(posted.values()) == {1}
    assert all(r.status != 429 for r in w.sim.requests)


# -- cancellation ------------------------------------------------------------------------------


class Held:
    """The simulator's transport, holding back requests `held` picks until the test lets them go."""

    def __init__(self, inner: Any, held: Callable[[Any], bool]) -> None:
        self.inner, self.held = inner, held
        self.reached = anyio.Event()
        self.release = anyio.Event()

    async def handle_async_request(self, request: Any) -> Any:
        if self.held(request):
            self.reached.set()
            await self.release.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def records(audit: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in audit.read_text().splitlines()] if audit.exists() else []


async def settled(audit: Path, want: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    """The audit once the server has settled what the cancelled call sent (it does so as the call unwinds)."""
    with anyio.fail_after(10):
        while not want(records(audit)):
            await anyio.sleep(0.01)
    return records(audit)


def cancelled_backups(trail: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in trail if r.get("outcome") == "cancelled" and r["tool"] == "create_backup"]


def is_poll(request: Any) -> bool:
    return request.method == "GET" and "/operations/" in request.url.path


@pytest.mark.parametrize("mode", MODES)
async def test_a_call_cancelled_after_its_post_still_records_the_operation(tmp_path: Path, mode: str) -> None:
    audit = tmp_path / "audit.jsonl"
    held: list[Held] = []

    def hold_polls(inner: Any) -> Held:
        held.append(Held(inner, is_poll))
        return held[0]

    async with world(audit=audit, wrap=hold_polls) as w, client(w.server, mode) as c:
        async with anyio.create_task_group() as tg:
            tg.start_soon(c.call_tool, "restart_php", {"env_id": ids.ACME_LIVE_ENV_ID})
            with anyio.fail_after(10):
                await held[0].reached.wait()  # Kinsta accepted the POST; the first poll is on its way
            tg.cancel_scope.cancel()
        trail = await settled(audit, lambda rs: any(r["phase"] == "outcome" for r in rs))
        started = [op for op in w.sim.state.operations if "restart" in op or "php" in op]
    intent = next(r for r in trail if r["phase"] == "intent")
    outcome = next(r for r in trail if r["phase"] == "outcome")
    assert intent["tool"] == "restart_php" and outcome["call"] == intent["call"]
    assert outcome["outcome"] == "cancelled" and "outcome unknown" in outcome["message"]
    assert outcome["operation_id"] in started and len(w.writes()) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_cancelled_after_its_posts_is_found_and_followed_by_resume(tmp_path: Path, mode: str) -> None:
    audit = tmp_path / "audit.jsonl"
    callback, _ = answering("accept")
    async with world(audit=audit, sim_options=LIMITED) as w:
        add_sites(w.sim, 20)
        granted: list[int] = []
        gate = anyio.Event()
        reached = anyio.Event()
        for kinsta in w.server.app.backend.clients.values():
            acquire = kinsta.limiter.acquire

            async def held(bucket: str, *args: Any, acquire: Any = acquire, **kwargs: Any) -> None:
                if len(granted) >= 8:  # the batch's 9th request waits for its slot (nothing of it sent)
                    reached.set()
                    await gate.wait()
                granted.append(1)
                await acquire(bucket, *args, **kwargs)

            kinsta.limiter.acquire = held  # type: ignore[method-assign]
        async with client(w.server, mode, callback) as c:
            async with anyio.create_task_group() as tg:
                tg.start_soon(c.call_tool, "run_batch", {"preset": "backup_live", "dry_run": False})
                with anyio.fail_after(10):
                    await reached.wait()
                tg.cancel_scope.cancel()
            sent = [r for r in w.writes() if r.path.endswith("/manual-backups")]
            trail = await settled(audit, lambda rs: len(cancelled_backups(rs)) >= len(sent))
            gate.set()
            with anyio.fail_after(10):  # the job unwinds as the call's cancellation reaches it
                while (jobs := (await c.call_tool("wait_for_operation", {})).structured_content["jobs"])[0][
                    "state"
                ] == "running":
                    await anyio.sleep(0.01)
            resumed = await job_result(c, await c.call_tool("run_batch", {"resume": [jobs[0]["job_id"]]}))
    assert sent and len(sent) < 23  # cancelled part-way: the rest was never sent
    assert jobs[0]["state"] == "cancelled" and jobs[0]["kind"] == "batch"
    intents = [r for r in trail if r["phase"] == "intent" and r["tool"] == "create_backup"]
    cancelled = cancelled_backups(trail)
    unsent = [r for r in trail if r.get("outcome") == "not_sent" and r["tool"] == "create_backup"]
    assert len(sent) == len(cancelled)  # every request sent has its outcome, with its operation id
    assert {r["call"] for r in cancelled + unsent} == {r["call"] for r in intents}  # and every intent
    assert all(r["operation_id"] in w.sim.state.operations for r in cancelled)
    rows = resumed.structured_content["rows"]
    assert sorted(r["operation_id"] for r in rows) == sorted(r["operation_id"] for r in cancelled)
    assert resumed.structured_content["totals"] == {"done": len(sent)}, text_of(resumed)
    assert len([r for r in w.writes() if r.path.endswith("/manual-backups")]) == len(sent)  # resume sent none
