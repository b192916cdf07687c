"""A small MCP Apps host for tests: a web page that frames a view and speaks the Apps bridge.

It implements the host's side of the spec (ext-apps specification 2026-01-26) by hand, with no
code from the library the views bundle, so the two are checked against each other: answers
`ui/initialize` with a host context (theme, style variables, a container width), sends
`ui/notifications/tool-input` and `tool-result` after `ui/notifications/initialized`, relays the
view's `tools/call` to the real MCP server through a real MCP client, follows `size-changed`, and
sends `host-context-changed` when the test switches the theme.

The page and the view are served from two made-up origins (as a web host frames views on a
separate sandbox origin), the view with the restrictive Content-Security-Policy the spec makes a
host apply when a resource declares none. Every other request is refused and recorded: a view
that asks for anything outside fails the test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

CHROMIUM = os.environ.get("KINSTA_MCP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
APPS = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})  # what a client that shows views says
HOST = "https://host.test/"
VIEW = "https://sandbox.test/view.html"
# The spec's default for a resource that declares no `ui.csp`.
VIEW_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' data:; connect-src 'none'; frame-src 'none'; "
    "object-src 'none'; base-uri 'self'"
)
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "views"
DOC_IMAGES = REPO / "docs" / "images"

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>test host</title>
<style>body { margin: 0; background: #888; } iframe { border: 0; width: 100%; display: block; }</style>
</head><body>
<iframe id="view" sandbox="allow-scripts allow-same-origin" src="VIEW_URL"></iframe>
<script>
const frame = document.getElementById("view");
window.hostLog = [];          // every message the view sent
window.toolCalls = [];        // the view's tools/call requests, as relayed
window.messages = [];         // ui/message requests
window.hostContext = {
  theme: "light",
  displayMode: "inline",
  availableDisplayModes: ["inline"],
  platform: "web",
  locale: "en-US",
  styles: { variables: { "--font-sans": "DejaVu Sans, sans-serif" } },
  containerDimensions: { maxWidth: 1000, maxHeight: 4000 },
};
const send = (message) => frame.contentWindow.postMessage({ jsonrpc: "2.0", ...message }, "*");
window.setTheme = (theme) => {
  window.hostContext.theme = theme;
  send({ method: "ui/notifications/host-context-changed", params: { theme } });
};
window.addEventListener("message", async (event) => {
  if (event.source !== frame.contentWindow) return;   // only the framed view speaks to this host
  const msg = event.data;
  if (!msg || msg.jsonrpc !== "2.0") return;
  window.hostLog.push(msg);
  switch (msg.method) {
    case "ui/initialize": {
      const call = await window.toolCall();
      window.hostContext.toolInfo = { tool: call.tool };
      send({ id: msg.id, result: {
        protocolVersion: msg.params.protocolVersion,
        hostInfo: { name: "kinsta-mcp-test-host", version: "1.0.0" },
        hostCapabilities: { serverTools: {}, logging: {}, message: { text: {} } },
        hostContext: window.hostContext,
      } });
      return;
    }
    case "ui/notifications/initialized": {
      const call = await window.toolCall();
      send({ method: "ui/notifications/tool-input", params: { arguments: call.arguments } });
      send({ method: "ui/notifications/tool-result", params: call.result });
      window.viewInitialized = true;
      return;
    }
    case "ui/notifications/size-changed":
      if (msg.params && msg.params.height) frame.style.height = Math.ceil(msg.params.height) + "px";
      return;
    case "tools/call": {
      window.toolCalls.push(msg.params);
      try {
        send({ id: msg.id, result: await window.relayToolCall(msg.params.name, msg.params.arguments || {}) });
      } catch (error) {
        send({ id: msg.id, error: { code: -32603, message: String(error && error.message || error) } });
      }
      return;
    }
    case "ui/message":
      window.messages.push(msg.params);
      send({ id: msg.id, result: {} });
      return;
    default:
      if (msg.id !== undefined && msg.method) {
        send({ id: msg.id, error: { code: -32601, message: "not offered by the test host: " + msg.method } });
      }
  }
});
</script></body></html>
""".replace("VIEW_URL", VIEW)


def wire(result: Any) -> dict[str, Any]:
    """A CallToolResult as it travels (camelCase JSON), as a host hands it to a view."""
    data: dict[str, Any] = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("resultType", None)
    return data


class ViewHost:
    """One framed view in a page: the tool call it draws, the requests it made, its frame."""

    def __init__(self, page: Any, frame: Any, external: list[str], errors: list[str]) -> None:
        self.page = page
        self.frame = frame
        self.external = external  # requests to anywhere but the host page and the view
        self.errors = errors  # console errors and CSP violations

    async def tool_calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = await self.page.evaluate("window.toolCalls")
        return calls

    async def screenshot(self, name: str) -> Path:
        """A picture of the view: always under test-artifacts/views/, and into docs/images/ when
        UPDATE_SCREENSHOTS=1 (the pictures the docs show are made here)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        element = await self.page.query_selector("#view")
        await element.screenshot(path=str(path))
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            (DOC_IMAGES / f"{name}.png").write_bytes(path.read_bytes())
        return path


async def open_view(
    browser: Any,
    html: str,
    tool: dict[str, Any],
    arguments: dict[str, Any],
    result: dict[str, Any],
    relay: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
    *,
    width: int = 760,
) -> ViewHost:
    """Frame `html` in the test host, hand it `result` of the call with `arguments`; the view's own
    tool calls go to `relay` (a real MCP client call). Returns once the view has initialized."""
    page = await browser.new_page(viewport={"width": width, "height": 900})
    external: list[str] = []
    errors: list[str] = []

    async def route(route: Any) -> None:
        url = route.request.url
        if url == HOST:
            await route.fulfill(status=200, content_type="text/html", body=HOST_PAGE)
        elif url == VIEW:
            await route.fulfill(
                status=200,
                content_type="text/html",
                body=html,
                headers={"Content-Security-Policy": VIEW_CSP},
            )
        else:
            external.append(url)
            await route.abort()

    await page.route("**/*", route)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    call = {"tool": tool, "arguments": arguments, "result": result}
    await page.expose_function("toolCall", lambda: call)
    await page.expose_function("relayToolCall", relay)
    await page.goto(HOST)
    await page.wait_for_function("window.viewInitialized === true", timeout=15_000)
    frame = page.frame(url=VIEW)
    assert frame is not None
    return ViewHost(page, frame, external, errors)


def listed_tool(tools: Any, name: str) -> dict[str, Any]:
    """The tool as listed (what a host passes the view as hostContext.toolInfo.tool)."""
    for tool in tools.tools:
        if tool.name == name:
            data: dict[str, Any] = json.loads(tool.model_dump_json(by_alias=True, exclude_none=True))
            return data
    raise LookupError(name)
