"""Scope applies everywhere (issue 16, finding 6): resources, templates, completions and
prompts honour toolsets, exclusions and read-only mode exactly as tools do.

The rules are checked as units on the selection for several scopes; one client then sees the
issue's case end to end: `--toolsets sites,environments --exclude-tools list_environments`.
Scope does not depend on the protocol version, so the client runs under one.
"""

from __future__ import annotations

from typing import Any

import pytest
from harness import client, settings_for, world
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Effect
from kinsta_mcp.config import Settings
from kinsta_mcp.server.app import build_server
from kinsta_mcp.server.compiled import compiled_tools, select_tools
from kinsta_mcp.server.prompts import PROMPTS, Prompts, tools_named
from kinsta_mcp.server.resources import resource_specs, tool_of
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

# --toolsets sites,environments --exclude-tools list_environments
ISSUE_SCOPE: dict[str, Any] = {"toolsets": ("sites", "environments"), "exclude_tools": ("list_environments",)}
SCOPES: dict[str, dict[str, Any]] = {
    "issue": ISSUE_SCOPE,
    "read-only": {"read_only": True},
    "dns only": {"toolsets": ("dns",)},
    "excluded reads": {"exclude_tools": ("list_plugins_themes", "get_logs", "get_company")},
}
LIVE = ids.ACME_LIVE_ENV_ID
# What the issue found readable although its tools were hidden: (URI read, template it belongs to).
LEAKED = [
    ("kinsta://users", None),
    ("kinsta://activity-log", None),
    (f"kinsta://environments/{LIVE}/logs/error", "kinsta://environments/{env_id}/logs/{file_name}"),
    (f"kinsta://environments/{LIVE}/plugins", "kinsta://environments/{env_id}/plugins"),
    (f"kinsta://sites/{ids.ACME_SITE_ID}/environments", "kinsta://sites/{site_id}/environments"),
]


def visible_in(settings: Settings) -> set[str]:
    return set(select_tools(settings).visible)


def named_by(prompt: str) -> set[str]:
    """The tools a prompt tells the model to call, from its text with every argument given."""
    rendered = next(fn for fn, _ in PROMPTS if fn.__name__ == prompt)
    arguments = {name: "x" for name in rendered.__code__.co_varnames[: rendered.__code__.co_argcount]}
    return set(tools_named(rendered(**arguments)))


@pytest.mark.parametrize("scope", SCOPES)
def test_a_resource_is_served_exactly_when_the_tool_of_its_operation_is_shown(scope: str) -> None:
    visible = visible_in(settings_for(**SCOPES[scope]))
    assert visible and visible != set(compiled_tools())  # the scope hides something
    served = {op.name for spec in resource_specs(visible=visible) for op in spec.operations.values()}
    for op in OPERATIONS:
        if op.resource is None or op.reveals_secret:
            continue
        assert (op.name in served) == (tool_of(op) in visible), (scope, op.name)


@pytest.mark.parametrize("scope", SCOPES)
def test_a_prompt_is_offered_exactly_when_every_tool_it_names_is_shown(scope: str) -> None:
    visible = visible_in(settings_for(**SCOPES[scope]))
    offered = set(Prompts(visible).names)
    for fn, _ in PROMPTS:
        assert (fn.__name__ in offered) == (named_by(fn.__name__) <= visible), (scope, fn.__name__)


def test_read_only_offers_no_prompt_that_names_a_write_tool() -> None:
    server = build_server(settings_for(read_only=True), {})  # no Kinsta needed: nothing is read
    writes = {name for name, tool in compiled_tools().items() if tool.effect is not Effect.READ}
    offered = server.app.prompts.names
    assert offered  # read-only still offers the prompts that only read
    for name in offered:
        assert not named_by(name) & writes, name
    for name in ("push_staging_to_live", "create_wordpress_site", "setup_domain"):
        assert name not in offered
    assert {p.name for p in server.app.prompts.listed()} == set(offered)
    assert set(server.app.completer.prompts) == set(offered)


async def test_the_issues_scope_seen_by_a_client() -> None:
    hidden_templates = {template for _, template in LEAKED if template}
    async with world(**ISSUE_SCOPE) as w, client(w.server, "auto") as c:
        tools = {t.name for t in (await c.list_tools()).tools}
        listed = {str(r.uri) for r in (await c.list_resources()).resources}
        templates = {t.uri_template for t in (await c.list_resource_templates()).resource_templates}
        prompts = {p.name for p in (await c.list_prompts()).prompts}
        before = len(w.sim.requests)
        refused_reads = []
        for uri, _ in LEAKED:
            with pytest.raises(MCPError) as refused:
                await c.read_resource(uri)
            refused_reads.append(refused.value.error.message)
        completions = [
            (await c.complete(ResourceTemplateReference(uri=template), {"name": name, "value": ""})).completion
            for template in sorted(hidden_templates)
            for name in ("env_id", "site_id", "file_name")
            if "{" + name + "}" in template
        ]
        hidden_prompts = sorted(fn.__name__ for fn, _ in PROMPTS if fn.__name__ not in prompts)
        prompt_completions = [
            (await c.complete(PromptReference(name=name), {"name": "site_id", "value": ""})).completion
            for name in hidden_prompts
        ]
        refused_prompts = []
        for name in hidden_prompts:
            with pytest.raises(MCPError) as refused:
                await c.get_prompt(name, {"site_id": ids.ACME_SITE_ID, "env_id": LIVE, "domain_name": "x.example"})
            refused_prompts.append(refused.value.error.message)
        sent_for_hidden = w.sim.requests[before:]
        # What the scope shows still works: a visible template completes and reads.
        visible_site = await c.complete(
            ResourceTemplateReference(uri="kinsta://sites/{site_id}"), {"name": "site_id", "value": "acme"}
        )
        read_site = await c.read_resource(f"kinsta://sites/{ids.ACME_SITE_ID}")

    assert "list_environments" not in tools and {"list_sites", "get_site"} <= tools
    for uri, template in LEAKED:
        assert uri not in listed, uri
        assert template not in templates, template
    assert not any("/environments/" in uri or uri.endswith("/environments") for uri in listed), listed
    assert {"kinsta://users", "kinsta://activity-log"}.isdisjoint(listed)
    assert "kinsta://sites" in listed and "kinsta://sites/{site_id}" in templates
    assert all("Unknown resource" in message for message in refused_reads), refused_reads
    assert completions and all(c.values == [] and c.total == 0 for c in completions)
    assert {"diagnose_site", "push_staging_to_live", "monthly_usage_report"} <= set(hidden_prompts)
    assert all(c.values == [] for c in prompt_completions)
    assert all("Unknown prompt" in message for message in refused_prompts), refused_prompts
    assert sent_for_hidden == []  # nothing hidden was read from Kinsta, not even to complete
    assert visible_site.completion.values == [ids.ACME_SITE_ID]
    assert read_site.contents
