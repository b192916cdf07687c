"""Waiting for long operations: intervals, outcomes, the bound, cancellation."""

from __future__ import annotations

import itertools
from typing import Any

import anyio
import pytest

from kinsta_mcp.api.clock import FakeClock
from kinsta_mcp.server.waiting import wait_for

pytestmark = pytest.mark.anyio


class Script:
    """Kinsta's answers to successive polls."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.polls = 0

    async def __call__(self, operation_id: str) -> tuple[int, Any]:
        self.polls += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


RUNNING = (202, {"status": 202, "message": "Restoring backup", "data": {}})
DONE = (200, {"status": 200, "message": "Successfully finished request", "data": {"idSite": "s-1"}})


async def test_intervals_grow_from_one_second_to_five() -> None:
    clock = FakeClock()
    await wait_for("op", Script(RUNNING), clock, max_wait=40)
    assert clock.sleeps[0] == pytest.approx(1.0)
    steady = clock.sleeps[:-1]  # the last sleep is cut short by the bound
    assert all(b >= a for a, b in itertools.pairwise(steady))
    assert max(steady) == pytest.approx(5.0)
    assert sum(clock.sleeps) == pytest.approx(40.0)


async def test_success_returns_kinsta_message_and_data() -> None:
    outcome = await wait_for("op", Script(RUNNING, RUNNING, DONE), FakeClock(), max_wait=40)
    assert outcome.state == "succeeded"
    assert outcome.message == "Successfully finished request" and outcome.data == {"idSite": "s-1"}
    assert outcome.polls == 3


async def test_not_visible_at_first_then_found() -> None:
    missing = (404, {"status": 404, "message": "Operation not found"})
    outcome = await wait_for("op", Script(missing, missing, RUNNING, DONE), FakeClock(), max_wait=40)
    assert outcome.state == "succeeded" and outcome.polls == 4


async def test_a_404_that_lasts_means_not_found() -> None:
    outcome = await wait_for("op", Script((404, {"message": "gone"})), FakeClock(), max_wait=120)
    assert outcome.state == "not_found" and outcome.waited_seconds >= 30


async def test_500_means_failed_with_kinsta_message() -> None:
    outcome = await wait_for("op", Script(RUNNING, (500, {"message": "Push failed: disk full"})), FakeClock(), 40)
    assert outcome.state == "failed" and outcome.message == "Push failed: disk full"


async def test_the_wait_is_bounded_and_says_still_running() -> None:
    clock = FakeClock()
    script = Script(RUNNING)
    outcome = await wait_for("op-9", script, clock, max_wait=12)
    assert outcome.state == "running" and outcome.operation_id == "op-9"
    assert clock.now == pytest.approx(12.0)
    assert outcome.message == "Restoring backup"


async def test_progress_is_reported_with_kinsta_message() -> None:
    seen: list[tuple[float, str]] = []

    async def progress(elapsed: float, message: str) -> None:
        seen.append((elapsed, message))

    await wait_for("op", Script(RUNNING, RUNNING, DONE), FakeClock(), 40, progress)
    assert [m for _, m in seen] == ["Restoring backup", "Restoring backup"]
    assert seen[0][0] < seen[1][0]


async def test_cancelling_stops_polling_at_once() -> None:
    script = Script(RUNNING)

    class RealishClock(FakeClock):
        async def sleep(self, seconds: float) -> None:
            await anyio.sleep(0.01)
            await super().sleep(seconds)

    with anyio.move_on_after(0.05):
        await wait_for("op", script, RealishClock(), max_wait=1000)
    polls = script.polls
    await anyio.sleep(0.05)
    assert script.polls == polls  # nothing polls after the cancel
    assert polls < 10
