"""The company overview: an agency's first question answered in one call.

Every site with its environments, PHP and WordPress versions, primary domains and pending
plugin and theme updates. The reads run concurrently, bounded by a capacity limiter (the
client's rate limiter waits when Kinsta's limits are near), go through the shared read
cache, and a failure is reported on the site it concerns instead of failing the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
from pydantic import BaseModel, Field

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import dig as _dig
from kinsta_mcp.config import Profile
from kinsta_mcp.server.reads import Reader, ReadFailure
from kinsta_mcp.untrusted import clean_text, fence_untrusted

__all__ = ["CONCURRENCY", "OVERVIEW_URI", "CompanyOverview", "company_overview", "overview_text"]

OVERVIEW_URI = "kinsta://overview"
CONCURRENCY = 8  # requests in flight at once; Kinsta allows 120 a minute per company


class PendingUpdate(BaseModel):
    name: str
    version: str | None = None
    update_version: str | None = None


class EnvironmentOverview(BaseModel):
    id: str
    name: str | None = None
    php_version: str | None = None
    wordpress_version: str | None = None
    primary_domain: str | None = None
    plugin_updates: list[PendingUpdate] | None = Field(None, description="None when they could not be read")
    theme_updates: list[PendingUpdate] | None = Field(None, description="None when they could not be read")


class SiteOverview(BaseModel):
    id: str
    name: str | None = None
    status: str | None = None
    environments: list[EnvironmentOverview] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="What could not be read for this site")


class CompanyOverview(BaseModel):
    sites: list[SiteOverview] = Field(default_factory=list)
    sites_with_errors: int = 0
    pending_plugin_updates: int = 0
    pending_theme_updates: int = 0


def _text(value: Any, limit: int = 200) -> str | None:
    return clean_text(str(value), limit) if value not in (None, "") else None


def _updates(data: Any, kind: str) -> list[PendingUpdate]:
    items = _dig(data, "environment", "container_info", f"wp_{kind}", "data")
    pending: list[PendingUpdate] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and (item.get("update") == "available" or item.get("update_version")):
            pending.append(
                PendingUpdate(
                    name=_text(item.get("name"), 120) or "?",
                    version=_text(item.get("version"), 40),
                    update_version=_text(item.get("update_version"), 40),
                )
            )
    return pending


async def company_overview(reader: Reader, profile: Profile) -> CompanyOverview:
    """Read everything the overview shows; raises only when the list of sites itself fails."""
    sites_data = await reader.read(BY_NAME["list_sites"], {"include_environments": True}, profile)
    raw_sites = _dig(sites_data, "company", "sites")
    listed = [s for s in (raw_sites if isinstance(raw_sites, list) else []) if isinstance(s, dict) and s.get("id")]
    sites = [
        SiteOverview(id=str(s["id"]), name=_text(s.get("display_name") or s.get("name")), status=_text(s.get("status")))
        for s in listed
    ]
    # The list already carries each site's environments: asking again per site would spend
    # a third of the company's 120 requests a minute for nothing.
    known_envs = {str(s["id"]): s["environments"] for s in listed if isinstance(s.get("environments"), list)}
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def read(name: str, args: Mapping[str, Any]) -> Any:
        async with limiter:
            return await reader.read(BY_NAME[name], args, profile)

    async def fill_environment(site: SiteOverview, env: EnvironmentOverview) -> None:
        label = env.name or env.id
        for kind in ("plugins", "themes"):
            try:
                data = await read(f"list_{kind}", {"env_id": env.id})
            except ReadFailure as exc:
                site.errors.append(f"{kind} of {label}: {exc}")
                continue
            setattr(env, f"{kind[:-1]}_updates", _updates(data, kind))

    async def fill_site(site: SiteOverview) -> None:
        raw_envs = known_envs.get(site.id)
        if raw_envs is None:
            try:
                data = await read("list_environments", {"site_id": site.id})
            except ReadFailure as exc:
                site.errors.append(f"environments: {exc}")
                return
            raw_envs = _dig(data, "site", "environments")
        for env in raw_envs if isinstance(raw_envs, list) else []:
            if not isinstance(env, dict) or not env.get("id"):
                continue
            site.environments.append(
                EnvironmentOverview(
                    id=str(env["id"]),
                    name=_text(env.get("display_name") or env.get("name")),
                    php_version=_text(_dig(env, "container_info", "php_engine_version")),
                    wordpress_version=_text(env.get("wordpress_version")),
                    primary_domain=_text(_dig(env, "primaryDomain", "name")),
                )
            )
        async with anyio.create_task_group() as group:
            for env_overview in site.environments:
                group.start_soon(fill_environment, site, env_overview)

    async with anyio.create_task_group() as group:
        for site in sites:
            group.start_soon(fill_site, site)

    overview = CompanyOverview(sites=sites)
    for site in sites:
        site.errors.sort()  # concurrent reads finish in any order; answers should not
        overview.sites_with_errors += bool(site.errors)
        for env in site.environments:
            overview.pending_plugin_updates += len(env.plugin_updates or [])
            overview.pending_theme_updates += len(env.theme_updates or [])
    return overview


def overview_text(overview: CompanyOverview) -> str:
    """A short text for a model; plugin and theme names are third-party text, fenced."""
    lines = [
        f"Company overview: {len(overview.sites)} sites, {overview.pending_plugin_updates} plugin and "
        f"{overview.pending_theme_updates} theme updates pending"
        + (f", {overview.sites_with_errors} sites partly unreadable." if overview.sites_with_errors else ".")
    ]
    names: list[str] = []
    for site in overview.sites:
        lines.append(f"- {site.name or site.id} (id {site.id}, {site.status or 'status unknown'})")
        for env in site.environments:
            lines.append(
                f"  - {env.name or env.id} (id {env.id}): PHP {env.php_version or '?'}, WordPress "
                f"{env.wordpress_version or '?'}, {env.primary_domain or 'no primary domain'}; updates: "
                f"{_count(env.plugin_updates)} plugins, {_count(env.theme_updates)} themes"
            )
            for update in [*(env.plugin_updates or []), *(env.theme_updates or [])]:
                names.append(f"{site.name or site.id} / {env.name or env.id}: {update.name} -> {update.update_version}")
        for error in site.errors:
            lines.append(f"  ! could not read {error}")
    if names:
        lines.append(fence_untrusted("pending_updates", "\n".join(names)))
    return "\n".join(lines)


def _count(updates: list[PendingUpdate] | None) -> str:
    return "?" if updates is None else str(len(updates))
