"""The company overview at agency scale, through a real MCP client on the simulator (virtual clock).

A whole-company read costs a constant number of Kinsta requests (the site list and the company-wide
plugin and theme lists, plus direct reads only of environments whose names are shared), answers
within the result budget in both channels, leads with what needs attention, pages and filters, and
its totals are the simulator's truth.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from harness import MODES, World, client, text_of, world
from openapi import contract

from kinsta_mcp.server.budget import json_size
from kinsta_mcp.server.compiled import OVERVIEW_TOOL_NAME
from kinsta_mcp.server.inventory import version_key
from kinsta_mcp.server.overview import OVERVIEW_URI
from kinsta_mcp.simulator import Fault
from kinsta_mcp.simulator.seed_scale import scale_site_id

pytestmark = pytest.mark.anyio

TOOL = OVERVIEW_TOOL_NAME


def truth(w: World) -> dict[str, Any]:
    """What the simulator holds: per environment, pending updates and vulnerable installs."""
    envs: dict[str, dict[str, list[str]]] = {}
    attention: set[str] = set()
    for site in w.sim.state.sites.values():
        for env in w.sim.state.envs_of(site):
            envs[env.id] = {
                "plugins": sorted(p.name for p in env.plugins if p.update_version),
                "themes": sorted(t.name for t in env.themes if t.update_version),
                "vulnerable": sorted(c.name for c in [*env.plugins, *env.themes] if c.vulnerable),
            }
            if any(envs[env.id].values()):
                attention.add(site.id)
    return {
        "envs": envs,
        "attention": attention,
        "sites": len(w.sim.state.sites),
        "environments": len(envs),
        "plugin_updates": sum(len(e["plugins"]) for e in envs.values()),
        "theme_updates": sum(len(e["themes"]) for e in envs.values()),
        "vulnerable": sum(len(e["vulnerable"]) for e in envs.values()),
    }


def within_budget(w: World, result: Any) -> None:
    budget = w.settings.result_budget
    assert len(text_of(result).encode()) <= budget
    assert json_size(result.structured_content) <= budget


def check_sites(data: dict[str, Any], want: dict[str, Any]) -> None:
    """Every environment shown says what the simulator holds for it."""
    for site in data["sites"]:
        for env in site["environments"]:
            expected = want["envs"][env["id"]]
            assert sorted(u["name"] for u in env["plugin_updates"]) == expected["plugins"], (site["name"], env)
            assert sorted(u["name"] for u in env["theme_updates"]) == expected["themes"]
            assert sorted(u["name"] for u in env["vulnerable"]) == expected["vulnerable"]
        assert site["needs_attention"] == (site["id"] in want["attention"])


async def all_pages(w: World, c: Any, **args: Any) -> list[dict[str, Any]]:
    """Every page of the overview for `args`, each checked against the budget."""
    pages: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        result = await c.call_tool(TOOL, {**args, "offset": offset})
        assert not result.is_error, text_of(result)
        within_budget(w, result)
        data = result.structured_content
        pages.append(data)
        offset = data.get("next_offset")
        if offset is not None:
            assert f"offset={offset}" in text_of(result) and f"offset={offset}" in data["more"]
        assert len(pages) < 200
    return pages


async def test_at_500_sites_with_kinstas_limits_the_overview_costs_at_most_10_requests() -> None:
    async with world(sim_options={"extra_sites": 500, "rate_limits": True}) as w, client(w.server, "legacy") as c:
        started = w.sim.clock.time()
        result = await c.call_tool(TOOL, {})
        elapsed = w.sim.clock.time() - started
    assert not result.is_error, text_of(result)
    statuses = [r.status for r in w.sim.requests]
    assert len(statuses) <= 10 and 429 not in statuses, [(r.method, r.path) for r in w.sim.requests]
    assert elapsed <= 10.0
    within_budget(w, result)
    data, want = result.structured_content, truth(w)
    assert (data["sites_total"], data["environments_total"]) == (want["sites"], want["environments"]) == (503, 908)
    assert data["pending_plugin_updates"] == want["plugin_updates"]
    assert data["pending_theme_updates"] == want["theme_updates"]
    assert data["vulnerable_installs"] == want["vulnerable"]
    assert data["sites_needing_attention"] == len(want["attention"])
    check_sites(data, want)
    text = text_of(result)
    assert f"{want['plugin_updates']} plugin and {want['theme_updates']} theme updates pending" in text
    assert "offset=" in text and data["next_offset"] == len(data["sites"])


async def test_every_request_is_one_kinstas_documents_allow() -> None:
    """The company lists paged (offset, limit, column, search) and the direct reads, judged by base + additions."""
    async with world(sim_options={"extra_sites": 20}) as w, client(w.server, "auto") as c:
        await c.call_tool(TOOL, {})
        await c.call_tool(TOOL, {"plugin": "akismet", "below": "5.3.5"})
    paths = {r.path.split("/")[-1] for r in w.sim.requests}
    assert {"sites", "wp-plugins", "wp-themes", "plugins", "themes"} <= paths
    assert any(("search", "akismet") in r.query for r in w.sim.requests)
    for request in w.sim.requests:
        assert contract().check_request(request.method, request.path, request.query, request.body)[1] == []


@pytest.mark.parametrize("mode", MODES)
async def test_pages_cover_every_site_once_attention_first_and_repeat_from_the_cache(mode: str) -> None:
    async with world(sim_options={"extra_sites": 60}, result_budget=8000) as w, client(w.server, mode) as c:
        pages = await all_pages(w, c)
        requests = len(w.sim.requests)
        again = await all_pages(w, c)
    assert len(pages) > 2 and len(w.sim.requests) == requests, "the pages after the first read from the cache"
    assert [p["sites"] for p in again] == [p["sites"] for p in pages]
    sites = [s for p in pages for s in p["sites"]]
    want = truth(w)
    assert sorted(s["id"] for s in sites) == sorted(w.sim.state.sites), "every site exactly once"
    flags = [s["needs_attention"] for s in sites]
    assert flags == sorted(flags, reverse=True), "sites needing attention first"
    for page in pages:
        check_sites(page, want)


async def test_filters_attention_only_site_and_plugin_below_a_version() -> None:
    async with world(sim_options={"extra_sites": 40}) as w, client(w.server, "auto") as c:
        want = truth(w)
        attention = [s for p in await all_pages(w, c, attention_only=True) for s in p["sites"]]
        assert {s["id"] for s in attention} == want["attention"]
        named = [s for p in await all_pages(w, c, site="client site 01") for s in p["sites"]]
        assert sorted(s["name"] for s in named) == [f"Client Site {n:03d}" for n in range(10, 20)]
        by_id = [s for p in await all_pages(w, c, site=scale_site_id(7)) for s in p["sites"]]
        assert [s["id"] for s in by_id] == [scale_site_id(7)]
        pages = await all_pages(w, c, plugin="contact-form-7", below="6.0")
        text = text_of(await c.call_tool(TOOL, {"plugin": "contact-form-7", "below": "6.0"}))
    found = {e["id"]: e["installed"]["version"] for p in pages for s in p["sites"] for e in s["environments"]}
    expected = {
        env.id: p.version
        for env in w.sim.state.environments.values()
        for p in env.plugins
        if p.name == "contact-form-7" and version_key(p.version) < version_key("6.0")
    }
    assert found == expected and len(expected) > 3
    vulnerable = {
        e["id"] for p in pages for s in p["sites"] for e in s["environments"] if e["installed"].get("vulnerable")
    }
    assert vulnerable == {i for i, v in expected.items() if v == "5.8.3"}, "5.8.3 is the vulnerable one"
    assert 'below="6.0"' in text and 'plugin="contact-form-7"' in text


async def test_environments_sharing_names_are_read_directly_and_only_they() -> None:
    """Sites 1 and 2 share a display name and both have "Live": the lists cannot say whose is whose."""
    async with world(sim_options={"extra_sites": 30}) as w, client(w.server, "auto") as c:
        pages = await all_pages(w, c)
    shared = {e.id for n in (1, 2) for e in w.sim.state.envs_of(w.sim.state.sites[scale_site_id(n)]) if e.is_live}
    direct = {r.path.split("/")[3] for r in w.sim.requests if r.path.startswith("/sites/environments/")}
    assert direct == shared
    for page in pages:
        check_sites(page, truth(w))  # their updates are theirs, not each other's


async def test_freshness_is_stated_and_the_right_now_read_offered() -> None:
    async with world(sim_options={"extra_sites": 5}) as w, client(w.server, "auto") as c:
        result = await c.call_tool(TOOL, {})
    data, text = result.structured_content, text_of(result)
    assert data["lists_updated_at"]["plugins"].startswith("2026-") and data["lists_updated_at"]["themes"]
    assert data["lists_updated_at"]["plugins"] in text and "list_plugins_themes kind=plugin env_id=" in text


async def test_a_company_list_that_fails_is_reported_and_the_rest_answered() -> None:
    async with world(sim_options={"extra_sites": 5}) as w, client(w.server, "auto") as c:
        w.sim.faults.add(Fault(method="GET", path="/company/{id}/wp-themes", status=403, times=None))
        result = await c.call_tool(TOOL, {})
    data = result.structured_content
    assert not result.is_error
    assert any(e.startswith("theme updates and vulnerabilities could not be read") for e in data["errors"])
    envs = [e for s in data["sites"] for e in s["environments"]]
    assert all("theme_updates" not in e for e in envs), "unknown, not zero"
    assert data["pending_plugin_updates"] == truth(w)["plugin_updates"]
    assert "! theme updates" in text_of(result)


async def test_a_direct_read_that_fails_is_reported_on_its_site() -> None:
    async with world(sim_options={"extra_sites": 3}) as w, client(w.server, "auto") as c:
        w.sim.faults.add(Fault(method="GET", path="/sites/environments/{env_id}/plugins", status=403, times=1))
        result = await c.call_tool(TOOL, {})
    data = result.structured_content
    failed = [s for s in data["sites"] if s["errors"]]
    assert len(failed) == 1 and failed[0]["id"] in {scale_site_id(1), scale_site_id(2)}
    assert failed[0]["errors"][0].startswith('plugins of "Live"') and data["sites_with_errors"] == 1
    assert "could not read plugins of" in text_of(result)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"below": "6.0"}, "below"),
        ({"offset": -1}, "offset"),
        ({"plugin": "no spaces allowed"}, "plugin"),
        ({"attention_only": "yes"}, "attention_only"),
        ({"sites": "x"}, "sites"),
    ],
)
async def test_bad_arguments_are_refused_naming_the_argument_and_nothing_is_sent(
    arguments: dict[str, Any], named: str
) -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool(TOOL, arguments)
    assert result.is_error and named in text_of(result) and "nothing was sent" in text_of(result)
    assert not w.sim.requests


async def test_the_resource_is_the_first_page_within_the_budget() -> None:
    async with world(sim_options={"extra_sites": 100}) as w, client(w.server, "auto") as c:
        tool = await c.call_tool(TOOL, {})
        requests = len(w.sim.requests)
        resource = await c.read_resource(OVERVIEW_URI)
    text = getattr(resource.contents[0], "text", "")
    assert len(text.encode()) <= w.settings.result_budget
    assert json.loads(text) == tool.structured_content and "offset=" in json.loads(text)["more"]
    assert len(w.sim.requests) == requests


async def test_a_small_budget_still_holds_in_both_channels() -> None:
    async with world(sim_options={"extra_sites": 20}, result_budget=2000) as w, client(w.server, "auto") as c:
        pages = await all_pages(w, c)
    assert sum(len(p["sites"]) for p in pages) == len(w.sim.state.sites)


async def test_whole_company_resources_are_cut_to_the_budget_saying_where_the_rest_is() -> None:
    """kinsta://sites at 103 sites is 300 KB from Kinsta: the resource keeps what fits and says so."""
    async with world(sim_options={"extra_sites": 100}) as w, client(w.server, "auto") as c:
        small = await c.read_resource("kinsta://dns-domains")
        result = await c.read_resource("kinsta://sites")
    text = getattr(result.contents[0], "text", "")
    assert len(text.encode()) <= w.settings.result_budget
    data = json.loads(text)
    kept = data["company"]["sites"]
    assert 0 < len(kept) < len(w.sim.state.sites)
    cut = data["_truncated"][0]
    assert (cut["kept"], cut["of"]) == (len(kept), len(w.sim.state.sites)) and "list_sites" in cut["hint"]
    assert "_truncated" not in json.loads(getattr(small.contents[0], "text", ""))
