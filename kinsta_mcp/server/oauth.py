"""OAuth 2.1 resource server: which access tokens from the configured issuer this server accepts.

Per the MCP authorization spec, a token is accepted only when it was issued by `oauth_issuer`, for
`oauth_audience` (this server's public /mcp URL, the RFC 8707 resource), is unexpired and carries
the required scopes (the SDK answers 403 insufficient_scope for a missing one).

- The issuer's metadata is discovered on first use (RFC 8414 `/.well-known/oauth-authorization-server`,
  then OpenID `/.well-known/openid-configuration`); its `issuer` must be the configured one exactly.
- JWT access tokens (RFC 9068) are checked against the issuer's JWKS: asymmetric algorithms only,
  the key chosen by `kid`. Keys are cached; a token naming an unknown `kid` (the issuer rotated its
  keys) refetches the set once, at most every `JWKS_REFETCH_SECONDS`, so a flood of made-up kids
  cannot make this server hammer the issuer.
- Opaque tokens go to the issuer's introspection endpoint (RFC 7662) when it offers one and this
  server has client credentials for it (`oauth_client_id`, `oauth_client_secret`).
- An issuer that cannot be reached makes `IssuerUnavailable`: the HTTP front answers 503, not 401
  (the client's token may be fine).

Nothing here logs a token or a claim value.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import jwt
from jwt import PyJWK

from kinsta_mcp.config import Settings

log = logging.getLogger("kinsta_mcp.oauth")

JWKS_REFETCH_SECONDS = 30.0  # least time between two fetches of the key set caused by unknown kids
JWKS_MAX_AGE = 3600.0  # a key set older than this is fetched again on the next token
DISCOVERY_RETRY_SECONDS = 10.0  # after a failed discovery, the next attempt waits this long
LEEWAY_SECONDS = 30  # clock skew tolerated on exp/nbf/iat
HTTP_TIMEOUT = 10.0
# Asymmetric only: a symmetric (HS*) token would be signed with a key the issuer shares, and "none" is no signature.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_JWT_TYPES = (None, "jwt", "at+jwt", "application/at+jwt")


class IssuerUnavailable(Exception):
    """The issuer's metadata, keys or introspection could not be had: no token can be judged now."""


@dataclass(frozen=True)
class Claims:
    """What an accepted access token says about its bearer."""

    subject: str | None
    client_id: str
    scopes: tuple[str, ...]
    groups: tuple[str, ...]
    expires_at: int | None


def _scopes(payload: Mapping[str, Any]) -> tuple[str, ...]:
    scope = payload.get("scope")
    if isinstance(scope, str):
        return tuple(scope.split())
    scp = payload.get("scp")  # the list form some issuers use
    if isinstance(scp, list):
        return tuple(str(s) for s in scp)
    return ()


def _groups(payload: Mapping[str, Any]) -> tuple[str, ...]:
    groups = payload.get("groups")
    if isinstance(groups, str):
        return (groups,)
    if isinstance(groups, list):
        return tuple(str(g) for g in groups)
    return ()


def _audiences(payload: Mapping[str, Any]) -> list[str]:
    aud = payload.get("aud")
    if isinstance(aud, str):
        return [aud]
    return [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def looks_like_jwt(token: str) -> bool:
    parts = token.split(".")
    return len(parts) == 3 and all(parts[:2])


class OAuthVerifier:
    """Accepts or refuses access tokens for one issuer and audience (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.oauth_issuer is None or settings.oauth_audience is None:
            raise ValueError("OAuthVerifier needs oauth_issuer and oauth_audience")
        self.issuer = settings.oauth_issuer
        self.audience = settings.oauth_audience
        self._client_id = settings.oauth_client_id
        secret = settings.oauth_client_secret
        self._client_secret = secret.get_secret_value() if secret is not None else None
        self._transport = transport
        self._clock = clock
        self._metadata: dict[str, Any] | None = None
        self._discovery_failed_at: float | None = None
        self._keys: dict[str, tuple[PyJWK, str | None]] = {}  # kid -> key, the alg the JWK names
        self._keys_fetched_at: float | None = None
        self._discovery_lock = anyio.Lock()
        self._keys_lock = anyio.Lock()  # one fetch of the key set at a time (it takes the discovery lock inside)
        self.jwks_fetches = 0  # how often the key set was fetched (tests and the rotation limit)

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self._transport, timeout=HTTP_TIMEOUT, follow_redirects=False)

    # -- discovery

    def _discovery_urls(self) -> list[str]:
        """RFC 8414 §3 (path inserted after the host), then OpenID discovery (path appended)."""
        scheme, rest = self.issuer.split("://", 1)
        host, _, path = rest.partition("/")
        path = path.rstrip("/")
        suffix = f"/{path}" if path else ""
        return [
            f"{scheme}://{host}/.well-known/oauth-authorization-server{suffix}",
            f"{self.issuer.rstrip('/')}/.well-known/openid-configuration",
        ]

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is not None:
            return self._metadata
        async with self._discovery_lock:
            if self._metadata is not None:
                return self._metadata
            now = self._clock()
            if self._discovery_failed_at is not None and now - self._discovery_failed_at < DISCOVERY_RETRY_SECONDS:
                raise IssuerUnavailable(
                    f"the authorization server {self.issuer} could not be reached; retrying shortly"
                )
            problem = "no metadata document"
            async with self._http() as http:
                for url in self._discovery_urls():
                    try:
                        response = await http.get(url, headers={"Accept": "application/json"})
                    except httpx.HTTPError as exc:
                        problem = f"{type(exc).__name__} at {url}"
                        continue
                    if response.status_code != 200:
                        problem = f"HTTP {response.status_code} at {url}"
                        continue
                    try:
                        document = response.json()
                    except ValueError:
                        problem = f"not JSON at {url}"
                        continue
                    if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                        # RFC 8414 §3.3: a document naming another issuer must not be used.
                        problem = f"{url} names issuer {str(document.get('issuer'))[:200]!r}, not {self.issuer!r}"
                        continue
                    if not isinstance(document.get("jwks_uri"), str):
                        problem = f"{url} has no jwks_uri"
                        continue
                    self._metadata = document
                    self._discovery_failed_at = None
                    return document
            self._discovery_failed_at = now
            log.error("OAuth discovery for %s failed: %s", self.issuer, problem)
            raise IssuerUnavailable(f"the authorization server {self.issuer} could not be discovered ({problem})")

    # -- keys

    async def _fetch_keys(self) -> None:
        metadata = await self.metadata()
        self.jwks_fetches += 1
        self._keys_fetched_at = self._clock()
        try:
            async with self._http() as http:
                response = await http.get(metadata["jwks_uri"], headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.error("fetching the OAuth key set of %s failed: %s", self.issuer, type(exc).__name__)
            raise IssuerUnavailable(f"the key set of {self.issuer} could not be fetched") from None
        keys: dict[str, tuple[PyJWK, str | None]] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or "kid" not in entry:
                continue
            try:
                named = entry.get("alg")
                keys[str(entry["kid"])] = (PyJWK(entry), named if isinstance(named, str) else None)
            except jwt.PyJWTError:
                continue  # a key type this library does not know: tokens signed with it are refused
        self._keys = keys

    async def _key(self, kid: str) -> tuple[PyJWK, str | None] | None:
        now = self._clock()
        stale = self._keys_fetched_at is None or now - self._keys_fetched_at > JWKS_MAX_AGE
        if stale:
            async with self._keys_lock:
                if self._keys_fetched_at is None or self._clock() - self._keys_fetched_at > JWKS_MAX_AGE:
                    try:
                        await self._fetch_keys()
                    except IssuerUnavailable:
                        if not self._keys:
                            raise
                        # The keys held are still the issuer's: keep judging with them (and try again later).
        if kid in self._keys:
            return self._keys[kid]
        # Unknown kid: maybe the issuer rotated its keys. Refetch once, not more often than the limit.
        async with self._keys_lock:
            fetched = self._keys_fetched_at
            if kid not in self._keys and (fetched is None or self._clock() - fetched >= JWKS_REFETCH_SECONDS):
                await self._fetch_keys()
        return self._keys.get(kid)

    # -- tokens

    async def verify(self, token: str) -> Claims | None:
        """The token's claims when it is acceptable (scopes are checked by the caller), else None.
        Raises IssuerUnavailable when it cannot be judged now."""
        if looks_like_jwt(token):
            return await self._verify_jwt(token)
        return await self._introspect(token)

    async def _verify_jwt(self, token: str) -> Claims | None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        kid, alg = header.get("kid"), header.get("alg")
        typ = header.get("typ")
        if (
            not isinstance(kid, str)
            or alg not in ALGORITHMS
            or (typ is not None and str(typ).lower() not in _JWT_TYPES)
        ):
            return None  # e.g. an ID token (typ JWT is allowed, but its audience is the client, refused below)
        found = await self._key(kid)
        if found is None or found[1] not in (None, alg):
            return None  # no such key, or the key is for another algorithm
        try:
            payload = jwt.decode(
                token,
                key=found[0].key,  # the algorithm is the header's, checked against ALGORITHMS and the key's type
                algorithms=[alg],
                audience=[self.audience, self.audience + "/"],
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        return self._claims(payload)

    def _claims(self, payload: Mapping[str, Any]) -> Claims | None:
        client_id = payload.get("client_id") or payload.get("azp") or payload.get("cid")
        subject = payload.get("sub")
        exp = payload.get("exp")
        if not isinstance(client_id, str) or not client_id:
            return None  # RFC 9068 requires client_id: the audit names the client
        return Claims(
            subject=subject if isinstance(subject, str) and subject else None,
            client_id=client_id,
            scopes=_scopes(payload),
            groups=_groups(payload),
            expires_at=int(exp) if isinstance(exp, int | float) else None,
        )

    async def _introspect(self, token: str) -> Claims | None:
        metadata = await self.metadata()
        endpoint = metadata.get("introspection_endpoint")
        if not isinstance(endpoint, str) or self._client_id is None or self._client_secret is None:
            return None  # opaque tokens cannot be judged without introspection: refused
        try:
            async with self._http() as http:
                response = await http.post(
                    endpoint,
                    data={"token": token, "token_type_hint": "access_token"},
                    auth=(self._client_id, self._client_secret),
                    headers={"Accept": "application/json"},
                )
        except httpx.HTTPError as exc:
            log.error("OAuth introspection at %s failed: %s", self.issuer, type(exc).__name__)
            raise IssuerUnavailable(f"the introspection endpoint of {self.issuer} could not be reached") from None
        if response.status_code != 200:
            log.error("OAuth introspection at %s answered HTTP %s", self.issuer, response.status_code)
            raise IssuerUnavailable(f"the introspection endpoint of {self.issuer} refused this server's credentials")
        try:
            payload = response.json()
        except json.JSONDecodeError:
            raise IssuerUnavailable(f"the introspection endpoint of {self.issuer} did not answer JSON") from None
        if not isinstance(payload, dict) or payload.get("active") is not True:
            return None
        if payload.get("iss", self.issuer) != self.issuer:
            return None
        if not any(_same_url(aud, self.audience) for aud in _audiences(payload)):
            return None  # no audience, or another one: not issued for this server
        exp = payload.get("exp")
        if not isinstance(exp, int | float) or exp + LEEWAY_SECONDS < time.time():
            return None
        token_type = payload.get("token_type")
        if token_type is not None and str(token_type).lower() not in ("access_token", "bearer"):
            return None  # e.g. a refresh token
        return self._claims(payload)
