"""Streamable HTTP transport: loopback by default, DNS-rebinding protection always on."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

from kinsta_mcp.config import Settings

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def security_for(host: str, port: int) -> TransportSecuritySettings:
    """Host and Origin allow-lists, also when bound beyond loopback (the SDK would leave them off)."""
    hosts = [f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")] + ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if host not in _LOOPBACK and host not in ("0.0.0.0", "::"):
        hosts += [f"{host}:{port}", f"{host}:*"]
        origins += [f"http://{host}:*", f"https://{host}:*"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


async def serve_http(server: MCPServer[Any], settings: Settings) -> None:
    import uvicorn

    app = server.streamable_http_app(transport_security=security_for(settings.host, settings.port), host=settings.host)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False, log_config=None
    )
    await uvicorn.Server(config).serve()
