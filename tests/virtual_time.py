"""Virtual time in which concurrent sleepers wake in order, for tests of waiting (they never sleep)."""

from __future__ import annotations

import heapq
from collections.abc import Callable

import anyio
import anyio.lowlevel

from kinsta_mcp.simulator.clock import SIM_EPOCH


class OrderedClock:
    """Virtual time in which sleepers wake in the order of their wake times, as in real time.

    (FakeClock moves time on at each sleep: a flooder's long sleep there jumps past another task's
    short ones, which would hide how long that task waits.) `drive` advances time to the earliest
    wake-up once every other task has reached its next sleep; tests still never sleep.
    """

    def __init__(self, real_pause: float = 0.0) -> None:
        self.real_pause = real_pause
        self.now = 0.0
        self._sleepers: list[tuple[float, int, anyio.Event]] = []
        self._count = 0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        """The simulator's reading of the same clock (wall-clock seconds from its fixed start)."""
        return SIM_EPOCH + self.now

    async def sleep(self, seconds: float) -> None:
        self._count += 1
        woken = anyio.Event()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._count, woken))
        await woken.wait()

    async def drive(self, until: anyio.Event, running: Callable[[], int] | None = None) -> None:
        """Move time on until `until` is set. `running()`: how many tasks are still working; with it,
        time moves only once every one of them sleeps on this clock (one waiting on a socket, e.g.
        on Redis, is not asleep: real time passes for it, not virtual time)."""
        while not until.is_set():
            for _ in range(10):  # every task runs on to its next sleep (a handful of steps)
                await anyio.lowlevel.checkpoint()
            if running is not None and len(self._sleepers) < running():
                await anyio.sleep(self.real_pause or 0.0005)
                continue
            if self.real_pause:
                await anyio.sleep(self.real_pause)
            if self._sleepers:
                self.now = max(self.now, self._sleepers[0][0])
                while self._sleepers and self._sleepers[0][0] <= self.now:
                    heapq.heappop(self._sleepers)[2].set()
