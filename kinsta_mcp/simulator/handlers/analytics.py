"""Usage this month (per site) and analytics series (per environment)."""

from __future__ import annotations

from datetime import date

from ..content import analytics, parse_day
from ..handling import Ctx, Handlers, Reply, bad_request
from ..world import Environment
from .common import check_company, env_of, site_of

handlers = Handlers()


@handlers.add("GET /sites/{site_id}/usage/visits/this-month")
def visits_this_month(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    return Reply(200, {"site": {"id": site.id, "this_month_usage": {"visits": site.visits_this_month}}})


@handlers.add("GET /sites/{site_id}/usage/bandwidth/this-month")
def bandwidth_this_month(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    return Reply(200, {"site": {"id": site.id, "this_month_usage": {"bandwidth": site.bandwidth_this_month}}})


@handlers.add("GET /sites/{site_id}/usage/cdn-bandwidth/this-month")
def cdn_bandwidth_this_month(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    return Reply(200, {"site": {"id": site.id, "this_month_cdn_usage": {"bandwidth": site.cdn_bandwidth_this_month}}})


def _series(ctx: Ctx, metric: str) -> Reply:
    env, start, end = analytics_window(ctx)
    body = analytics(metric, env, ctx.query.get("time_span"), start, end, ctx.now)
    # Kinsta documents 202 for these reads, with the data in the body.
    return Reply(202, body)


def analytics_window(ctx: Ctx) -> tuple[Environment, date | None, date | None]:
    """The environment and the from/to window of an analytics read (checked as Kinsta does)."""
    check_company(ctx, ctx.query["company_id"])
    env = env_of(ctx, ctx.path["env_id"])
    raw_from, raw_to = ctx.query.get("from"), ctx.query.get("to")
    start = parse_day(raw_from) if raw_from else None
    end = parse_day(raw_to) if raw_to else None
    if raw_from and start is None:
        raise bad_request('"from" must be a date (YYYY-MM-DD)')
    if raw_to and end is None:
        raise bad_request('"to" must be a date (YYYY-MM-DD)')
    if (start is None) != (end is None):
        raise bad_request('"from" and "to" must be given together')
    if start is not None and end is not None:
        if end < start:
            raise bad_request('"to" must not be before "from"')
        if (end - start).days > 366:
            raise bad_request("The date range must not exceed one year")
    return env, start, end


@handlers.add("GET /sites/environments/{env_id}/analytics/visits")
def visits(ctx: Ctx) -> Reply:
    return _series(ctx, "visits")


@handlers.add("GET /sites/environments/{env_id}/analytics/bandwidth")
def bandwidth(ctx: Ctx) -> Reply:
    return _series(ctx, "bandwidth")


@handlers.add("GET /sites/environments/{env_id}/analytics/cdn-bandwidth")
def cdn_bandwidth(ctx: Ctx) -> Reply:
    return _series(ctx, "cdn-bandwidth")


@handlers.add("GET /sites/environments/{env_id}/analytics/diskspace")
def diskspace(ctx: Ctx) -> Reply:
    return _series(ctx, "diskspace")
