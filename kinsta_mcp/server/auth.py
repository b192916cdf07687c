"""Bearer tokens for the HTTP transport, and the company profile a token binds a call to.

Tokens come from `Settings.http_tokens` (token -> profile name, or None for an unbound token).
They are compared in constant time and never logged: the `AccessToken` handed to the SDK
names a token by its position in the configuration ("token-2"), not by its value. That label is
the HTTP principal: sessions are counted and Kinsta's budget is shared per principal ("local"
without tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable, Mapping

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings

from kinsta_mcp.config import ConfigError, Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
MCP_PATH = "/mcp"
LOCAL_PRINCIPAL = "local"  # who calls when no tokens are configured (loopback only)
# 32 characters of a random token (e.g. `secrets.token_urlsafe(32)` gives 43) cannot be guessed online.
MIN_TOKEN_LENGTH = 32


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

    def label_for(self, token: str) -> tuple[str, str | None] | None:
        """(label, bound profile) of a configured token, or None."""
        offered = _digest(token)
        found: tuple[str, str | None] | None = None
        for digest, label, profile in self._entries:  # no early exit: every entry is compared
            if hmac.compare_digest(digest, offered):
                found = (label, profile)
        return found

    async def verify_token(self, token: str) -> AccessToken | None:
        found = self.label_for(token)
        if found is None:
            return None
        label, profile = found
        # `token` is required by the model; the SDK keeps it in the request scope only, and it is never logged.
        return ProfileAccessToken(token=token, client_id=label, scopes=[], profile=profile)


def is_loopback(host: str) -> bool:
    """An address in 127.0.0.0/8, ::1, or the name localhost; nothing else (`127.0.0.1.nip.io` is a public name)."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


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
    """Refuse to serve HTTP beyond loopback without a token (anyone who can reach the port would act as
    you), and refuse tokens short enough to guess."""
    if settings.transport != "http":
        return
    if not is_loopback(settings.host) and not settings.http_tokens:
        raise ConfigError(
            f"--host {settings.host}: serving HTTP beyond loopback needs bearer tokens; set KINSTA_MCP_HTTP_TOKENS "
            '(or "http_tokens" in the config file), or bind 127.0.0.1'
        )
    for position, token in enumerate(settings.http_tokens, 1):
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"bearer token {position} (KINSTA_MCP_HTTP_TOKENS or http_tokens) has {len(token)} characters; "
                f"at least {MIN_TOKEN_LENGTH} are needed. Make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )


def principal_resolver(settings: Settings) -> Callable[[Mapping[str, str]], str | None]:
    """From a request's headers, the principal it acts for: its valid token's label, "local" when no
    tokens are configured, None when tokens are configured and it has no valid one (the SDK answers 401).
    Reads the header as the SDK's bearer backend does."""
    verifier = token_verifier(settings)
    if verifier is None:
        return lambda headers: LOCAL_PRINCIPAL

    def resolve(headers: Mapping[str, str]) -> str | None:
        authorization = headers.get("authorization", "")
        if not authorization.lower().startswith("bearer "):
            return None
        found = verifier.label_for(authorization[len("bearer ") :])
        return found[0] if found is not None else None

    return resolve


def principal_name() -> str:
    """Who the current HTTP request is for: its token's label ("token-2"), or "local" without a token
    (stdio, loopback without tokens, in-process clients). Never the token itself."""
    token = get_access_token()
    return token.client_id if token is not None else LOCAL_PRINCIPAL


def bound_profile_name() -> str | None:
    """The profile the current HTTP request's token is bound to; None without a token or for an unbound one."""
    token = get_access_token()
    return token.profile if isinstance(token, ProfileAccessToken) else None
