"""Logs: error, access and kinsta-cache-perf, with the July 2026 time window and text search."""

from __future__ import annotations

from datetime import UTC, datetime

from ..content import log_lines
from ..handling import Ctx, Handlers, Reply, bad_request
from .common import env_of

handlers = Handlers()


def _moment(ctx: Ctx, name: str) -> float | None:
    """`from`/`to` as epoch seconds. Kinsta's format is not documented; ISO-8601 dates and times are accepted."""
    text = ctx.query.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise bad_request(f'"{name}" must be a valid ISO 8601 date') from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@handlers.add("GET /sites/environments/{env_id}/logs", also_required=("lines",))
def get_logs(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    start, end = _moment(ctx, "from"), _moment(ctx, "to")
    text = log_lines(
        ctx.query["file_name"],
        ctx.state.site_of(env),
        env,
        int(ctx.query["lines"]),
        ctx.now,
        start=start,
        end=end,
        search=ctx.query.get("search"),
    )
    return Reply(200, {"environment": {"container_info": {"logs": text}}})
