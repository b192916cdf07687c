"""Traffic breakdowns of an environment (newer than 1.87.0): the analytics arguments, the data in a 202."""

from __future__ import annotations

from ..handling import Ctx, HandlerFn, Handlers, Reply
from ..traffic import breakdown
from .analytics import analytics_window

handlers = Handlers()

METRICS = (
    "top-countries",
    "top-cities",
    "top-client-ips",
    "visits-dispersion",
    "response-codes",
    "top-uas",
    "top-browsers",
    "top-referrers",
    "top-hosts",
    "top-asns",
)


def _serve(metric: str) -> HandlerFn:
    def serve(ctx: Ctx) -> Reply:
        env, start, end = analytics_window(ctx)
        # Like the 1.87.0 analytics: 202 with the data itself.
        return Reply(202, breakdown(metric, env, ctx.query.get("time_span"), start, end, ctx.now))

    return serve


for _metric in METRICS:
    handlers.add(f"GET /sites/environments/{{env_id}}/analytics/{_metric}")(_serve(_metric))
