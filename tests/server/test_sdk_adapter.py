"""The SDK adapter (kinsta_mcp/server/sdk.py) against the installed SDK.

The adapter relies on two things the SDK does not promise: MCPServer's request handlers
answer through its public `list_tools`/`call_tool`/resource/prompt methods (which the
adapter overrides), and `ServerSession` keeps its connection in `_connection`. These tests
fail, naming the installed version, when either changes.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import pytest
from harness import MODES, client, text_of, world
from mcp.server.session import ServerSession
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from kinsta_mcp.server.compiled import listed_schema
from kinsta_mcp.server.sdk import SDK_VERSION_TESTED

pytestmark = pytest.mark.anyio
SDK = f"mcp {version('mcp')} (adapter written for {SDK_VERSION_TESTED})"


@pytest.mark.parametrize("mode", MODES)
async def test_the_sdk_answers_through_the_adapter(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        listed = (await c.list_tools()).tools
        templates = (await c.list_resource_templates()).resource_templates
        prompts = (await c.list_prompts()).prompts
    app = w.server.app
    assert [t.name for t in listed] == list(app.selection.visible), f"{SDK}: tools/list no longer calls list_tools()"
    sample = next(t for t in listed if t.name == "list_sites")
    assert sample.input_schema == listed_schema(app.tool("list_sites"), w.settings)  # type: ignore[arg-type]
    assert {t.uri_template for t in templates} == {e["uriTemplate"] for e in app.resources.templates()}, SDK
    assert {p.name for p in prompts} == set(app.prompts.names), SDK


def test_the_session_still_keeps_its_connection() -> None:
    source = inspect.getsource(ServerSession.__init__)
    assert "self._connection" in source, f"{SDK}: ServerSession no longer has _connection; update sdk._connection_key"


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_tools_and_prompts_are_invalid_params(mode: str) -> None:
    async with world() as w, client(w.server, mode) as c:
        with pytest.raises(MCPError) as tool_error:
            await c.call_tool("no_such_tool", {})
        with pytest.raises(MCPError) as prompt_error:
            await c.get_prompt("no_such_prompt", {})
        with pytest.raises(MCPError) as missing_argument:
            await c.get_prompt("setup_domain", {"site_id": "s"})
        ok = await c.get_prompt("diagnose_site", {"site_id": "s1"})
    assert tool_error.value.error.code == INVALID_PARAMS
    assert prompt_error.value.error.code == INVALID_PARAMS and "no_such_prompt" in prompt_error.value.error.message
    assert missing_argument.value.error.code == INVALID_PARAMS and "env_id" in missing_argument.value.error.message
    assert "s1" in text_of_prompt(ok)


def text_of_prompt(result: object) -> str:
    return "\n".join(getattr(m.content, "text", "") for m in getattr(result, "messages", []))


@pytest.mark.parametrize("mode", MODES)
async def test_a_hidden_tool_is_refused_by_name_with_the_reason(mode: str) -> None:
    async with world(read_only=True) as w, client(w.server, mode) as c:
        result = await c.call_tool("delete_site", {"site_id": "s"})
    assert result.is_error and "read-only" in text_of(result) and w.writes() == []
