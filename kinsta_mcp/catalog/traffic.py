"""Traffic breakdowns of an environment: top countries, cities, client IPs, devices, response codes, ...

Ten operations of the analytics shape (Kinsta API March and August 2026, from the
reconstructed additions document, docs/kinsta-api-additions.md): the same arguments as
visits and bandwidth, answered (200 or 202) with the data itself. They are members of the
grouped analytics tool (`analytics.ANALYTICS`), selected by `metric` = the path segment.
Counts arrive as strings, as Kinsta sends them. No top-N parameter is known.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from kinsta_mcp.catalog.analytics import ANALYTICS, AnalyticsIn, DataPoint
from kinsta_mcp.catalog.spec import Effect, Member, Operation, Output, Period, Toolset, query

# -- outputs -------------------------------------------------------------------------

Item = TypeVar("Item", bound=Output)


class Ranked(Output):
    name: str | None = None
    views: str | None = Field(None, description="A count, as text")


class ClientIp(Output):
    ip: str | None = None
    value: str | None = Field(None, description="Requests, as text")


class Share(Output):
    date: str | None = None
    percent: str | None = Field(None, description="Percent of visits, as text")


class DeviceShare(Output):
    name: str | None = Field(None, description="desktop, mobile or tablet")
    dataset: list[Share] | None = None


class CodeSeries(Output):
    response_code: str | None = None
    data: list[DataPoint] | None = None


class BreakdownResponse(Output, Generic[Item]):
    key: str | None = None
    data: list[Item] | None = None


class BreakdownAnalytics(Output, Generic[Item]):
    analytics_response: BreakdownResponse[Item] | None = None


class BreakdownOut(Output, Generic[Item]):
    analytics: BreakdownAnalytics[Item] | None = None


# -- declarations ------------------------------------------------------------------------

# (tool name, path segment = metric, title, what it ranks, item model)
_BREAKDOWNS: tuple[tuple[str, str, str, str, type[Output]], ...] = (
    (
        "get_top_countries",
        "top-countries",
        "Top countries",
        "The countries an environment's visitors come from",
        Ranked,
    ),
    ("get_top_cities", "top-cities", "Top cities", "The cities an environment's visitors come from", Ranked),
    (
        "get_top_client_ips",
        "top-client-ips",
        "Top client IPs",
        "The IPs sending an environment most requests",
        ClientIp,
    ),
    (
        "get_visits_dispersion",
        "visits-dispersion",
        "Visits by device",
        "An environment's visits by device",
        DeviceShare,
    ),
    ("get_response_codes", "response-codes", "Response codes", "An environment's HTTP response codes", CodeSeries),
    (
        "get_top_user_agents",
        "top-uas",
        "Top user agents",
        "The user agents sending an environment most requests",
        Ranked,
    ),
    ("get_top_browsers", "top-browsers", "Top browsers", "The browsers of an environment's visitors", Ranked),
    ("get_top_referrers", "top-referrers", "Top referrers", "The sites referring visitors to an environment", Ranked),
    ("get_top_hosts", "top-hosts", "Top hosts", "The host names requested from an environment", Ranked),
    ("get_top_asns", "top-asns", "Top networks", "The networks (ASNs) sending an environment most requests", Ranked),
)

OPERATIONS = [
    Operation(
        name=name,
        title=title,
        description=f"{what}, over time_span or from/to dates.",
        method="GET",
        path=f"/sites/environments/{{env_id}}/analytics/{metric}",
        input=AnalyticsIn,
        output=BreakdownOut[item],  # type: ignore[valid-type]
        effect=Effect.READ,
        toolset=Toolset.ANALYTICS,
        resource=f"kinsta://environments/{{env_id}}/analytics/{metric}/{{time_span}}",
        company=query("company_id"),
        member=Member(ANALYTICS, metric),
        period=Period.REQUESTED,
        # names, user agents, referrers and hosts are whatever visitors sent
        untrusted=True,
    )
    for name, metric, title, what, item in _BREAKDOWNS
]
