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
session served least recently, then first come first served. Once more than one principal (or
session) has called in the last `recent` seconds, the last tenth of every company window
(`limit // 10`: 12 of 120, 3 of 35 logs) is kept for light callers, those with fewer than that
many calls in the window: however many callers flood, together they get at most 108 of 120,
and a light caller's calls go at once while light callers together have not used the tenth;
any further call waits only for the next freed slot, which it gets before the flooders. A
caller alone keeps the whole window.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections import deque
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
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
        # (window kind, bucket) -> grant times; with a principal, and a session, appended: that caller's share.
        self._logs: dict[tuple[str, ...], deque[float]] = {}
        self._held_until: dict[str, float] = {}
        self._seen_principals: dict[str, float] = {}
        self._seen_sessions: dict[tuple[str, str], float] = {}
        self._waiting: list[_Waiter] = []
        self._seq = 0
        self._tick = 0  # grants so far: when each principal and session was last served
        self._served_principal: dict[str, int] = {}
        self._served_session: dict[tuple[str, str], int] = {}

    def _log(self, *key: str) -> deque[float]:
        return self._logs.setdefault(key, deque())

    def _company_windows(self, rate: RateClass) -> list[tuple[str, int]]:
        windows = [("company", self.per_company)]
        class_limit = self.per_class.get(rate)
        if class_limit is not None:
            windows.append((rate.value, class_limit))
        return windows

    def _shared(self, seen: Mapping[_K, float], own: _K, now: float) -> bool:
        """Whether a caller other than `own` called within `recent` seconds."""
        return any(key != own and at > now - self.recent for key, at in seen.items())

    def _caller_wait(self, bucket: str, rate: RateClass, principal: str, session: str, now: float) -> float:
        wait = self._held_until.get(bucket, now) - now
        wait = max(wait, _window_wait(self._process_log, self.per_process, now, self.window))
        by_principal = self._shared(self._seen_principals, principal, now)
        by_session = self._shared(self._seen_sessions, (principal, session), now)
        for kind, limit in self._company_windows(rate):
            log = self._log(kind, bucket)
            wait = max(wait, _window_wait(log, limit, now, self.window))
            reserve = limit // _RESERVE_DIVISOR
            if not reserve or not (by_principal or by_session):
                continue
            # The last `reserve` slots of the window are for light callers (fewer than `reserve` calls in
            # it, as a principal and as a session): a busy one waits for the window to drop below them,
            # or for its own calls to age out of the window until it is light again.
            heavy = 0.0
            if by_principal:
                heavy = _window_wait(self._log(kind, bucket, principal), reserve, now, self.window)
            if by_session:
                own = self._log(kind, bucket, principal, session)
                heavy = max(heavy, _window_wait(own, reserve, now, self.window))
            if heavy > 0:
                wait = max(wait, min(heavy, _window_wait(log, limit - reserve, now, self.window)))
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
        return self._caller_wait(bucket, rate, principal, session, self.clock.monotonic())

    def _take(self, waiter: _Waiter, now: float) -> None:
        self._process_log.append(now)
        for kind, _ in self._company_windows(waiter.rate):
            self._log(kind, waiter.bucket).append(now)
            self._log(kind, waiter.bucket, waiter.principal).append(now)
            self._log(kind, waiter.bucket, waiter.principal, waiter.session).append(now)
        self._tick += 1
        self._served_principal[waiter.principal] = self._tick
        self._served_session[(waiter.principal, waiter.session)] = self._tick
        waiter.granted = True
        if self._tick % _SWEEP_EVERY == 0:
            self._sweep(now)

    def _dispatch(self) -> None:
        """Grant every waiting call that fits now, the fairest first: the principal served least
        recently, then its session served least recently, then the earliest. No await inside, so
        no two tasks ever take the same slot."""
        while self._waiting:
            now = self.clock.monotonic()
            fits: dict[tuple[str, RateClass, str, str], bool] = {}
            best: _Waiter | None = None
            best_rank: tuple[int, int, int] | None = None
            for waiter in self._waiting:
                key = (waiter.bucket, waiter.rate, waiter.principal, waiter.session)
                fit = fits.get(key)
                if fit is None:
                    fit = fits[key] = self._caller_wait(*key, now) <= _EPSILON
                if not fit:
                    continue
                rank = (
                    self._served_principal.get(waiter.principal, 0),
                    self._served_session.get((waiter.principal, waiter.session), 0),
                    waiter.seq,
                )
                if best_rank is None or rank < best_rank:
                    best, best_rank = waiter, rank
            if best is None:
                return
            self._waiting.remove(best)
            self._take(best, now)

    async def acquire(self, bucket: str, rate: RateClass = RateClass.STANDARD) -> None:
        """Wait for a slot, then take it (for the caller named by the context variables)."""
        principal, session = current_principal.get(), current_session.get()
        now = self.clock.monotonic()
        self._seen_principals[principal] = now
        self._seen_sessions[(principal, session)] = now
        self._seq += 1
        waiter = _Waiter(bucket, rate, principal, session, self._seq)
        self._waiting.append(waiter)
        try:
            while True:
                self._dispatch()
                if waiter.granted:
                    return
                # Not before this caller's own limits allow; a fairer waiter may still take the slot then.
                await self.clock.sleep(self._caller_wait(bucket, rate, principal, session, self.clock.monotonic()))
        finally:
            if not waiter.granted:  # cancelled while waiting
                self._waiting.remove(waiter)

    def _sweep(self, now: float) -> None:
        """Forget callers and windows with nothing left in them, so memory follows current use."""
        for key in [key for key, log in self._logs.items() if not log or log[-1] <= now - self.window]:
            del self._logs[key]
        horizon = now - max(self.recent, self.window)
        for principal in [p for p, at in self._seen_principals.items() if at <= horizon]:
            del self._seen_principals[principal]
        for caller in [c for c, at in self._seen_sessions.items() if at <= horizon]:
            del self._seen_sessions[caller]
        waiting = {w.principal for w in self._waiting}
        for principal in [p for p in self._served_principal if p not in self._seen_principals and p not in waiting]:
            del self._served_principal[principal]
        sessions = {(w.principal, w.session) for w in self._waiting}
        for caller in [c for c in self._served_session if c not in self._seen_sessions and c not in sessions]:
            del self._served_session[caller]

    def hold(self, bucket: str, seconds: float) -> None:
        """Let no call in `bucket` go for `seconds` (capped at `max_hold`)."""
        if seconds <= 0:
            return
        until = self.clock.monotonic() + min(seconds, self.max_hold)
        self._held_until[bucket] = max(self._held_until.get(bucket, until), until)

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
