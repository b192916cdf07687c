"""Operation waiting: requests per awaited operation, and the delay from completion to the answer.

A tool that starts a long Kinsta operation (`clear_cache`) polls `GET /operations/{id}`
until it finishes. Against the in-process simulator on the real clock, with operations taking
`--durations` seconds, this counts the polls and measures how long after the operation
finished (the simulator's completion time) the tool answered. Run: python benchmarks/operation_wait.py
"""

from __future__ import annotations

import argparse
import sys

import anyio
from mcp.client import Client
from pydantic import SecretStr

from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator.seed import ACME_LIVE_ENV_ID


async def one(duration: float) -> tuple[int, float, float]:
    """(requests made, seconds from completion to answer, seconds waited in all) for one operation."""
    sim = Simulator(operation_seconds=duration, rate_limits=False)
    settings = Settings(
        profiles={"default": Profile(name="default", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
        default_profile="default",
        audit_log=None,
        api_base_url=sim.base_url,
        operation_wait=120.0,
    )
    clients = make_clients(settings, transport=sim.transport())
    try:
        server = build_server(settings, clients)
        async with Client(server, mode="legacy") as mcp:
            started = sim.clock.time()
            result = await mcp.call_tool("clear_cache", {"cache": "site", "env_id": ACME_LIVE_ENV_ID})
            answered = sim.clock.time()
    finally:
        for client in clients.values():
            await client.aclose()
    assert not result.is_error, result
    (operation,) = sim.state.operations.values()
    assert operation.finished
    return len(sim.requests), answered - operation.done_at, answered - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", default="0.5,2,5,12", help="operation lengths, seconds")
    args = parser.parse_args()
    print(f"{'operation s':>12}{'requests':>10}{'answered after s':>18}{'late by s':>11}")
    for duration in (float(d) for d in args.durations.split(",")):
        requests, late, total = anyio.run(one, duration)
        print(f"{duration:>12.1f}{requests:>10}{total:>18.2f}{late:>11.2f}")
    print("requests: the starting request plus every poll of /operations/{id}; late by: answer minus completion")
    return 0


if __name__ == "__main__":
    sys.exit(main())
