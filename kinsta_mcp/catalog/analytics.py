"""Analytics and usage: this month's usage of a site, and an environment's analytics over time.

The environment analytics answer 202 with the data itself (no operation to wait for).
Operations of one input shape that differ only by what they measure are members of one
grouped tool: `ANALYTICS` (visits, bandwidth, CDN bandwidth and the traffic breakdowns of
`traffic.py`, selected by `metric`) and `USAGE` (this month's visits, bandwidth, CDN
bandwidth). A member's value is its path segment, the same word the resources use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Input,
    Member,
    Operation,
    Output,
    Period,
    SiteId,
    ToolGroup,
    Toolset,
    path,
    query,
)

# -- groups -------------------------------------------------------------------------

ANALYTICS = ToolGroup(
    name="get_analytics",
    title="Environment analytics",
    description=(
        "An environment's analytics over time_span or from/to dates: visits, bandwidth and CDN "
        "bandwidth over time, or a traffic breakdown (countries, cities, client IPs, devices, "
        "response codes, user agents, browsers, referrers, hosts, networks)."
    ),
    selector="metric",
    selector_description=(
        "visits, bandwidth, cdn-bandwidth; breakdowns: top-countries, top-cities, top-client-ips, "
        "visits-dispersion (devices), response-codes, top-uas (user agents), top-browsers, "
        "top-referrers, top-hosts, top-asns (networks)"
    ),
    view="analytics",
)

USAGE = ToolGroup(
    name="get_usage",
    title="Usage this month",
    description="A site's usage so far this month: visits, server bandwidth or CDN bandwidth.",
    selector="metric",
    selector_description="visits, bandwidth or cdn-bandwidth",
)

# -- inputs -------------------------------------------------------------------------

# "from" and "to" on the wire; `from` is a Python keyword.
DATE = r"^\d{4}-\d{2}-\d{2}$"
FromDate = Annotated[str | None, query("from"), Field(description="Start date", pattern=DATE, examples=["2026-11-01"])]
ToDate = Annotated[str | None, query("to"), Field(description="End date", pattern=DATE, examples=["2026-11-27"])]


class SiteIdIn(Input):
    site_id: Annotated[SiteId, path()]


class AnalyticsIn(Input):
    env_id: Annotated[EnvId, path()]
    time_span: Annotated[
        Literal["24_hours", "7_days", "30_days", "60_days"] | None, query(), Field(description="Or from/to dates")
    ] = None
    from_date: FromDate = None
    to_date: ToDate = None


class DiskSpaceIn(Input):
    env_id: Annotated[EnvId, path()]
    time_zone: Annotated[
        str, query(), Field(pattern=r"^-?(0[0-9]|1[0-4]):00$", description="UTC offset", examples=["-05:00"])
    ]
    time_span: Annotated[
        Literal["7_days", "30_days", "60_days"] | None, query(), Field(description="Or from/to dates")
    ] = None
    from_date: FromDate = None
    to_date: ToDate = None


# -- outputs -------------------------------------------------------------------------


class VisitsUsage(Output):
    visits: int | None = None


class VisitsUsageSite(Output):
    id: str | None = None
    this_month_usage: VisitsUsage | None = None


class GetVisitsUsageOut(Output):
    site: VisitsUsageSite | None = None


class BandwidthUsage(Output):
    bandwidth: float | None = None


class BandwidthUsageSite(Output):
    id: str | None = None
    this_month_usage: BandwidthUsage | None = None


class GetBandwidthUsageOut(Output):
    site: BandwidthUsageSite | None = None


class CdnUsageSite(Output):
    id: str | None = None
    this_month_cdn_usage: BandwidthUsage | None = None


class GetCdnUsageOut(Output):
    site: CdnUsageSite | None = None


class DataPoint(Output):
    key: str | None = Field(None, description="Time of the point")
    value: float | str | None = None  # Kinsta sends a string ("1168"); analytics results carry the number


class Series(Output):
    name: str | None = None
    total: float | None = None
    dataset: list[DataPoint] | None = None


class AnalyticsResponse(Output):
    key: str | None = None
    data: list[Series] | None = None
    unit: str | None = None  # added by this server: visits or bytes


class Analytics(Output):
    analytics_response: AnalyticsResponse | None = None


class AnalyticsOut(Output):
    analytics: Analytics | None = None


# -- post-processing: numbers as numbers, the period the data covers ------------------------------

UNITS = {"uniqueip": "visits", "bandwidth": "bytes", "cdn-bandwidth": "bytes", "diskSpaceUsage": "bytes"}


def number(value: Any) -> float | None:
    """Kinsta's numbers arrive as numbers or as strings ("1168"); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return None


def _plain(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def analytics_post(data: Any, args: Mapping[str, Any]) -> Any:
    """An analytics answer with its values as numbers (Kinsta sends "1168") and the unit (its period, as
    every time-based result's, is stated by shaping: `period=Period.REQUESTED`)."""
    response = data.get("analytics", {}).get("analytics_response") if isinstance(data, Mapping) else None
    if not isinstance(response, Mapping) or not isinstance(response.get("data"), list):
        return data
    series_out = []
    for series in response["data"]:
        if not isinstance(series, Mapping):
            series_out.append(series)
            continue
        points = []
        for point in series.get("dataset") or []:
            if isinstance(point, Mapping):
                value = number(point.get("value"))
                points.append({**point, "value": _plain(value)} if value is not None else dict(point))
        total = number(series.get("total"))
        updated = {**series, "dataset": points} if "dataset" in series else dict(series)
        series_out.append({**updated, "total": _plain(total)} if total is not None else updated)
    key = response.get("key")
    extra: dict[str, Any] = {"unit": UNITS[key]} if key in UNITS else {}
    analytics = {**data["analytics"], "analytics_response": {**response, "data": series_out, **extra}}
    return {**data, "analytics": analytics}


# -- declarations ------------------------------------------------------------------------


OPERATIONS = [
    Operation(
        name="get_visits_usage",
        member=Member(USAGE, "visits"),
        title="Visits this month",
        description="A site's visits so far this month.",
        method="GET",
        path="/sites/{site_id}/usage/visits/this-month",
        input=SiteIdIn,
        output=GetVisitsUsageOut,
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        period=Period.THIS_MONTH,
        resource="kinsta://sites/{site_id}/usage/visits",
    ),
    Operation(
        name="get_bandwidth_usage",
        member=Member(USAGE, "bandwidth"),
        title="Server bandwidth this month",
        description="A site's server bandwidth so far this month.",
        method="GET",
        path="/sites/{site_id}/usage/bandwidth/this-month",
        input=SiteIdIn,
        output=GetBandwidthUsageOut,
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        period=Period.THIS_MONTH,
        resource="kinsta://sites/{site_id}/usage/bandwidth",
    ),
    Operation(
        name="get_cdn_bandwidth_usage",
        member=Member(USAGE, "cdn-bandwidth"),
        title="CDN bandwidth this month",
        description="A site's CDN bandwidth so far this month.",
        method="GET",
        path="/sites/{site_id}/usage/cdn-bandwidth/this-month",
        input=SiteIdIn,
        output=GetCdnUsageOut,
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        period=Period.THIS_MONTH,
        resource="kinsta://sites/{site_id}/usage/cdn-bandwidth",
    ),
    Operation(
        name="get_visits",
        member=Member(ANALYTICS, "visits"),
        title="Visits",
        description="An environment's visits over time_span or from/to dates.",
        method="GET",
        path="/sites/environments/{env_id}/analytics/visits",
        input=AnalyticsIn,
        output=AnalyticsOut,
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        resource="kinsta://environments/{env_id}/analytics/visits/{time_span}",
        company=query("company_id"),
        post=analytics_post,
        period=Period.REQUESTED,
    ),
    Operation(
        name="get_bandwidth",
        member=Member(ANALYTICS, "bandwidth"),
        title="Server bandwidth",
        description="An environment's server bandwidth over time_span or from/to dates.",
        method="GET",
        path="/sites/environments/{env_id}/analytics/bandwidth",
        input=AnalyticsIn,
        output=AnalyticsOut,
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        resource="kinsta://environments/{env_id}/analytics/bandwidth/{time_span}",
        company=query("company_id"),
        post=analytics_post,
        period=Period.REQUESTED,
    ),
    Operation(
        name="get_cdn_bandwidth",
        member=Member(ANALYTICS, "cdn-bandwidth"),
        title="CDN bandwidth",
        description="An environment's CDN bandwidth over time_span or from/to dates.",
        method="GET",
        path="/sites/environments/{env_id}/analytics/cdn-bandwidth",
        input=AnalyticsIn,
        output=AnalyticsOut,
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        resource="kinsta://environments/{env_id}/analytics/cdn-bandwidth/{time_span}",
        company=query("company_id"),
        post=analytics_post,
        period=Period.REQUESTED,
    ),
    Operation(
        name="get_disk_space",
        title="Disk space",
        description="An environment's disk space use over time_span or from/to dates.",
        method="GET",
        path="/sites/environments/{env_id}/analytics/diskspace",
        input=DiskSpaceIn,
        output=AnalyticsOut,
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        resource="kinsta://environments/{env_id}/analytics/diskspace/{time_span}",
        company=query("company_id"),
        post=analytics_post,
        period=Period.REQUESTED,
    ),
]
