"""Agency scale: the simulator seeds N more sites, and its company-wide lists page as Kinsta's do and
agree, install by install, with what each environment reports itself.

Every request and answer is judged by the merged OpenAPI document (base + additions).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from test_sim_additions import judged

from kinsta_mcp.demo import DEMO_BASE_URL
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, SimClock, Simulator
from kinsta_mcp.simulator.handlers import inventory
from kinsta_mcp.simulator.handlers.inventory import PAGE_MAX
from kinsta_mcp.simulator.seed_scale import HOMOGLYPH_C, add_scale_sites, scale_site_id

pytestmark = pytest.mark.anyio

SITES = 40


@pytest.fixture
async def big() -> Any:
    sim = Simulator(clock=SimClock(), extra_sites=SITES, rate_limits=False)
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url, headers=headers) as http:
        yield sim, http


async def _company_list(http: httpx.AsyncClient, kind: str, page: int, **params: str) -> tuple[list[Any], int]:
    """Every item of a company list, read page by page; and the number of requests it took."""
    items: list[Any] = []
    requests = 0
    while True:
        template = f"/company/{{id}}/wp-{kind}s"
        r = await judged(
            http,
            "GET",
            template,
            f"/company/{DEMO_COMPANY_ID}/wp-{kind}s",
            params={**params, "offset": str(len(items)), "limit": str(page)},
        )
        requests += 1
        listing = r.json()["company"][f"{kind}s"]
        assert len(listing["items"]) <= page
        items += listing["items"]
        if not listing["items"] or len(items) >= listing["total"]:
            assert len(items) == listing["total"]
            return items, requests


def _installs_by_names(items: list[Any], kind: str) -> Counter[tuple[str, ...]]:
    """(site display name, environment display name, plugin, version, status, update) of every install."""
    return Counter(
        (e["site_display_name"], e["display_name"], i["name"], e[f"{kind}_version"], e[f"{kind}_status"],
         e[f"{kind}_update"])
        for i in items
        for e in i["environments"]
    )  # fmt: skip


async def test_extra_sites_are_listed_with_environments_and_varied_contents(big: Any) -> None:
    sim, http = big
    params = {"company": DEMO_COMPANY_ID, "include_environments": "true"}
    r = await judged(http, "GET", "/sites", "/sites", params=params)
    sites = r.json()["company"]["sites"]
    assert len(sites) == 3 + SITES
    names = Counter(s["display_name"] for s in sites)
    duplicate = sim.state.sites[scale_site_id(1)].display_name
    assert names[duplicate] == 2, "the second added site shares the first one's display name"
    assert names[HOMOGLYPH_C + duplicate[1:]] == 1, "the third is a homoglyph of it: a different name"
    assert len({s["name"] for s in sites}) == len(sites), "site names stay unique"
    envs = [e for site in sim.state.sites.values() for e in sim.state.envs_of(site)]
    plugins = [p for e in envs for p in e.plugins]
    assert any(p.update_version for p in plugins) and any(not p.update_version for p in plugins)
    assert any(p.vulnerable and p.update_version for p in plugins), "a vulnerable version an update fixes"
    assert len({e.php_version for e in envs}) > 2 and len({e.wordpress_version for e in envs}) > 2
    assert {e.name for e in envs} == {"live", "staging"} and len(envs) < 2 * (3 + SITES), "some have no staging"


def test_added_sites_do_not_depend_on_how_many_are_added() -> None:
    few, many = Simulator(extra_sites=5), Simulator(extra_sites=SITES)
    for n in range(1, 6):
        a, b = few.state.sites[scale_site_id(n)], many.state.sites[scale_site_id(n)]
        assert (a.display_name, a.region) == (b.display_name, b.region)
        assert [e.plugins for e in few.state.envs_of(a)] == [e.plugins for e in many.state.envs_of(b)]


def test_a_count_out_of_range_is_refused_naming_the_range() -> None:
    with pytest.raises(ValueError, match="0 to 5000"):
        add_scale_sites(Simulator(extra_sites=0).state, -1)


@pytest.mark.parametrize("kind", ["plugin", "theme"])
async def test_company_lists_page_and_agree_with_each_environment(big: Any, kind: str) -> None:
    sim, http = big
    items, requests = await _company_list(http, kind, page=4)
    assert requests > 1, "the list took more than one page"
    assert len({i["name"] for i in items}) == len(items), "no item on two pages"
    # Each environment's own list, read environment by environment, says the same.
    expected: Counter[tuple[str, ...]] = Counter()
    for site in sim.state.sites.values():
        for env in sim.state.envs_of(site):
            r = await judged(
                http,
                "GET",
                f"/sites/environments/{{env_id}}/wp-{kind}s",
                f"/sites/environments/{env.id}/wp-{kind}s",
            )
            for c in r.json()["environment"]["container_info"][f"wp_{kind}s"]["data"]:
                expected[(site.display_name, env.display_name, c["name"], c["version"], c["status"], c["update"])] += 1
    assert _installs_by_names(items, kind) == expected
    for item in items:
        assert item["environment_count"] == len(item["environments"])
        assert item["update_count"] == sum(e[f"{kind}_update"] == "available" for e in item["environments"])


async def test_company_list_filters_agree_with_each_environment(big: Any) -> None:
    sim, http = big
    for column, wanted in (("vulnerable", "vulnerable"), ("updatesAvailable", "update_version")):
        items, _ = await _company_list(http, "plugin", page=50, column=column)
        truth = Counter(
            (site.display_name, env.display_name, p.name)
            for site in sim.state.sites.values()
            for env in sim.state.envs_of(site)
            for p in env.plugins
            if getattr(p, wanted)
        )
        listed = Counter(
            (e["site_display_name"], e["display_name"], i["name"]) for i in items for e in i["environments"]
        )
        assert listed == truth


@pytest.mark.parametrize("params", [{"limit": "50"}, {}])
async def test_a_page_is_never_larger_than_the_cap(big: Any, monkeypatch: pytest.MonkeyPatch, params: Any) -> None:
    _, http = big
    assert PAGE_MAX >= 50
    monkeypatch.setattr(inventory, "PAGE_MAX", 5)  # fewer plugins than the real cap are seeded
    path = f"/company/{DEMO_COMPANY_ID}/wp-plugins"
    r = await judged(http, "GET", "/company/{id}/wp-plugins", path, params=params)
    listing = r.json()["company"]["plugins"]
    assert listing["total"] > 5 and len(listing["items"]) == 5


async def test_the_demo_serves_the_added_sites_when_asked() -> None:
    """`kinsta-mcp --demo --demo-sites 7` (or KINSTA_MCP_DEMO_SITES=7): the demo's simulator holds 3 + 7 sites."""
    from kinsta_mcp.config import load_settings
    from kinsta_mcp.server.app import DemoTransport

    flag, variable = ({"demo": True, "demo_sites": "7"}, {}), ({"demo": True}, {"KINSTA_MCP_DEMO_SITES": "7"})
    for overrides, environ in (flag, variable):
        transport = DemoTransport(load_settings(overrides, environ, None).demo_sites)
        request = httpx.Request(
            "GET",
            f"{DEMO_BASE_URL}/sites",
            params={"company": DEMO_COMPANY_ID},
            headers={"Authorization": f"Bearer {DEMO_API_KEY}"},
        )
        response = await transport.handle_async_request(request)
        await response.aread()
        await transport.aclose()
        assert len(response.json()["company"]["sites"]) == 10
