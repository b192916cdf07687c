"""Kinsta's rate limits, kept on our side so calls wait for a slot instead of being refused.

Kinsta allows 120 requests a minute per company, 5 a minute for resource creation and 35 a
minute for logs (both on top of the 120), and 1000 a minute per IP address. Each limit is a
sliding window log: a call goes when every window it counts against holds fewer calls than
the limit in the last `window` seconds, so a burst of up to the limit goes at once and the
next call waits exactly until the oldest one leaves the window.

Kinsta's own view (RateLimit-* and Retry-After headers) can hold a bucket for longer.
One limiter can serve several companies (buckets); share one per process so the
per-process limit covers every client.

Fair share: callers are named by two context variables, `current_principal` (the HTTP token's
label, "local" without one) and `current_session` (a key per MCP session). Waiting calls are
served round-robin: a freed slot goes to the principal served least recently, then to its
session served least recently, then first come first served. So principals that compete for
the budget each get an equal share of it.

Once more than one principal (or session) has called on a company in the last `recent` seconds,
a caller with a tenth of the window or more in it (`limit // 10`: 12 of 120, 3 of 35 logs) is
busy, and busy callers together are held to two rules: they keep out of the window's last
tenth, which stays for light callers, and their calls are paced evenly over the window
(window / 108 apart: one every 0.56 s), never a burst. A light caller's calls therefore go at
once while light callers together have not used the tenth, and any further call waits only
until the next of the busy callers' slots comes free (within 0.56 s), which it gets ahead of
them. A flood cannot take the window in one burst, so a slot always frees soon: however many
calls one principal queues, another's are served within seconds, and once both are busy they
alternate. Pacing costs a flooder nothing over a minute (108 paced + its first 12). A caller
alone keeps the whole window, bursts included; a newcomer then waits for the first freed slot.

A call's deadline: a call that answers by a deadline (pipeline.Core) names, in `slot_time_left`,
how many seconds it can still wait for a slot. A request whose slot would come later is not sent:
`acquire` raises `SlotTooLate` at once (or as soon as it knows), so no call waits for Kinsta's
budget past its deadline. A job's requests (work that outlives its call) have no such bound.
"""

from __future__ import annotations

import contextlib
import email.utils
import math
import re
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

from kinsta_mcp.api.clock import Clock, SystemClock
from kinsta_mcp.catalog.spec import RateClass

# Float sums (start + window) can land a hair short of `now`; this keeps one sleep per wait.
_EPSILON = 1e-9
# A RateLimit-Reset this large is a Unix time rather than a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000
# The share of a company window kept for other callers once the budget is shared: 1/10.
_RESERVE_DIVISOR = 10
# Forget per-caller bookkeeping every this many grants (windows are long gone by then).
_SWEEP_EVERY = 256

current_principal: ContextVar[str] = ContextVar("kinsta_mcp_principal", default="local")
"""Who the current call is for: the HTTP bearer token's label, or "local" (stdio, loopback without tokens)."""
current_session: ContextVar[str] = ContextVar("kinsta_mcp_session", default="")
"""Which of the principal's MCP sessions the current call belongs to (any stable key; "" when unknown)."""
slot_time_left: ContextVar[Callable[[], float] | None] = ContextVar("kinsta_mcp_slot_time_left", default=None)
"""Seconds the current call can still wait for a rate slot (None: no bound): set by a call that answers by a
deadline. A function, not a time: a limiter shared by replicas keeps another clock."""


call_time_left: ContextVar[Callable[[], float] | None] = ContextVar("kinsta_mcp_call_time_left", default=None)
"""Seconds until the current call must answer (None: no bound): a request sent for it waits for Kinsta's
answer no longer than that (api/client.py), so a slow answer cannot carry the call past its deadline."""


class SlotTooLate(Exception):
    """No rate slot comes within the time the current call has left (`slot_time_left`): nothing was sent.
    `wait`: seconds until one would (at least)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"no rate slot for {wait:.1f} s")
        self.wait = wait


def check_slot_in_time(wait: float) -> None:
    """Raise `SlotTooLate` when a slot `wait` seconds away comes after the current call can wait."""
    left = slot_time_left.get()
    if wait > _EPSILON and left is not None and wait > left():
        raise SlotTooLate(wait)


@contextlib.contextmanager
def slots_within(left: Callable[[], float] | None) -> Iterator[None]:
    """Requests made inside wait for a rate slot at most `left()` seconds (None: no bound)."""
    token = slot_time_left.set(left)
    try:
        yield
    finally:
        slot_time_left.reset(token)


def _seconds(text: str | None) -> float | None:
    """A non-negative number of seconds from a header value, or None when absent or malformed."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    if value >= _EPOCH_THRESHOLD:
        return max(0.0, value - time.time())
    return value


def _retry_after(text: str | None) -> float | None:
    """Retry-After: delay-seconds or an HTTP date."""
    if text is None:
        return None
    seconds = _seconds(text)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _structured_field(text: str | None, *names: str) -> str | None:
    """A parameter of the combined `RateLimit: limit=120, remaining=0, reset=30` header."""
    if text is None:
        return None
    for name in names:
        match = re.search(rf"(?:^|[,;\s]){name}=([0-9.]+)", text)
        if match:
            return match.group(1)
    return None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def remaining_and_reset(headers: Mapping[str, str]) -> tuple[float | None, float | None]:
    """(RateLimit-Remaining, RateLimit-Reset in seconds), from the separate or the combined headers."""
    lowered = _lower(headers)
    combined = lowered.get("ratelimit")
    remaining = _seconds(lowered.get("ratelimit-remaining") or _structured_field(combined, "remaining", "r"))
    reset = _seconds(lowered.get("ratelimit-reset") or _structured_field(combined, "reset", "t"))
    return remaining, reset


def retry_delay(headers: Mapping[str, str]) -> float | None:
    """How long the server asks us to wait (Retry-After, else RateLimit-Reset), or None when it does not say."""
    lowered = _lower(headers)
    delay = _retry_after(lowered.get("retry-after"))
    if delay is not None:
        return delay
    return remaining_and_reset(headers)[1]


_K = TypeVar("_K")


@dataclass(eq=False)
class _Waiter:
    bucket: str
    rate: RateClass
    principal: str
    session: str
    seq: int
    granted: bool = False


def _window_wait(log: deque[float], limit: int, now: float, window: float) -> float:
    """Drop entries older than the window; seconds until `log` holds fewer than `limit` entries."""
    while log and log[0] <= now - window + _EPSILON:
        log.popleft()
    if len(log) >= limit:
        return log[-limit] + window - now
    return 0.0


@dataclass
class BucketState:
    """Everything the limiter knows about one company (bucket): plain data, so that it can live in
    this process or, shared by replicas, in Redis (`kinsta_mcp.shared`)."""

    # (window kind,) -> grant times; with a principal, and a session, appended: that caller's share.
    logs: dict[tuple[str, ...], deque[float]] = field(default_factory=dict)
    paced: dict[str, float] = field(default_factory=dict)  # window kind -> the last grant to a busy caller
    held_until: float = 0.0
    seen_principals: dict[str, float] = field(default_factory=dict)
    seen_sessions: dict[tuple[str, str], float] = field(default_factory=dict)
    tick: int = 0  # grants so far: when each principal and session was last served
    served_principal: dict[str, int] = field(default_factory=dict)
    served_session: dict[tuple[str, str], int] = field(default_factory=dict)

    def log(self, *key: str) -> deque[float]:
        return self.logs.setdefault(key, deque())

    def rank(self, principal: str, session: str) -> tuple[int, int]:
        """Served least recently first: the principal, then its session."""
        return self.served_principal.get(principal, 0), self.served_session.get((principal, session), 0)

    def seen(self, principal: str, session: str, now: float) -> None:
        self.seen_principals[principal] = now
        self.seen_sessions[(principal, session)] = now

    def sweep(self, now: float, window: float, recent: float, keep: Collection[tuple[str, str]] = ()) -> None:
        """Forget callers and windows with nothing left in them, so memory follows current use
        (`keep`: callers still waiting)."""
        for key in [key for key, log in self.logs.items() if not log or log[-1] <= now - window]:
            del self.logs[key]
        for kind in [kind for kind, at in self.paced.items() if at <= now - window]:
            del self.paced[kind]
        horizon = now - max(recent, window)
        for principal in [p for p, at in self.seen_principals.items() if at <= horizon]:
            del self.seen_principals[principal]
        for caller in [c for c, at in self.seen_sessions.items() if at <= horizon]:
            del self.seen_sessions[caller]
        waiting = {principal for principal, _ in keep}
        for principal in [p for p in self.served_principal if p not in self.seen_principals and p not in waiting]:
            del self.served_principal[principal]
        for caller in [c for c in self.served_session if c not in self.seen_sessions and c not in keep]:
            del self.served_session[caller]


class RateLimiter:
    """Waits (on the clock) until a call fits every limit that applies to it, serving waiting
    callers fairly (see the module docstring). Safe for many anyio tasks."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        per_company: int = 120,
        create: int = 5,
        logs: int = 35,
        per_process: int = 1000,
        window: float = 60.0,
        max_hold: float = 300.0,
        recent: float = 600.0,
    ) -> None:
        limits = {"per_company": per_company, "create": create, "logs": logs, "per_process": per_process}
        for name, limit in limits.items():
            if limit < 1:
                raise ValueError(f"rate limit {name} must be at least 1, got {limit}")
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self.clock: Clock = clock or SystemClock()
        self.per_company = per_company
        self.per_class = {RateClass.CREATE: create, RateClass.LOGS: logs}
        self.per_process = per_process
        self.window = window
        self.max_hold = max_hold  # never trust a header to block a bucket for longer than this
        self.recent = recent  # another caller seen this recently means the budget is shared
        self._process_log: deque[float] = deque()
        self._buckets: dict[str, BucketState] = {}
        self._waiting: list[_Waiter] = []
        self._seq = 0
        self._grants = 0
        self._changes = 0  # waiters added or granted, buckets held: a dispatch at the same time and count finds nothing
        self._dispatched: tuple[float, int] | None = None

    def _state(self, bucket: str) -> BucketState:
        return self._buckets.setdefault(bucket, BucketState())

    def _company_windows(self, rate: RateClass) -> list[tuple[str, int]]:
        windows = [("company", self.per_company)]
        class_limit = self.per_class.get(rate)
        if class_limit is not None:
            windows.append((rate.value, class_limit))
        return windows

    def _shared(self, seen: Mapping[_K, float], own: _K, now: float) -> bool:
        """Whether a caller other than `own` called within `recent` seconds."""
        return any(key != own and at > now - self.recent for key, at in seen.items())

    def _busy_logs(self, state: BucketState, kind: str, principal: str, session: str, now: float) -> list[deque[float]]:
        """The window logs by which a caller is judged light or busy: its principal's when other
        principals are active, its session's when its principal's other sessions are."""
        logs = []
        if self._shared(state.seen_principals, principal, now):
            logs.append(state.log(kind, principal))
        if self._shared(state.seen_sessions, (principal, session), now):
            logs.append(state.log(kind, principal, session))
        return logs

    def _busy(self, state: BucketState, kind: str, limit: int, principal: str, session: str, now: float) -> float:
        """0 for a light caller (fewer than a tenth of `limit` calls in the window, as a principal when
        other principals are active, as a session when its principal's other sessions are); for a busy
        one, the seconds until its own calls age out below that again. Always 0 for a caller alone."""
        reserve = limit // _RESERVE_DIVISOR
        if not reserve:
            return 0.0
        logs = self._busy_logs(state, kind, principal, session, now)
        return max((_window_wait(log, reserve, now, self.window) for log in logs), default=0.0)

    def _paced_wait(self, state: BucketState, kind: str, limit: int, now: float) -> float:
        """When a busy caller may go. Busy callers together leave the window's last tenth to light
        callers (while any is active), and their calls are spaced at least window / (9 tenths of the
        limit) apart, or further when the window's room must last until its oldest call leaves: the
        slots they hold come free one by one, never a window's worth at once, and the window never
        fills up to stall everyone."""
        reserve = limit // _RESERVE_DIVISOR
        spacing = self.window / (limit - reserve)
        log = state.log(kind)
        _window_wait(log, limit, now, self.window)  # drops what left the window
        if self._light_caller_active(state, kind, reserve, now):
            limit -= reserve
        room = limit - len(log)
        if room <= 0:  # until enough of the window's calls leave it
            return log[-limit] + self.window - now
        if log:
            spacing = max(spacing, (log[0] + self.window - now) / room)
        return state.paced.get(kind, -math.inf) + spacing - now

    def _light_caller_active(self, state: BucketState, kind: str, reserve: int, now: float) -> bool:
        """Whether a caller seen within `recent` seconds has fewer than `reserve` calls in the window
        (as a principal; as a session when its principal is the only one active)."""
        active = [p for p, at in state.seen_principals.items() if at > now - self.recent]
        if len(active) > 1:
            return any(_window_wait(state.log(kind, p), reserve, now, self.window) == 0 for p in active)
        return any(
            _window_wait(state.log(kind, p, s), reserve, now, self.window) == 0
            for (p, s), at in state.seen_sessions.items()
            if at > now - self.recent
        )

    def _caller_wait(self, state: BucketState, rate: RateClass, principal: str, session: str, now: float) -> float:
        wait = max(state.held_until - now, _window_wait(self._process_log, self.per_process, now, self.window))
        for kind, limit in self._company_windows(rate):
            wait = max(wait, _window_wait(state.log(kind), limit, now, self.window))
            busy = self._busy(state, kind, limit, principal, session, now)
            if busy > 0:  # until it is light again, or its turn among the busy comes
                wait = max(wait, min(busy, self._paced_wait(state, kind, limit, now)))
        return max(0.0, wait)

    def wait_time(
        self,
        bucket: str,
        rate: RateClass = RateClass.STANDARD,
        principal: str | None = None,
        session: str | None = None,
    ) -> float:
        """Seconds until a call of this class in this bucket may go (0: now), for the current caller
        (or the one named), leaving aside callers already waiting."""
        principal = current_principal.get() if principal is None else principal
        session = current_session.get() if session is None else session
        return self._caller_wait(self._state(bucket), rate, principal, session, self.clock.monotonic())

    def _take(self, state: BucketState, rate: RateClass, principal: str, session: str, now: float) -> None:
        """Record a grant (the caller's waits are 0 now)."""
        self._process_log.append(now)
        for kind, limit in self._company_windows(rate):
            if self._busy(state, kind, limit, principal, session, now) > 0:
                state.paced[kind] = now
            state.log(kind).append(now)
            state.log(kind, principal).append(now)
            state.log(kind, principal, session).append(now)
        state.tick += 1
        state.served_principal[principal] = state.tick
        state.served_session[(principal, session)] = state.tick

    def _dispatch(self) -> None:
        """Grant every waiting call that fits now, the fairest first: the principal served least
        recently, then its session served least recently, then the earliest. No await inside, so
        no two tasks ever take the same slot."""
        if self._dispatched == (self.clock.monotonic(), self._changes):
            return  # many waiters woken at one instant: the first one's dispatch served every one that fits
        while self._waiting:
            now = self.clock.monotonic()
            fits: dict[tuple[str, RateClass, str, str], bool] = {}
            best: _Waiter | None = None
            best_rank: tuple[int, int, int] | None = None
            for waiter in self._waiting:
                state = self._state(waiter.bucket)
                key = (waiter.bucket, waiter.rate, waiter.principal, waiter.session)
                fit = fits.get(key)
                if fit is None:
                    fit = fits[key] = self._caller_wait(state, *key[1:], now) <= _EPSILON
                if not fit:
                    continue
                rank = (*state.rank(waiter.principal, waiter.session), waiter.seq)
                if best_rank is None or rank < best_rank:
                    best, best_rank = waiter, rank
            if best is None:
                self._dispatched = (now, self._changes)
                return
            self._changes += 1
            self._waiting.remove(best)
            self._take(self._state(best.bucket), best.rate, best.principal, best.session, now)
            best.granted = True
            self._grants += 1
            if self._grants % _SWEEP_EVERY == 0:
                self._sweep(now)

    async def acquire(self, bucket: str, rate: RateClass = RateClass.STANDARD, *, write: bool = False) -> None:
        """Wait for a slot, then take it (for the caller named by the context variables). `write`: the
        request changes something (a limiter shared by replicas refuses those when it cannot coordinate).
        Raises `SlotTooLate`, having taken nothing, when the slot comes after the call's `slot_time_left`."""
        principal, session = current_principal.get(), current_session.get()
        state = self._state(bucket)
        state.seen(principal, session, self.clock.monotonic())
        self._seq += 1
        waiter = _Waiter(bucket, rate, principal, session, self._seq)
        self._waiting.append(waiter)
        self._changes += 1
        try:
            while True:
                self._dispatch()
                if waiter.granted:
                    return
                # Not before this caller's own limits allow; a fairer waiter may still take the slot then.
                now = self.clock.monotonic()
                wait = self._caller_wait(state, rate, principal, session, now)
                check_slot_in_time(wait)  # not past the call's deadline
                await self.clock.sleep(wait)
        finally:
            if not waiter.granted:  # cancelled while waiting
                self._waiting.remove(waiter)

    def _sweep(self, now: float) -> None:
        for bucket, state in list(self._buckets.items()):
            waiting = {(w.principal, w.session) for w in self._waiting if w.bucket == bucket}
            state.sweep(now, self.window, self.recent, waiting)
            if not state.logs and not state.seen_principals and not waiting and state.held_until <= now:
                del self._buckets[bucket]

    def hold(self, bucket: str, seconds: float) -> None:
        """Let no call in `bucket` go for `seconds` (capped at `max_hold`)."""
        if seconds <= 0:
            return
        state = self._state(bucket)
        self._changes += 1
        state.held_until = max(state.held_until, self.clock.monotonic() + min(seconds, self.max_hold))

    def note_headers(self, bucket: str, headers: Mapping[str, str]) -> None:
        """Honour Kinsta's view: Retry-After, and RateLimit-Remaining 0 until RateLimit-Reset."""
        delay = _retry_after(_lower(headers).get("retry-after"))
        remaining, reset = remaining_and_reset(headers)
        if remaining is not None and remaining < 1 and reset is not None:
            delay = max(delay or 0.0, reset)
        if delay is not None:
            self.hold(bucket, delay)

    def __repr__(self) -> str:
        return (
            f"RateLimiter(per_company={self.per_company}, create={self.per_class[RateClass.CREATE]}, "
            f"logs={self.per_class[RateClass.LOGS]}, per_process={self.per_process}, window={self.window})"
        )
