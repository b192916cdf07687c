"""Time for the simulator: the real clock, or a fake one that tests move by hand."""

from __future__ import annotations

import time
from typing import Protocol

import anyio

# 2026-01-15T12:00:00Z: a fixed start so seeded dates and logs are the same on every run.
SIM_EPOCH = 1_768_478_400.0


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the Unix epoch (wall clock)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


class SimClock:
    """A clock that only moves when told to; `sleep` moves it instead of waiting."""

    def __init__(self, start: float = SIM_EPOCH) -> None:
        self._now = float(start)

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await anyio.sleep(0)  # still yield, as a real sleep would
