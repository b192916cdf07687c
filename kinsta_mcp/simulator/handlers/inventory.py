"""Plugin and theme inventory (newer than 1.87.0): company-wide across sites, and per environment, filtered.

Filters arrive as query parameters, as the additions document declares; `order_by` is a
JSON-encoded object. The company plugin list has Kinsta's documented shape; the theme and
per-environment lists are undocumented, so the simulator mirrors the plugin list and the
1.87.0 per-environment list (plus `is_vulnerable`).
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..routing import Ctx, Reply, Routes, bad_request, check_object, obj, opt, req
from ..state import Component, Environment
from .common import check_company, env_of

routes = Routes()

_STATUS = opt("status", enum=("active", "inactive"))
_COLUMN = opt("column", enum=("vulnerable", "updatesAvailable"))
_COMPANY_QUERY = (
    _STATUS,
    _COLUMN,
    opt("order_by"),
    opt("search"),
    opt("offset", "number", minimum=0),
    opt("limit", "number", minimum=1),
)
_ORDER_BY = obj(req("field", enum=("name", "environments", "updates")), req("order", enum=("ascend", "descend")))


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


def _order_by(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request('"order_by" must be a JSON object such as {"field":"name","order":"ascend"}') from None
    if not isinstance(value, dict):
        raise bad_request('"order_by" must be an object')
    return check_object(_ORDER_BY, value, prefix="order_by.")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _company_list(ctx: Ctx, kind: str) -> Reply:
    check_company(ctx, ctx.path["id"])
    order = _order_by(ctx.query.get("order_by"))
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
    page = items[offset : offset + int(limit)] if limit is not None else items[offset:]
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


@routes.add("GET", "/company/{id}/wp-plugins", query=_COMPANY_QUERY)
def company_plugins(ctx: Ctx) -> Reply:
    return _company_list(ctx, "plugin")


@routes.add("GET", "/company/{id}/wp-themes", query=_COMPANY_QUERY)
def company_themes(ctx: Ctx) -> Reply:
    return _company_list(ctx, "theme")


@routes.add("GET", "/sites/environments/{env_id}/wp-plugins", query=(_STATUS, _COLUMN))
def environment_plugins(ctx: Ctx) -> Reply:
    return _environment_list(ctx, "plugin")


@routes.add("GET", "/sites/environments/{env_id}/wp-themes", query=(_STATUS, _COLUMN))
def environment_themes(ctx: Ctx) -> Reply:
    return _environment_list(ctx, "theme")
