"""Streamable HTTP transport: loopback by default, DNS-rebinding protection always on, bearer tokens,
and limits that keep one abusive client from starving the others.

- Host and Origin must match exactly: the loopback names (and the bound address when it is a
  specific one) with the bound port. They are checked here for every path and handed to the SDK
  too. A wildcard bind (0.0.0.0, ::) accepts loopback names only.
- With tokens configured (`http_tokens`, or OAuth: `oauth_issuer`), /mcp answers 401 with
  `WWW-Authenticate` to a request without a valid token (403 without the required scope, or when no
  role applies; 503 when the issuer cannot be reached to judge it); beyond loopback tokens are
  required (`auth.check_http_settings`). The protected-resource metadata (RFC 9728) is served at the
  well-known path for /mcp and at the root. With OAuth, the audience's host is accepted as Host (the
  public name a TLS proxy forwards).
- `GET /healthz` answers without auth and reveals only the version: the process is alive.
  `GET /readyz` says whether it can serve: with replicas (`redis_url`), 503 while Redis does not
  answer (a load balancer then sends requests elsewhere).
- Sessions are stateful (each client its own; elicitation works on 2025-11-25 too), capped per
  principal and ended when idle (`http_sessions`); connections are bounded below the
  file-descriptor limit and must deliver a request in time (`http_connections`).
- uvicorn writes no access log (a URL or header could carry a secret) and logs through the root
  logger, which `kinsta_mcp.logs` sends to stderr with secrets redacted and bodies never shown.

Only the SDK's public API is used: `MCPServer.streamable_http_app(...)`, wrapped as an ASGI app.
"""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import anyio
import anyio.lowlevel
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from kinsta_mcp import __version__
from kinsta_mcp.config import ConfigError, Settings
from kinsta_mcp.server.auth import (
    LOCAL_PRINCIPAL,
    MCP_PATH,
    WILDCARD_HOSTS,
    Authenticator,
    check_http_settings,
    is_loopback,
    public_origin,
)
from kinsta_mcp.server.http_connections import ConnectionGuard, connection_limit, scope_key
from kinsta_mcp.server.http_sessions import SessionGuard, has_body

if TYPE_CHECKING:
    from kinsta_mcp.shared import SharedState

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METADATA_PATH = "/.well-known/oauth-protected-resource"  # RFC 9728; the SDK serves it for /mcp at METADATA_PATH + /mcp
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Headers of a request, a name, an address and a port: far more than any MCP client sends.
MAX_REQUEST_HEAD = 16 * 1024
# JSON-RPC requests carry tool arguments: kilobytes. The SDK's default (4 MiB) times every connection
# would be a lot of memory to hand a flood.
MAX_REQUEST_BODY = 1024 * 1024
KEEP_ALIVE_SECONDS = 5


def _url_name(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def allowed_hosts(host: str, port: int) -> list[str]:
    """Host header values accepted, exactly: each name with the bound port (and bare, on port 80)."""
    names = list(_LOOPBACK_NAMES)
    if host not in WILDCARD_HOSTS and _url_name(host) not in names:
        names.append(_url_name(host))
    values = [f"{name}:{port}" for name in names]
    return values + (names if port == 80 else [])


def security_for(host: str, port: int, public_url: str | None = None) -> TransportSecuritySettings:
    """Host and Origin allow-lists, exact (no `:*` wildcards: `localhost:PORT@evil.com` must not pass).
    `public_url` (the OAuth audience) adds the public name clients reach through a TLS proxy."""
    hosts = allowed_hosts(host, port)
    origins = [f"{scheme}://{value}" for value in hosts for scheme in ("http", "https")]
    if public_url is not None:
        parts = urlsplit(public_url)
        hosts.append(parts.netloc)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


class HttpFront:
    """The ASGI app uvicorn serves: request bookkeeping for the connection guard, exact Host and
    Origin checks, /healthz, and /mcp through the per-principal session guard into the SDK."""

    def __init__(
        self,
        sdk_app: ASGIApp,
        sessions: SessionGuard,
        connections: ConnectionGuard,
        security: TransportSecuritySettings,
        authenticator: Authenticator | None = None,
        metadata_path: str | None = None,
        shared: SharedState | None = None,
    ) -> None:
        self.sdk_app = sdk_app
        self.shared = shared  # replicas: readiness includes Redis
        self.authenticator = authenticator
        self._metadata_path = metadata_path  # where the SDK serves this resource's metadata
        self.sessions = sessions
        self.connections = connections
        self._hosts = frozenset(security.allowed_hosts)  # exact, as the SDK compares them
        self._origins = frozenset(security.allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the SDK's session manager starts and stops with it
            await self.sdk_app(scope, receive, send)
            return
        key = scope_key(scope)
        headers = Headers(scope=scope)
        request = self.connections.request_started(key)
        try:
            await self._route(scope, headers, receive, send, lambda: self.connections.body_done(request))
        finally:
            self.connections.request_finished(request)

    async def _route(
        self, scope: Scope, headers: Headers, receive: Receive, send: Send, body_read: Callable[[], None]
    ) -> None:
        # Nothing is read from the body before the request is known to be for us and from whom: an
        # unauthenticated client gets its 401 (from the SDK) without us buffering what it sends.
        if headers.get("host", "") not in self._hosts:
            await PlainTextResponse("Invalid Host header", status_code=421)(scope, receive, send)
            return
        origin = headers.get("origin")
        if origin is not None and origin not in self._origins:
            await PlainTextResponse("Invalid Origin header", status_code=403)(scope, receive, send)
            return
        path = scope["path"]
        if path == MCP_PATH:
            if self.authenticator is not None and not await self._authenticated(scope, headers, receive, send):
                return
            await self.sessions.serve(scope, receive, send, body_read)
        elif has_body(headers):  # /healthz and the OAuth metadata take none
            await PlainTextResponse("No request body expected here", status_code=413)(scope, receive, send)
        elif path == HEALTH_PATH and scope["method"] in ("GET", "HEAD"):
            body_read()
            # For process managers: nothing about profiles, tokens or sessions.
            await JSONResponse({"status": "ok", "version": __version__})(scope, receive, send)
        elif path == READY_PATH and scope["method"] in ("GET", "HEAD"):
            body_read()
            await (await self._readiness())(scope, receive, send)
        elif path == METADATA_PATH and self._metadata_path is not None:
            body_read()  # the root copy of the metadata (RFC 9728 §3 for a resource at the root)
            await self.sdk_app({**scope, "path": self._metadata_path, "raw_path": None}, receive, send)
        else:
            body_read()
            await self.sdk_app(scope, receive, send)

    async def _readiness(self) -> JSONResponse:
        """200 when this replica can serve every call, 503 (with what is missing) when it cannot."""
        problem = await self.shared.ready() if self.shared is not None else None
        checks = {"redis": "ok" if problem is None else "unreachable"} if self.shared is not None else {}
        if problem is not None:
            return JSONResponse({"status": "not ready", "checks": checks}, status_code=503)
        return JSONResponse({"status": "ready", "checks": checks})

    async def _authenticated(self, scope: Scope, headers: Headers, receive: Receive, send: Send) -> bool:
        """Judge the bearer token once (the SDK and the session guard read the verdict); answer 503
        when the issuer cannot be asked and 403 when no role applies. No token: the SDK answers 401."""
        assert self.authenticator is not None
        verdict = await self.authenticator.authenticate(headers)
        if verdict.unavailable is not None:
            body = {"error": "temporarily_unavailable", "error_description": verdict.unavailable}
            await JSONResponse(body, status_code=503, headers={"Retry-After": "10"})(scope, receive, send)
            return False
        if verdict.denied is not None:
            # Not insufficient_scope: signing in again with more scopes would not help (and a client would try).
            body = {"error": "access_denied", "error_description": verdict.denied}
            await JSONResponse(body, status_code=403)(scope, receive, send)
            return False
        return True


def build_http_app(
    server: MCPServer[Any], settings: Settings, max_connections: int | None = None, shared: SharedState | None = None
) -> HttpFront:
    """The ASGI app: /mcp (stateful Streamable HTTP, auth when tokens are set) and /healthz."""
    check_http_settings(settings.model_copy(update={"transport": "http"}))
    security = security_for(settings.host, settings.port, settings.oauth_audience)
    per_principal = settings.http_max_sessions_per_principal
    principals = max(1, len(settings.http_tokens))
    authenticator = Authenticator(settings) if settings.http_tokens or settings.oauth_issuer else None
    sdk_app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=False,
        transport_security=security,
        host=settings.host,
        session_idle_timeout=settings.http_session_idle,
        # Never reached first: each principal is capped below. OAuth principals are not known ahead: no total.
        max_sessions=None if settings.oauth_issuer else per_principal * principals,
        max_request_body_size=MAX_REQUEST_BODY,
    )
    sessions = SessionGuard(
        sdk_app,
        authenticator.principal if authenticator is not None else (lambda headers: LOCAL_PRINCIPAL),
        max_per_principal=per_principal,
        idle_timeout=settings.http_session_idle,
        max_body=MAX_REQUEST_BODY,
    )
    connections = ConnectionGuard(max_connections if max_connections is not None else connection_limit())
    resource = settings.oauth_audience or (public_origin(settings) + MCP_PATH)
    metadata_path = METADATA_PATH + urlsplit(resource).path if authenticator is not None else None
    return HttpFront(sdk_app, sessions, connections, security, authenticator, metadata_path, shared)


def uvicorn_config(app: HttpFront, settings: Settings) -> Any:
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    limit = app.connections.max_connections
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # uvicorn sets its loggers to this level; below WARNING they would log requests (`kinsta_mcp.logs`).
        log_level=settings.log_level if settings.log_level in ("warning", "error", "critical") else "warning",
        access_log=False,
        log_config=None,  # keep our stderr handler and its redaction
        lifespan="on",  # the session manager runs in the app's lifespan
        timeout_graceful_shutdown=5,
        http=cast(Any, app.connections.protocol_factory(H11Protocol)),  # uvicorn accepts a protocol factory
        proxy_headers=False,  # `client` in the scope is the socket's peer: the connection guard relies on it
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
        limit_concurrency=limit + 1,  # a backstop: the connection guard keeps connections at `limit`
        backlog=min(2048, limit),
        server_header=False,
    )


async def serve_http(
    server: MCPServer[Any],
    settings: Settings,
    sockets: list[socket.socket] | None = None,
    shared: SharedState | None = None,
) -> None:
    """Serve until the process is stopped; `sockets` are already bound listening sockets (tests)."""
    import uvicorn

    app = build_http_app(server, settings, shared=shared)
    if settings.oauth_issuer:
        auth = f"OAuth access tokens from {settings.oauth_issuer} for {settings.oauth_audience}"
        auth += " (and static bearer tokens)" if settings.http_tokens else ""
    else:
        auth = "a bearer token is required" if settings.http_tokens else "no token required (loopback only)"
    sys.stderr.write(f"kinsta-mcp: Streamable HTTP at {public_origin(settings)}{MCP_PATH}; {auth}\n")
    await uvicorn.Server(uvicorn_config(app, settings)).serve(sockets=sockets)


def listening_socket(settings: Settings) -> socket.socket:
    """The socket `settings.host`:`settings.port` bound before serving starts, so that a port in use or an
    address this machine does not have is a one-line ConfigError rather than uvicorn's traceback."""
    where = f"{settings.host}:{settings.port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            settings.host, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConfigError(f"--host {settings.host}: not an address to listen on ({exc.strerror or exc})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            hint = "stop what holds it or choose another port with --port or KINSTA_MCP_PORT"
        elif exc.errno == errno.EACCES:
            hint = "ports below 1024 need privileges: choose another with --port or KINSTA_MCP_PORT"
        else:
            hint = "choose an address of this machine with --host or KINSTA_MCP_HOST (e.g. 127.0.0.1)"
        raise ConfigError(f"cannot listen on {where} ({(exc.strerror or str(exc)).lower()}); {hint}") from None
    return sock


def loopback_socket() -> socket.socket:
    """A listening-ready socket on 127.0.0.1 and a free port (read it with `getsockname()`)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def running(
    server: MCPServer[Any],
    settings: Settings,
    sock: socket.socket,
    max_connections: int | None = None,
    shared: SharedState | None = None,
) -> AsyncIterator[HttpFront]:
    """Serve on `sock` in the current event loop while the block runs (tests, benchmarks), then stop."""
    import uvicorn

    if not is_loopback(sock.getsockname()[0]):
        raise ValueError("tests and benchmarks serve on loopback only")
    app = build_http_app(server, settings, max_connections, shared)
    uv = uvicorn.Server(uvicorn_config(app, settings))
    async with anyio.create_task_group() as tg:
        tg.start_soon(uv.serve, [sock])
        while not uv.started:  # startup runs in this loop: yielding lets it finish, nothing waits on a timer
            if uv.should_exit:  # startup failed (uvicorn logged why)
                raise RuntimeError("the HTTP server did not start")
            await anyio.lowlevel.checkpoint()
        try:
            yield app
        finally:
            uv.should_exit = True
