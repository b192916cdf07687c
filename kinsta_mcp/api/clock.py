"""Clocks for the client and the rate limiter: the real one, and a virtual one so tests never sleep."""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

import anyio
import anyio.lowlevel


class Clock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class Alarm:
    """A wake-up at `at` on a virtual clock. Once rung, it holds the clock (no other task's sleep moves
    time on) until its owner cancels it: the woken task acts at that instant, as it would in real time."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.rung = anyio.Event()
        self.cancelled = False
        self.owner = anyio.get_current_task().id  # its own task's sleeps are not held

    def cancel(self) -> None:
        self.cancelled = True


@runtime_checkable
class Alarms(Protocol):
    """A virtual clock's timers: time there moves only when a task sleeps, so a task that waits for
    something else by a deadline (a call waiting on its job) asks to be woken when time reaches it:
    sleeps that would pass `at` stop there, and wait until the woken task cancels its alarm."""

    def alarm(self, at: float) -> Alarm: ...


class AlarmBell:
    """The alarms of one virtual clock (used by FakeClock, and by the tests' clock)."""

    HOLD_LIMIT = 2.0  # real seconds a rung alarm may hold the clock (a task that never cancels it)

    def __init__(self) -> None:
        self.alarms: list[Alarm] = []

    def add(self, at: float, now: float) -> Alarm:
        alarm = Alarm(at)
        self.alarms.append(alarm)
        self.ring(now)
        return alarm

    def ring(self, now: float) -> None:
        self.alarms = [a for a in self.alarms if not a.cancelled]
        for alarm in self.alarms:
            if alarm.at <= now:
                alarm.rung.set()

    def next_before(self, end: float) -> float | None:
        """The earliest alarm not yet rung that falls before `end`."""
        due = [a.at for a in self.alarms if not a.cancelled and not a.rung.is_set() and a.at < end]
        return min(due, default=None)

    async def held(self) -> None:
        """Wait (in real time, bounded) while a rung alarm's task has not let time move on."""
        me = anyio.get_current_task().id
        with anyio.move_on_after(self.HOLD_LIMIT):
            while any(a.rung.is_set() and not a.cancelled and a.owner != me for a in self.alarms):
                await anyio.sleep(0.001)
        self.alarms = [a for a in self.alarms if not a.cancelled and (a.owner == me or not a.rung.is_set())]


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
        self._bell = AlarmBell()

    def alarm(self, at: float) -> Alarm:
        return self._bell.add(at, self._now)

    @property
    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._now += seconds
        self._bell.ring(self._now)

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        await self._bell.held()  # time does not move while a woken task has not acted yet
        wake_at = self._now + seconds
        # Let other tasks run (and start their own sleeps from the same instant), as a real sleep would.
        await anyio.lowlevel.checkpoint()
        while (at := self._bell.next_before(wake_at)) is not None:
            self._now = max(self._now, at)  # stop at an alarm, and let the task it wakes act first
            self._bell.ring(self._now)
            await self._bell.held()
        self._now = max(self._now, wake_at)
        self._bell.ring(self._now)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now})"
