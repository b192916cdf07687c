"""Logs: the tail of an environment's error, access or cache log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kinsta_mcp.catalog.spec import Effect, EnvId, Input, Operation, Output, RateClass, Toolset, path, query

# -- inputs -------------------------------------------------------------------------


class GetLogsIn(Input):
    env_id: Annotated[EnvId, path()]
    file_name: Annotated[Literal["error", "access", "kinsta-cache-perf"], query()]
    lines: Annotated[int, query(), Field(ge=1, le=20000)] = 1000


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
        description="Last lines of an environment's error, access or cache log.",
        method="GET",
        path="/sites/environments/{env_id}/logs",
        input=GetLogsIn,
        output=GetLogsOut,
        effect=Effect.READ,
        toolset=Toolset.LOGS,
        resource="kinsta://environments/{env_id}/logs/{file_name}",
        untrusted=True,
        rate=RateClass.LOGS,
    ),
]
