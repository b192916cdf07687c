"""Who may use the HTTP endpoint: bearer tokens, token-bound profiles, Host/Origin checks, /healthz,
and the refusal to serve beyond loopback without a token."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from harness import text_of
from http_world import (
    ANY_TOKEN,
    BETA_COMPANY_ID,
    BETA_TOKEN,
    INITIALIZE,
    MCP_HEADERS,
    Served,
    served,
    two_company_settings,
)

from kinsta_mcp import __version__, cli
from kinsta_mcp.config import ConfigError
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.auth import StaticTokenVerifier, check_http_settings
from kinsta_mcp.server.http import build_http_app, security_for
from kinsta_mcp.simulator import DEMO_COMPANY_ID

pytestmark = pytest.mark.anyio
TOKENS: dict[str, str | None] = {ANY_TOKEN: None, BETA_TOKEN: "beta"}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def s() -> AsyncIterator[Served]:
    async with served(two_company_settings(http_tokens=TOKENS)) as running:
        yield running


async def post_initialize(s: Served, **headers: str) -> httpx2.Response:
    async with httpx2.AsyncClient() as http:
        return await http.post(s.url, json=INITIALIZE, headers={**MCP_HEADERS, **headers})


def companies_asked_for(s: Served, since: int) -> list[str]:
    return [value for r in s.sim.requests[since:] if r.path == "/sites" for key, value in r.query if key == "company"]


# ---------------------------------------------------------------------------- 401


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-configured-token", f"Basic {ANY_TOKEN}"])
async def test_without_a_valid_token_401_with_www_authenticate(s: Served, authorization: str | None) -> None:
    response = await post_initialize(s, **({"Authorization": authorization} if authorization else {}))
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    metadata_url = f"{s.origin}/.well-known/oauth-protected-resource/mcp"
    assert challenge.startswith("Bearer ") and f'resource_metadata="{metadata_url}"' in challenge
    async with httpx2.AsyncClient() as http:
        metadata = (await http.get(metadata_url)).json()
    assert metadata["resource"] == s.url  # the metadata points at this server
    assert ANY_TOKEN not in response.text and BETA_TOKEN not in response.text


async def test_a_valid_token_is_let_in(s: Served) -> None:
    response = await post_initialize(s, Authorization=f"Bearer {ANY_TOKEN}")
    assert response.status_code == 200


async def test_tokens_are_never_logged(s: Served, caplog: pytest.LogCaptureFixture, capfd: Any) -> None:
    caplog.set_level(logging.DEBUG)
    await post_initialize(s, Authorization="Bearer wrong-token-value-123")
    async with s.client("legacy", BETA_TOKEN) as c:
        await c.call_tool("list_sites", {"company": "alpha"})
    captured = capfd.readouterr()
    for text in (caplog.text, captured.err, captured.out):
        assert BETA_TOKEN not in text and "wrong-token-value-123" not in text


# ---------------------------------------------------------------------------- token-bound profiles


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_token_bound_to_a_profile_acts_for_that_company_only(s: Served, mode: str) -> None:
    since = len(s.sim.requests)
    async with s.client(mode, BETA_TOKEN) as c:
        result = await c.call_tool("list_sites", {})
        assert not result.is_error, text_of(result)
        assert companies_asked_for(s, since) == [BETA_COMPANY_ID]
        other = await c.call_tool("list_sites", {"company": "alpha"})
        assert other.is_error and "bound to profile 'beta'" in text_of(other)
        assert companies_asked_for(s, since) == [BETA_COMPANY_ID]  # nothing sent for alpha
        named = await c.call_tool("list_sites", {"company": "beta"})
        assert not named.is_error
        waiting = await c.call_tool("wait_for_operation", {"operation_id": "op-1", "company": "alpha"})
        assert waiting.is_error and "bound to profile 'beta'" in text_of(waiting)
    assert companies_asked_for(s, since) == [BETA_COMPANY_ID, BETA_COMPANY_ID]


async def test_resources_and_the_overview_follow_the_token_bound_profile(s: Served) -> None:
    since = len(s.sim.requests)
    async with s.client("auto", BETA_TOKEN) as c:
        await c.read_resource("kinsta://sites")
        overview = await c.call_tool("get_company_overview", {})
    assert not overview.is_error, text_of(overview)
    asked = companies_asked_for(s, since)
    assert asked and set(asked) == {BETA_COMPANY_ID}


async def test_an_unbound_token_uses_the_default_profile_or_the_one_named(s: Served) -> None:
    since = len(s.sim.requests)
    async with s.client("legacy", ANY_TOKEN) as c:
        assert not (await c.call_tool("list_sites", {})).is_error
        assert not (await c.call_tool("list_sites", {"company": "beta"})).is_error
    assert companies_asked_for(s, since) == [DEMO_COMPANY_ID, BETA_COMPANY_ID]


async def test_a_guarded_call_with_a_bound_token_refuses_another_company_before_asking(s: Served) -> None:
    prompts: list[str] = []

    async def callback(ctx: Any, params: Any) -> Any:
        prompts.append(params.message)
        raise AssertionError("must not be asked")

    since = len(s.sim.requests)
    async with s.client("legacy", BETA_TOKEN, callback) as c:
        result = await c.call_tool("get_phpmyadmin_link", {"env_id": "env-1", "company": "alpha"})
    assert result.is_error and "bound to profile 'beta'" in text_of(result)
    assert prompts == [] and s.sim.requests[since:] == []


def test_the_verifier_names_tokens_by_position_not_value() -> None:
    import anyio

    verifier = StaticTokenVerifier(TOKENS)
    accepted = anyio.run(verifier.verify_token, BETA_TOKEN)
    assert accepted is not None and accepted.client_id == "token-2" and accepted.profile == "beta"  # type: ignore[attr-defined]
    assert anyio.run(verifier.verify_token, BETA_TOKEN[:-1]) is None
    assert anyio.run(verifier.verify_token, BETA_TOKEN + "x") is None
    assert anyio.run(verifier.verify_token, "") is None


# ---------------------------------------------------------------------------- DNS rebinding


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Host": "evil.example"}, 421),
        ({"Host": "evil.example:8000"}, 421),
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": "http://127.0.0.1.evil.example:80"}, 403),
    ],
)
async def test_foreign_host_or_origin_is_refused(s: Served, headers: dict[str, str], status: int) -> None:
    response = await post_initialize(s, Authorization=f"Bearer {ANY_TOKEN}", **headers)
    assert response.status_code == status


async def test_a_loopback_origin_is_accepted(s: Served) -> None:
    port = s.settings.port
    response = await post_initialize(s, Authorization=f"Bearer {ANY_TOKEN}", Origin=f"http://localhost:{port}")
    assert response.status_code == 200


def test_allow_lists_for_each_kind_of_bind() -> None:
    wildcard = security_for("0.0.0.0", 8000)
    assert wildcard.enable_dns_rebinding_protection
    assert not any("0.0.0.0" in h for h in wildcard.allowed_hosts)  # loopback names only
    specific = security_for("10.1.2.3", 8000)
    assert specific.enable_dns_rebinding_protection
    assert "10.1.2.3:8000" in specific.allowed_hosts and "http://10.1.2.3:8000" in specific.allowed_origins
    assert "10.1.2.4:8000" not in specific.allowed_hosts
    ipv6 = security_for("fd00::5", 8000)
    assert "[fd00::5]:8000" in ipv6.allowed_hosts


# ---------------------------------------------------------------------------- health


async def test_healthz_answers_without_auth_and_reveals_nothing(s: Served) -> None:
    async with httpx2.AsyncClient() as http:
        response = await http.get(f"{s.origin}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


# ---------------------------------------------------------------------------- refusing to start


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.lan"])
def test_beyond_loopback_without_a_token_the_server_refuses_to_start(host: str) -> None:
    settings = two_company_settings(host=host)
    with pytest.raises(ConfigError, match="needs bearer tokens"):
        check_http_settings(settings)
    with pytest.raises(ConfigError):
        build_http_app(object(), settings)  # type: ignore[arg-type]  # refused before the server is touched
    check_http_settings(two_company_settings(host=host, http_tokens={ANY_TOKEN: None}))
    check_http_settings(two_company_settings(host=host, transport="stdio"))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_on_loopback_a_token_is_optional(host: str) -> None:
    check_http_settings(two_company_settings(host=host))


def test_the_command_line_refusal_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in __import__("os").environ if n.startswith("KINSTA_")]:
        monkeypatch.delenv(name)
    status = cli.main(["--demo", "--transport", "http", "--host", "0.0.0.0", "--audit-log", "off"])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "needs bearer tokens" in err and "KINSTA_MCP_HTTP_TOKENS" in err


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_refusal_is_audited_for_the_company_the_call_named(tmp_path: Any, mode: str) -> None:
    """An unbound token names a company other than the default; the human cannot be asked (no form): refused,
    nothing sent, and the audit's record names the company the call named, not the default one."""
    audit = tmp_path / "audit.jsonl"
    settings = two_company_settings(audit_log=str(audit), default_profile="beta")
    async with served(settings, audit=AuditLog(audit)) as running:
        site_id = next(s.id for s in running.sim.state.sites.values() if s.company_id == DEMO_COMPANY_ID)
        since = len(running.sim.requests)
        async with running.client(mode, ANY_TOKEN) as c:
            result = await c.call_tool("delete_site", {"site_id": site_id, "company": "alpha"})
        sent = [r.method for r in running.sim.requests[since:]]
    assert result.is_error and "DELETE" not in sent, text_of(result)
    records = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert [r["profile"] for r in records if r["phase"] == "refused"] == ["alpha"], records
