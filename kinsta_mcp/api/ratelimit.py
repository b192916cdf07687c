"""Kinsta's rate limits, kept on our side so calls wait for a slot instead of being refused.

Kinsta allows 120 requests a minute per company, 5 a minute for resource creation and 35 a
minute for logs (both on top of the 120), and 1000 a minute per IP address. Each limit is a
sliding window log: a call goes when every window it counts against holds fewer calls than
the limit in the last `window` seconds, so a burst of up to the limit goes at once and the
next call waits exactly until the oldest one leaves the window.

Kinsta's own view (RateLimit-* and Retry-After headers) can hold a bucket for longer.
One limiter can serve several companies (buckets); share one per process so the
per-process limit covers every client.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections import deque
from collections.abc import Mapping

from kinsta_mcp.api.clock import Clock, SystemClock
from kinsta_mcp.catalog.spec import RateClass

# Float sums (start + window) can land a hair short of `now`; this keeps one sleep per wait.
_EPSILON = 1e-9
# A RateLimit-Reset this large is a Unix time rather than a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000


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


class RateLimiter:
    """Waits (on the clock) until a call fits every limit that applies to it. Safe for many anyio tasks."""

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
        self._process_log: deque[float] = deque()
        self._logs: dict[tuple[str, str], deque[float]] = {}
        self._held_until: dict[str, float] = {}

    def _log(self, kind: str, bucket: str) -> deque[float]:
        return self._logs.setdefault((kind, bucket), deque())

    def _windows(self, bucket: str, rate: RateClass) -> list[tuple[deque[float], int]]:
        windows = [(self._process_log, self.per_process), (self._log("company", bucket), self.per_company)]
        class_limit = self.per_class.get(rate)
        if class_limit is not None:
            windows.append((self._log(rate.value, bucket), class_limit))
        return windows

    def wait_time(self, bucket: str, rate: RateClass = RateClass.STANDARD) -> float:
        """Seconds until a call of this class in this bucket may go (0: now)."""
        now = self.clock.monotonic()
        wait = self._held_until.get(bucket, now) - now
        for log, limit in self._windows(bucket, rate):
            while log and log[0] <= now - self.window + _EPSILON:
                log.popleft()
            if len(log) >= limit:
                wait = max(wait, log[-limit] + self.window - now)
        return max(0.0, wait)

    async def acquire(self, bucket: str, rate: RateClass = RateClass.STANDARD) -> None:
        """Wait for a slot, then take it. Checking and taking happen without an await in between,
        so concurrent tasks never take the same slot."""
        while True:
            wait = self.wait_time(bucket, rate)
            if wait <= _EPSILON:
                now = self.clock.monotonic()
                for log, _ in self._windows(bucket, rate):
                    log.append(now)
                return
            await self.clock.sleep(wait)

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
