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
    polls: int = 0
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
    start = clock.monotonic()
    interval = policy.first_interval
    polls = 0
    last_message = "started"
    basis: str | None = None
    failure: PollAnswer | None = None  # a failure answer waiting for its confirmation

    def outcome(state: State, answer: PollAnswer | None = None, why: str | None = None) -> OperationOutcome:
        return OperationOutcome(
            operation_id=operation_id,
            state=state,
            message=(answer.message if answer else None) or last_message,
            data=answer.data if answer else None,
            waited_seconds=round(clock.monotonic() - start, 3),
            polls=polls,
            basis=why,
        )

    while True:
        remaining = max_wait - (clock.monotonic() - start)
        if remaining <= 0:
            if failure is not None:
                basis = "Kinsta answered once that it failed; the wait ended before a second poll could confirm it"
            return outcome("running", why=basis)
        delay = policy.confirm_after if failure is not None else interval
        await clock.sleep(min(delay, remaining))
        if failure is None:
            interval = min(interval * policy.growth, policy.max_interval)
        answer = await poll(operation_id)
        polls += 1
        elapsed = clock.monotonic() - start
        if answer.status is PollStatus.SUCCEEDED:
            return outcome("succeeded", answer)
        if answer.status is PollStatus.FAILED:
            if failure is not None:
                return outcome("failed", answer, "Kinsta answered that it failed, on two polls a moment apart")
            failure = answer
            last_message = "Kinsta reported a failure; checking again to be sure"
        elif answer.status is PollStatus.NOT_FOUND:
            failure = None
            if elapsed >= policy.not_visible_grace:
                why = f"Kinsta has not known this operation for {policy.not_visible_grace:.0f}s"
                return outcome("not_found", PollAnswer(PollStatus.NOT_FOUND, answer.message), why)
            last_message = "queued (not visible yet)"
        elif answer.status is PollStatus.UNKNOWN:
            # Asking failed, not the operation: it keeps running, so keep waiting (within the bound).
            basis = f"the last poll could not tell: {answer.message}"
            last_message = answer.message or "not known yet"
        else:
            failure, basis = None, None
            last_message = answer.message or "in progress"
        if on_progress is not None:
            await on_progress(elapsed, last_message)
