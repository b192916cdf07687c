"""One request scope, over real HTTP: a bearer token bound to profile "beta" sees only beta's company through
every channel (resources/list and read, completion/complete, prompts, tools, the special tools and jobs),
never the default company's site names, ids or domains, under both protocol versions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from harness import MODES, job_result, text_of
from http_world import ANY_TOKEN, BETA_COMPANY_ID, BETA_TOKEN, Served, served, two_company_settings
from mcp_types import PromptReference, ResourceTemplateReference

from kinsta_mcp.simulator import DEMO_COMPANY_ID
from kinsta_mcp.simulator.seed import fixed_id, new_environment
from kinsta_mcp.simulator.world import Site

pytestmark = pytest.mark.anyio
TOKENS: dict[str, str | None] = {ANY_TOKEN: None, BETA_TOKEN: "beta"}
BETA_SITE_ID = fixed_id("site:beta-bakery")
BETA_ENV_ID = fixed_id("env:beta-bakery:live")


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def s() -> AsyncIterator[Served]:
    async with served(two_company_settings(http_tokens=TOKENS)) as running:
        state = running.sim.state
        site = Site(BETA_SITE_ID, "beta-bakery", "Beta Bakery", BETA_COMPANY_ID, "us-central1", usr="betabakery")
        state.sites[site.id] = site
        new_environment(
            state, site, env_id=BETA_ENV_ID, name="live", display_name="Live", domain_name="betabakery.kinsta.cloud"
        )
        yield running


def default_company_words(s: Served) -> set[str]:
    """Every site name, site id, environment id and domain of the default company (alpha)."""
    state = s.sim.state
    words: set[str] = set()
    for site in state.sites.values():
        if site.company_id != DEMO_COMPANY_ID:
            continue
        words |= {site.id, site.name, site.display_name}
        for env in state.environments.values():
            if env.site_id == site.id:
                words |= {env.id} | {d.name for d in env.domains} | {d.id for d in env.domains}
    return {w for w in words if len(w) > 3}


def leaked(s: Served, seen: Any) -> list[str]:
    text = seen if isinstance(seen, str) else json.dumps(seen, default=str)
    return sorted(w for w in default_company_words(s) if w in text)


def dump(result: Any) -> Any:
    return result.model_dump(mode="json", by_alias=True) if hasattr(result, "model_dump") else result


@pytest.mark.parametrize("mode", MODES)
async def test_a_token_bound_to_beta_never_sees_the_default_company(s: Served, mode: str) -> None:
    seen: list[Any] = []
    async with s.client(mode, BETA_TOKEN) as c:
        resources = await c.list_resources()
        listed = [r.uri for r in resources.resources]
        assert f"kinsta://sites/{BETA_SITE_ID}" in listed  # beta's own sites are listed
        seen.append(dump(resources))
        seen.append(dump(await c.list_resource_templates()))
        sites = await c.read_resource("kinsta://sites")
        assert "Beta Bakery" in str(dump(sites))
        seen.append(dump(sites))
        seen.append(dump(await c.read_resource("kinsta://overview")))
        site_ids = await c.complete(
            ResourceTemplateReference(uri="kinsta://sites/{site_id}"), {"name": "site_id", "value": ""}
        )
        assert site_ids.completion.values == [BETA_SITE_ID]
        envs = ResourceTemplateReference(uri="kinsta://environments/{env_id}/plugins")
        for typed in ("", "a", "live", "acme", "north"):
            seen.append(dump(await c.complete(envs, {"name": "env_id", "value": typed})))
        prompts = await c.list_prompts()
        seen.append(dump(prompts))
        for prompt in prompts.prompts:
            for argument in prompt.arguments or []:
                reference = PromptReference(name=prompt.name)
                seen.append(dump(await c.complete(reference, {"name": argument.name, "value": ""})))
        seen.append(dump(await c.get_prompt("diagnose_site", {"site_id": BETA_SITE_ID})))
        for name, arguments in [
            ("list_sites", {"include_environments": True}),
            ("find", {"query": "a"}),
            ("get_company_overview", {}),
            ("wait_for_operation", {}),
        ]:
            result = await job_result(c, await c.call_tool(name, arguments))
            assert not result.is_error, text_of(result)
            seen.append(dump(result))
    assert "Beta Bakery" in json.dumps(seen[-2])  # the overview is beta's
    assert leaked(s, seen) == []


async def test_the_same_lookups_with_an_unbound_token_do_see_the_default_company(s: Served) -> None:
    """The check above can see a leak: the default company's words are there for a caller of that company."""
    async with s.client("auto", ANY_TOKEN) as c:
        resources = dump(await c.list_resources())
        completed = await c.complete(
            ResourceTemplateReference(uri="kinsta://sites/{site_id}"), {"name": "site_id", "value": ""}
        )
    assert leaked(s, resources) and BETA_SITE_ID not in json.dumps(resources)
    assert leaked(s, completed.completion.values)


async def test_a_job_belongs_to_its_principal_and_profile(s: Served) -> None:
    async with s.client("legacy", ANY_TOKEN) as c:
        overview = await c.call_tool("get_company_overview", {})
        mine = await c.call_tool("wait_for_operation", {})
    jobs = mine.structured_content["jobs"]
    assert jobs and not overview.is_error
    job_id = jobs[0]["job_id"]
    async with s.client("auto", BETA_TOKEN) as c:
        listed = await c.call_tool("wait_for_operation", {})
        fetched = await c.call_tool("wait_for_operation", {"job_id": job_id})
    assert job_id not in json.dumps(listed.structured_content)
    assert fetched.is_error and f"No job '{job_id}' for this caller" in text_of(fetched)
    assert leaked(s, [dump(listed), dump(fetched)]) == []
