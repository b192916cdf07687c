"""How many bytes of tool list a model sees: for the full set and for each toolset.

A model reads every tool's name, description and input schema on every turn, so this
is context spent before any work. Measured as compact JSON of those three fields, the
way clients forward them. Run: python benchmarks/tool_list_size.py
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

TARGET = 20_000


def tool_bytes(tool: Any) -> int:
    seen = {"name": tool.name, "description": tool.description or "", "inputSchema": tool.input_schema}
    return len(json.dumps(seen, separators=(",", ":"), ensure_ascii=False).encode())


async def measure(settings: Settings) -> list[tuple[str, str, int]]:
    server = build_server(settings, clients={})
    rows = []
    for tool in await server.list_tools():
        toolset = (tool.meta or {}).get("toolset", "?")
        rows.append((toolset, tool.name, tool_bytes(tool)))
    return rows


def main() -> int:
    import anyio

    settings = Settings(
        profiles={"default": Profile(name="default", api_key=SecretStr("x"), company_id="c")},
        default_profile="default",
        audit_log=None,
    )
    rows = anyio.run(measure, settings)
    per_set: dict[str, list[int]] = defaultdict(list)
    for toolset, _name, size in rows:
        per_set[toolset].append(size)
    total = sum(size for _, _, size in rows)
    print(f"{'toolset':<14}{'tools':>7}{'bytes':>9}")
    for toolset in [t.value for t in Toolset]:
        sizes = per_set.get(toolset, [])
        print(f"{toolset:<14}{len(sizes):>7}{sum(sizes):>9}")
    print(f"{'all':<14}{len(rows):>7}{total:>9}")
    print(f"target: <= {TARGET} bytes in all: {'met' if total <= TARGET else 'NOT met'}")
    if "-v" in sys.argv:
        for toolset, name, size in sorted(rows, key=lambda r: -r[2]):
            print(f"  {size:>5}  {toolset:<12} {name}")
    return 0 if total <= TARGET else 1


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "tool_list_size"))
