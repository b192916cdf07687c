"""Traffic breakdowns of an environment (newer than 1.87.0): the analytics arguments, the data in a 202."""

from __future__ import annotations

from ..routing import Ctx, Handler, P, Reply, Routes, opt, req
from ..traffic import breakdown
from .analytics import analytics_window

routes = Routes()

_QUERY = (
    req("company_id"),
    opt("time_span", enum=("24_hours", "7_days", "30_days", "60_days")),
    P("from", "string", nullable=True),
    P("to", "string", nullable=True),
)
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


def _serve(metric: str) -> Handler:
    def serve(ctx: Ctx) -> Reply:
        env, start, end = analytics_window(ctx)
        # Like the 1.87.0 analytics: 202 with the data itself.
        return Reply(202, breakdown(metric, env, ctx.query.get("time_span"), start, end, ctx.now))

    return serve


for _metric in METRICS:
    routes.add("GET", f"/sites/environments/{{env_id}}/analytics/{_metric}", query=_QUERY)(_serve(_metric))
