"""`kinsta-mcp check`: call GET /validate with each configured key and report what Kinsta says."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from kinsta_mcp.config import Settings

if TYPE_CHECKING:
    import httpx

# Kinsta's documented limits (not in its OpenAPI document), shown when a response carries no RateLimit headers.
DOCUMENTED_LIMITS = (
    "120 requests a minute per company, 5 a minute for creating sites and environments, "
    "35 a minute for logs, 1000 a minute per IP address (Kinsta's documentation)"
)


def check(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    only_profile: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Validate each profile's key (or only `only_profile`'s); 0 when all work, else 1.

    `transport` replaces the network (tests); in demo mode the in-process simulator is used.
    """
    import anyio

    stream = out if out is not None else sys.stdout
    base_url = settings.api_base_url
    if transport is None and settings.demo:
        from kinsta_mcp.simulator import Simulator

        simulator = Simulator()
        transport = simulator.transport()
        base_url = simulator.base_url
    names = [settings.profile(only_profile).name] if only_profile else sorted(settings.profiles)
    results = [anyio.run(_check_profile, settings, name, base_url, transport) for name in names]
    for lines, _ in results:
        stream.write("\n".join(lines) + "\n")
    stream.flush()
    return 0 if all(ok for _, ok in results) else 1


async def _check_profile(
    settings: Settings, name: str, base_url: str, transport: httpx.AsyncBaseTransport | None
) -> tuple[list[str], bool]:
    from kinsta_mcp.api.client import KinstaClient
    from kinsta_mcp.api.errors import KinstaError
    from kinsta_mcp.api.request import PreparedRequest

    profile = settings.profile(name)
    head = f"profile {name!r} ({base_url}):"
    try:
        # One attempt: a check reports what happens now rather than waiting through retries.
        async with KinstaClient(
            api_key=profile.api_key,
            base_url=base_url,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            transport=transport,
            max_retries=0,
        ) as client:
            response = await client.send(PreparedRequest(method="GET", path="/validate"))
    except KinstaError as exc:
        return [f"{head} FAILED: {exc}"], False
    data: Any = response.data if isinstance(response.data, dict) else {}
    company = data.get("company")
    lines = [f"{head} the API key works ({_key_details(data)})"]
    ok = True
    if not isinstance(company, str) or not company:
        lines.append("  company: Kinsta did not say which company the key belongs to")
    elif company == profile.company_id:
        lines.append(f"  company: {company} (matches the configured company id)")
    else:
        ok = False
        where = "KINSTA_COMPANY_ID / --company-id" if name == "default" else f"profiles.{name}.company_id"
        lines.append(
            f"  company: MISMATCH: the key belongs to company {company}, but the configured company id is "
            f"{profile.company_id}; set {where} to {company}"
        )
    lines.append(f"  rate limit: {_rate_limit_text(response.headers)}")
    return lines, ok


def _key_details(data: Mapping[str, Any]) -> str:
    parts = []
    if data.get("name"):
        parts.append(f"key name {data['name']!r}")
    if data.get("status"):
        parts.append(f"status {data['status']}")
    parts.append(f"expires {_expiry_text(data.get('expires_at'))}")
    return ", ".join(parts)


def _expiry_text(value: Any) -> str:
    if value in (None, ""):
        return "never"
    try:
        millis = float(value)  # Kinsta gives epoch milliseconds as a string
    except (TypeError, ValueError):
        return str(value)
    try:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return str(value)


def _rate_limit_text(headers: Mapping[str, str]) -> str:
    found = [f"{k}: {v}" for k, v in headers.items() if k.lower().removeprefix("x-").startswith("ratelimit")]
    return "; ".join(found) if found else f"no RateLimit headers in the answer; {DOCUMENTED_LIMITS}"


__all__ = ["DOCUMENTED_LIMITS", "check"]
