"""Completions from live data (ids matched by name too) and workflow prompts.

Completing and listing run under both protocol versions once (what goes over the wire);
the rest is the same logic whichever version asks, so it runs once (MODE) or as units.
"""

from __future__ import annotations

import pytest
from harness import MODES, client, world
from mcp_types import PromptReference, ResourceTemplateReference

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.server.compiled import compiled_tools
from kinsta_mcp.server.prompts import PROMPT_CHOICES, PROMPTS, Prompts, tools_named
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

SITE = ResourceTemplateReference(uri="kinsta://sites/{site_id}")
PLUGINS = ResourceTemplateReference(uri="kinsta://environments/{env_id}/plugins")
LOGS = ResourceTemplateReference(uri="kinsta://environments/{env_id}/logs/{file_name}")
ANALYTICS = ResourceTemplateReference(uri="kinsta://environments/{env_id}/analytics/{metric}/{time_span}")
RECORDS = ResourceTemplateReference(uri="kinsta://dns-domains/{domain_id}/records")
MODE = "auto"  # where the protocol version does not matter


@pytest.mark.parametrize("mode", MODES)
async def test_site_ids_complete_by_name_and_by_id(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        by_name = await c.complete(SITE, {"name": "site_id", "value": "acme"})
        by_id = await c.complete(SITE, {"name": "site_id", "value": ids.NORTHWIND_SITE_ID[:6]})
        everything = await c.complete(SITE, {"name": "site_id", "value": ""})
    assert by_name.completion.values == [ids.ACME_SITE_ID]
    assert by_id.completion.values == [ids.NORTHWIND_SITE_ID]
    assert set(everything.completion.values) == {ids.ACME_SITE_ID, ids.NORTHWIND_SITE_ID, ids.CONTOSO_SITE_ID}
    assert everything.completion.total == 3


async def test_environment_ids_complete_within_the_chosen_site() -> None:
    async with world() as w, client(w.server, MODE) as c:
        staging = await c.complete(
            PLUGINS, {"name": "env_id", "value": "stag"}, context_arguments={"site_id": ids.ACME_SITE_ID}
        )
        by_site_name = await c.complete(PLUGINS, {"name": "env_id", "value": "northwind"})
    assert staging.completion.values == [ids.ACME_STAGING_ENV_ID]
    assert set(by_site_name.completion.values) == {ids.NORTHWIND_LIVE_ENV_ID, ids.NORTHWIND_STAGING_ENV_ID}


async def test_a_new_site_completes_after_the_cache_expires() -> None:
    async with world() as w, client(w.server, MODE) as c:
        before = await c.complete(SITE, {"name": "site_id", "value": ""})
        w.sim.state.sites[ids.ACME_SITE_ID].display_name = "Renamed Storefront"
        w.sim.clock.advance(31)
        after = await c.complete(SITE, {"name": "site_id", "value": "renamed"})
    assert ids.ACME_SITE_ID in before.completion.values
    assert after.completion.values == [ids.ACME_SITE_ID]


async def test_fixed_choices_come_from_the_declarations() -> None:
    file_names = list(BY_NAME["get_logs"].input.model_fields["file_name"].annotation.__args__)
    async with world() as w, client(w.server, MODE) as c:
        logs = await c.complete(LOGS, {"name": "file_name", "value": ""})
        metric = await c.complete(ANALYTICS, {"name": "metric", "value": "cdn"})
        spans = await c.complete(ANALYTICS, {"name": "time_span", "value": "30"})
        domains = await c.complete(RECORDS, {"name": "domain_id", "value": "acme"})
    assert logs.completion.values == file_names
    assert metric.completion.values == ["cdn-bandwidth"]
    assert spans.completion.values == ["30_days"]
    assert domains.completion.values == [ids.ACME_DNS_ZONE_ID]


async def test_prompt_arguments_complete() -> None:
    async with world() as w, client(w.server, MODE) as c:
        site = await c.complete(PromptReference(name="push_staging_to_live"), {"name": "site_id", "value": "north"})
        target = await c.complete(
            PromptReference(name="push_staging_to_live"),
            {"name": "target_env_id", "value": "live"},
            context_arguments={"site_id": ids.CONTOSO_SITE_ID},
        )
        plugins = await c.complete(PromptReference(name="create_wordpress_site"), {"name": "plugins", "value": "y"})
        region = await c.complete(PromptReference(name="create_wordpress_site"), {"name": "region", "value": "london"})
    assert site.completion.values == [ids.NORTHWIND_SITE_ID]
    assert target.completion.values == [ids.CONTOSO_LIVE_ENV_ID]
    assert plugins.completion.values == ["yoast-seo"]
    assert region.completion.values == ["europe-west2"]
    assert set(PROMPT_CHOICES["create_wordpress_site"]["plugins"]) >= {"woocommerce", "yoast-seo"}


# -- prompts -------------------------------------------------------------------------------------

EVERY_PROMPT = Prompts(set(compiled_tools()))  # a server that shows every tool offers every prompt

ARGUMENTS = {
    "push_staging_to_live": {
        "site_id": ids.ACME_SITE_ID,
        "source_env_id": ids.ACME_STAGING_ENV_ID,
        "target_env_id": ids.ACME_LIVE_ENV_ID,
    },
    "create_wordpress_site": {
        "display_name": "Fjord Bikes",
        "plugins": "both",
        "multisite": "subdomain",
        "region": "europe-west1",
    },
    "diagnose_site": {"site_id": ids.ACME_SITE_ID, "env_id": ids.ACME_LIVE_ENV_ID},
    "monthly_usage_report": {"sort_by": "bandwidth"},
    "setup_domain": {"site_id": ids.ACME_SITE_ID, "env_id": ids.ACME_LIVE_ENV_ID, "domain_name": "shop.fjord.example"},
}
# The order that makes each workflow safe, as subsequences of the tools the prompt names.
ORDER = {
    "push_staging_to_live": ["create_backup", "push_environment", "clear_cache", "get_logs"],
    "create_wordpress_site": ["get_company", "create_site", "list_plugins_themes"],
    "diagnose_site": ["list_environments", "get_logs", "list_activity_logs"],
    "monthly_usage_report": ["list_sites", "get_usage"],
    "setup_domain": ["add_site_domain", "get_domain_verification_records", "set_dns_record", "set_primary_domain"],
}


@pytest.mark.parametrize("mode", MODES)
async def test_prompts_are_listed_with_their_arguments(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        prompts = {p.name: p for p in (await c.list_prompts()).prompts}
    assert set(prompts) == {fn.__name__ for fn, _ in PROMPTS} == set(ARGUMENTS)
    for name, prompt in prompts.items():
        assert prompt.title and prompt.description
        assert {a.name for a in prompt.arguments or []} == set(ARGUMENTS[name])
        assert all(a.description for a in prompt.arguments or [])


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
async def test_prompts_render_with_their_arguments_naming_real_tools_in_order(name: str) -> None:
    result = await EVERY_PROMPT.render(name, ARGUMENTS[name])
    text = "\n".join(getattr(m.content, "text", "") for m in result.messages)
    for value in ARGUMENTS[name].values():
        if value not in ("both", "subdomain"):  # choices are rendered as tool arguments, not quoted
            assert value in text, value
    named = tools_named(text)
    for tool in named:
        assert tool in compiled_tools(), tool  # a tool a server can show
    positions = [named.index(tool) for tool in ORDER[name]]
    assert positions == sorted(positions), named


async def test_site_creation_prompt_turns_choices_into_create_site_arguments() -> None:
    async with world() as w, client(w.server, MODE) as c:  # through the server: get_prompt renders it
        both = await c.get_prompt("create_wordpress_site", ARGUMENTS["create_wordpress_site"])
        plain = await c.get_prompt("create_wordpress_site", {"display_name": "Plain"})
    both_text = getattr(both.messages[0].content, "text", "")
    plain_text = getattr(plain.messages[0].content, "text", "")
    assert "woocommerce=true, wordpressseo=true" in both_text
    assert "is_multisite=true, is_subdomain_multisite=true" in both_text
    assert "woocommerce=false, wordpressseo=false" in plain_text
    assert "is_multisite=false" in plain_text
