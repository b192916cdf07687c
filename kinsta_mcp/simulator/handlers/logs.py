"""Logs: error, access and kinsta-cache-perf."""

from __future__ import annotations

from ..content import log_lines
from ..routing import Ctx, Reply, Routes, req
from .common import env_of

routes = Routes()


@routes.add(
    "GET",
    "/sites/environments/{env_id}/logs",
    query=(
        req("file_name", enum=("error", "access", "kinsta-cache-perf")),
        req("lines", "number", minimum=0, maximum=20_000),
    ),
    rate="logs",
)
def get_logs(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    text = log_lines(ctx.query["file_name"], ctx.state.site_of(env), env, int(ctx.query["lines"]), ctx.now)
    return Reply(200, {"environment": {"container_info": {"logs": text}}})
