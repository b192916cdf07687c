"""Kinsta's documented rate limits, per API key, on a sliding one-minute window."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

WINDOW_SECONDS = 60.0
LIMITS = {"standard": 120, "create": 5, "logs": 35}


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset_seconds)
        return out


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def reset(self) -> None:
        self._hits.clear()

    def _window(self, key: str, bucket: str, now: float) -> deque[float]:
        hits = self._hits.setdefault((key, bucket), deque())
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        return hits

    def _allowance(self, hits: deque[float], limit: int, now: float, allowed: bool) -> Allowance:
        reset = math.ceil(hits[0] + WINDOW_SECONDS - now) if hits else 0
        return Allowance(allowed, limit, max(0, limit - len(hits)), max(reset, 0 if allowed else 1))

    def hit(self, key: str, rate_class: str, now: float) -> Allowance:
        """Count one request; a refused request is not counted. The tightest bucket is reported."""
        buckets = ["standard"] if rate_class == "standard" else ["standard", rate_class]
        windows = {b: self._window(key, b, now) for b in buckets}
        for bucket, hits in windows.items():
            if len(hits) >= LIMITS[bucket]:
                return self._allowance(hits, LIMITS[bucket], now, allowed=False)
        for hits in windows.values():
            hits.append(now)
        tightest = min(buckets, key=lambda b: LIMITS[b] - len(windows[b]))
        return self._allowance(windows[tightest], LIMITS[tightest], now, allowed=True)

    def refused(self, key: str, rate_class: str, now: float) -> Allowance:
        """What a rate_limit fault answers: the bucket as if it were exhausted."""
        bucket = "standard" if rate_class == "standard" else rate_class
        hits = self._window(key, bucket, now)
        reset = math.ceil(hits[0] + WINDOW_SECONDS - now) if hits else int(WINDOW_SECONDS)
        return Allowance(False, LIMITS[bucket], 0, max(reset, 1))
