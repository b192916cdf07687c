"""Server build time and in-process call cost, for this checkout and optionally another.

Each measurement runs in a fresh interpreter (so "first" includes whatever the code does
once per process) with the checkout first on PYTHONPATH:
- first build: `build_server` + the first `tools/list` answer (tools made or compiled then);
- next build: another server in the same process (what a test or an HTTP worker pays again);
- call: median in-process `call_tool("get_site")` against the in-process simulator, through
  an in-memory MCP client (2025-11-25), 200 calls after 20 warm-up calls.

Run: python benchmarks/server_build.py [--compare /path/to/old/checkout]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, statistics, sys, time
import anyio
from pydantic import SecretStr

sys.path.insert(0, "tests")
from mcp.client import Client
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator.seed import ACME_SITE_ID

async def main():
    sim = Simulator(rate_limits=False)
    settings = Settings(
        profiles={"demo": Profile(name="demo", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
        default_profile="demo", audit_log=None, api_base_url=sim.base_url, toolsets=None,
    )
    clients = make_clients(settings, transport=sim.transport())
    builds = []
    for _ in range(6):
        start = time.perf_counter()
        server = build_server(settings, clients)
        tools = await server.list_tools()
        builds.append(time.perf_counter() - start)
    async with Client(server, mode="legacy") as client:
        for _ in range(20):
            await client.call_tool("get_site", {"site_id": ACME_SITE_ID})
        calls = []
        for _ in range(200):
            start = time.perf_counter()
            await client.call_tool("get_site", {"site_id": ACME_SITE_ID})
            calls.append(time.perf_counter() - start)
    print(json.dumps({"tools": len(tools), "first": builds[0], "next": statistics.median(builds[1:]),
                      "call": statistics.median(calls)}))

anyio.run(main)
"""


def measure(checkout: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    env["PYTHONPATH"] = str(checkout) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=checkout, env=env, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="another checkout (e.g. a worktree of the previous release)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per checkout; medians reported")
    args = parser.parse_args()
    checkouts = {"this checkout": ROOT}
    if args.compare:
        checkouts = {"compared": args.compare.resolve(), **checkouts}
    print(f"{'':<16}{'tools':>6}{'first build ms':>16}{'next build ms':>15}{'call ms':>9}")
    for name, path in checkouts.items():
        runs = [measure(path) for _ in range(args.rounds)]
        row = {key: statistics.median(r[key] for r in runs) for key in ("tools", "first", "next", "call")}
        print(
            f"{name:<16}{row['tools']:>6.0f}{row['first'] * 1000:>16.1f}{row['next'] * 1000:>15.1f}"
            f"{row['call'] * 1000:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "server_build"))
