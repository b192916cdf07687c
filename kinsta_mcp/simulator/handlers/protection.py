"""How visitors are served (newer than 1.87.0): Force HTTPS and the bot protection level.

Force HTTPS's answers are not documented: the simulator reads `{"force_https":
{"environment_id", "type"}}` (shaped like bot protection's, with the field name of the
documented request) and sets it as an async operation. Bot
protection's are documented: 200 `{bot_protection: {id, level}}` and 202 + operation_id.
"""

from __future__ import annotations

from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request
from .common import env_of

handlers = Handlers()


@handlers.add("GET /sites/environments/{env_id}/force-https-status")
def get_force_https(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    return Reply(200, {"force_https": {"environment_id": env.id, "type": env.extras.force_https}})


@handlers.add(
    "POST /sites/environments/{env_id}/force-https-status",
    operation="force-https:update",
    message="Updating Force HTTPS in progress",
    activity="setForceHttpsStatus",
)
def set_force_https(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    mode = ctx.body["type"]
    if mode == "ENABLED_REDIRECT_TO_PRIMARY" and len(env.domains) < 2:
        raise bad_request("Redirecting to the primary domain needs a second domain on the environment")

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company).extras.force_https = mode
        return {"type": mode}

    return ctx.started(effect)


@handlers.add("GET /sites/environments/{env_id}/bot-protection/level")
def get_bot_protection(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    if not env.extras.bot_protection_id:
        env.extras.bot_protection_id = ctx.state.new_uuid()
    return Reply(
        200, {"bot_protection": {"id": env.extras.bot_protection_id, "level": env.extras.bot_protection_level}}
    )


@handlers.add(
    "PUT /sites/environments/{env_id}/bot-protection/level",
    operation="bot-protection:set-level",
    message="Setting a bot protection level in progress. Use the operation_id to check the status.",
    activity="updateBotProtectionLevel",
)
def set_bot_protection(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    level = ctx.body["level"]

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company).extras.bot_protection_level = level
        return {"level": level}

    return ctx.started(effect)
