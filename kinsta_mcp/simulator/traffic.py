"""Generated traffic breakdowns: top countries, cities, client IPs, devices, response codes, ...

Deterministic (seeded by the environment and the window). Every live site has one client
IP hammering /wp-login.php and a share of 5xx answers, so a diagnosis has something to
find; an IP on the environment's denied list stops showing up (Kinsta blocks it).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .world import Environment

SUSPICIOUS_IP = "203.0.113.99"  # documentation range (RFC 5737)

_SPAN_DAYS = {"24_hours": 1, "7_days": 7, "30_days": 30, "60_days": 60}
_RANKED: dict[str, tuple[str, list[str]]] = {
    "top-countries": (
        "countries",
        ["United States", "Germany", "United Kingdom", "Canada", "France", "Netherlands", "India", "Australia"],
    ),
    "top-cities": ("cities", ["New York", "Berlin", "London", "Toronto", "Austin", "Paris", "Amsterdam", "Sydney"]),
    "top-uas": (
        "user_agents",
        [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "python-requests/2.32.3",
        ],
    ),
    "top-browsers": ("browsers", ["Chrome", "Safari", "Edge", "Firefox", "Samsung Internet", "Opera"]),
    "top-referrers": ("referrers", ["www.google.com", "www.bing.com", "duckduckgo.com", "t.co", "www.facebook.com"]),
    "top-asns": (
        "asns",
        ["AS15169 Google LLC", "AS7922 Comcast", "AS3320 Deutsche Telekom", "AS16509 Amazon", "AS64500 Example Net"],
    ),
}
_CLIENTS = ["198.51.100.23", "192.0.2.141", "203.0.113.7", "198.51.100.250", "192.0.2.18"]
_CODES = (("200", 0.82), ("301", 0.06), ("304", 0.05), ("404", 0.04), ("500", 0.02), ("502", 0.01))
_DEVICES = ("desktop", "mobile", "tablet")


def _n(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def time_points(span: str | None, start: date | None, end: date | None, now: float) -> list[datetime]:
    """The points of a window: hours for 24_hours, days otherwise, as the analytics series."""
    today = datetime.fromtimestamp(now, UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    if start is not None and end is not None:
        return [datetime(start.year, start.month, start.day) + timedelta(days=d) for d in range((end - start).days + 1)]
    if span == "24_hours":
        return [today - timedelta(hours=h) for h in range(23, -1, -1)]
    midnight = today.replace(hour=0)
    return [midnight - timedelta(days=d) for d in range(_SPAN_DAYS.get(span or "7_days", 7) - 1, -1, -1)]


def _visits(env: Environment, points: list[datetime], span: str | None) -> int:
    per_point = 1_800 if span != "24_hours" else 75
    return sum(per_point // 2 + _n(env.id, "visits", p.isoformat()) % per_point for p in points)


def _ranked(env: Environment, names: list[str], total: int) -> list[tuple[str, int]]:
    weights = [len(names) - i + _n(env.id, name) % 3 for i, name in enumerate(names)]
    return [(name, total * w // (sum(weights) * 2)) for name, w in zip(names, weights, strict=True)]


def breakdown(
    metric: str, env: Environment, span: str | None, start: date | None, end: date | None, now: float
) -> dict[str, Any]:
    """`{"analytics": {"analytics_response": {"key", "data"}}}` for one breakdown."""
    points = time_points(span, start, end, now)
    total = _visits(env, points, span)
    data: list[dict[str, Any]]
    if metric in _RANKED:
        key, names = _RANKED[metric]
        data = [{"name": name, "views": str(count)} for name, count in _ranked(env, names, total)]
    elif metric == "top-hosts":
        key = "hosts"
        hosts = [d.name for d in env.domains]
        data = [{"name": host, "views": str(count)} for host, count in _ranked(env, hosts, total)]
    elif metric == "top-client-ips":
        key = "topClientIPs"
        clients = [(SUSPICIOUS_IP, total * 2)] if env.is_live else []  # a login brute force, not visitors
        clients += [(ip, total // (8 + i * 3)) for i, ip in enumerate(_CLIENTS)]
        data = [{"ip": ip, "value": str(count)} for ip, count in clients if ip not in env.denied_ips]
    elif metric == "visits-dispersion":
        key = "dispersion"
        shares: dict[str, list[dict[str, str]]] = {device: [] for device in _DEVICES}
        for p in points:
            desktop = 55.0 + (_n(env.id, "desktop", p) % 600 - 300) / 100
            mobile = 38.0 + (_n(env.id, "mobile", p) % 400 - 200) / 100
            stamp = p.strftime("%Y-%m-%dT%H:%M:%S")
            for device, share in zip(_DEVICES, (desktop, mobile, 100.0 - desktop - mobile), strict=True):
                shares[device].append({"date": stamp, "percent": f"{share:.2f}"})
        data = [{"name": device, "dataset": dataset} for device, dataset in shares.items()]
    elif metric == "response-codes":
        key = "responseCode"
        per_point = max(total // max(len(points), 1), 1)
        data = [
            {
                "response_code": code,
                "data": [
                    {"key": p.strftime("%Y-%m-%dT%H:%M:%S"), "value": str(int(per_point * share * 3) + _n(code, p) % 5)}
                    for p in points
                ],
            }
            for code, share in _CODES
        ]
    else:
        raise KeyError(metric)
    return {"analytics": {"analytics_response": {"key": key, "data": data}}}
