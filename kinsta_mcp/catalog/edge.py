"""Edge cache and CDN of an environment: clear, switch on/off, image optimization."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Id,
    Input,
    Operation,
    OperationStarted,
    Risk,
    Toolset,
    body,
)

# -- inputs -------------------------------------------------------------------------


class ClearEdgeCacheIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    url: Annotated[str | None, body(), Field(description="Clear only this URL")] = None
    clear_subdirectories: Annotated[bool | None, body(), Field(description="Also paths below url")] = None


class SetEdgeCacheIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    enabled: Annotated[bool, body()]


class ClearCdnCacheIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    cdn_cache_id: Annotated[Id, body(), Field(description="From list_environments")]


class SetImageOptimizationIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    image_optimization_type: Annotated[Literal["off", "lossy", "lossless"], body()]


# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="clear_edge_cache",
        risk=Risk.NONE,
        risk_reason="a cache rebuilds itself; nothing is lost",
        title="Clear edge cache",
        description="Clear an environment's edge cache, whole or for one URL.",
        method="POST",
        path="/sites/edge-caching/clear",
        input=ClearEdgeCacheIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.EDGE,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="set_edge_cache",
        risk=Risk.NONE,
        risk_reason="a cache setting; can be changed back",
        title="Enable or disable edge cache",
        description="Switch an environment's edge cache on or off.",
        method="PUT",
        path="/sites/edge-caching/status",
        input=SetEdgeCacheIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.EDGE,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="clear_cdn_cache",
        risk=Risk.NONE,
        risk_reason="a cache rebuilds itself; nothing is lost",
        title="Clear CDN cache",
        description="Clear an environment's CDN cache.",
        method="POST",
        path="/sites/cdn/clear-cache",
        input=ClearCdnCacheIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.EDGE,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="set_image_optimization",
        risk=Risk.NONE,
        risk_reason="a CDN setting; can be changed back",
        title="Set CDN image optimization",
        description="Set how the CDN compresses an environment's images.",
        method="PUT",
        path="/sites/cdn/image-optimization",
        input=SetImageOptimizationIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.EDGE,
        is_async=True,
        idempotent=True,
    ),
]
