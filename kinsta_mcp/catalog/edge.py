"""Edge cache, CDN and bot protection of an environment: clear, switch on/off, image optimization, bot level.

Bot protection (Kinsta API November 2026) comes from the reconstructed additions document
(docs/kinsta-api-additions.md); its other operations (AI crawlers, exception rules, ...)
are not known well enough to declare.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Id,
    Input,
    Member,
    Operation,
    OperationStarted,
    Output,
    Risk,
    ToolGroup,
    Toolset,
    body,
    path,
)
from kinsta_mcp.catalog.tools import CLEAR_CACHE

# -- inputs -------------------------------------------------------------------------


class ClearEdgeCacheIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    url: Annotated[str | None, body(), Field(description="Clear only this URL")] = None
    clear_subdirectories: Annotated[bool | None, body(), Field(description="Also paths below url")] = None


class SetEdgeCacheIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    enabled: Annotated[bool, body(), Field(description="On or off")]


class ClearCdnCacheIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    cdn_cache_id: Annotated[Id | None, body(), Field(description="Omit: from the environment")] = None


class SetImageOptimizationIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    image_optimization_type: Annotated[
        Literal["off", "lossy", "lossless"], body(), Field(description="off, lossy or lossless")
    ]


BotLevel = Literal["block-malicious-traffic", "block-automations", "challenge-bots", "challenge-everyone"]


class EnvIdIn(Input):
    env_id: Annotated[EnvId, path()]


class SetBotProtectionIn(Input):
    env_id: Annotated[EnvId, path()]
    level: Annotated[
        BotLevel,
        body(),
        Field(
            description=(
                "block-malicious-traffic (the baseline), block-automations, challenge-bots, "
                "challenge-everyone (every visitor is challenged)"
            )
        ),
    ]


# -- outputs -------------------------------------------------------------------------


class BotProtection(Output):
    id: str | None = None
    level: str | None = None


class BotProtectionOut(Output):
    bot_protection: BotProtection | None = None


# -- grouped tools ---------------------------------------------------------------------

SET_EDGE = ToolGroup(
    name="set_edge",
    title="Change edge cache, image optimization or bot protection",
    description="Change an environment's edge_cache (on/off), CDN image_optimization, or bot_protection level.",
    selector="setting",
    selector_description="What to change",
)

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
        member=Member(CLEAR_CACHE, "edge"),
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
        member=Member(SET_EDGE, "edge_cache"),
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
        from_environment={"cdn_cache_id": "cdn_cache_id"},
        member=Member(CLEAR_CACHE, "cdn"),
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
        member=Member(SET_EDGE, "image_optimization"),
    ),
    Operation(
        name="get_bot_protection",
        title="Get bot protection level",
        description="An environment's bot protection level.",
        method="GET",
        path="/sites/environments/{env_id}/bot-protection/level",
        input=EnvIdIn,
        output=BotProtectionOut,
        effect=Effect.READ,
        toolset=Toolset.EDGE,
        resource="kinsta://environments/{env_id}/bot-protection",
    ),
    Operation(
        name="set_bot_protection",
        # Guarded like traffic changes rather than NONE (as denied IPs are): the level applies
        # to ALL visitors, and a stricter one challenges or blocks real people and crawlers.
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="changes how all visitors are served: a stricter level challenges or blocks people and crawlers",
        consequence="Set the bot protection of {env_id} to {level}; every visitor is served under it.",
        title="Set bot protection level",
        description="Set an environment's bot protection level.",
        method="PUT",
        path="/sites/environments/{env_id}/bot-protection/level",
        input=SetBotProtectionIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.EDGE,
        is_async=True,
        idempotent=True,
        member=Member(SET_EDGE, "bot_protection"),
    ),
]
