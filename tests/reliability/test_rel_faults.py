"""Faults injected in the simulator during reads, writes and operation polling.

Each fault gives a clear error (what happened, what to do), a write is never processed
twice (asserted on the simulator's request log), reads recover from transient faults, and
the server keeps serving afterwards.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from harness import answering, call_of, client, job_result, text_of, world
from server.test_end_to_end import arguments_for

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Effect
from kinsta_mcp.simulator import Fault
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

MODE = "legacy"
SITE = f"/sites/{ids.ACME_SITE_ID}"
POLL = "/operations/{operation_id}"
LIVE = ids.ACME_LIVE_ENV_ID
ATTEMPTS = KinstaClient.__init__.__kwdefaults__["max_retries"] + 1  # the client's default bound

# (fault kind, status): what the simulator injects.
FAULTS = [
    ("status", 500),
    ("status", 502),
    ("status", 503),
    ("timeout", 0),
    ("drop", 0),
    ("malformed", 0),
    ("rate_limit", 0),
]
FAULT_IDS = [f"{kind}-{status}" if status else kind for kind, status in FAULTS]

# What a read that keeps failing must say: what happened, and what to do.
READ_ADVICE = {
    "status": ("server error", "try again"),
    "timeout": ("did not answer", "try again"),
    "drop": ("connection broke", "check the network"),
    "malformed": ("not json", "try again"),
    "rate_limit": ("rate limit", "try again in"),
}
# What a write whose answer was lost must say: it may have happened, check before retrying.
WRITE_ADVICE = {
    "status": ("server error", "check before retrying"),
    "timeout": ("outcome is unknown", "retry only if nothing changed"),
    "drop": ("outcome is unknown", "retry only if nothing changed"),
    "malformed": ("not json", "check before retrying"),
}

WRITES = [op for op in OPERATIONS if op.effect is not Effect.READ]


def fault(method: str, path: str, kind: str, status: int, times: int | None) -> Fault:
    return Fault(method=method, path=path, kind=kind, status=status or 500, times=times)  # type: ignore[arg-type]


async def still_serving(c: Any) -> None:
    result = await c.call_tool("list_sites", {})
    assert not result.is_error, text_of(result)
    assert result.structured_content["company"]["sites"]


# -- reads ------------------------------------------------------------------------------


@pytest.mark.parametrize("times", [1, 2])
@pytest.mark.parametrize(("kind", "status"), FAULTS, ids=FAULT_IDS)
async def test_a_read_is_retried_and_succeeds_after_transient_faults(kind: str, status: int, times: int) -> None:
    async with world() as w, client(w.server, MODE) as c:
        w.sim.faults.add(fault("GET", "/sites/{site_id}", kind, status, times))
        first = await c.call_tool("get_site", {"site_id": ids.ACME_SITE_ID})
        # A 429 asks for Kinsta's minute, past the call's deadline: the read goes on as a job.
        assert ("job" in (first.structured_content or {})) == (kind == "rate_limit"), text_of(first)
        result = await job_result(c, first)
        assert not result.is_error, text_of(result)
        assert result.structured_content["site"]["id"] == ids.ACME_SITE_ID
        assert [r.path for r in w.requests("GET")].count(SITE) == times + 1


@pytest.mark.parametrize(("kind", "status"), FAULTS, ids=FAULT_IDS)
async def test_a_read_that_keeps_failing_says_what_happened_and_what_to_do(kind: str, status: int) -> None:
    async with world() as w, client(w.server, MODE) as c:
        w.sim.faults.add(fault("GET", "/sites/{site_id}", kind, status, None))
        result = await job_result(c, await c.call_tool("get_site", {"site_id": ids.ACME_SITE_ID}))
        assert result.is_error
        text = text_of(result).lower()
        what, todo = READ_ADVICE[kind]
        assert what in text and todo in text, text
        if status:
            assert str(status) in text
        # bounded retries (a 429: the call's one attempt, then its job's, past the call's deadline)
        assert [r.path for r in w.requests("GET")].count(SITE) == ATTEMPTS + (kind == "rate_limit")
        w.sim.faults.clear()
        await w.budget_frees()
        await still_serving(c)


# -- writes -----------------------------------------------------------------------------


def processed_per_path(sent: list[Any]) -> Counter[str]:
    """Non-GET requests per method and raw path that reached processing (a 429 is refused unprocessed)."""
    return Counter(f"{r.method} {r.raw_path}" for r in sent if r.status != 429)


@pytest.mark.parametrize(("kind", "status"), FAULTS, ids=FAULT_IDS)
async def test_a_write_is_never_sent_twice_whatever_the_fault(kind: str, status: int) -> None:
    async with world(confirmation="off") as w, client(w.server, MODE) as c:
        for op in WRITES:
            w.sim.faults.clear()
            w.sim.faults.add(fault(op.method, op.path, kind, status, 1))
            await w.budget_frees()  # a slot for it (Kinsta allows 5 creations a minute)
            before = len(w.writes())
            args = {**arguments_for(op), **({"wait": False} if op.is_async else {})}
            # Earlier writes here delete the site: give what the server would look up from the environment.
            looked_up = {"cdn_cache_id": ids.fixed_id(f"cdn:{LIVE}"), "site_id": ids.ACME_SITE_ID}
            args |= {name: args.get(name) or looked_up[name] for name in op.from_environment}
            result = await c.call_tool(*call_of(op, args))
            sent = w.writes()[before:]
            assert sent, f"{op.name}: {text_of(result)}"
            assert set(processed_per_path(sent).values()) <= {1}, f"{op.name} processed twice under {kind}"
            text = text_of(result).lower()
            if kind == "rate_limit":  # refused unprocessed, for Kinsta's minute: past the call's deadline
                assert [r.status for r in sent] == [429] and result.is_error, op.name
                assert "nothing changed" in text and "try again in" in text and "job" not in text, text
                continue
            assert len(sent) == 1, f"{op.name} sent {len(sent)} times under {kind}"
            assert result.is_error, f"{op.name}: {text}"
            what, todo = WRITE_ADVICE[kind]
            assert what in text and todo in text, f"{op.name}: {text}"
        w.sim.faults.clear()
        await w.budget_frees()
        await still_serving(c)


async def test_a_write_applied_but_answered_500_is_reported_as_maybe_applied_and_not_repeated() -> None:
    accept, prompts = answering("accept")  # adding an SFTP login grants access: the human says yes
    async with world() as w, client(w.server, MODE, accept) as c:
        path = "/sites/environments/{env_id}/additional-sftp-accounts"
        w.sim.faults.add(Fault(method="POST", path=path, kind="status", status=500, after=True))
        args = {"env_id": LIVE, "username": "deploy-bot", "password": "Zq8rT2vLx9Wm4kPa7"}
        result = await c.call_tool("add_sftp_account", args)
        assert result.is_error
        text = text_of(result)
        assert "may or may not have been applied" in text and "check before retrying" in text
        posts = [r for r in w.writes() if r.method == "POST" and r.raw_path.endswith("/additional-sftp-accounts")]
        assert len(posts) == 1 and len(prompts) == 1
        await still_serving(c)


# -- polling long operations ----------------------------------------------------------------

TRANSIENT_POLL_FAULTS = [f for f in FAULTS if f != ("status", 500)]


@pytest.mark.parametrize("times", [1, 2])
@pytest.mark.parametrize(("kind", "status"), TRANSIENT_POLL_FAULTS, ids=[i for i in FAULT_IDS if i != "status-500"])
async def test_a_transient_fault_while_polling_does_not_turn_a_running_operation_into_failed(
    kind: str, status: int, times: int
) -> None:
    async with world() as w, client(w.server, MODE) as c:
        w.sim.faults.add(fault("GET", POLL, kind, status, times))
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE})
        for _ in range(times):  # a 429 asks for Kinsta's minute, past the call's deadline: it stays running
            if kind != "rate_limit" or result.structured_content["state"] != "running":
                break
            await w.budget_frees()
            operation_id = result.structured_content["operation_id"]
            result = await c.call_tool("wait_for_operation", {"operation_id": operation_id})
        assert not result.is_error, text_of(result)
        assert result.structured_content["state"] == "succeeded"
        assert len([r for r in w.writes() if r.path == "/sites/tools/clear-cache"]) == 1


@pytest.mark.parametrize(("kind", "status"), TRANSIENT_POLL_FAULTS, ids=[i for i in FAULT_IDS if i != "status-500"])
async def test_polling_that_keeps_failing_ends_as_still_running_with_a_way_to_resume(kind: str, status: int) -> None:
    async with world() as w, client(w.server, MODE) as c:
        w.sim.faults.add(fault("GET", POLL, kind, status, None))
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE})
        outcome = result.structured_content
        assert outcome["state"] == "running", text_of(result)
        text = text_of(result)
        assert "the last poll could not tell" in text and "wait_for_operation" in text
        # Bounded: the last poll may run over by its own retries (a 429 storm waits out Kinsta's 60 s window).
        overrun = ATTEMPTS * 60 if kind == "rate_limit" else 60
        assert outcome["waited_seconds"] <= w.settings.operation_wait + overrun
        assert len([r for r in w.writes() if r.path == "/sites/tools/clear-cache"]) == 1
        w.sim.faults.clear()
        if kind == "rate_limit":  # Kinsta asked for a minute's pause: a poll is not asked before then
            await w.clock.sleep(60)
        resumed = await c.call_tool("wait_for_operation", {"operation_id": outcome["operation_id"]})
        assert resumed.structured_content["state"] == "succeeded", text_of(resumed)
        await still_serving(c)


async def test_a_500_from_operations_is_kinstas_answer_that_the_operation_failed() -> None:
    async with world() as w, client(w.server, MODE) as c:
        w.sim.fail_operations("/sites/tools/clear-cache")
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE})
        assert result.is_error
        assert result.structured_content["state"] == "failed"
        assert "FAILED" in text_of(result)
        assert len(w.writes()) == 1
        await still_serving(c)


async def test_a_refusal_while_polling_says_the_operation_was_started_and_how_to_follow_it() -> None:
    async with world() as w, client(w.server, MODE) as c:
        w.sim.faults.add(Fault(method="GET", path=POLL, kind="status", status=403, times=None))
        result = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE})
        assert result.is_error
        text = text_of(result)
        assert "started it" in text and "Do not start it again" in text and "wait_for_operation" in text
        assert "403" in text
        operation_id = text.split("wait_for_operation(operation_id='", 1)[1].split("'", 1)[0]
        waited = await c.call_tool("wait_for_operation", {"operation_id": operation_id})
        assert waited.is_error and operation_id in text_of(waited) and "403" in text_of(waited)
        assert len(w.writes()) == 1
        w.sim.faults.clear()
        await still_serving(c)


async def test_wait_for_operation_rides_out_a_429_storm_and_gateway_errors() -> None:
    # Each 429 waits out Kinsta's rate window (up to a minute): allow the wait for it.
    async with world(call_deadline=600.0, operation_wait=600.0) as w, client(w.server, MODE) as c:
        started = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE, "wait": False})
        operation_id = started.structured_content["operation_id"]
        w.sim.faults.add(Fault(method="GET", path=POLL, kind="rate_limit", times=3))
        w.sim.faults.add(Fault(method="GET", path=POLL, kind="status", status=503, times=2))
        result = await c.call_tool("wait_for_operation", {"operation_id": operation_id})
        assert result.structured_content["state"] == "succeeded", text_of(result)
        assert len(w.writes()) == 1
