"""Plugins and themes: list, update one, bulk update."""

from __future__ import annotations

from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request, not_found
from ..world import Component, Environment
from .common import env_of

handlers = Handlers()


def _listing(env: Environment, kind: str) -> dict[str, Any]:
    items = env.plugins if kind == "plugin" else env.themes
    data = [
        {
            "name": c.name,
            "title": c.title,
            "status": c.status,
            "version": c.version,
            "update": "available" if c.update_version else "none",
            "update_version": c.update_version,
            "update_status": c.update_status,
        }
        for c in items
    ]
    key = "wp_plugins" if kind == "plugin" else "wp_themes"
    return {"environment": {"id": env.id, "container_info": {"id": env.container_id, key: {"data": data}}}}


def _apply_update(component: Component, version: str) -> None:
    component.version = version
    component.update_version = None
    component.update_status = "updated"
    component.vulnerable = component.latest_vulnerable  # the update fixes it unless the latest is affected too


def _update_one(ctx: Ctx, kind: str) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    name, version = ctx.body["name"], ctx.body["update_version"]
    component = env.component(kind, name)
    if component is None:
        raise not_found(f"{kind} {name}")
    if component.update_version is None and component.version == version:
        raise bad_request(f'"{name}" is already at version {version}')

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company).component(kind, name)
        if target is None:
            raise not_found(f"{kind} {name}")
        old = target.version
        _apply_update(target, version)
        return {"name": name, "previous_version": old, "version": version}

    return ctx.started(effect)


def _bulk(ctx: Ctx, kind: str, field: str) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    names = [item["name"] for item in ctx.body[field]]
    if not names:
        raise bad_request(f'"{field}" must contain at least 1 items')
    for name in names:
        if env.component(kind, name) is None:
            raise not_found(f"{kind} {name}")

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        updated = []
        for name in names:
            component = target.component(kind, name)
            if component is not None and component.update_version:
                _apply_update(component, component.update_version)
                updated.append({"name": name, "version": component.version})
        return {"updated": updated}

    return ctx.started(effect)


@handlers.add("GET /sites/environments/{env_id}/plugins")
def list_plugins(ctx: Ctx) -> Reply:
    return Reply(200, _listing(env_of(ctx, ctx.path["env_id"]), "plugin"))


@handlers.add("GET /sites/environments/{env_id}/themes")
def list_themes(ctx: Ctx) -> Reply:
    return Reply(200, _listing(env_of(ctx, ctx.path["env_id"]), "theme"))


@handlers.add(
    "PUT /sites/environments/{env_id}/plugins",
    operation="wp-plugin:update",
    message="Updating WordPress plugin in progress",
    activity="updatePlugin",
)
def update_plugin(ctx: Ctx) -> Reply:
    return _update_one(ctx, "plugin")


@handlers.add(
    "PUT /sites/environments/{env_id}/themes",
    operation="wp-theme:update",
    message="Updating WordPress theme in progress",
    activity="updateTheme",
)
def update_theme(ctx: Ctx) -> Reply:
    return _update_one(ctx, "theme")


@handlers.add(
    "PUT /sites/environments/{env_id}/plugins/bulk-update",
    operation="wp-plugins:bulk-update",
    message="Bulk-updating WordPress plugins in progress",
    success_status=200,
    activity="bulkUpdatePlugins",
)
def bulk_update_plugins(ctx: Ctx) -> Reply:
    return _bulk(ctx, "plugin", "plugins")


@handlers.add(
    "PUT /sites/environments/{env_id}/themes/bulk-update",
    operation="wp-themes:bulk-update",
    message="Bulk-updating WordPress themes in progress",
    success_status=200,
    activity="bulkUpdateThemes",
)
def bulk_update_themes(ctx: Ctx) -> Reply:
    return _bulk(ctx, "theme", "themes")
