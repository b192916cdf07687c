"""Kinsta's rate budget per company as one limiter across replicas, fair per principal.

The rules are `api.ratelimit.RateLimiter`'s, applied to a company's `BucketState` kept in Redis:
each attempt reads the state under WATCH, decides with the same code, records the grant (or
that the caller waits) and writes it back in a MULTI; if another replica changed it meanwhile,
the attempt runs again. So all replicas together never send more than Kinsta's limits to a
company. Times are wall-clock seconds (replicas' monotonic clocks are not comparable).

Fairness across replicas: a caller that fits now still lets a waiting caller of any replica
go first when that one was served less recently and fits too (its replica marks it waiting in
the state, refreshed at least every second). Within a replica, the calls of one caller (principal
and session) for one company ask Redis one at a time, in turn: its other calls wait behind the
first, so a flood of calls is one negotiator, not a herd of conflicting transactions.

When Redis cannot be reached a write is refused (`SharedStateUnavailable`) and a read goes on
this replica's own limiter (the base class): reads continue, within Kinsta's limits per replica.
"""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any

import anyio
from redis.exceptions import WatchError

from kinsta_mcp.api.clock import Clock
from kinsta_mcp.api.ratelimit import (
    BucketState,
    RateLimiter,
    check_slot_in_time,
    current_principal,
    current_session,
)
from kinsta_mcp.catalog.spec import RateClass
from kinsta_mcp.shared.store import SharedState, SharedStateUnavailable

_EPSILON = 1e-9
MAX_SLEEP = 1.0  # a waiting caller asks again at least this often (and so keeps its mark fresh)
FRESH = 2.5  # a waiting mark older than this is a caller gone away (its replica stopped)
YIELD = 0.05  # how long a caller that let a fairer one go first waits before asking again
_SEP = "\x1f"


class WallClock:
    """Wall-clock seconds, the same on every replica (NTP), and anyio's sleep."""

    def monotonic(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(max(0.0, seconds))


def encode(state: BucketState, waiting: dict[tuple[str, str], tuple[float, str]]) -> str:
    return json.dumps(
        {
            "logs": {_SEP.join(key): list(log) for key, log in state.logs.items() if log},
            "paced": state.paced,
            "held_until": state.held_until,
            "principals": state.seen_principals,
            "sessions": {_SEP.join(key): at for key, at in state.seen_sessions.items()},
            "tick": state.tick,
            "served_principal": state.served_principal,
            "served_session": {_SEP.join(key): tick for key, tick in state.served_session.items()},
            "waiting": {_SEP.join(key): list(entry) for key, entry in waiting.items()},
        },
        separators=(",", ":"),
    )


def _pair(key: str) -> tuple[str, str]:
    principal, _, session = key.partition(_SEP)
    return principal, session


def decode(raw: bytes | str | None) -> tuple[BucketState, dict[tuple[str, str], tuple[float, str]]]:
    if not raw:
        return BucketState(), {}
    data: dict[str, Any] = json.loads(raw)
    state = BucketState(
        logs={tuple(key.split(_SEP)): deque(times) for key, times in data["logs"].items()},
        paced=dict(data["paced"]),
        held_until=float(data["held_until"]),
        seen_principals=dict(data["principals"]),
        seen_sessions={_pair(key): at for key, at in data["sessions"].items()},
        tick=int(data["tick"]),
        served_principal=dict(data["served_principal"]),
        served_session={_pair(key): tick for key, tick in data["served_session"].items()},
    )
    waiting = {_pair(key): (float(at), str(rate)) for key, (at, rate) in data["waiting"].items()}
    return state, waiting


class SharedRateLimiter(RateLimiter):
    """`RateLimiter` whose per-company state lives in Redis (see the module docstring)."""

    def __init__(self, shared: SharedState, clock: Clock | None = None, **limits: Any) -> None:
        super().__init__(clock or WallClock(), **limits)
        self.shared = shared
        self._holds: dict[str, float] = {}  # Kinsta's Retry-After seen here, for every replica at the next attempt
        self._turns: dict[tuple[str, str, str], anyio.Lock] = {}  # one caller's calls to a company, in turn

    def _key(self, bucket: str) -> str:
        return self.shared.key("rate", bucket)

    async def acquire(self, bucket: str, rate: RateClass = RateClass.STANDARD, *, write: bool = False) -> None:
        principal, session = current_principal.get(), current_session.get()
        turn = self._turns.setdefault((bucket, principal, session), anyio.Lock())
        try:
            async with turn:
                await self._negotiate(bucket, rate, principal, session, write)
            return
        except SharedStateUnavailable:
            if write:
                raise
        finally:
            if not turn.locked() and not turn.statistics().tasks_waiting:
                self._turns.pop((bucket, principal, session), None)
        await super().acquire(bucket, rate)  # Redis is away: a read goes on this replica's own budget

    async def _negotiate(self, bucket: str, rate: RateClass, principal: str, session: str, write: bool) -> None:
        with self.shared.reaching("a change to Kinsta" if write else "a read"):
            while True:
                wait = await self._attempt(bucket, rate, principal, session)
                if wait is None:
                    continue  # another replica changed the state meanwhile: decide again
                if wait <= _EPSILON:
                    return
                check_slot_in_time(wait)  # not past the call's deadline (its mark here expires by FRESH)
                await self.clock.sleep(min(wait, MAX_SLEEP))

    async def _attempt(self, bucket: str, rate: RateClass, principal: str, session: str) -> float | None:
        """0 when a slot was taken; else seconds to wait; None when the state changed under us."""
        key = self._key(bucket)
        async with self.shared.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                state, waiting = decode(await pipe.get(key))
                now = self.clock.monotonic()
                if bucket in self._holds:
                    state.held_until = max(state.held_until, self._holds.pop(bucket))
                state.seen(principal, session, now)
                me = (principal, session)
                wait = self._caller_wait(state, rate, principal, session, now)
                if wait <= _EPSILON and self._fairer_waiting(state, waiting, me, now):
                    wait = YIELD
                if wait <= _EPSILON:
                    self._take(state, rate, principal, session, now)
                    waiting.pop(me, None)
                else:
                    waiting[me] = (now, rate.value)
                for caller in [c for c, (at, _) in waiting.items() if at <= now - FRESH]:
                    del waiting[caller]
                state.sweep(now, self.window, self.recent, waiting.keys())
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.set(key, encode(state, waiting), px=int(max(self.recent, self.window) * 2000))
                await pipe.execute()
            except WatchError:
                return None
        return wait

    def _fairer_waiting(
        self, state: BucketState, waiting: dict[tuple[str, str], tuple[float, str]], me: tuple[str, str], now: float
    ) -> bool:
        """Whether a caller waiting on some replica, served less recently than `me`, fits now too."""
        mine = state.rank(*me)
        for caller, (at, rate) in waiting.items():
            if caller == me or at <= now - FRESH or state.rank(*caller) >= mine:
                continue
            if self._caller_wait(state, RateClass(rate), *caller, now) <= _EPSILON:
                return True
        return False

    def hold(self, bucket: str, seconds: float) -> None:
        """Kinsta asked us to wait: this replica at once, the others from its next attempt."""
        super().hold(bucket, seconds)
        if seconds > 0:
            until = self.clock.monotonic() + min(seconds, self.max_hold)
            self._holds[bucket] = max(self._holds.get(bucket, until), until)
