"""Await Kinsta's long operations: poll /operations/{id} until they finish.

Kinsta answers a long request with 202 and an `operation_id`. `GET /operations/{id}`
then answers 202 while it runs, 200 when it is done, 500 with its JSON error body when
it failed, and 404 for the first seconds after a site creation (not visible yet). The
interval grows from about 1 s to 5 s: quick operations are answered quickly, long ones
cost few requests.

A gateway hiccup also looks like a 500, so a failure is reported only when Kinsta's own
failure answer comes twice, a moment apart; anything else that is not an answer (a 5xx
without Kinsta's body, a timeout, garbage, a 429) is "not known yet" and waiting goes on
within the bound. Each poll's answer is a `PollStatus`, never an HTTP code.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from kinsta_mcp.api.clock import Clock


class PollStatus(enum.StrEnum):
    """What one poll of /operations/{id} said."""

    RUNNING = "running"  # 202
    SUCCEEDED = "succeeded"  # 200
    FAILED = "failed"  # 500 with Kinsta's JSON error body: Kinsta says the operation failed
    NOT_FOUND = "not_found"  # 404: not visible yet, or no such operation
    UNKNOWN = "unknown"  # Kinsta could not be asked (timeout, connection, 5xx without its body, 429)


@dataclass(frozen=True)
class PollAnswer:
    status: PollStatus
    message: str | None = None
    data: Any = None


Poll = Callable[[str], Awaitable[PollAnswer]]
"""Ask Kinsta once about an operation."""

Progress = Callable[[float, str], Awaitable[None]]
"""Told while waiting: seconds elapsed and Kinsta's latest status message."""

State = Literal["succeeded", "failed", "running", "accepted", "not_found"]


class OperationOutcome(BaseModel):
    """The result of every tool whose Kinsta operation runs in the background."""

    operation_id: str | None = Field(None, description="Kinsta's id; wait_for_operation resumes waiting")
    state: State = Field(
        description="succeeded, failed, running (the wait ended first), accepted (no id to follow), not_found"
    )
    message: str | None = Field(None, description="Kinsta's own message")
    data: Any = Field(None, description="What Kinsta returned with the final status")
    waited_seconds: float = 0.0
    polls: int = Field(0, exclude=True)  # how the wait went: for tests and benchmarks, never in a result
    basis: str | None = Field(None, description="Why the state is what it is, when it is not plain")


@dataclass(frozen=True)
class WaitPolicy:
    first_interval: float = 1.0
    max_interval: float = 5.0
    growth: float = 1.5
    # How long a 404 still means "not visible yet" rather than "no such operation".
    not_visible_grace: float = 30.0
    # A failure answer is believed when a second poll this much later says the same.
    confirm_after: float = 2.0


class Watch:
    """What is known about one operation while it is awaited: the rules for each poll's answer.

    `wait_for` follows one operation with it; a fleet batch follows many in one polling loop.
    """

    def __init__(self, operation_id: str, started: float, policy: WaitPolicy | None = None) -> None:
        self.operation_id = operation_id
        self.started = started
        self.policy = policy or WaitPolicy()
        self.polls = 0
        self.message = "started"
        self.basis: str | None = None
        self.failure: PollAnswer | None = None  # a failure answer waiting for its confirmation

    def outcome(
        self, state: State, now: float, answer: PollAnswer | None = None, why: str | None = None
    ) -> OperationOutcome:
        return OperationOutcome(
            operation_id=self.operation_id,
            state=state,
            message=(answer.message if answer else None) or self.message,
            data=answer.data if answer else None,
            waited_seconds=round(now - self.started, 3),
            polls=self.polls,
            basis=why,
        )

    def ended(self, now: float) -> OperationOutcome:
        """The outcome when the wait ends before the operation does."""
        if self.failure is not None:
            self.basis = "Kinsta answered once that it failed; the wait ended before a second poll could confirm it"
        return self.outcome("running", now, why=self.basis)

    def take(self, answer: PollAnswer, now: float) -> OperationOutcome | None:
        """Learn one poll's answer: the final outcome, or None while it is not known yet."""
        self.polls += 1
        elapsed = now - self.started
        if answer.status is PollStatus.SUCCEEDED:
            return self.outcome("succeeded", now, answer)
        if answer.status is PollStatus.FAILED:
            if self.failure is not None:
                return self.outcome(
                    "failed", now, answer, "Kinsta answered that it failed, on two polls a moment apart"
                )
            self.failure = answer
            self.message = "Kinsta reported a failure; checking again to be sure"
        elif answer.status is PollStatus.NOT_FOUND:
            self.failure = None
            if elapsed >= self.policy.not_visible_grace:
                why = f"Kinsta has not known this operation for {self.policy.not_visible_grace:.0f}s"
                return self.outcome("not_found", now, PollAnswer(PollStatus.NOT_FOUND, answer.message), why)
            self.message = "queued (not visible yet)"
        elif answer.status is PollStatus.UNKNOWN:
            # Asking failed, not the operation: it keeps running, so keep waiting (within the bound).
            # Our reason, not Kinsta's words: it is the basis; the message keeps what Kinsta last said.
            self.basis = f"the last poll could not tell: {answer.message}"
        else:
            self.failure, self.basis = None, None
            self.message = answer.message or "in progress"
        return None


async def wait_for(
    operation_id: str,
    poll: Poll,
    clock: Clock,
    max_wait: float,
    on_progress: Progress | None = None,
    policy: WaitPolicy | None = None,
) -> OperationOutcome:
    """Poll until the operation finishes or `max_wait` seconds pass. Cancellation stops it at once."""
    policy = policy or WaitPolicy()
    watch = Watch(operation_id, clock.monotonic(), policy)
    interval = policy.first_interval
    while True:
        remaining = max_wait - (clock.monotonic() - watch.started)
        if remaining <= 0:
            return watch.ended(clock.monotonic())
        delay = policy.confirm_after if watch.failure is not None else interval
        await clock.sleep(min(delay, remaining))
        if watch.failure is None:
            interval = min(interval * policy.growth, policy.max_interval)
        finished = watch.take(await poll(operation_id), clock.monotonic())
        if finished is not None:
            return finished
        if on_progress is not None:
            await on_progress(clock.monotonic() - watch.started, watch.message)
