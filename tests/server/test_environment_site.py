"""A push or a clone needs no site_id: the source environment names its site (issue 21), through a real MCP
client on the demo. The site is filled from the environment before the guard, so the confirmation names it,
the request Kinsta gets is the one its OpenAPI document accepts, and environments of another site are refused
before anyone is asked."""

from __future__ import annotations

import pytest
from harness import MODES, answering, client, text_of, world
from openapi import contract

from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", MODES)
async def test_a_push_by_environment_names_alone_goes_to_their_site(mode: str) -> None:
    callback, prompts = answering()
    async with world() as w, client(w.server, mode, callback) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        result = await c.call_tool(
            "push_environment",
            {"source_env_id": "Acme Shop/staging", "target_env_id": "Acme Shop/live", "push_db": True},
        )
        writes = w.writes()
    assert "site_id" not in tools["push_environment"].input_schema.get("required", [])
    assert not result.is_error, text_of(result)
    assert (result.structured_content or {})["state"] == "succeeded"
    [put] = writes
    assert (put.method, put.path) == ("PUT", f"/sites/{ids.ACME_SITE_ID}/environments")
    assert put.body["source_env_id"] == ids.ACME_STAGING_ENV_ID and put.body["target_env_id"] == ids.ACME_LIVE_ENV_ID
    op, problems = contract().check_request(put.method, put.path, put.query, put.body)
    assert op is not None and op.key == "PUT /sites/{site_id}/environments" and problems == []
    [prompt] = prompts  # the confirmation names both environments and their site, and what live loses
    assert f'of site "Acme Shop" ({ids.ACME_SITE_ID})' in prompt and "the target is live" in prompt
    assert "- site_id" not in prompt


@pytest.mark.parametrize("mode", MODES)
async def test_a_clone_by_its_source_alone_goes_to_its_site(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        args = {"source": "clone", "source_env_id": "Acme Shop/live", "display_name": "Copy", "is_premium": False}
        result = await c.call_tool("create_environment", args)
        missing = await c.call_tool("create_environment", {**args, "source": "empty"})
        writes = w.writes()
    site_id = tools["create_environment"].input_schema["properties"]["site_id"]
    assert "required for source=wordpress|empty" in site_id["description"]
    assert not result.is_error, text_of(result)
    [post] = writes  # the empty environment, which has no source to take a site from, was not sent
    assert (post.method, post.path) == ("POST", f"/sites/{ids.ACME_SITE_ID}/environments/clone")
    op, problems = contract().check_request(post.method, post.path, post.query, post.body)
    assert op is not None and problems == []
    assert missing.is_error and "site_id" in text_of(missing) and "nothing was sent" in text_of(missing)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"target_env_id": "Northwind Blog/live"}, 'target_env_id {target} is an environment of site "Northwind Blog"'),
        ({"site_id": "Northwind Blog"}, 'source_env_id {source} is an environment of site "Acme Shop"'),
    ],
)
async def test_environments_of_another_site_are_refused_before_anyone_is_asked(
    mode: str, extra: dict[str, str], says: str
) -> None:
    callback, prompts = answering()
    args = {"source_env_id": "Acme Shop/staging", "target_env_id": "Acme Shop/live", "push_files": True, **extra}
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool("push_environment", args)
        writes = w.writes()
    text = text_of(result)
    target = ids.NORTHWIND_LIVE_ENV_ID if "Northwind" in args["target_env_id"] else ids.ACME_LIVE_ENV_ID
    assert result.is_error and says.format(target=target, source=ids.ACME_STAGING_ENV_ID) in text, text
    assert "Nothing was sent" in text and writes == [] and prompts == []
