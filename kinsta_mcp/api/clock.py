"""Clocks for the client and the rate limiter: the real one, and a virtual one so tests never sleep."""

from __future__ import annotations

import time
from typing import Protocol

import anyio
import anyio.lowlevel


class Clock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time: `time.monotonic` and `anyio.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """Virtual time: `sleep()` returns at once, having moved the clock forward.

    A sleep moves time to (time at the call + seconds) unless another task already moved it
    further, so concurrent sleepers overlap as they would in real time instead of adding up.
    Every sleep is recorded in `sleeps`.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self.sleeps: list[float] = []

    @property
    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        wake_at = self._now + seconds
        # Let other tasks run (and start their own sleeps from the same instant), as a real sleep would.
        await anyio.lowlevel.checkpoint()
        self._now = max(self._now, wake_at)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now})"
