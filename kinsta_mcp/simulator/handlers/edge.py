"""Edge cache and CDN."""

from __future__ import annotations

from typing import Any

from ..routing import Ctx, Reply, Routes, not_found, obj, opt, req
from .common import env_of

routes = Routes()


@routes.add(
    "POST",
    "/sites/edge-caching/clear",
    body=obj(req("environment_id"), opt("clear_subdirectories", "boolean"), opt("url")),
    operation="edgeCache:clear",
    message="Clearing site edge cache in progress",
    activity="clearEdgeCache",
)
def clear_edge_cache(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    return ctx.started(lambda: {"environment_id": env.id, "url": ctx.body.get("url")})


@routes.add(
    "PUT",
    "/sites/edge-caching/status",
    body=obj(req("environment_id"), req("enabled", "boolean")),
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


@routes.add(
    "POST",
    "/sites/cdn/clear-cache",
    body=obj(req("environment_id"), req("cdn_cache_id")),
    operation="cdn-cache:clear",
    message="Clearing site CDN cache in progress",
    activity="clearCdnCache",
)
def clear_cdn(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    if ctx.body["cdn_cache_id"] != env.cdn_cache_id:
        raise not_found("CDN cache of this environment")
    return ctx.started(lambda: {"environment_id": env.id})


@routes.add(
    "PUT",
    "/sites/cdn/image-optimization",
    body=obj(req("environment_id"), req("image_optimization_type", enum=("off", "lossy", "lossless"))),
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
