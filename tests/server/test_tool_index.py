"""The tool list is compiled once, at build time (kinsta_mcp/server/tool_index.json), and a fresh server
answers tools/list from it without compiling or even importing the catalog's declarations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kinsta_mcp.server import tool_index

ROOT = Path(__file__).resolve().parents[2]


def test_the_index_is_the_catalog_compiled_now() -> None:
    """Fails when a declaration changed and the index was not regenerated."""
    current = tool_index.text(tool_index.build())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        tool_index.INDEX_PATH.write_text(current, encoding="utf-8")
    assert tool_index.INDEX_PATH.read_text(encoding="utf-8") == current, (
        "kinsta_mcp/server/tool_index.json is stale: run python -m kinsta_mcp.docs_gen "
        "(or python -m kinsta_mcp.server.tool_index)"
    )


def test_a_stale_index_is_caught(tmp_path: Path) -> None:
    """The check above compares every byte: a changed description would not slip through."""
    index = tool_index.build()
    index["tools"][0]["description"] += " (changed)"
    assert tool_index.text(index) != tool_index.INDEX_PATH.read_text(encoding="utf-8")


PROBE = """
import json, sys
import anyio
from pydantic import SecretStr
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server
from kinsta_mcp.catalog import _AREAS as AREAS
from kinsta_mcp.server.compiled import compiled_tools

settings = Settings(
    profiles={"default": Profile(name="default", api_key=SecretStr("x"), company_id="c")},
    default_profile="default", audit_log=None, read_only=sys.argv[1] == "ro",
)
tools = anyio.run(build_server(settings, clients={}).list_tools)
print(json.dumps({
    "tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools],
    "areas": sorted(m for m in sys.modules if m.rsplit(".", 1)[-1] in AREAS and m.startswith("kinsta_mcp.catalog.")),
    "compiled": compiled_tools.cache_info().currsize,
}))
"""


def _fresh(mode: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    return dict(json.loads(out.stdout))


def test_a_fresh_server_lists_its_tools_without_compiling_the_catalog() -> None:
    for mode in ("all", "ro"):
        fresh = _fresh(mode)
        assert fresh["areas"] == [] and fresh["compiled"] == 0, fresh["areas"]  # nothing declared was even imported
        names = [t["name"] for t in fresh["tools"]]  # type: ignore[attr-defined, index]
        assert len(names) > 60 if mode == "all" else 25 < len(names) < 60
