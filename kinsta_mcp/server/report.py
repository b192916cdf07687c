"""The company-wide traffic report: totals and a top-N by visits, bandwidth or CDN bandwidth, in one call.

"How much traffic did we serve last month, and which sites took most of it?" An assistant would
otherwise read every site's analytics and add them up itself. This tool reads each site's live
environment analytics for one period (Kinsta's `from`/`to` dates) and answers with:

- the period as dates, and today's date, so the model states them without guessing;
- periods by name (this_month, last_month, last_7_days, last_30_days) or custom from/to dates;
- the company total and the top N sites, numbers as numbers with their unit;
- the sites it could not read, and why (a site is never silently left out of a total).

The fan-out runs as a job (jobs.py, like the overview): a few requests in flight, each within
Kinsta's rate budget. The call answers by its deadline with the report, or with the sites counted
so far, the job id and how to continue; the job goes on and `wait_for_operation(job_id=…)` returns
the whole report.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import environments_of, sites_of
from kinsta_mcp.config import Profile
from kinsta_mcp.server.arguments import describe_validation
from kinsta_mcp.server.reads import ReadFailure, Reads
from kinsta_mcp.server.shaping import mark_untrusted
from kinsta_mcp.untrusted import clean_text, one_line

if TYPE_CHECKING:
    from kinsta_mcp.api.client import KinstaClient

REPORT_TOOL_NAME = "get_traffic_report"
OWN_TEXT = ("today", "period.name", "period.from", "period.to", "metric", "unit")  # the server's words
IN_FLIGHT = 4  # analytics requests at once: quick, and polite to Kinsta's shared rate limit
Metric = Literal["visits", "bandwidth", "cdn-bandwidth"]
Period = Literal["this_month", "last_month", "last_7_days", "last_30_days"]
UNITS = {"visits": "visits", "bandwidth": "bytes", "cdn-bandwidth": "bytes"}
OPERATIONS = {"visits": "get_visits", "bandwidth": "get_bandwidth", "cdn-bandwidth": "get_cdn_bandwidth"}
DATE = r"^\d{4}-\d{2}-\d{2}$"

# Written out (like the overview's): every model reads the tool list on every turn.
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "metric": {"type": "string", "enum": list(UNITS), "description": "Default visits"},
        "period": {
            "type": "string",
            "enum": list(get_args(Period)),
            "description": "Default this_month",
        },
        "from_date": {"type": "string", "pattern": DATE, "description": "Instead of period, with to_date"},
        "to_date": {"type": "string", "pattern": DATE, "description": "Last day included"},
        "top": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Sites ranked (default 10)"},
    },
    "additionalProperties": False,
}


class PeriodOut(BaseModel):
    name: str
    from_: str = Field(alias="from")
    to: str
    days: int


class TopSite(BaseModel):
    site: str
    site_id: str
    env_id: str
    value: float
    share: float


class NotRead(BaseModel):
    site: str
    site_id: str
    reason: str


class TrafficReport(BaseModel):
    """The report's structured content (for its output schema)."""

    today: str
    period: PeriodOut
    metric: str
    unit: str
    total: float
    sites_counted: int
    top: list[TopSite]
    not_read: list[NotRead] | None = None


class ReportError(ValueError):
    """Arguments that cannot be used; the message names which and what is allowed."""


class ReportArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: Metric = "visits"
    period: Period | None = None
    from_date: Annotated[date | None, Field(description="First day")] = None
    to_date: Annotated[date | None, Field(description="Last day")] = None
    top: Annotated[int, Field(ge=1, le=100)] = 10

    @model_validator(mode="after")
    def _one_period(self) -> ReportArgs:
        if (self.from_date is None) != (self.to_date is None):
            raise ValueError("from_date and to_date go together (both dates, YYYY-MM-DD)")
        if self.from_date is not None and self.period is not None:
            raise ValueError("give period or from_date/to_date, not both")
        if self.from_date is not None and self.to_date is not None and self.from_date > self.to_date:
            raise ValueError(f"from_date {self.from_date} is after to_date {self.to_date}")
        return self


def parse_args(args: Mapping[str, Any]) -> ReportArgs:
    try:
        return ReportArgs.model_validate(dict(args))
    except ValidationError as exc:
        raise ReportError(describe_validation(REPORT_TOOL_NAME, exc)) from None


@dataclass(frozen=True)
class Span:
    name: str  # this_month ... or "custom"
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "from": self.first.isoformat(), "to": self.last.isoformat(), "days": self.days}


def span_of(args: ReportArgs, today: date) -> Span:
    """The period's first and last day (both included)."""
    if args.from_date is not None and args.to_date is not None:
        return Span("custom", args.from_date, args.to_date)
    period = args.period or "this_month"
    if period == "this_month":
        return Span(period, today.replace(day=1), today)
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return Span(period, last.replace(day=1), last.replace(day=calendar.monthrange(last.year, last.month)[1]))
    days = 7 if period == "last_7_days" else 30
    return Span(period, today - timedelta(days=days - 1), today)


def series_total(data: Any) -> float | None:
    """The sum over an analytics answer's data points (Kinsta's own `total` when the points say nothing)."""
    from kinsta_mcp.catalog.analytics import number  # the declarations load on first use, not at import

    response = (data or {}).get("analytics", {}).get("analytics_response", {}) if isinstance(data, Mapping) else {}
    series = response.get("data") if isinstance(response, Mapping) else None
    if not isinstance(series, list) or not series or not isinstance(series[0], Mapping):
        return None
    points = [number(p.get("value")) for p in series[0].get("dataset") or [] if isinstance(p, Mapping)]
    known = [p for p in points if p is not None]
    return sum(known) if known else number(series[0].get("total"))


def whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


def readable(value: float, unit: str) -> str:
    if unit != "bytes":
        return f"{whole(value):,}"
    size = float(value)
    for name in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1000 or name == "TB":
            return f"{size:,.1f} {name}" if name != "B" else f"{int(size)} B"
        size /= 1000
    return f"{value} B"  # pragma: no cover


@dataclass
class Target:
    site_id: str
    site: str
    env_id: str


def live_environments(sites_body: Any) -> tuple[list[Target], list[dict[str, str]]]:
    """Each site's live environment (the traffic a site serves), and the sites without one."""
    found: list[Target] = []
    missing: list[dict[str, str]] = []
    for site in sites_of(sites_body):
        name = clean_text(str(site.get("display_name") or site.get("name") or site.get("id")), 120)
        envs = environments_of(site)
        live = next((e for e in envs if e.get("name") == "live" or e.get("is_live")), None)
        if live is None or not live.get("id"):
            missing.append({"site": name, "site_id": str(site.get("id")), "reason": "no live environment listed"})
        else:
            found.append(Target(str(site.get("id")), name, str(live["id"])))
    return found, missing


@dataclass
class Tally:
    """One report's reads as they come in: the sites to read, what each counted, what could not be read."""

    args: ReportArgs
    today: date
    targets: list[Target] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)  # live env id -> its total
    not_read: list[dict[str, str]] = field(default_factory=list)

    @property
    def span(self) -> Span:
        return span_of(self.args, self.today)

    @property
    def done(self) -> int:
        failed = {row["site_id"] for row in self.not_read}
        return len(self.values) + sum(1 for t in self.targets if t.site_id in failed)

    def unread(self) -> list[Target]:
        failed = {row["site_id"] for row in self.not_read}
        return [t for t in self.targets if t.env_id not in self.values and t.site_id not in failed]

    def report(self, *, finished: bool = True) -> dict[str, Any]:
        """The report as structured content; not `finished`: what is counted so far (the job goes on)."""
        args, span = self.args, self.span
        not_read = list(self.not_read)
        pending = self.unread()
        if finished:
            not_read += [{"site": t.site, "site_id": t.site_id, "reason": "not read"} for t in pending]
        values = self.values
        unit = UNITS[args.metric]
        total = sum(values.values())
        ranked = sorted((t for t in self.targets if t.env_id in values), key=lambda t: -values[t.env_id])
        top = [
            {
                "site": t.site,
                "site_id": t.site_id,
                "env_id": t.env_id,
                "value": whole(values[t.env_id]),
                "share": round(values[t.env_id] / total, 4) if total else 0.0,
            }
            for t in ranked[: args.top]
        ]
        report: dict[str, Any] = {
            "today": self.today.isoformat(),
            "period": span.as_json(),
            "metric": args.metric,
            "unit": unit,
            "total": whole(total),
            "sites_counted": len(values),
            "top": top,
        }
        if not_read:
            report["not_read"] = not_read
        more = []
        if not finished and pending:
            more.append(f"{len(pending)} more site(s) not read yet: the report is not complete")
        if len(ranked) > args.top:
            more.append(f"top={min(len(ranked), 100)} ranks every site")
        more.append(
            "period (this_month, last_month, last_7_days, last_30_days) or from_date/to_date for another period"
        )
        report["_more"] = "; ".join(more)
        return mark_untrusted(report, own=OWN_TEXT)  # site names and Kinsta's reasons, as every result marks them


async def traffic_report(
    reads: Reads,
    client: KinstaClient,
    profile: Profile,
    tally: Tally,
    on_read: Callable[[Tally], None] | None = None,
) -> dict[str, Any]:
    """Read every site's live analytics into `tally` through `reads` (a call's core), paced on `client`'s rate
    budget (`on_read` told once the sites are listed and after each read), and return the report (see the
    module doc); raises ReadFailure if the site list fails."""
    span, args = tally.span, tally.args
    sites = await reads.read(BY_NAME["list_sites"], {"include_environments": True}, profile)
    tally.targets, tally.not_read = live_environments(sites)
    if on_read is not None:
        on_read(tally)
    op = BY_NAME[OPERATIONS[args.metric]]
    limiter, pace = anyio.CapacityLimiter(IN_FLIGHT), anyio.Lock()
    dates = {"from_date": span.first.isoformat(), "to_date": span.last.isoformat()}

    async def one(target: Target) -> None:
        async with limiter:
            async with pace:  # one read at a time waits for Kinsta's budget (as a batch's): the others take turns
                wait = client.slot_wait(op, profile.company_id)
                if wait > 0:
                    await client.clock.sleep(wait)
            try:
                total = series_total(await reads.read(op, {"env_id": target.env_id, **dates}, profile))
            except ReadFailure as exc:
                tally.not_read.append(
                    {"site": target.site, "site_id": target.site_id, "reason": one_line(str(exc), 200)}
                )
            else:
                if total is None:
                    reason = "no numbers in the answer"
                    tally.not_read.append({"site": target.site, "site_id": target.site_id, "reason": reason})
                else:
                    tally.values[target.env_id] = total
        if on_read is not None:
            on_read(tally)

    async with anyio.create_task_group() as group:
        for target in tally.targets:
            group.start_soon(one, target)
    return tally.report()


def report_text(report: Mapping[str, Any]) -> str:
    period, unit = report["period"], report["unit"]
    label = {"visits": "Visits", "bandwidth": "Server bandwidth", "cdn-bandwidth": "CDN bandwidth"}[report["metric"]]
    named = period["name"].replace("_", " ") if period["name"] != "custom" else "custom period"
    lines = [
        f"{label}, company-wide, {named}: {period['from']} to {period['to']} ({period['days']} days; "
        f"today is {report['today']}).",
        f"Total: {readable(report['total'], unit)} {unit if unit != 'bytes' else ''}".rstrip()
        + f" across {report['sites_counted']} site(s).",
    ]
    if report["top"]:
        lines += [f"Top {len(report['top'])} by {report['metric']}:", f"| site | {unit} | share |", "|---|---|---|"]
        lines += [
            f"| {one_line(row['site'])} ({row['site_id']}) | {readable(row['value'], unit)} | {row['share']:.1%} |"
            for row in report["top"]
        ]
    for row in report.get("not_read", []):
        lines.append(f"Not counted: {one_line(row['site'])} ({row['site_id']}): {row['reason']}")
    lines.append(f"More: {report['_more']}.")
    return "\n".join(lines)
