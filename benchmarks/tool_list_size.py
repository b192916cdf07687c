"""How many bytes of tool list a model sees: the default (every tool), and each toolset.

A model reads every tool's name, description and input schema on every turn, so this
is context spent before any work. Measured as compact JSON of those three fields, the
way clients forward them. The whole `tools/list` answer (titles, annotations, output
schemas) is measured too, for every tool. Run: python benchmarks/tool_list_size.py
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from typing import Any

from pydantic import SecretStr

from kinsta_mcp.catalog.spec import Toolset
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server
from kinsta_mcp.server.compiled import compiled_tools

TARGET = 40_000  # model-visible bytes of the default: every tool (issue 21)
WHOLE_TARGET = 60_000  # bytes of the whole tools/list answer with every tool


def tool_bytes(tool: Any) -> int:
    seen = {"name": tool.name, "description": tool.description or "", "inputSchema": tool.input_schema}
    return len(json.dumps(seen, separators=(",", ":"), ensure_ascii=False).encode())


def toolset_of(tool: Any) -> str:
    return compiled_tools()[tool.name].toolset.value


def whole_bytes(tools: list[Any]) -> int:
    """The tools/list result as a client receives it (compact JSON)."""
    listed = [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in tools]
    return len(json.dumps({"tools": listed}, separators=(",", ":"), ensure_ascii=False).encode())


def distinct_arguments(tools: list[Any]) -> set[str]:
    """Every distinct (name, schema) argument over the tools, as compact JSON: what any design that keeps
    each argument's type, constraints and description must list at least once."""
    return {
        json.dumps({name: schema}, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        for tool in tools
        for name, schema in tool.input_schema.get("properties", {}).items()
    }


async def listed(settings: Settings) -> list[Any]:
    return list(await build_server(settings, clients={}).list_tools())


def settings(toolsets: Any) -> Settings:
    values: dict[str, Any] = {
        "profiles": {"default": Profile(name="default", api_key=SecretStr("x"), company_id="c")},
        "default_profile": "default",
        "audit_log": None,
    }
    if toolsets is not None:
        values["toolsets"] = toolsets
    return Settings(**values)


def main() -> int:
    import anyio

    default = anyio.run(listed, settings(None))
    every = anyio.run(listed, settings("all"))
    per_set: dict[str, list[int]] = defaultdict(list)
    for tool in default:
        per_set[toolset_of(tool)].append(tool_bytes(tool))
    print(f"{'toolset':<14}{'tools':>7}{'bytes':>9}")
    for toolset in [t.value for t in Toolset]:
        sizes = per_set.get(toolset, [])
        print(f"{toolset:<14}{len(sizes):>7}{sum(sizes):>9}")
    default_total = sum(tool_bytes(t) for t in default)
    whole = whole_bytes(default)
    same = [t.model_dump(mode="json") for t in default] == [t.model_dump(mode="json") for t in every]
    note = f"(no options: every tool; the same list as --toolsets all: {'yes' if same else 'NO'})"
    print(f"{'default':<14}{len(default):>7}{default_total:>9}  {note}")
    print(f"whole tools/list with titles, annotations and output schemas: {whole} bytes")
    met = default_total <= TARGET and whole <= WHOLE_TARGET and same
    print(
        f"targets: model-visible <= {TARGET}: {'met' if default_total <= TARGET else 'NOT met'}; "
        f"whole tools/list <= {WHOLE_TARGET}: {'met' if whole <= WHOLE_TARGET else 'NOT met'}"
    )
    arguments = distinct_arguments(default)
    floor = sum(len(text.encode()) - 2 for text in arguments)  # each as "name":{schema}, without the braces
    print(
        f"its {len(arguments)} distinct arguments alone take {floor} bytes ({100 * floor // default_total}% of the "
        "model-visible bytes), before any tool's name, description or required list"
    )
    if "-v" in sys.argv:
        rows = sorted(default, key=lambda t: -tool_bytes(t))
        for tool in rows:
            print(f"  {tool_bytes(tool):>5}  {toolset_of(tool):<12} {tool.name}")
    return 0 if met else 1


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "tool_list_size"))
