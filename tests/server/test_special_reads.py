"""Issue 20: a special tool's requests to Kinsta run through the call's core, not beside it.

The overview, `find`, a batch's plan and a resource read Kinsta through `Core.read`: the caller's scope decides
which company may be read (a scope bound to one profile reads no other, nothing is sent), the guard's
view of the call applies (a read that reveals a secret is not run there), and the shared read cache
answers repeats. Through a real MCP client, every request those tools send is one of the calling
scope's core reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from harness import MODES, World, client, text_of, world
from pydantic import SecretStr

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.config import Profile
from kinsta_mcp.server.arguments import ArgumentError
from kinsta_mcp.server.compiled import FIND_TOOL_NAME, OVERVIEW_TOOL_NAME
from kinsta_mcp.server.find import FindError, find
from kinsta_mcp.server.fleet.plan import BatchIn, build_plan
from kinsta_mcp.server.overview import company_overview
from kinsta_mcp.server.pipeline import Core
from kinsta_mcp.server.reads import ReadRefused
from kinsta_mcp.server.scope import RequestScope, ScopeError
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, KeyInfo
from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.simulator.seed import fixed_id, new_environment
from kinsta_mcp.simulator.world import Site

pytestmark = pytest.mark.anyio

BETA_KEY = "kinsta-beta-key-for-special-reads"
BETA_COMPANY_ID = "beta-company-0000-0000-000000000002"
BETA_SITE_ID = fixed_id("site:beta-bakery")


class Call:
    """A call's MCP side with nobody to ask (as a job's): only its scope matters here."""

    can_elicit = False
    asks_in_rounds = False

    def __init__(self, scope: RequestScope) -> None:
        self.scope = scope

    async def elicit(self, message: str, schema: dict[str, Any]) -> Any:
        raise AssertionError("nobody is asked for a read")

    def round_answer(self) -> tuple[str | None, Any]:
        return None, None

    async def progress(self, done: float, total: float | None, message: str) -> None:
        return None

    async def resources_changed(self, uris: list[str]) -> None:
        return None


@asynccontextmanager
async def two_companies() -> AsyncIterator[World]:
    """The demo company (profile "demo", the default) and a second one, "beta", with one site."""
    keys = {DEMO_API_KEY: KeyInfo(DEMO_COMPANY_ID), BETA_KEY: KeyInfo(BETA_COMPANY_ID)}
    profiles = {
        "demo": Profile(name="demo", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID),
        "beta": Profile(name="beta", api_key=SecretStr(BETA_KEY), company_id=BETA_COMPANY_ID),
    }
    async with world(sim_options={"api_keys": keys}, profiles=profiles) as w:
        site = Site(BETA_SITE_ID, "beta-bakery", "Beta Bakery", BETA_COMPANY_ID, "us-central1", usr="betabakery")
        w.sim.state.sites[site.id] = site
        live = fixed_id("env:beta-bakery:live")
        new_environment(w.sim.state, site, env_id=live, name="live", display_name="Live", domain_name="beta.example")
        yield w


def core_for(w: World, bound: str | None) -> Core:
    scope = RequestScope.of(w.settings, principal="tester", bound_profile=bound, connection="c1")
    return Core(w.server.app.backend, Call(scope), answers=False)  # as a job's core: no call waits on it


async def test_a_core_bound_to_one_company_reads_no_other_for_the_overview_find_or_a_batch_plan() -> None:
    async with two_companies() as w:
        beta_core, demo = core_for(w, "beta"), w.settings.profile("demo")
        with pytest.raises(ScopeError, match="bound to profile 'beta'"):
            await company_overview(beta_core, demo)
        with pytest.raises(FindError, match="site list could not be read"):
            await find(beta_core, demo, "acme", None)
        visible = w.server.app.selection.visible
        with pytest.raises(ArgumentError, match="could not list the company's sites"):
            await build_plan(BatchIn.model_validate({"operation": "restart_php", "environments": "live"}),
                             beta_core, demo, visible)  # fmt: skip
        assert w.sim.requests == [], "nothing was sent for a company outside the scope"
        own = await company_overview(beta_core, w.settings.profile("beta"))
        unbound = await company_overview(core_for(w, None), demo)  # an unbound scope may name any profile
    assert [s.name for s in own.sites] == ["Beta Bakery"]
    assert ids.ACME_SITE_ID in {s.id for s in unbound.sites} and BETA_SITE_ID not in {s.id for s in unbound.sites}


async def test_a_read_that_needs_the_human_is_not_run_for_a_special_tool_and_repeats_are_cached() -> None:
    async with world() as w:
        core, demo = core_for(w, None), w.settings.profile(None)
        with pytest.raises(ReadRefused, match="nothing was sent"):
            await core.read(BY_NAME["get_backup_download_links"], {"env_id": ids.ACME_LIVE_ENV_ID}, demo)
        with pytest.raises(ReadRefused):
            await core.read(BY_NAME["restart_php"], {"env_id": ids.ACME_LIVE_ENV_ID}, demo)
        assert w.sim.requests == []
        first = await core.read(BY_NAME["list_sites"], {"include_environments": True}, demo)
        again = await core_for(w, None).read(BY_NAME["list_sites"], {"include_environments": True}, demo)
    assert again == first and len(w.sim.requests) == 1, "the second core's read came from the shared cache"


@pytest.mark.parametrize("mode", MODES)
async def test_every_request_the_special_tools_send_is_a_read_of_the_callers_core(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Core.read is wrapped to note who read what; the tools run through a real MCP client."""
    seen: list[tuple[str, str, str]] = []  # (principal, profile, operation) per read through a core
    real = Core.read

    async def noting(self: Core, op: Any, args: Any, profile: Profile) -> Any:
        seen.append((self.scope.principal, profile.name, op.name))
        return await real(self, op, args, profile)

    monkeypatch.setattr(Core, "read", noting)
    calls = [
        (OVERVIEW_TOOL_NAME, {}, {"list_sites", "list_company_plugins", "list_company_themes"}),
        (FIND_TOOL_NAME, {"query": "acme"}, {"list_sites", "list_dns_domains"}),
        ("run_batch", {"operation": "restart_php", "environments": "live"}, {"list_sites"}),  # dry runs: plans
        ("run_batch", {"preset": "update_plugin", "plugin": "akismet"}, {"list_sites", "list_company_plugins"}),
    ]
    async with world() as w, client(w.server, mode) as c:
        for tool, arguments, wanted in calls:
            sent_before, read_before = len(w.sim.requests), len(seen)
            result = await c.call_tool(tool, arguments)
            assert not result.is_error, text_of(result)
            sent = [r.path for r in w.sim.requests[sent_before:]]
            reads = seen[read_before:]
            assert {(who, profile) for who, profile, _ in reads} == {("local", "demo")}, (tool, reads)
            assert {op for *_, op in reads} == wanted, (tool, reads)
            assert len(sent) <= len(reads), (tool, sent, reads)  # each request was a core read (or cached)
        read_before = len(seen)
        resource = await c.read_resource(f"kinsta://sites/{ids.ACME_SITE_ID}")
        assert "Acme" in getattr(resource.contents[0], "text", "")
        assert seen[read_before:] == [("local", "demo", "get_site")]  # a resource read goes through the core too
    # The overview's 5, find's DNS zones, the plugin search, the site; the rest came from the shared cache.
    assert len(w.sim.requests) == 8, [r.path for r in w.sim.requests]
