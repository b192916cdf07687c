"""Edge cache and CDN."""

from __future__ import annotations

from typing import Any

from ..handling import Ctx, Handlers, Reply, not_found
from .common import env_of

handlers = Handlers()


@handlers.add(
    "POST /sites/edge-caching/clear",
    operation="edgeCache:clear",
    message="Clearing site edge cache in progress",
    activity="clearEdgeCache",
)
def clear_edge_cache(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    return ctx.started(lambda: {"environment_id": env.id, "url": ctx.body.get("url")})


@handlers.add(
    "PUT /sites/edge-caching/status",
    operation="edge-cache:update-status",
    message="Updating Site Edge Cache Status in progress",
    activity="updateEdgeCacheStatus",
)
def edge_cache_status(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    enabled = ctx.body["enabled"]

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company).edge_cache_enabled = enabled
        return {"enabled": enabled}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/cdn/clear-cache",
    also_required=("cdn_cache_id",),  # the tool fills it in from the environment; Kinsta requires it
    operation="cdn-cache:clear",
    message="Clearing site CDN cache in progress",
    activity="clearCdnCache",
)
def clear_cdn(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    if ctx.body["cdn_cache_id"] != env.cdn_cache_id:
        raise not_found("CDN cache of this environment")
    return ctx.started(lambda: {"environment_id": env.id})


@handlers.add(
    "PUT /sites/cdn/image-optimization",
    operation="cdn:update-image-optimization",
    message="Updating Site Image Optimization in progress",
    activity="updateImageOptimization",
)
def image_optimization(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    kind = ctx.body["image_optimization_type"]

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company).image_optimization_type = kind
        return {"image_optimization_type": kind}

    return ctx.started(effect)
