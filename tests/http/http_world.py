"""The MCP server served over real HTTP on loopback, wired to the in-process simulator.

uvicorn runs in the test's event loop on a socket bound to 127.0.0.1, port 0 (so no port is
guessed). Kinsta's side keeps virtual time (the simulator's clock, moved by the server's waits),
so long operations and rate-limit waits finish at once.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
from harness import LinkedClock
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr

from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.http import HttpFront, loopback_socket, running
from kinsta_mcp.shared import SharedState
from kinsta_mcp.shared.limiter import SharedRateLimiter
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, KeyInfo, Simulator
from kinsta_mcp.simulator.clock import SimClock

BETA_API_KEY = "kinsta-beta-key-for-tests"
BETA_COMPANY_ID = "beta-company-0000-0000-000000000002"
# A raw 2025-11-25 initialize, for tests that speak HTTP without an MCP client.
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}

ANY_TOKEN = "token-any-profile-9f3c1e7a5b8d0c2e4f6a"
BETA_TOKEN = "token-beta-only-4d2a8c6e0f1b3d5c7e9a"


def two_company_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "profiles": {
            "alpha": Profile(name="alpha", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID),
            "beta": Profile(name="beta", api_key=SecretStr(BETA_API_KEY), company_id=BETA_COMPANY_ID),
        },
        "default_profile": "alpha",
        "audit_log": None,
        "transport": "http",
        "toolsets": "all",  # every tool, as before the default profile
    }
    values.update(overrides)
    return Settings(**values)


def two_company_simulator(clock: SimClock, rate_limits: bool = False) -> Simulator:
    return Simulator(
        api_keys={DEMO_API_KEY: KeyInfo(DEMO_COMPANY_ID), BETA_API_KEY: KeyInfo(BETA_COMPANY_ID)},
        clock=clock,
        rate_limits=rate_limits,
    )


@dataclass
class Served:
    url: str  # the /mcp endpoint
    origin: str
    sim: Simulator
    settings: Settings
    front: HttpFront  # the served app: its session and connection guards

    @asynccontextmanager
    async def client(self, mode: str, token: str | None = None, elicitation: Any = None) -> AsyncIterator[Client]:
        """A connected SDK client over Streamable HTTP, with `Authorization: Bearer token` when given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as http:
            transport = streamable_http_client(self.url, http_client=http)
            async with Client(transport, mode=mode, elicitation_callback=elicitation) as connected:  # type: ignore[arg-type]
                yield connected


@asynccontextmanager
async def served(
    settings: Settings,
    sim: Simulator | None = None,
    log_level: str = "warning",
    max_connections: int | None = None,
    sock: socket.socket | None = None,
    audit: AuditLog | None = None,
    redis_url: str | None = None,
    wrap: Any = None,
) -> AsyncIterator[Served]:
    """Serve `settings` over HTTP on 127.0.0.1 (its port replaced by a free one, or `sock`'s) until the block ends.
    With `redis_url`, as one replica: approvals and the rate budget shared through that Redis. `wrap`: the
    simulator's transport wrapped for this server (to hold requests back)."""
    clock = sim.clock if sim is not None else SimClock()
    sim = sim if sim is not None else two_company_simulator(clock)
    linked = LinkedClock(clock)
    sock = sock if sock is not None else loopback_socket()
    port = sock.getsockname()[1]
    settings = settings.model_copy(update={"port": port, "api_base_url": sim.base_url, "log_level": log_level})
    shared, limiter = None, None
    if redis_url is not None:
        shared = SharedState(redis_url)
        await shared.start()
        limiter = SharedRateLimiter(shared, clock=linked)
    transport = wrap(sim.transport()) if wrap is not None else sim.transport()
    clients = make_clients(settings, clock=linked, transport=transport, limiter=limiter)
    audit = audit if audit is not None else AuditLog(None)
    server = build_server(settings, clients, clock=linked, audit=audit, shared=shared)
    try:
        async with anyio.create_task_group() as background:
            if shared is not None:
                background.start_soon(shared.listen)  # other replicas' writes drop this one's cached reads
            async with running(server, settings, sock, max_connections, shared) as front:
                yield Served(f"http://127.0.0.1:{port}/mcp", f"http://127.0.0.1:{port}", sim, settings, front)
            background.cancel_scope.cancel()
    finally:
        sock.close()
        for client in clients.values():
            await client.aclose()
        if shared is not None:
            await shared.aclose()
