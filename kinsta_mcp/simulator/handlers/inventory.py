"""Plugin and theme inventory (newer than 1.87.0): company-wide across sites, and per environment, filtered.

Filters arrive as query parameters, as the additions document declares (the catalog's
FILTERS_WHERE); `order_by` is a JSON-encoded object, decoded and checked before the
handler. The company plugin list has Kinsta's documented shape; the theme and
per-environment lists are undocumented, so the simulator mirrors the plugin list and the
1.87.0 per-environment list (plus `is_vulnerable`).
"""

from __future__ import annotations

import time
from typing import Any

from ..handling import Ctx, Handlers, Reply
from ..world import Component, Environment
from .common import check_company, env_of

handlers = Handlers()

# The company lists' largest page. Kinsta's is not documented (offset and limit come from
# third-party code); the simulator caps pages so that a client which does not page misses items,
# as it would on Kinsta, and a page of a 500-site company stays a few hundred kilobytes.
PAGE_MAX = 100


def _kept(component: Component, query: dict[str, Any]) -> bool:
    """Whether one installed plugin or theme passes the status and column filters."""
    if query.get("status") and component.status != query["status"]:
        return False
    if query.get("column") == "vulnerable":
        return component.vulnerable
    if query.get("column") == "updatesAvailable":
        return component.update_version is not None
    return True


def _items(env: Environment, kind: str) -> list[Component]:
    return env.plugins if kind == "plugin" else env.themes


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _company_list(ctx: Ctx, kind: str) -> Reply:
    check_company(ctx, ctx.path["id"])
    order = ctx.query.get("order_by")  # already decoded from its JSON text and checked
    search = (ctx.query.get("search") or "").lower()
    grouped: dict[str, list[tuple[Environment, Component]]] = {}
    for site in ctx.state.company_sites(ctx.company):
        for env in ctx.state.envs_of(site):
            for component in _items(env, kind):
                if _kept(component, ctx.query) and (search in component.name or search in component.title.lower()):
                    grouped.setdefault(component.name, []).append((env, component))
    items = [_company_item(ctx, kind, installs) for installs in grouped.values()]
    field, descending = ("name", False) if order is None else (order["field"], order["order"] == "descend")
    sort_key = {"name": "name", "environments": "environment_count", "updates": "update_count"}[field]
    items.sort(key=lambda item: item[sort_key], reverse=descending)
    offset = int(ctx.query.get("offset") or 0)
    limit = ctx.query.get("limit")
    size = min(int(limit), PAGE_MAX) if limit is not None else PAGE_MAX
    page = items[offset : offset + size]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ctx.now))
    listing = {"total": len(items), "last_updated_at": stamp, "items": page}
    return Reply(200, {"company": {"plugins" if kind == "plugin" else "themes": listing}})


def _company_item(ctx: Ctx, kind: str, installs: list[tuple[Environment, Component]]) -> dict[str, Any]:
    prefix = "plugin" if kind == "plugin" else "theme"
    first = installs[0][1]
    latest = max((c.update_version or c.version for _, c in installs), key=_version_key)
    return {
        "name": first.name,
        "title": first.title,
        "latest_version": latest,
        "is_latest_version_vulnerable": any(c.latest_vulnerable for _, c in installs),
        "environment_count": len(installs),
        "update_count": sum(1 for _, c in installs if c.update_version),
        "environments": [
            {
                "site_display_name": ctx.state.site_of(env).display_name,
                "display_name": env.display_name,
                f"{prefix}_status": c.status,
                f"{prefix}_version": c.version,
                f"{prefix}_update": "available" if c.update_version else "none",
            }
            for env, c in installs
        ],
    }


def _environment_list(ctx: Ctx, kind: str) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    data = [
        {
            "name": c.name,
            "title": c.title,
            "status": c.status,
            "version": c.version,
            "update": "available" if c.update_version else "none",
            "update_version": c.update_version,
            "is_vulnerable": c.vulnerable,
        }
        for c in _items(env, kind)
        if _kept(c, ctx.query)
    ]
    key = "wp_plugins" if kind == "plugin" else "wp_themes"
    return Reply(200, {"environment": {"id": env.id, "container_info": {"id": env.container_id, key: {"data": data}}}})


@handlers.add("GET /company/{id}/wp-plugins")
def company_plugins(ctx: Ctx) -> Reply:
    return _company_list(ctx, "plugin")


@handlers.add("GET /company/{id}/wp-themes")
def company_themes(ctx: Ctx) -> Reply:
    return _company_list(ctx, "theme")


@handlers.add("GET /sites/environments/{env_id}/wp-plugins")
def environment_plugins(ctx: Ctx) -> Reply:
    return _environment_list(ctx, "plugin")


@handlers.add("GET /sites/environments/{env_id}/wp-themes")
def environment_themes(ctx: Ctx) -> Reply:
    return _environment_list(ctx, "theme")
