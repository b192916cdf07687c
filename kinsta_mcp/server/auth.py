"""Bearer tokens for the HTTP transport: static tokens and OAuth access tokens, and what each may do.

Static tokens come from `Settings.http_tokens` (token -> profile name, or None for an unbound token).
They are compared in constant time and never logged: the `AccessToken` handed to the SDK names a
token by its position in the configuration ("token-2"), not by its value.

OAuth access tokens (`oauth_issuer`, `oauth_audience`) are judged by `oauth.OAuthVerifier`; the
first role of the role map (`roles`) that the token's claims match says which company profiles,
toolsets and read-only mode apply. Their principal is "oauth:<subject>".

The label is the HTTP principal: sessions are counted and Kinsta's budget is shared per principal
("local" without tokens). A request's token is judged once, by the HTTP front (`authenticate`, which
may wait on the issuer), and the verdict is kept in the request's context for the SDK's bearer
backend and the session guard, which read it instead of judging again.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings

from kinsta_mcp.config import ConfigError, Settings
from kinsta_mcp.config.roles import first_role

if TYPE_CHECKING:  # imported when OAuth is configured: jwt and cryptography cost a stdio start ~0.15 s
    from kinsta_mcp.server.oauth import OAuthVerifier

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
MCP_PATH = "/mcp"
LOCAL_PRINCIPAL = "local"  # who calls when no tokens are configured (loopback only)
OAUTH_PREFIX = "oauth:"  # an OAuth caller's principal: oauth:<subject>
# 32 characters of a random token (e.g. `secrets.token_urlsafe(32)` gives 43) cannot be guessed online.
MIN_TOKEN_LENGTH = 32


class ProfileAccessToken(AccessToken):
    """An accepted token, with the profile its calls are bound to (None: any profile, the default unless named)."""

    profile: str | None = None
    principal: str = ""  # the label sessions, budgets, approvals and the audit name it by
    role: str | None = None  # the role map's entry an OAuth token matched
    profiles: tuple[str, ...] | None = None  # the profiles it may act for (None: every one)
    toolsets: tuple[str, ...] | None = None  # the role's toolsets (None: the server's)
    read_only: bool = False  # the role allows reads only
    tools: frozenset[str] | None = None  # the tools the role may use (None: every tool the server shows)

    def identity(self) -> dict[str, str]:
        """What the audit records of an OAuth caller beside the principal: its client id and role."""
        if not self.principal.startswith(OAUTH_PREFIX):
            return {}
        return {"oauth_client": self.client_id, **({"role": self.role} if self.role else {})}


def _digest(token: str) -> bytes:
    # Comparing fixed-length digests keeps the comparison's time independent of the tokens' lengths too.
    return hashlib.sha256(token.encode("utf-8")).digest()


class StaticTokenVerifier:
    """The SDK's `TokenVerifier` over the configured tokens."""

    def __init__(self, tokens: Mapping[str, str | None], scopes: tuple[str, ...] = ()) -> None:
        self.scopes = scopes  # a static token is trusted with whatever scope the server requires
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
        return ProfileAccessToken(
            token=token, client_id=label, scopes=list(self.scopes), profile=profile, principal=label
        )


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
    """Protected-resource settings when tokens are configured: the metadata (RFC 9728) names the issuer and
    this server's public /mcp URL; the SDK answers 401 with it, and 403 for a token without the scopes."""
    if settings.oauth_issuer is not None and settings.oauth_audience is not None:
        return AuthSettings(
            issuer_url=settings.oauth_issuer,  # pydantic parses the URL
            resource_server_url=settings.oauth_audience,
            validate_token_resource=False,  # the OAuth verifier checks the audience itself (oauth.py)
            required_scopes=list(settings.oauth_scopes),
        )
    if not settings.http_tokens:
        return None
    origin = public_origin(settings)
    return AuthSettings(
        issuer_url=origin,  # static tokens: no separate authorization server
        resource_server_url=origin + MCP_PATH,
        validate_token_resource=False,  # the verifier knows every token it accepts: none is for another resource
        required_scopes=[],
    )


@dataclass(frozen=True)
class Verdict:
    """What the HTTP front learns of a request's bearer token."""

    token: ProfileAccessToken | None = None  # accepted (scopes still checked by the SDK)
    denied: str | None = None  # a valid OAuth token that no role applies to: 403
    unavailable: str | None = None  # the issuer could not be asked: 503


# The verdict on the current request's token, set by the HTTP front: (digest of the token, accepted token).
_judged: ContextVar[tuple[bytes, ProfileAccessToken | None] | None] = ContextVar("kinsta_judged_token", default=None)


def bearer_of(headers: Mapping[str, str]) -> str | None:
    """The bearer token of a request's headers, read as the SDK's bearer backend does."""
    authorization = headers.get("authorization", "")
    return authorization[len("bearer ") :] if authorization.lower().startswith("bearer ") else None


class Authenticator:
    """The SDK's `TokenVerifier`: static tokens first, then OAuth access tokens and the role map."""

    def __init__(self, settings: Settings, oauth: OAuthVerifier | None = None) -> None:
        self.settings = settings
        self.static = StaticTokenVerifier(settings.http_tokens, settings.oauth_scopes if settings.oauth_issuer else ())
        if oauth is None and settings.oauth_issuer is not None:
            from kinsta_mcp.server.oauth import OAuthVerifier

            oauth = OAuthVerifier(settings)
        self.oauth = oauth
        self._views: dict[str, frozenset[str] | None] = {}  # role name -> its tools, computed once

    async def judge(self, token: str) -> Verdict:
        accepted = await self.static.verify_token(token)
        if accepted is not None or self.oauth is None:
            return Verdict(token=accepted if isinstance(accepted, ProfileAccessToken) else None)
        from kinsta_mcp.server.oauth import IssuerUnavailable

        try:
            claims = await self.oauth.verify(token)
        except IssuerUnavailable as exc:
            return Verdict(unavailable=str(exc))
        if claims is None:
            return Verdict()
        principal = OAUTH_PREFIX + (claims.subject or claims.client_id)
        fields = {
            "token": token,
            "client_id": claims.client_id,
            "scopes": list(claims.scopes),
            "expires_at": claims.expires_at,
            "resource": self.settings.oauth_audience,
            "subject": claims.subject,
            "claims": {"iss": self.oauth.issuer},
            "principal": principal,
        }
        if not self.settings.roles:
            return Verdict(token=ProfileAccessToken(**fields))
        role = first_role(self.settings.roles, claims.subject, claims.groups, claims.scopes)
        if role is None:
            return Verdict(denied="no role of this server's role map applies to this token's subject, groups or scopes")
        if role.name not in self._views:
            self._views[role.name] = role_view(self.settings, role.toolsets, role.read_only)
        profiles = role.profiles
        return Verdict(
            token=ProfileAccessToken(
                **fields,
                profile=profiles[0] if profiles else None,
                role=role.name,
                profiles=profiles,
                toolsets=role.toolsets,
                read_only=role.read_only,
                tools=self._views[role.name],
            )
        )

    async def authenticate(self, headers: Mapping[str, str]) -> Verdict:
        """Judge the request's bearer token once and keep the verdict for the rest of the request."""
        token = bearer_of(headers)
        if token is None:
            return Verdict()
        verdict = await self.judge(token)
        _judged.set((_digest(token), verdict.token))
        return verdict

    async def verify_token(self, token: str) -> AccessToken | None:
        judged = _judged.get()
        if judged is not None and hmac.compare_digest(judged[0], _digest(token)):
            return judged[1]
        verdict = await self.judge(token)  # outside the HTTP front (an app mounted elsewhere)
        return verdict.token

    def principal(self, headers: Mapping[str, str]) -> str | None:
        """The principal of a request whose token the front judged: its label, "local" when no tokens
        are configured, None without an accepted token (the SDK answers 401 or 403)."""
        if not self.settings.http_tokens and self.oauth is None:
            return LOCAL_PRINCIPAL
        token = bearer_of(headers)
        judged = _judged.get()
        if token is None or judged is None or judged[1] is None or not hmac.compare_digest(judged[0], _digest(token)):
            return None
        return judged[1].principal


def role_view(settings: Settings, toolsets: tuple[str, ...] | None, read_only: bool) -> frozenset[str] | None:
    """The tools a role may use on this server: the server's selection narrowed to the role's toolsets, and
    for a read-only role to the tools that only read (a group that could write is left out whole, as the
    server offers it with its writes). None: every tool the server shows."""
    if toolsets is None and not read_only:
        return None
    from kinsta_mcp.catalog.spec import Effect
    from kinsta_mcp.server.compiled import select_tools, tools_for

    served_sets = settings.toolsets
    if toolsets is None:
        wanted = served_sets
    else:
        wanted = toolsets if served_sets is None else tuple(t for t in toolsets if t in served_sets)
    narrowed = select_tools(
        settings.model_copy(update={"toolsets": wanted, "read_only": settings.read_only or read_only})
    )
    served = tools_for(settings)
    return frozenset(name for name in narrowed.visible if not read_only or served[name].effect is Effect.READ)


def token_verifier(settings: Settings) -> Authenticator | None:
    return Authenticator(settings) if settings.http_tokens or settings.oauth_issuer else None


def check_http_settings(settings: Settings) -> None:
    """Refuse to serve HTTP beyond loopback without a token (anyone who can reach the port would act as
    you), and refuse tokens short enough to guess."""
    if settings.transport != "http":
        return
    if not is_loopback(settings.host) and not settings.http_tokens and settings.oauth_issuer is None:
        raise ConfigError(
            f"--host {settings.host}: serving HTTP beyond loopback needs bearer tokens; set KINSTA_MCP_HTTP_TOKENS "
            '(or "http_tokens" in the config file) or OAuth (KINSTA_MCP_OAUTH_ISSUER), or bind 127.0.0.1'
        )
    for position, token in enumerate(settings.http_tokens, 1):
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"bearer token {position} (KINSTA_MCP_HTTP_TOKENS or http_tokens) has {len(token)} characters; "
                f"at least {MIN_TOKEN_LENGTH} are needed. Make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )


def principal_name() -> str:
    """Who the current HTTP request is for: its token's label ("token-2"), or "local" without a token
    (stdio, loopback without tokens, in-process clients). Never the token itself."""
    token = get_access_token()
    if isinstance(token, ProfileAccessToken) and token.principal:
        return token.principal
    return token.client_id if token is not None else LOCAL_PRINCIPAL


def current_token() -> ProfileAccessToken | None:
    """The current HTTP request's accepted token (its role's profiles, tools and identity), if any."""
    token = get_access_token()
    return token if isinstance(token, ProfileAccessToken) else None


def bound_profile_name() -> str | None:
    """The profile the current HTTP request's token is bound to; None without a token or for an unbound one."""
    token = get_access_token()
    return token.profile if isinstance(token, ProfileAccessToken) else None
