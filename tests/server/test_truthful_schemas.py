"""Schemas tell the truth (issue 12, item 5): what validation takes is what the schema says.

`update_version` is a listed version or "latest" (resolved by the server from the list),
a push says what it pushes and refuses to push nothing, a redirect rule's domain may be
left out or null (every domain), and every argument that is not a plain id is described.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from harness import answering, client, settings_for, text_of, world

from kinsta_mcp.server.compiled import compiled_tools, listed_schema, select_tools
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
MODE = "auto"
PLAIN_ID = re.compile(r"(^|_)ids?$")


def puts(w: Any, suffix: str) -> list[Any]:
    return [r.body for r in w.sim.requests if r.method == "PUT" and r.path.endswith(suffix)]


async def test_latest_is_resolved_to_the_listed_update_before_sending() -> None:
    args = {"kind": "plugin", "env_id": ids.ACME_LIVE_ENV_ID, "name": "woocommerce", "update_version": "latest"}
    async with world() as w, client(w.server, MODE) as c:
        result = await c.call_tool("update_plugin_theme", args)
    assert not result.is_error, text_of(result)
    assert [body["update_version"] for body in puts(w, "/plugins")] == ["9.5.1"]
    assert '"latest" is 9.5.1' in text_of(result)
    assert result.structured_content and result.structured_content["resolved"]["update_version"] == "9.5.1"


async def test_latest_without_an_update_is_refused_and_nothing_is_sent() -> None:
    args = {"kind": "plugin", "env_id": ids.ACME_LIVE_ENV_ID, "name": "wp-mail-smtp", "update_version": "latest"}
    async with world() as w, client(w.server, MODE) as c:
        result = await c.call_tool("update_plugin_theme", args)
        missing = await c.call_tool("update_plugin_theme", {**args, "name": "not-installed"})
    assert result.is_error and "no update available" in text_of(result)
    assert missing.is_error and "not installed" in text_of(missing)
    assert w.writes() == []


async def test_a_made_up_version_is_refused_with_what_is_allowed() -> None:
    args = {"kind": "theme", "env_id": ids.ACME_LIVE_ENV_ID, "name": "storefront", "update_version": "newest"}
    async with world() as w, client(w.server, MODE) as c:
        result = await c.call_tool("update_plugin_theme", args)
    assert result.is_error and "update_version" in text_of(result) and "'newest'" in text_of(result)
    assert w.requests() == []


async def test_a_push_of_nothing_is_refused_naming_both_choices() -> None:
    args = {
        "site_id": ids.ACME_SITE_ID,
        "source_env_id": ids.ACME_STAGING_ENV_ID,
        "target_env_id": ids.ACME_LIVE_ENV_ID,
    }
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, MODE, callback) as c:
        result = await c.call_tool("push_environment", args)
    text = text_of(result)
    assert result.is_error and "push_db" in text and "push_files" in text and "pydantic" not in text
    assert prompts == [] and w.writes() == []


async def test_the_push_confirmation_says_what_is_pushed() -> None:
    args = {
        "site_id": ids.ACME_SITE_ID,
        "source_env_id": ids.ACME_STAGING_ENV_ID,
        "target_env_id": ids.ACME_LIVE_ENV_ID,
        "push_db": True,
    }
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, MODE, callback) as c:
        result = await c.call_tool("push_environment", args)
    assert not result.is_error, text_of(result)
    assert len(prompts) == 1 and "database: yes, files: no" in prompts[0]
    assert [(b["push_db"], b["push_files"]) for b in puts(w, "/environments")] == [(True, False)]


@pytest.mark.parametrize("domain", [{}, {"domain": None}, {"domain": ""}])
async def test_a_redirect_rule_without_a_domain_applies_to_every_domain(domain: dict[str, Any]) -> None:
    rule = {"from": "/sale", "to": "/shop/sale/", "type": "redirect", **domain}
    args = {"env_id": ids.ACME_LIVE_ENV_ID, "action_type": "NEW", "new_value": rule}
    callback, _ = answering("accept")
    async with world() as w, client(w.server, MODE, callback) as c:
        schema = {t.name: t for t in (await c.list_tools()).tools}["update_redirect_rules"].input_schema
        result = await c.call_tool("update_redirect_rules", args)
    assert not result.is_error, text_of(result)
    assert "null" in schema["properties"]["new_value"]["properties"]["domain"]["type"]
    sent = [r.body for r in w.sim.requests if r.method == "POST" and r.path.endswith("/redirect-rules")]
    assert len(sent) == 1 and sent[0]["new_value"]["domain"] is None


def _undescribed(name: str, schema: dict[str, Any], where: str) -> list[str]:
    missing = [] if "description" in schema or PLAIN_ID.search(name) else [where]
    for sub, prop in schema.get("properties", {}).items():
        missing += _undescribed(sub, prop, f"{where}.{sub}")
    items = schema.get("items")
    if isinstance(items, dict):
        for sub, prop in items.get("properties", {}).items():
            missing += _undescribed(sub, prop, f"{where}[].{sub}")
    return missing


def test_every_argument_that_is_not_a_plain_id_is_described() -> None:
    settings = settings_for(None, confirmation="elicit-or-model-token")
    tools = compiled_tools()
    missing: list[str] = []
    for name in select_tools(settings).visible:
        for arg, prop in listed_schema(tools[name], settings)["properties"].items():
            missing += _undescribed(arg, prop, f"{name}.{arg}")
    assert missing == []
