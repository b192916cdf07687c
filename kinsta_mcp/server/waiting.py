"""Await Kinsta's long operations: poll /operations/{id} until they finish.

Kinsta answers a long request with 202 and an `operation_id`. `GET /operations/{id}`
then answers 202 while it runs, 200 when it is done, 500 when it failed, and 404 for
the first seconds after a site creation (not visible yet). The interval grows from
about 1 s to 5 s: quick operations are answered quickly, long ones cost few requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

Poll = Callable[[str], Awaitable[tuple[int, Any]]]
"""Ask Kinsta once about an operation: (HTTP status, parsed body)."""

Progress = Callable[[float, str], Awaitable[None]]
"""Told while waiting: seconds elapsed and Kinsta's latest status message."""


class Clock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


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


@dataclass(frozen=True)
class WaitPolicy:
    first_interval: float = 1.0
    max_interval: float = 5.0
    growth: float = 1.5
    # How long a 404 still means "not visible yet" rather than "no such operation".
    not_visible_grace: float = 30.0


def _message(body: Any) -> str | None:
    if isinstance(body, dict):
        message = body.get("message")
        return str(message) if message is not None else None
    return None


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, dict) else None


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
    while True:
        elapsed = clock.monotonic() - start
        remaining = max_wait - elapsed
        if remaining <= 0:
            return OperationOutcome(
                operation_id=operation_id,
                state="running",
                message=last_message,
                waited_seconds=round(elapsed, 3),
                polls=polls,
            )
        await clock.sleep(min(interval, remaining))
        interval = min(interval * policy.growth, policy.max_interval)
        status, body = await poll(operation_id)
        polls += 1
        elapsed = clock.monotonic() - start
        if status == 200:
            return OperationOutcome(
                operation_id=operation_id,
                state="succeeded",
                message=_message(body),
                data=_data(body),
                waited_seconds=round(elapsed, 3),
                polls=polls,
            )
        if status == 404:
            if elapsed < policy.not_visible_grace:
                last_message = "queued (not visible yet)"
            else:
                return OperationOutcome(
                    operation_id=operation_id,
                    state="not_found",
                    message=_message(body) or "Kinsta does not know this operation",
                    waited_seconds=round(elapsed, 3),
                    polls=polls,
                )
        elif status >= 500 or (400 <= status < 500):
            return OperationOutcome(
                operation_id=operation_id,
                state="failed",
                message=_message(body) or f"the operation failed (HTTP {status})",
                data=_data(body),
                waited_seconds=round(elapsed, 3),
                polls=polls,
            )
        else:  # 202: still running
            last_message = _message(body) or "in progress"
        if on_progress is not None:
            await on_progress(elapsed, last_message)
