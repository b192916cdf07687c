"""What clients see in tools/list: names, titles, annotations, flat schemas, and a reviewed snapshot.

The snapshot (tests/snapshots/tool_list.json) makes every change to what clients see a
diff in review. Regenerate it with `UPDATE_SNAPSHOTS=1 python -m pytest tests/server/test_tool_list.py`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from harness import MODES, client, hints, settings_for, text_of, world
from pydantic import SecretStr

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Effect
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.compiled import WAIT_TOOL_NAME, compiled_tools
from kinsta_mcp.server.resources import tool_of
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "tool_list.json"
TOOLS = compiled_tools()
EFFECT = {name: tool.effect for name, tool in TOOLS.items()}


async def listed(mode: str = "auto", **settings: Any) -> list[Any]:
    async with world(**settings) as w, client(w.server, mode) as c:
        return list((await c.list_tools()).tools)


def walk(node: Any) -> list[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(node, dict):
        return [*node.keys(), *(k for v in node.values() for k in walk(v))]
    if isinstance(node, list):
        return [k for v in node for k in walk(v)]
    return []


@pytest.mark.parametrize("mode", MODES)
async def test_every_tool_annotations_say_what_it_does(mode: str) -> None:
    """As a client infers them (unset hints take MCP's defaults): reads are read-only, writes say whether
    they destroy (explicitly, true or false), and every tool touches Kinsta (open world)."""
    tools = await listed(mode)
    assert {t.name for t in tools} == set(TOOLS)  # every compiled tool, with one profile and no filters
    for tool in tools:
        a = tool.annotations
        assert a is not None and a.title is None, tool.name  # the title is the tool's own
        effect = EFFECT[tool.name]
        read_only, _, _, open_world = hints(a)
        assert read_only is (effect is Effect.READ) and open_world, tool.name
        if effect is not Effect.READ:
            assert a.destructive_hint is (effect is Effect.IRREVERSIBLE), tool.name


async def test_names_titles_and_flat_schemas() -> None:
    tools = await listed()
    names = [t.name for t in tools]
    assert len(names) == len(set(names))
    for tool in tools:
        assert re.fullmatch(r"[a-z0-9_]{1,64}", tool.name)
        assert tool.title and tool.description
        schema = tool.input_schema
        assert schema["type"] == "object"
        assert not {"$ref", "$defs", "title"} & set(walk(schema)), f"{tool.name} schema is not flat"
        if tool.output_schema is not None:  # only where it describes something
            assert tool.output_schema.get("properties"), tool.name
        assert "company" not in schema["properties"], "one profile: no company argument"


async def test_snapshot_of_the_tool_list() -> None:
    tools = await listed()
    seen = [
        {
            "name": t.name,
            "title": t.title,
            "description": t.description,
            "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True) if t.annotations else None,
            "inputSchema": t.input_schema,
            "outputSchema": sorted((t.output_schema or {}).get("properties", {})),
        }
        for t in tools
    ]
    text = json.dumps(seen, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == text, (
        "the tool list changed: review the difference, then run with UPDATE_SNAPSHOTS=1"
    )


async def test_toolsets_choose_tools() -> None:
    tools = {t.name for t in await listed(toolsets=("dns", "logs"))}
    expected = {tool_of(op) for op in OPERATIONS if op.toolset.value in ("dns", "logs")}
    assert expected <= tools
    assert not ({tool_of(op) for op in OPERATIONS} - expected) & tools
    assert WAIT_TOOL_NAME in tools  # dns writes are long operations


@pytest.mark.parametrize("mode", MODES)
async def test_without_options_every_tool_is_offered_as_with_toolsets_all(mode: str) -> None:
    """The default is every capability: the same tools/list, and instructions that say nothing is off."""
    plain = Settings(profiles=settings_for(None).profiles, default_profile="demo", audit_log=None)
    assert plain.toolsets is None
    async with world() as w, client(w.server, mode) as c:  # the harness passes --toolsets all
        every = (await c.list_tools()).tools
        instructions_all = c.instructions or ""
    async with world(toolsets=plain.toolsets) as w, client(w.server, mode) as c:
        default = (await c.list_tools()).tools
        instructions_default = c.instructions or ""
    dump = [t.model_dump(mode="json") for t in default]
    assert dump == [t.model_dump(mode="json") for t in every]
    assert {tool_of(op) for op in OPERATIONS} <= {t.name for t in default}
    assert instructions_default == instructions_all and "Off on this server" not in instructions_default


@pytest.mark.parametrize("mode", MODES)
async def test_hidden_toolsets_are_named_in_the_instructions_with_how_to_turn_them_on(mode: str) -> None:
    async with world(toolsets=("sites", "logs")) as w, client(w.server, mode) as c:
        text = c.instructions or ""
        tools = {t.name for t in (await c.list_tools()).tools}
        hidden = await c.call_tool("set_dns_record", {"action": "create", "domain_id": ids.ACME_DNS_ZONE_ID})
    off = next(line for line in text.splitlines() if line.startswith("Off on this server"))
    assert "--toolsets sites,logs" in off and "Kinsta DNS records" in off and "redirect rules" in off
    assert "--toolsets all" in off and "logs;" not in off and "sites (" not in off
    assert "list_environments" not in text and "list_sites" in text and "list_sites" in tools  # named if offered
    assert "wait_for_operation" in tools and "long-operation status" not in off  # create_site waits: offered
    assert hidden.is_error and "'dns' is not enabled" in text_of(hidden) and "--toolsets all" in text_of(hidden)
    assert w.requests() == []


async def test_read_only_and_excluded_tools_are_named_in_the_instructions() -> None:
    async with world(read_only=True, exclude_tools=("get_logs", "list_backups")) as w, client(w.server, "auto") as c:
        text = c.instructions or ""
    assert "Read-only mode (--read-only)" in text and "without --read-only" in text
    excluded = next(line for line in text.splitlines() if line.startswith("Turned off with --exclude-tools"))
    assert "Get logs" in excluded and "List backups" in excluded and "get_logs" not in excluded


@pytest.mark.parametrize(
    "settings",
    [
        {"toolsets": ("backups",)},
        {"toolsets": ("logs", "analytics")},
        {"toolsets": ("sites", "fleet")},
        {"toolsets": ("domains", "dns", "sftp", "redirects", "company", "tools")},
        {"exclude_tools": ("list_backups", "list_site_domains", "list_dns_domains", "get_company")},
        {"read_only": True},
    ],
)
async def test_descriptions_and_instructions_name_only_offered_tools(settings: dict[str, Any]) -> None:
    every = set(TOOLS)
    async with world(**settings) as w, client(w.server, "auto") as c:
        tools = (await c.list_tools()).tools
        texts = {"instructions": c.instructions or ""}
    offered = {t.name for t in tools}
    for tool in tools:
        texts[tool.name] = json.dumps([tool.description, tool.input_schema])
    named = {
        where: set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", text)) & every for where, text in texts.items()
    }
    wrong = {where: sorted(names - offered) for where, names in named.items() if names - offered}
    assert not wrong
    for tool in tools:  # what was cut was a pointer, never the whole schema
        assert tool.description and tool.input_schema["type"] == "object"


async def test_the_pointer_to_a_hidden_tool_is_cut_and_the_rest_kept() -> None:
    async with world(toolsets=("backups",)) as w, client(w.server, "auto") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    restore = tools["restore_backup"].input_schema["properties"]
    assert restore["backup_id"]["description"] == "Backup id (list_backups)"  # offered: kept
    assert restore["notified_user_id"].get("description", "") == "User to notify"  # get_company: not offered
    async with world(toolsets=("sites",)) as w, client(w.server, "auto") as c:
        region = {t.name: t for t in (await c.list_tools()).tools}["create_site"].input_schema["properties"]["region"]
    assert region["description"] == "Data center; required for source=wordpress|empty"


@pytest.mark.parametrize("mode", MODES)
async def test_tools_list_says_which_tools_ask_the_human(mode: str) -> None:
    tools = {t.name: t for t in await listed(mode)}
    for name, tool in TOOLS.items():
        if tool.special is not None:
            continue
        description = tools[name].description or ""
        guarded = [value for value, op in tool.operations.items() if op.guarded]
        assert ("Asks the human" in description) is bool(guarded), name
        if guarded and len(guarded) < len(tool.operations):
            assert f"{tool.selector}={'|'.join(guarded)}" in description, name
    assert tools["delete_site"].description.endswith("Asks the human.")
    assert "Asks the human for setting=bot_protection." in (tools["set_edge"].description or "")
    assert "Asks" not in (tools["list_sites"].description or "")
    off = {t.name: t for t in await listed(mode, confirmation="off")}
    assert "Asks the human" not in (off["delete_site"].description or "")  # nobody is asked: not said


async def test_exclude_tools_hides_and_refuses() -> None:
    async with world(exclude_tools=("delete_site",)) as w, client(w.server, "auto") as c:
        names = {t.name for t in (await c.list_tools()).tools}
        result = await c.call_tool("delete_site", {"site_id": "anything"})
    assert "delete_site" not in names and "get_site" in names
    assert result.is_error and "excluded" in text_of(result)
    assert w.writes() == []


@pytest.mark.parametrize("mode", MODES)
async def test_read_only_is_a_ceiling(mode: str) -> None:
    # toolsets name writes explicitly; read-only still wins
    async with world(read_only=True, toolsets=("sites", "tools")) as w, client(w.server, mode) as c:
        tools = (await c.list_tools()).tools
        assert tools and all(t.annotations and t.annotations.read_only_hint for t in tools)
        for name in ("delete_site", "create_site", "clear_cache", "run_wp_cli"):
            result = await c.call_tool(name, {"site_id": "s", "env_id": "e"})
            assert result.is_error and "read-only" in text_of(result)
    assert w.writes() == []


@pytest.mark.parametrize("mode", MODES)
async def test_read_only_keeps_the_search_replace_preview_and_refuses_replace(mode: str) -> None:
    args = {"env_id": ids.ACME_STAGING_ENV_ID, "search": "http://", "replace": "https://"}
    async with world(read_only=True, toolsets=("tools",)) as w, client(w.server, mode) as c:
        tool = {t.name: t for t in (await c.list_tools()).tools}["database_search_replace"]
        preview = await c.call_tool("database_search_replace", args)
        replace = await c.call_tool("database_search_replace", {**args, "mode": "replace"})
    assert tool.annotations and tool.annotations.read_only_hint
    assert tool.input_schema["properties"]["mode"]["enum"] == ["preview"]
    assert not preview.is_error, text_of(preview)
    assert replace.is_error and "mode" in text_of(replace) and "preview" in text_of(replace)
    assert [r.body["perform_replacement"] for r in w.writes()] == [False]  # the preview's POST only


async def test_several_companies_add_a_company_argument() -> None:
    base = settings_for(None)
    demo = base.profiles["demo"]
    other = Profile(name="agency-b", api_key=SecretStr("another-key"), company_id="c-2")
    async with world(profiles={"demo": demo, "agency-b": other}) as w, client(w.server, "auto") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        prop = tools["list_sites"].input_schema["properties"]["company"]
        assert sorted(prop["enum"]) == ["agency-b", "demo"]
        ok = await c.call_tool("list_sites", {"company": "demo"})
        bad = await c.call_tool("list_sites", {"company": "nobody"})
    assert not ok.is_error
    assert bad.is_error and "company" in text_of(bad)
