"""MCP Apps views on the wire, without a browser: which tools carry a view and for whom, what the
`ui://` resources are, that a client without the extension sees exactly what it saw before, and
that views can be turned off (--no-views, the `views` config key)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from harness import MODES, world
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.shared.exceptions import MCPError
from viewhost import APPS

from kinsta_mcp.config import load_settings
from kinsta_mcp.server.compiled import compiled_tools
from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.views import MAX_BYTES, URI_PREFIX, VIEWS

pytestmark = pytest.mark.anyio

BOUND = {"get_analytics": "analytics", "get_company_overview": "overview", "run_batch": "batch"}


def test_every_declared_view_exists_and_every_view_is_declared() -> None:
    declared = {tool.name: tool.view for tool in compiled_tools().values() if tool.view}
    assert declared == BOUND
    assert set(declared.values()) == set(VIEWS)
    assert all(view.uri.startswith(URI_PREFIX) and view.uri.startswith("ui://") for view in VIEWS.values())


@pytest.mark.parametrize("mode", MODES)
async def test_tools_carry_their_view_for_a_client_that_shows_views_only(mode: str) -> None:
    async with world() as w:
        async with Client(w.server, mode=mode, extensions=[APPS]) as client:  # type: ignore[arg-type]
            if mode == "auto":  # the SDK advertises server extensions on 2026-07-28 (SEP-2133) only
                assert EXTENSION_ID in (client.server_capabilities.extensions or {})
            tools = (await client.list_tools()).tools
            metas = {t.name: t.meta for t in tools if t.meta}
            assert metas == {name: {"ui": {"resourceUri": VIEWS[view].uri}} for name, view in BOUND.items()}
            listed = {str(r.uri): r for r in (await client.list_resources()).resources}
            assert {uri for uri in listed if uri.startswith("ui://")} == {v.uri for v in VIEWS.values()}
            assert all(listed[v.uri].mime_type == APP_MIME_TYPE for v in VIEWS.values())
        async with Client(w.server, mode=mode) as client:  # type: ignore[arg-type]
            tools = (await client.list_tools()).tools
            assert [t.name for t in tools if t.meta] == []
            assert not [r for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")]


@pytest.mark.parametrize("name", sorted(VIEWS))
async def test_each_view_is_one_self_contained_html_document_within_512_kb(name: str) -> None:
    view = VIEWS[name]
    async with world() as w, Client(w.server, mode="auto", extensions=[APPS]) as client:  # type: ignore[arg-type]
        (content,) = (await client.read_resource(view.uri)).contents
    assert content.mime_type == APP_MIME_TYPE and str(content.uri) == view.uri
    assert content.meta == {"ui": {"prefersBorder": True}}  # no csp: the host's strictest default holds
    html = content.text
    size = len(html.encode())
    assert size <= MAX_BYTES, f"{name}: {size} bytes"
    assert html.lower().startswith("<!doctype html>")
    tags = re.findall(r"<(script|style|link|iframe|img|object|embed|base)\b([^>]*)>", html, re.I)
    assert [t.lower() for t, _ in tags] == ["style", "script"], tags  # one inline style, one inline script
    assert all("src" not in attrs.lower() and "href" not in attrs.lower() for _, attrs in tags)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(https?:)?//", html)


def _same(result: Any) -> tuple[Any, ...]:
    """A result's two channels, with the per-call nonce of untrusted-text fences set aside."""
    text = [re.sub(r"(<<<(?:END )?UNTRUSTED \S+) [0-9a-f]+", r"\1 N", c.text) for c in result.content]
    return text, json.dumps(result.structured_content, sort_keys=True), result.is_error


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_analytics", {"metric": "visits", "env_id": ids.ACME_LIVE_ENV_ID, "time_span": "30_days"}),
    ("get_analytics", {"metric": "top-referrers", "env_id": ids.ACME_LIVE_ENV_ID}),
    ("get_company_overview", {}),
    ("run_batch", {"operation": "create_backup", "arguments": {"tag": "x"}, "environments": "all"}),  # dry run
    ("run_batch", {"operation": "list_backups", "environments": "live"}),
    ("list_sites", {"include_environments": True}),
]


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_without_the_extension_gets_the_same_results(mode: str) -> None:
    async with (
        world() as w,
        Client(w.server, mode=mode) as plain,  # type: ignore[arg-type]
        Client(w.server, mode=mode, extensions=[APPS]) as apps,  # type: ignore[arg-type]
    ):
        for name, arguments in CALLS:
            without = await plain.call_tool(name, arguments)
            with_apps = await apps.call_tool(name, arguments)
            assert not without.is_error, (name, without)
            assert without.structured_content, name
            assert _same(without) == _same(with_apps), name
            assert without.meta == with_apps.meta


async def test_views_off_with_the_config_key_and_the_flag(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"views": False}))
    assert load_settings({}, {"KINSTA_MCP_DEMO": "1"}, str(config)).views is False
    assert load_settings({}, {"KINSTA_MCP_DEMO": "1", "KINSTA_MCP_VIEWS": "no"}, None).views is False
    assert load_settings({}, {"KINSTA_MCP_DEMO": "1"}, None).views is True
    async with world(views=False) as w, Client(w.server, mode="auto", extensions=[APPS]) as client:  # type: ignore[arg-type]
        assert EXTENSION_ID not in (client.server_capabilities.extensions or {})
        assert [t.name for t in (await client.list_tools()).tools if t.meta] == []
        with pytest.raises(MCPError):
            await client.read_resource(VIEWS["analytics"].uri)


async def test_the_demo_over_stdio_offers_views_unless_told_not_to() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    env["KINSTA_MCP_AUDIT_LOG"] = "off"
    bound: dict[tuple[str, ...], dict[str, str]] = {}

    async def serve(*flag: str) -> None:  # both servers at once: each start is most of the time
        server = StdioServerParameters(command=sys.executable, args=["-m", "kinsta_mcp", "--demo", *flag], env=env)
        async with Client(server, mode="legacy", extensions=[APPS]) as client:  # type: ignore[arg-type]
            tools = (await client.list_tools()).tools
            bound[flag] = {t.name: t.meta["ui"]["resourceUri"] for t in tools if t.meta}

    async with anyio.create_task_group() as group:
        group.start_soon(serve)
        group.start_soon(serve, "--no-views")
    # The default demo offers every toolset: the three tools carry their views, unless told not to.
    assert bound[()] == {name: VIEWS[view].uri for name, view in BOUND.items()}
    assert bound[("--no-views",)] == {}
