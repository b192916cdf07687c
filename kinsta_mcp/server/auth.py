"""Bearer tokens for the HTTP transport, and the company profile a token binds a call to.

Tokens come from `Settings.http_tokens` (token -> profile name, or None for an unbound token).
They are compared in constant time and never logged: the `AccessToken` handed to the SDK
names a token by its position in the configuration ("token-2"), not by its value.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings

from kinsta_mcp.config import ConfigError, Profile, Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
MCP_PATH = "/mcp"


class ProfileAccessToken(AccessToken):
    """An accepted token, with the profile its calls are bound to (None: any profile, the default unless named)."""

    profile: str | None = None


def _digest(token: str) -> bytes:
    # Comparing fixed-length digests keeps the comparison's time independent of the tokens' lengths too.
    return hashlib.sha256(token.encode("utf-8")).digest()


class StaticTokenVerifier:
    """The SDK's `TokenVerifier` over the configured tokens."""

    def __init__(self, tokens: Mapping[str, str | None]) -> None:
        self._entries = [
            (_digest(token), f"token-{i}", profile) for i, (token, profile) in enumerate(tokens.items(), 1)
        ]

    async def verify_token(self, token: str) -> AccessToken | None:
        offered = _digest(token)
        found: tuple[str, str | None] | None = None
        for digest, label, profile in self._entries:  # no early exit: every entry is compared
            if hmac.compare_digest(digest, offered):
                found = (label, profile)
        if found is None:
            return None
        label, profile = found
        # `token` is required by the model; the SDK keeps it in the request scope only, and it is never logged.
        return ProfileAccessToken(token=token, client_id=label, scopes=[], profile=profile)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def public_origin(settings: Settings) -> str:
    """The origin clients use: the bound address, or loopback for a wildcard bind (only loopback Hosts pass then)."""
    host = "127.0.0.1" if settings.host in WILDCARD_HOSTS else settings.host
    return f"http://{_url_host(host)}:{settings.port}"


def auth_settings(settings: Settings) -> AuthSettings | None:
    """OAuth protected-resource settings when tokens are configured; the metadata URL points at this server."""
    if not settings.http_tokens:
        return None
    origin = public_origin(settings)
    return AuthSettings(
        issuer_url=origin,  # static tokens: no separate authorization server
        resource_server_url=origin + MCP_PATH,
        validate_token_resource=False,  # the verifier knows every token it accepts: none is for another resource
        required_scopes=[],
    )


def token_verifier(settings: Settings) -> StaticTokenVerifier | None:
    return StaticTokenVerifier(settings.http_tokens) if settings.http_tokens else None


def check_http_settings(settings: Settings) -> None:
    """Refuse to serve HTTP beyond loopback without a token: anyone who can reach the port would act as you."""
    if settings.transport == "http" and not is_loopback(settings.host) and not settings.http_tokens:
        raise ConfigError(
            f"--host {settings.host}: serving HTTP beyond loopback needs bearer tokens; set KINSTA_MCP_HTTP_TOKENS "
            '(or "http_tokens" in the config file), or bind 127.0.0.1'
        )


def bound_profile_name() -> str | None:
    """The profile the current HTTP request's token is bound to; None without a token or for an unbound one."""
    token = get_access_token()
    return token.profile if isinstance(token, ProfileAccessToken) else None


def profile_for_call(settings: Settings, requested: str | None) -> Profile:
    """The profile a call acts for: the token's, if it is bound to one (naming another is refused)."""
    bound = bound_profile_name()
    if bound is None:
        return settings.profile(requested)
    if requested is not None and requested != bound:
        raise ConfigError(
            f"company {requested!r} is not available: this connection's token is bound to profile {bound!r}; "
            "omit company (or ask for a token bound to that profile). Nothing was sent."
        )
    return settings.profile(bound)
