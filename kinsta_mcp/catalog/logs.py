"""Logs: the newest lines of an environment's error, access or cache log, filtered on request."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from kinsta_mcp.catalog.spec import Effect, EnvId, Input, Operation, Output, Period, RateClass, Toolset, path, query
from kinsta_mcp.logfilter import LogFilterError, compile_pattern, iso, logs_post, parse_moment

MAX_LINES = 20_000  # Kinsta's ceiling for `lines`
_Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _moment(name: str) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return iso(parse_moment(name, value))  # sent to Kinsta normalised: 2026-01-15T10:00:00Z
        except LogFilterError as exc:
            raise ValueError(str(exc)) from None

    return AfterValidator(check)


def _pattern(value: str | None) -> str | None:
    if value is not None:
        try:
            compile_pattern(value)
        except LogFilterError as exc:
            raise ValueError(str(exc)) from None
    return value


# -- inputs -------------------------------------------------------------------------


class GetLogsIn(Input):
    env_id: Annotated[EnvId, path()]
    file_name: Annotated[
        Literal["error", "access", "kinsta-cache-perf"],
        query(),
        Field(description="error (PHP, nginx), access or kinsta-cache-perf"),
    ]
    lines: Annotated[
        int,
        query(),
        Field(
            ge=1,
            le=MAX_LINES,
            description="Newest lines Kinsta reads; filters apply to those",
        ),
    ] = 100
    since: Annotated[
        str | None,
        query("from"),
        _moment("since"),
        Field(
            description="ISO-8601 start (UTC if no zone)",
            examples=["2026-01-15T10:00:00Z"],
        ),
    ] = None
    until: Annotated[
        str | None,
        query("to"),
        _moment("until"),
        Field(
            description="ISO-8601 end",
            examples=["2026-01-15T12:00:00Z"],
        ),
    ] = None
    contains: Annotated[
        _Text | None,
        query("search"),
        Field(description="Text an entry contains (any case)", examples=["wp-content/plugins"]),
    ] = None
    # Tool-side options (no request marker): applied to what Kinsta returned.
    severity: Annotated[
        Literal["notice", "warning", "error", "fatal"] | None,
        Field(description="Error log: this level or worse"),
    ] = None
    pattern: Annotated[
        _Text | None,
        AfterValidator(_pattern),
        Field(
            description="Regex a line matches ((?i): any case)",
            examples=["(?i)fatal|warning"],
        ),
    ] = None
    collapse: Annotated[bool, Field(description="Repeats once (error log)")] = True

    @model_validator(mode="after")
    def _severity_needs_the_error_log(self) -> Self:
        if self.severity is not None and self.file_name != "error":
            raise ValueError(
                f"severity applies to the error log only (file_name={self.file_name!r} has no levels); "
                "use contains or pattern instead, e.g. pattern=' 5[0-9][0-9] ' for server errors in the access log"
            )
        return self


# -- outputs -------------------------------------------------------------------------


class LogContainer(Output):
    logs: str | None = None


class LogEnvironment(Output):
    container_info: LogContainer | None = None


class GetLogsOut(Output):
    environment: LogEnvironment | None = None


# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="get_logs",
        title="Get logs",
        description=(
            "Newest lines of an error, access or cache log; filter by time, level, text or regex. Error log: "
            "repeats shown once, counted; names the plugin or theme at fault."
        ),
        method="GET",
        path="/sites/environments/{env_id}/logs",
        input=GetLogsIn,
        output=GetLogsOut,
        effect=Effect.READ,
        toolset=Toolset.LOGS,
        resource="kinsta://environments/{env_id}/logs/{file_name}",
        untrusted=True,
        rate=RateClass.LOGS,
        post=logs_post,
        period=Period.LINES,
    ),
]
