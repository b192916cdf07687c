"""The README's tool table is generated from the catalog; this test fails when they differ.

Regenerate after changing a declaration: python tests/setup/test_setup_readme.py --write
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from pydantic import SecretStr

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import Effect, Toolset
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN = "<!-- tools:begin -->"
END = "<!-- tools:end -->"


def _settings() -> Settings:
    # Every toolset, writes included: the table lists everything a full configuration offers.
    return Settings(
        profiles={"default": Profile(name="default", api_key=SecretStr("x"), company_id="c")},
        default_profile="default",
        audit_log=None,
    )


async def _tools() -> list[Any]:
    return list(await build_server(_settings(), clients={}).list_tools())


def _kind(tool: Any) -> str:
    operation = BY_NAME.get(tool.name)
    hints = tool.annotations
    if operation is not None and operation.reveals_secret:
        kind = "reveals a secret: confirmed"
    elif hints is not None and hints.read_only_hint:
        kind = "read"
    elif hints is not None and hints.destructive_hint:
        kind = "irreversible: confirmed"
    else:
        kind = "write"
    if operation is not None and operation.is_async:
        kind += ", awaited"
    return kind


def _call(tool: Any) -> str:
    operation = BY_NAME.get(tool.name)
    return f"`{operation.method} {operation.path}`" if operation is not None else "(several calls)"


def tool_table() -> str:
    """The Markdown between the markers: one table, grouped by toolset in the catalog's order."""
    tools = anyio.run(_tools)
    by_set: dict[str, list[Any]] = {}
    for tool in tools:
        by_set.setdefault((tool.meta or {}).get("toolset", "?"), []).append(tool)
    order = [t.value for t in Toolset] + sorted(set(by_set) - {t.value for t in Toolset})
    lines = [
        f"{len(tools)} tools. Kind: read, write, or irreversible (the human confirms first); "
        "awaited: the tool waits for Kinsta's long operation and returns its outcome.",
        "",
        "| Toolset | Tool | What it does | Kind | Kinsta API |",
        "|---|---|---|---|---|",
    ]
    for toolset in order:
        for tool in by_set.get(toolset, []):
            lines.append(f"| {toolset} | `{tool.name}` | {tool.title or ''} | {_kind(tool)} | {_call(tool)} |")
    return "\n".join(lines) + "\n"


def readme_with_table(readme: str, table: str) -> str:
    head, found, rest = readme.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise ValueError(f"README.md lacks the {BEGIN} ... {END} markers")
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def test_readme_tool_table_matches_the_catalog() -> None:
    readme = README.read_text(encoding="utf-8")
    assert readme_with_table(readme, tool_table()) == readme, (
        "README.md's tool table is out of date: run python tests/setup/test_setup_readme.py --write"
    )


def test_table_lists_every_offered_tool_once() -> None:
    tools = anyio.run(_tools)
    table = tool_table()
    for tool in tools:
        assert table.count(f"| `{tool.name}` |") == 1, tool.name
    # Every catalog declaration is in it, by the Kinsta call it makes.
    for operation in BY_NAME.values():
        assert f"`{operation.method} {operation.path}`" in table, operation.name


def test_irreversible_tools_are_marked_confirmed() -> None:
    rows = {row.split(" | ")[1].strip("`"): row for row in tool_table().splitlines() if row.startswith("| ")}
    for name, operation in BY_NAME.items():
        if operation.effect is Effect.IRREVERSIBLE or operation.reveals_secret:
            assert "confirmed" in rows[name], name
        elif operation.effect is Effect.READ:
            assert "| read" in rows[name], name


def test_markers_missing_is_an_error() -> None:
    with pytest.raises(ValueError, match="markers"):
        readme_with_table("# no markers\n", "x\n")


if __name__ == "__main__":
    if "--write" in sys.argv:
        text = README.read_text(encoding="utf-8")
        README.write_text(readme_with_table(text, tool_table()), encoding="utf-8")
    else:
        sys.stdout.write(tool_table())
