"""OAuth 2.1 resource server against a real authorization server (oidc-provider, oauth_world.py).

The SDK's own OAuth client completes discovery, dynamic registration, authorization code with PKCE
(a user signed in on the server's login form) and the token exchange, then uses the tools; tokens the
server must refuse (another audience, expired, another issuer, without the scope, garbage) are minted
by that same server (or a second one) and refused with 401/403, with nothing sent to Kinsta.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest
from harness import text_of
from http_world import ANY_TOKEN, INITIALIZE, MCP_HEADERS, Served, served, two_company_settings
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from oauth_world import REDIRECT_URI, SECRET, AuthorizationServer, Browser, authorization_server
from pydantic import AnyUrl

from kinsta_mcp.config import Settings
from kinsta_mcp.server.auth import Authenticator
from kinsta_mcp.server.http import loopback_socket
from kinsta_mcp.server.oauth import JWKS_MAX_AGE, JWKS_REFETCH_SECONDS, OAuthVerifier

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def issuer() -> Iterator[AuthorizationServer]:
    with authorization_server() as running:
        yield running


@pytest.fixture(scope="module")
def other_issuer() -> Iterator[AuthorizationServer]:
    with authorization_server() as running:
        yield running


def oauth_settings(issuer: AuthorizationServer, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "http_tokens": {ANY_TOKEN: None},  # static tokens stay accepted beside OAuth
        "oauth_issuer": issuer.issuer,
        "oauth_audience": f"http://127.0.0.1:{port}/mcp",
        "oauth_client_id": "kinsta-mcp-rs",  # for introspection of opaque tokens
        "oauth_client_secret": SECRET,
    }
    values.update(overrides)
    return two_company_settings(**values)


@pytest.fixture(scope="module")
async def s(issuer: AuthorizationServer) -> AsyncIterator[Served]:
    sock = loopback_socket()
    async with served(oauth_settings(issuer, sock.getsockname()[1]), sock=sock) as running:
        yield running


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def oauth_client(url: str, subject: str) -> tuple[OAuthClientProvider, MemoryStorage, Browser]:
    browser = Browser(subject)
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(client_name="kinsta-mcp tests", redirect_uris=[AnyUrl(REDIRECT_URI)]),
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )
    return provider, storage, browser


async def post_initialize(s: Served, token: str | None) -> httpx2.Response:
    headers = {**MCP_HEADERS, **({"Authorization": f"Bearer {token}"} if token else {})}
    async with httpx2.AsyncClient() as http:
        return await http.post(s.url, json=INITIALIZE, headers=headers)


async def open_session(s: Served, token: str) -> str:
    """A 2025-11-25 session opened (initialize, initialized) with `token`; its id."""
    response = await post_initialize(s, token)
    assert response.status_code == 200, response.text
    session = response.headers["mcp-session-id"]
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}", "Mcp-Session-Id": session}
    headers["Mcp-Protocol-Version"] = "2025-11-25"
    async with httpx2.AsyncClient() as http:
        sent = await http.post(s.url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
    assert sent.status_code == 202
    return session


async def call_list_sites(s: Served, token: str, session: str) -> httpx2.Response:
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}", "Mcp-Session-Id": session}
    headers["Mcp-Protocol-Version"] = "2025-11-25"
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_sites", "arguments": {}}}
    async with httpx2.AsyncClient(timeout=30) as http:
        response = await http.post(s.url, json=call, headers=headers)
        await response.aread()
        return response


# ---------------------------------------------------------------------------- end to end


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_sdk_oauth_client_signs_in_and_uses_the_tools(
    s: Served, issuer: AuthorizationServer, mode: str
) -> None:
    provider, storage, browser = oauth_client(s.url, "alice@agency.example")
    since = len(s.sim.requests)
    async with (
        httpx2.AsyncClient(auth=provider, timeout=30) as http,
        Client(streamable_http_client(s.url, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        tools = await client.list_tools()
        result = await client.call_tool("list_sites", {})
    assert "list_sites" in {t.name for t in tools.tools}
    assert not result.is_error, text_of(result)
    assert [r.path for r in s.sim.requests[since:]] == ["/sites"]
    # Registered dynamically, signed in on the issuer's own login form, PKCE, a JWT access token for this server.
    assert storage.client_info is not None and storage.client_info.client_id
    assert any(url.startswith(f"{issuer.issuer}/interaction/") for url in browser.visited)
    assert storage.tokens is not None and storage.tokens.access_token.count(".") == 2
    assert "kinsta" in (storage.tokens.scope or "").split()


# ---------------------------------------------------------------------------- refusals


async def test_no_token_gets_401_with_the_resource_metadata(s: Served, issuer: AuthorizationServer) -> None:
    response = await post_initialize(s, None)
    assert response.status_code == 401
    metadata_url = f"{s.origin}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{metadata_url}"' in response.headers["www-authenticate"]
    async with httpx2.AsyncClient() as http:
        for url in (metadata_url, f"{s.origin}/.well-known/oauth-protected-resource"):
            metadata = (await http.get(url)).json()
            assert metadata["resource"] == s.url
            assert metadata["authorization_servers"] == [issuer.issuer]
            assert metadata["scopes_supported"] == ["kinsta"]


@pytest.mark.parametrize(
    ("case", "status"),
    [("another audience", 401), ("expired", 401), ("another issuer", 401), ("garbage", 401), ("no scope", 403)],
)
async def test_tokens_this_server_must_not_accept_are_refused_and_nothing_is_sent(
    s: Served, issuer: AuthorizationServer, other_issuer: AuthorizationServer, case: str, status: int
) -> None:
    token = {
        "another audience": lambda: issuer.mint("minting-client", "https://other.example/mcp"),
        "expired": lambda: issuer.mint("expired-client", s.url),
        "another issuer": lambda: other_issuer.mint("minting-client", s.url),
        "garbage": lambda: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
        "no scope": lambda: issuer.mint("minting-client", s.url, scope="other"),
    }[case]()
    good = issuer.mint("minting-client", s.url)
    session = await open_session(s, good)
    since = len(s.sim.requests)
    response = await post_initialize(s, token)
    assert response.status_code == status, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and "resource_metadata=" in challenge
    if status == 403:
        assert 'error="insufficient_scope"' in challenge
    # Nor can it call a tool on a session a good token opened; the same call with the good token is sent.
    assert (await call_list_sites(s, token, session)).status_code == status
    assert s.sim.requests[since:] == []
    assert (await call_list_sites(s, good, session)).status_code == 200
    assert [r.path for r in s.sim.requests[since:]] == ["/sites"]


async def test_a_minted_token_for_this_server_is_accepted_and_static_tokens_still_are(
    s: Served, issuer: AuthorizationServer
) -> None:
    since = len(s.sim.requests)
    for token in (issuer.mint("minting-client", s.url), ANY_TOKEN):
        async with s.client("auto", token) as client:
            assert not (await client.call_tool("list_sites", {})).is_error
    assert [r.path for r in s.sim.requests[since:]] == ["/sites", "/sites"]


async def test_opaque_tokens_are_judged_by_introspection(s: Served, issuer: AuthorizationServer) -> None:
    opaque = issuer.mint("opaque-client", s.url)
    assert opaque.count(".") != 2
    assert (await post_initialize(s, opaque)).status_code == 200
    assert (await post_initialize(s, issuer.mint("opaque-client", "https://other.example/mcp"))).status_code == 401
    assert (await post_initialize(s, issuer.mint("opaque-client", s.url, scope="other"))).status_code == 403


async def test_without_introspection_credentials_opaque_tokens_are_refused(issuer: AuthorizationServer) -> None:
    settings = oauth_settings(issuer, 8000, oauth_client_id=None, oauth_client_secret=None)
    authenticator = Authenticator(settings)
    opaque = issuer.mint("opaque-client", settings.oauth_audience or "")
    assert (await authenticator.judge(opaque)).token is None
    jwt_token = issuer.mint("minting-client", settings.oauth_audience or "")
    assert (await authenticator.judge(jwt_token)).token is not None


# ---------------------------------------------------------------------------- keys and the issuer's availability


async def test_rotated_keys_are_fetched_once_and_unknown_kids_cannot_flood_the_issuer() -> None:
    import base64
    import json

    with authorization_server() as first:
        port = first.port
        settings = oauth_settings(first, 8000)
        now = [0.0]
        verifier = OAuthVerifier(settings, clock=lambda: now[0])
        audience = settings.oauth_audience or ""
        assert await verifier.verify(first.mint("minting-client", audience)) is not None
        assert verifier.jwks_fetches == 1

        def forged(kid: str) -> str:
            header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": kid}).encode()).rstrip(b"=")
            return f"{header.decode()}.eyJzdWIiOiJ4In0.c2ln"

        for i in range(50):  # made-up kids: one refetch at most per JWKS_REFETCH_SECONDS
            assert await verifier.verify(forged(f"made-up-{i}")) is None
        assert verifier.jwks_fetches == 1  # the set was fetched less than the limit ago
        now[0] += JWKS_REFETCH_SECONDS
        for i in range(50):
            assert await verifier.verify(forged(f"again-{i}")) is None
        assert verifier.jwks_fetches == 2
    # The issuer restarts with new keys (same address): a token signed with one is accepted after one refetch.
    with authorization_server(port=port) as rotated:
        now[0] += JWKS_REFETCH_SECONDS
        token = rotated.mint("minting-client", audience)
        assert await verifier.verify(token) is not None
        assert verifier.jwks_fetches == 3
    # The issuer is gone when the held keys come of age: they are still used, the refetch tried later.
    now[0] += JWKS_MAX_AGE + 1
    assert await verifier.verify(token) is not None
    assert verifier.jwks_fetches == 4


async def test_an_unreachable_issuer_gets_503_not_401(issuer: AuthorizationServer) -> None:
    from oauth_world import free_port

    sock = loopback_socket()
    gone = AuthorizationServer(f"http://127.0.0.1:{free_port()}", 0, issuer.process)
    settings = oauth_settings(gone, sock.getsockname()[1])
    token = issuer.mint("minting-client", settings.oauth_audience or "")
    async with served(settings, sock=sock) as down:
        since = len(down.sim.requests)
        response = await post_initialize(down, token)
        assert response.status_code == 503 and "could not be discovered" in response.json()["error_description"]
        assert (await post_initialize(down, ANY_TOKEN)).status_code == 200  # static tokens need no issuer
        assert down.sim.requests[since:] == []
