"""Shared pieces of the client tests: a distinctive fake key, tiny declared operations, a recording transport."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import httpx

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Input,
    NoInput,
    Operation,
    OperationStarted,
    Output,
    RateClass,
    Risk,
    SiteId,
    Toolset,
    body,
    path,
    query,
)

# Distinctive enough that finding it anywhere (repr, error text, logs) can only be a leak.
FAKE_KEY = "kst-SECRET-9f1c7e2a-LEAKCANARY-44d0"


class SiteIdIn(Input):
    site_id: Annotated[SiteId, path()]


class ClearCacheIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]


class CreateIn(Input):
    display_name: Annotated[str, body()]
    admin_password: Annotated[str, body()]


class LogsIn(Input):
    env_id: Annotated[EnvId, path()]
    file_name: Annotated[str, query()] = "error"


GET_SITE = Operation(
    name="get_site",
    title="Get site",
    description="One site.",
    method="GET",
    path="/sites/{site_id}",
    input=SiteIdIn,
    output=Output,
    effect=Effect.READ,
    toolset=Toolset.SITES,
)
CLEAR_CACHE = Operation(
    name="clear_site_cache",
    title="Clear site cache",
    description="Clear the cache.",
    method="POST",
    path="/sites/tools/clear-cache",
    input=ClearCacheIn,
    output=OperationStarted,
    effect=Effect.WRITE,
    risk=Risk.NONE,
    risk_reason="test declaration",
    toolset=Toolset.TOOLS,
    is_async=True,
)
CREATE_SITE = Operation(
    name="create_site",
    title="Create site",
    description="A new site.",
    method="POST",
    path="/sites",
    input=CreateIn,
    output=OperationStarted,
    effect=Effect.WRITE,
    risk=Risk.NONE,
    risk_reason="test declaration",
    toolset=Toolset.SITES,
    company=body("company"),
    rate=RateClass.CREATE,
)
GET_LOGS = Operation(
    name="get_logs",
    title="Get logs",
    description="Log lines.",
    method="GET",
    path="/sites/environments/{env_id}/logs",
    input=LogsIn,
    output=Output,
    effect=Effect.READ,
    toolset=Toolset.LOGS,
    rate=RateClass.LOGS,
)
LIST_REGIONS = Operation(
    name="list_regions",
    title="List regions",
    description="Regions of the company.",
    method="GET",
    path="/company/{id}/available-regions",
    input=NoInput,
    output=Output,
    effect=Effect.READ,
    toolset=Toolset.COMPANY,
    company=path("id"),
)

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


class Recorder:
    """An httpx.MockTransport that records every request that actually left the client."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler
        self.transport = httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        result = self._handler(request)
        if isinstance(result, httpx.Response):
            return result
        return await result

    @property
    def count(self) -> int:
        return len(self.requests)


def reply(status: int = 200, json: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=json if json is not None else {"ok": True}, headers=headers)


def sequence(*steps: httpx.Response | BaseException) -> Handler:
    """Answer with each step in turn (an exception is raised), repeating the last one."""
    remaining = list(steps)

    def handler(_request: httpx.Request) -> httpx.Response:
        step = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(step, BaseException):
            raise step
        return step

    return handler


# make_client(handler, **client_options) -> (client, recorder): the `make_client` fixture.
MakeClient = Callable[..., tuple[KinstaClient, Recorder]]
