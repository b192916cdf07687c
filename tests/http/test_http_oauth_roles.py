"""The role map, exercised: docs/deployment.md's worked example is loaded as it is written and served
against a real authorization server (oidc-provider); each member signs in with the SDK's OAuth client
(authorization code with PKCE) and is held to their role: companies, toolsets, read-only, through tools,
resources, completions and prompts, with nothing sent to Kinsta for what they may not do."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from harness import text_of
from http_world import BETA_API_KEY, BETA_COMPANY_ID, INITIALIZE, MCP_HEADERS, Served, served
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata
from mcp_types import ResourceTemplateReference
from oauth_world import REDIRECT_URI, AuthorizationServer, Browser, authorization_server
from pydantic import AnyUrl
from test_http_oauth import MemoryStorage

from kinsta_mcp.config import Settings, load_settings
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.auth import role_view
from kinsta_mcp.server.http import loopback_socket
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID

pytestmark = pytest.mark.anyio
DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
GROUPS = {"sam@agency.example": ["support"], "olga@agency.example": ["ops"], "owner@acme.example": ["clients"]}
# The clients' company is the simulator's seeded one (sites to see); the agency's is the second one.
CLIENTS, AGENCY = DEMO_COMPANY_ID, BETA_COMPANY_ID
ENV = {
    "AGENCY_KINSTA_API_KEY": BETA_API_KEY,
    "AGENCY_KINSTA_COMPANY_ID": AGENCY,
    "CLIENTS_KINSTA_API_KEY": DEMO_API_KEY,
    "CLIENTS_KINSTA_COMPANY_ID": CLIENTS,
}


def worked_example() -> dict[str, Any]:
    """The config file of deployment.md's worked example, exactly as the page shows it."""
    page = DEPLOYMENT.read_text(encoding="utf-8")
    found = re.search(r"<!-- worked-example:[^>]*-->\s*```json\n(.*?)```", page, re.S)
    assert found, "docs/deployment.md has no worked example"
    return dict(json.loads(found.group(1)))


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def issuer() -> Iterator[AuthorizationServer]:
    with authorization_server(GROUPS) as running:
        yield running


@pytest.fixture(scope="module")
def audit_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


def example_settings(tmp: Path, issuer: str, port: int, audit: Path) -> Settings:
    path = tmp / "config.json"
    path.write_text(json.dumps(worked_example()), encoding="utf-8")
    # Only where the servers are differs from the page (flags win over the file).
    flags = {"oauth_issuer": issuer, "oauth_audience": f"http://127.0.0.1:{port}/mcp", "audit_log": str(audit)}
    return load_settings(flags, ENV, str(path))


@pytest.fixture(scope="module")
async def s(
    issuer: AuthorizationServer, audit_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    sock = loopback_socket()
    settings = example_settings(tmp_path_factory.mktemp("config"), issuer.issuer, sock.getsockname()[1], audit_path)
    async with served(settings, sock=sock, audit=AuditLog(settings.audit_log)) as running:
        yield running


@asynccontextmanager
async def member(s: Served, subject: str, mode: str = "auto") -> AsyncIterator[Client]:
    """`subject` signed in through the SDK's OAuth client (registration, login, PKCE, token exchange)."""
    browser = Browser(subject)
    provider = OAuthClientProvider(
        server_url=s.url,
        client_metadata=OAuthClientMetadata(client_name=f"{subject}'s client", redirect_uris=[AnyUrl(REDIRECT_URI)]),
        storage=MemoryStorage(),
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )
    async with (
        httpx2.AsyncClient(auth=provider, timeout=30) as http,
        Client(streamable_http_client(s.url, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client


def companies(s: Served, since: int) -> set[str]:
    """Every company a request since `since` was for: named in its query or body, or owning an id it names."""
    state = s.sim.state
    found: set[str] = set()
    for r in s.sim.requests[since:]:
        body = r.body if isinstance(r.body, dict) else {}
        named = dict(r.query).get("company") or body.get("company")
        ids = [*r.path.split("/"), *(str(v) for v in body.values())]
        for i in ids:
            if i in state.environments:
                named = named or state.sites[state.environments[i].site_id].company_id
            elif i in state.sites:
                named = named or state.sites[i].company_id
        found.add(str(named))
    return found


def test_the_worked_example_is_a_valid_configuration(tmp_path: Path) -> None:
    settings = example_settings(tmp_path, "https://login.example.com", 8000, tmp_path / "audit.jsonl")
    assert [r.name for r in settings.roles] == ["acme-owner", "support", "ops"]
    assert set(settings.profiles) == {"agency", "clients"}


async def test_the_client_owner_reads_its_own_company_only(s: Served) -> None:
    since = len(s.sim.requests)
    async with member(s, "owner@acme.example") as c:
        listed = (await c.list_tools()).tools
        sites = await c.call_tool("list_sites", {})
        other = await c.call_tool("list_sites", {"company": "agency"})
        resource = await c.read_resource("kinsta://sites")
        completion = await c.complete(
            ResourceTemplateReference(type="ref/resource", uri="kinsta://sites/{site_id}"),
            {"name": "site_id", "value": ""},
        )
        prompts = (await c.list_prompts()).prompts
    role = s.settings.roles[0]
    assert {t.name for t in listed} == role_view(s.settings, role.toolsets, role.read_only)
    assert listed and all(t.annotations and t.annotations.read_only_hint for t in listed)
    assert not sites.is_error, text_of(sites)
    assert other.is_error and "'agency'" in text_of(other)
    assert resource.contents
    own_sites = {site.id for site in s.sim.state.sites.values() if site.company_id == CLIENTS}
    assert completion.completion.values and set(completion.completion.values) <= own_sites
    assert all("delete" not in p.name for p in prompts)
    assert companies(s, since) == {CLIENTS}  # nothing at all for the agency's company


async def test_support_reads_both_companies_and_can_change_nothing(s: Served) -> None:
    since = len(s.sim.requests)
    async with member(s, "sam@agency.example", mode="legacy") as c:
        listed = {t.name for t in (await c.list_tools()).tools}
        default = await c.call_tool("list_sites", {})
        named = await c.call_tool("list_sites", {"company": "clients"})
        write = await c.call_tool("clear_cache", {"env_id": "env-1", "cache": "site"})
    assert "clear_cache" not in listed and "list_sites" in listed
    assert not default.is_error and not named.is_error
    assert write.is_error and "not available" in text_of(write)
    assert [r.method for r in s.sim.requests[since:]] == ["GET", "GET"]
    assert companies(s, since) == {AGENCY, CLIENTS}


async def test_ops_may_write_and_the_audit_names_the_member_and_the_oauth_client(s: Served, audit_path: Path) -> None:
    async with member(s, "olga@agency.example") as c:
        assert "clear_cache" in {t.name for t in (await c.list_tools()).tools}
        envs = s.sim.state.environments
        env_id = next(e.id for e in envs.values() if s.sim.state.sites[e.site_id].company_id == CLIENTS)
        result = await c.call_tool("clear_cache", {"env_id": env_id, "cache": "site", "company": "clients"})
    assert not result.is_error, text_of(result)
    records = [json.loads(line) for line in audit_path.read_text(encoding="utf-8").splitlines()]
    mine = [r for r in records if r.get("principal") == "oauth:olga@agency.example"]
    assert mine and mine[0]["oauth_client"] and mine[0]["role"] == "ops"


async def test_someone_no_role_applies_to_is_refused(s: Served, issuer: AuthorizationServer) -> None:
    since = len(s.sim.requests)
    token = issuer.mint("minting-client", s.url)  # valid, but its subject is a machine no role names
    async with httpx2.AsyncClient() as http:
        response = await http.post(s.url, json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["error"] == "access_denied"
    assert s.sim.requests[since:] == []
