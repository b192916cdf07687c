"""MCP Apps views over Streamable HTTP (tests/views has the rest): a tool carries its view, and the page
is served, for a client that negotiated the extension, on each request under both protocol versions
(2026-07-28 has no session: the client says it on every request)."""

from __future__ import annotations

import httpx2
import pytest
from harness import MODES
from http_world import served, two_company_settings
from mcp.client import Client
from mcp.client.extension import advertise
from mcp.client.streamable_http import streamable_http_client
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from kinsta_mcp.server.compiled import compiled_tools
from kinsta_mcp.views import VIEWS

pytestmark = pytest.mark.anyio
APPS = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})


@pytest.mark.parametrize("mode", MODES)
async def test_views_over_http_for_a_client_that_shows_them_only(mode: str) -> None:
    bound = {tool.name: VIEWS[tool.view].uri for tool in compiled_tools().values() if tool.view}
    assert set(bound) == {"get_analytics", "get_company_overview", "run_batch"}
    async with served(two_company_settings()) as running, httpx2.AsyncClient(timeout=httpx2.Timeout(30.0)) as http:
        for extensions, expected in (([APPS], bound), ([], {})):
            transport = streamable_http_client(running.url, http_client=http)
            async with Client(transport, mode=mode, extensions=extensions) as client:  # type: ignore[arg-type]
                tools = (await client.list_tools()).tools
                assert {t.name: t.meta["ui"]["resourceUri"] for t in tools if t.meta} == expected
                (content,) = (await client.read_resource(VIEWS["overview"].uri)).contents
                assert content.mime_type == APP_MIME_TYPE and content.text.lower().startswith("<!doctype html>")
