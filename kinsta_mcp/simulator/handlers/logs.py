"""Logs: error, access and kinsta-cache-perf."""

from __future__ import annotations

from ..content import log_lines
from ..handling import Ctx, Handlers, Reply
from .common import env_of

handlers = Handlers()


@handlers.add("GET /sites/environments/{env_id}/logs", also_required=("lines",))
def get_logs(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    text = log_lines(ctx.query["file_name"], ctx.state.site_of(env), env, int(ctx.query["lines"]), ctx.now)
    return Reply(200, {"environment": {"container_info": {"logs": text}}})
