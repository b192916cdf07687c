"""The real command over real stdio: `kinsta-mcp --demo` answers both protocol versions.

Only protocol messages may reach stdout: anything else would break the JSON-RPC stream
these clients read, so a passing call is itself the proof.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from kinsta_mcp.server.compiled import compiled_tools

pytestmark = pytest.mark.anyio


def demo_server(*extra: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    env["KINSTA_MCP_AUDIT_LOG"] = "off"
    return StdioServerParameters(command=sys.executable, args=["-m", "kinsta_mcp", "--demo", *extra], env=env)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_demo_over_stdio(mode: str) -> None:
    default_tools: list[Any] = []
    tools: list[Any] = []
    results: list[Any] = []

    async def default() -> None:
        async with Client(demo_server(), mode=mode) as client:  # type: ignore[arg-type]
            default_tools.extend((await client.list_tools()).tools)

    async def every_tool() -> None:
        async with Client(demo_server("--toolsets", "all"), mode=mode) as client:  # type: ignore[arg-type]
            tools.extend((await client.list_tools()).tools)
            results.append(await client.call_tool("list_sites", {}))

    async with anyio.create_task_group() as both:  # two server processes, started at once
        both.start_soon(default)
        both.start_soon(every_tool)
    (result,) = results
    # every tool with --toolsets all, and the very same list without options (the default is every capability)
    assert {t.name for t in tools} == set(compiled_tools())
    assert [t.model_dump(mode="json") for t in default_tools] == [t.model_dump(mode="json") for t in tools]
    assert not result.is_error
    assert "Acme Shop" in str(result.structured_content)


def test_demo_says_it_is_the_simulator_on_stderr() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    env["KINSTA_MCP_AUDIT_LOG"] = "off"
    init = (
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "kinsta_mcp", "--demo"], input=init, capture_output=True, text=True, env=env, timeout=60
    )
    assert "simulator" in proc.stderr.lower()
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines and all(line.startswith('{"') for line in lines), proc.stdout[:500]
    assert '"result"' in lines[0] and "kinsta" in lines[0]
