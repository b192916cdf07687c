"""Waiting for long operations: intervals, outcomes, a failure believed only when confirmed, the bound,
cancellation (units on a fake clock)."""

from __future__ import annotations

import itertools

import anyio
import pytest

from kinsta_mcp.api.clock import FakeClock
from kinsta_mcp.server.waiting import PollAnswer, PollStatus, wait_for

pytestmark = pytest.mark.anyio


class Script:
    """Kinsta's answers to successive polls."""

    def __init__(self, *answers: PollAnswer) -> None:
        self.answers = list(answers)
        self.polls = 0

    async def __call__(self, operation_id: str) -> PollAnswer:
        self.polls += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


RUNNING = PollAnswer(PollStatus.RUNNING, "Restoring backup")
DONE = PollAnswer(PollStatus.SUCCEEDED, "Successfully finished request", {"idSite": "s-1"})
FAILED = PollAnswer(PollStatus.FAILED, "Push failed: disk full")
GATEWAY = PollAnswer(PollStatus.UNKNOWN, "HTTP 502 without Kinsta's answer")


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
    missing = PollAnswer(PollStatus.NOT_FOUND, "Operation not found")
    outcome = await wait_for("op", Script(missing, missing, RUNNING, DONE), FakeClock(), max_wait=40)
    assert outcome.state == "succeeded" and outcome.polls == 4


async def test_a_404_that_lasts_means_not_found() -> None:
    outcome = await wait_for("op", Script(PollAnswer(PollStatus.NOT_FOUND, "gone")), FakeClock(), max_wait=120)
    assert outcome.state == "not_found" and outcome.waited_seconds >= 30


async def test_a_failure_is_reported_only_when_a_second_poll_confirms_it() -> None:
    script = Script(RUNNING, FAILED, FAILED)
    outcome = await wait_for("op", script, FakeClock(), 40)
    assert outcome.state == "failed" and outcome.message == "Push failed: disk full"
    assert script.polls == 3 and outcome.basis and "two polls" in outcome.basis


async def test_a_passing_failure_answer_is_not_a_failure() -> None:
    # Kinsta's failure answer once, then the operation goes on and succeeds: not reported as failed.
    outcome = await wait_for("op", Script(RUNNING, FAILED, RUNNING, DONE), FakeClock(), 40)
    assert outcome.state == "succeeded"


async def test_a_gateway_error_is_not_known_yet_and_waiting_goes_on() -> None:
    outcome = await wait_for("op", Script(GATEWAY, GATEWAY, RUNNING, DONE), FakeClock(), 40)
    assert outcome.state == "succeeded" and outcome.polls == 4


async def test_unknown_until_the_bound_says_still_running_and_why() -> None:
    outcome = await wait_for("op", Script(GATEWAY), FakeClock(), 12)
    assert outcome.state == "running" and outcome.basis and "could not tell" in outcome.basis


async def test_an_unconfirmed_failure_at_the_bound_is_not_a_failure() -> None:
    clock = FakeClock()
    outcome = await wait_for("op", Script(RUNNING, FAILED), clock, max_wait=2.5)
    assert outcome.state == "running" and outcome.basis and "confirm" in outcome.basis


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
