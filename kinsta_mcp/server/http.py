"""Streamable HTTP transport: loopback by default, DNS-rebinding protection always on, bearer tokens.

- Host and Origin allow-lists are set explicitly, so they hold for every bind (the SDK would turn
  them off for a non-loopback bind). A wildcard bind (0.0.0.0, ::) accepts loopback names only;
  binding a specific address or name adds that one.
- With tokens configured (`http_tokens`), /mcp answers 401 with `WWW-Authenticate` to a request
  without a valid token; beyond loopback tokens are required (`auth.check_http_settings`).
- `GET /healthz` answers without auth and reveals only the version.
- Sessions are stateful: each client gets its own, and elicitation works on 2025-11-25 too.
- uvicorn writes no access log (a URL or header could carry a secret) and logs through the root
  logger, which `kinsta_mcp.logs` sends to stderr with secrets redacted.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.lowlevel
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kinsta_mcp import __version__
from kinsta_mcp.config import Settings
from kinsta_mcp.server.auth import MCP_PATH, WILDCARD_HOSTS, check_http_settings, public_origin

HEALTH_PATH = "/healthz"
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def security_for(host: str, port: int) -> TransportSecuritySettings:
    """Host and Origin allow-lists: loopback names on any port, plus the bound address when it is a specific one."""
    hosts = [f"{name}:*" for name in _LOOPBACK_NAMES] + list(_LOOPBACK_NAMES)
    origins = [f"http://{name}:*" for name in _LOOPBACK_NAMES] + [f"http://{name}" for name in _LOOPBACK_NAMES]
    if host not in WILDCARD_HOSTS and host not in ("127.0.0.1", "localhost", "::1"):
        name = f"[{host}]" if ":" in host else host
        hosts += [f"{name}:{port}", name]
        origins += [f"http://{name}:{port}", f"https://{name}:{port}", f"http://{name}", f"https://{name}"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


def _add_health_route(server: MCPServer[Any]) -> None:
    routes = server._custom_starlette_routes  # the SDK's list that custom_route appends to
    if any(getattr(route, "path", None) == HEALTH_PATH for route in routes):
        return

    @server.custom_route(HEALTH_PATH, methods=["GET"])  # type: ignore[untyped-decorator]  # the SDK leaves it untyped
    async def healthz(request: Request) -> Response:
        # For process managers: nothing about profiles, tokens or sessions.
        return JSONResponse({"status": "ok", "version": __version__})


def build_http_app(server: MCPServer[Any], settings: Settings) -> Starlette:
    """The ASGI app: /mcp (stateful Streamable HTTP, auth when tokens are set) and /healthz."""
    check_http_settings(settings.model_copy(update={"transport": "http"}))
    _add_health_route(server)
    return server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=False,
        transport_security=security_for(settings.host, settings.port),
        host=settings.host,
    )


def uvicorn_config(app: Starlette, settings: Settings) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        log_config=None,  # keep our stderr handler and its redaction
        lifespan="on",  # the session manager runs in the app's lifespan
        timeout_graceful_shutdown=5,
    )


async def serve_http(server: MCPServer[Any], settings: Settings, sockets: list[socket.socket] | None = None) -> None:
    """Serve until the process is stopped; `sockets` are already bound listening sockets (tests)."""
    import uvicorn

    app = build_http_app(server, settings)
    auth = "a bearer token is required" if settings.http_tokens else "no token required (loopback only)"
    sys.stderr.write(f"kinsta-mcp: Streamable HTTP at {public_origin(settings)}{MCP_PATH}; {auth}\n")
    await uvicorn.Server(uvicorn_config(app, settings)).serve(sockets=sockets)


def loopback_socket() -> socket.socket:
    """A listening-ready socket on 127.0.0.1 and a free port (read it with `getsockname()`)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def running(server: MCPServer[Any], settings: Settings, sock: socket.socket) -> AsyncIterator[None]:
    """Serve on `sock` in the current event loop while the block runs (tests, benchmarks), then stop."""
    import uvicorn

    uv = uvicorn.Server(uvicorn_config(build_http_app(server, settings), settings))
    async with anyio.create_task_group() as tg:
        tg.start_soon(uv.serve, [sock])
        while not uv.started:  # startup runs in this loop: yielding lets it finish, nothing waits on a timer
            if uv.should_exit:  # startup failed (uvicorn logged why)
                raise RuntimeError("the HTTP server did not start")
            await anyio.lowlevel.checkpoint()
        try:
            yield
        finally:
            uv.should_exit = True
