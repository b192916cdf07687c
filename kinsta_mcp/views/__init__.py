"""MCP Apps views: one self-contained HTML document per view, drawn by clients that show them.

A tool names its view in its declaration (`ToolGroup.view`, or `ToolDef.view` for the special
tools); the server then stamps `_meta.ui.resourceUri` on it for clients that negotiated the
`io.modelcontextprotocol/ui` extension and serves the HTML as a `ui://` resource (server/sdk.py).
A view draws the tool's own structured result, which the host hands it; it asks the server for
nothing until the person using it clicks something, and then through the host, as a tool call.

The HTML files beside this module are BUILT from `views/` at the repository root (`npm ci &&
npm run build` there): the bridge (@modelcontextprotocol/ext-apps) and the chart library (uPlot)
are bundled in, so a view makes no request of its own and a wheel needs no Node.
`tests/views/test_bundle.py` fails when a committed file differs from what the sources build.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = ["MAX_BYTES", "URI_PREFIX", "VIEWS", "View"]

URI_PREFIX = "ui://kinsta/"
MAX_BYTES = 512 * 1024  # per view: what a host loads into a frame for every call it draws


@dataclass(frozen=True)
class View:
    name: str  # also the built file's stem: <name>.html
    title: str
    description: str

    @property
    def uri(self) -> str:
        return f"{URI_PREFIX}{self.name}.html"

    def html(self) -> str:
        return resources.files(__package__).joinpath(f"{self.name}.html").read_text(encoding="utf-8")


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        View(
            "analytics",
            "Analytics chart",
            "An environment's visits or bandwidth over the period as a chart, a breakdown as bars; "
            "metric, period and environment can be switched from the view.",
        ),
        View(
            "overview",
            "Company overview table",
            "Every site and environment with PHP and WordPress versions and pending updates: sortable, "
            "filterable, an environment's details a click away.",
        ),
        View(
            "batch",
            "Batch outcomes",
            "A batch's targets and outcomes, with the ids of what was created.",
        ),
    )
}
