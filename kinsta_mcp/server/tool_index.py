"""The tool list compiled once, at build time: what `tools/list` shows and what choosing tools needs.

Compiling the catalog (every input model's JSON schema) is most of what a first `tools/list`
would cost a fresh process. So the compiled list is written once into `tool_index.json`
beside this module (`python -m kinsta_mcp.server.tool_index`; `python -m kinsta_mcp.docs_gen`
and `UPDATE_SNAPSHOTS=1 pytest tests/server/test_tool_list.py` do it too), shipped with the
package, and read with one `json.loads` when a server first lists or chooses its tools. The
operations behind a tool are compiled only when a tool is first called.
`tests/server/test_tool_index.py` fails when the file and the catalog differ.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_types import ToolAnnotations

from kinsta_mcp.catalog.spec import Effect, Toolset

INDEX_PATH = Path(__file__).with_name("tool_index.json")


@dataclass(frozen=True)
class ToolEntry:
    """One tool as listed and chosen: the fields of a `compiled.ToolDef` that need no operation."""

    name: str
    title: str
    description: str
    toolset: Toolset
    toolsets: frozenset[str]
    effect: Effect
    is_async: bool
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    annotations: ToolAnnotations
    options: tuple[str, ...]
    special: str | None
    asks: str
    batchable: bool
    mentions: frozenset[str]  # the other tools its description and schema name
    view: str | None  # the MCP Apps view drawing its result (kinsta_mcp.views.VIEWS), or None
    reveals_only: bool  # every operation reveals a secret (hidden in read-only mode)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ToolEntry:
        return cls(
            name=data["name"],
            title=data["title"],
            description=data["description"],
            toolset=Toolset(data["toolset"]),
            toolsets=frozenset(data["toolsets"]),
            effect=Effect(data["effect"]),
            is_async=data["async"],
            input_schema=data["inputSchema"],
            output_schema=data["outputSchema"],
            annotations=ToolAnnotations.model_validate(data["annotations"]),
            options=tuple(data["options"]),
            special=data["special"],
            asks=data["asks"],
            batchable=data["batchable"],
            mentions=frozenset(data["mentions"]),
            view=data["view"],
            reveals_only=data["reveals_only"],
        )


def _entry(tool: Any) -> dict[str, Any]:
    from kinsta_mcp.server.compiled import mentions
    from kinsta_mcp.server.fleet.plan import batchable

    return {
        "name": tool.name,
        "title": tool.title,
        "description": tool.description,
        "toolset": tool.toolset.value,
        "toolsets": sorted(tool.toolsets),
        "effect": tool.effect.value,
        "async": tool.is_async,
        "inputSchema": tool.input_schema,
        "outputSchema": tool.output_schema,
        "annotations": tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True),
        "options": list(tool.options),
        "special": tool.special,
        "asks": tool.asks,
        "batchable": batchable(tool),
        "mentions": sorted(mentions(tool.name)),
        "view": tool.view,
        "reveals_only": tool.reveals_only,
    }


def build() -> dict[str, Any]:
    """The index from the catalog: every tool, and read-only mode's narrower variants of mixed groups."""
    from kinsta_mcp.server.compiled import _read_only_tools, compiled_tools

    tools = compiled_tools()
    narrowed = {name: tool for name, tool in _read_only_tools().items() if tool is not tools[name]}
    return {
        "tools": [_entry(tool) for tool in tools.values()],
        "read_only": [_entry(tool) for tool in narrowed.values()],
    }


def text(index: dict[str, Any]) -> str:
    return json.dumps(index, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write() -> Path:
    INDEX_PATH.write_text(text(build()), encoding="utf-8")
    return INDEX_PATH


@functools.cache
def _loaded() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(INDEX_PATH.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def entries(read_only: bool = False) -> dict[str, ToolEntry]:
    """Every tool by name, in catalog order; with `read_only`, mixed groups narrowed to their reads."""
    index = _loaded()
    found = {data["name"]: ToolEntry.from_json(data) for data in index["tools"]}
    if read_only:
        found.update({data["name"]: ToolEntry.from_json(data) for data in index["read_only"]})
    return found


if __name__ == "__main__":
    print(f"wrote {write()}")
