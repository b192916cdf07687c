"""Fleet: "back up every live environment" at 50 sites, one batch call versus one call per site.

Each way runs against a fresh simulator with 50 sites (live + staging each) and Kinsta's
rate limits on at both ends (120 requests a minute per company: the simulator answers 429
past it, the client's limiter must keep it from doing so). Each backup takes 3 s in the
simulator. Time is VIRTUAL: the server's waits move the simulator's clock, so the figures
are what the waits and the rate limit cost, not network latency nor the model's own time
per tool call (a real assistant also spends a model turn on every call, which the "tool
calls" column counts).

- batch: run_batch(preset=backup_live) as a dry run, then with dry_run=false (2 calls);
- per site, waiting: list_sites (in pages: a long list is cut to the result budget), then
  create_backup per live environment (the server waits for each), then list_backups per
  environment to find the new backup's id;
- per site, started first: list_sites pages, create_backup(wait=false) for all, then
  wait_for_operation per id, then list_backups per environment.

Run: python benchmarks/fleet.py [--sites 50]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp.client import Client
from pydantic import SecretStr

from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator.clock import SimClock
from kinsta_mcp.simulator.seed import new_environment
from kinsta_mcp.simulator.world import Site


class VirtualClock:
    """The server's clock, reading and moving the simulator's (waits cost no real time)."""

    def __init__(self, sim: SimClock) -> None:
        self.sim = sim

    def monotonic(self) -> float:
        return self.sim.time()

    async def sleep(self, seconds: float) -> None:
        await self.sim.sleep(max(0.0, seconds))


def simulator(sites: int, clock: SimClock) -> Simulator:
    sim = Simulator(clock=clock, rate_limits=True, operation_seconds=3.0)
    for site_id in list(sim.state.sites):  # only the benchmark's sites
        for env_id in sim.state.sites[site_id].env_ids:
            sim.state.environments.pop(env_id, None)
        del sim.state.sites[site_id]
    for n in range(sites):
        site = Site(f"bench-site-{n:03d}", f"bench-{n:03d}", f"Bench {n:03d}", DEMO_COMPANY_ID, "us-central1")
        sim.state.sites[site.id] = site
        for kind in ("live", "staging"):
            new_environment(
                sim.state,
                site,
                env_id=f"bench-env-{n:03d}-{kind}",
                name=kind,
                display_name=kind.title(),
                domain_name=f"{kind}-bench-{n:03d}.kinsta.cloud",
                ssh_port=45_000 + 2 * n + (kind == "staging"),
            )
    return sim


async def live_ids(c: Client) -> list[str]:
    """Every live environment, from list_sites pages (a long list is cut to the result budget)."""
    found: list[str] = []
    offset = 0
    while True:
        body = (await c.call_tool("list_sites", {"include_environments": True, "offset": offset})).structured_content
        sites = body["company"]["sites"]
        found += [e["id"] for s in sites for e in s.get("environments") or [] if e.get("name") == "live"]
        if not body.get("_truncated"):
            return found
        offset += len(sites)


async def batch(c: Client) -> int:
    await c.call_tool("run_batch", {"preset": "backup_live"})
    result = await c.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
    rows = result.structured_content["rows"]
    assert all(r["outcome"] == "done" and r.get("created", {}).get("backup_id") for r in rows), rows
    return len(rows)


async def newest_backup(c: Client, env_id: str) -> Any:
    listed = await c.call_tool("list_backups", {"env_id": env_id})
    manual = [b for b in listed.structured_content["environment"]["backups"] if b["type"] == "manual"]
    return max(manual, key=lambda b: b["created_at"])["id"]


async def per_site_waiting(c: Client) -> int:
    envs = await live_ids(c)
    for env_id in envs:
        outcome = await c.call_tool("create_backup", {"env_id": env_id})
        assert outcome.structured_content["state"] == "succeeded", outcome.structured_content
    return len([await newest_backup(c, env_id) for env_id in envs])


async def per_site_started_first(c: Client) -> int:
    envs = await live_ids(c)
    started = [await c.call_tool("create_backup", {"env_id": e, "wait": False}) for e in envs]
    for result in started:
        outcome = await c.call_tool("wait_for_operation", {"operation_id": result.structured_content["operation_id"]})
        assert outcome.structured_content["state"] == "succeeded", outcome.structured_content
    return len([await newest_backup(c, env_id) for env_id in envs])


def busiest_minute(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if start <= t < start + 60) for start in times), default=0)


async def measure(sites: int, way: Callable[[Client], Awaitable[int]]) -> dict[str, Any]:
    clock = SimClock()
    sim = simulator(sites, clock)
    server_clock = VirtualClock(clock)
    settings = Settings(
        profiles={"demo": Profile(name="demo", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
        default_profile="demo",
        audit_log=None,
        api_base_url=sim.base_url,
        operation_wait=120.0,
    )
    clients = make_clients(settings, clock=server_clock, transport=sim.transport())
    calls = 0
    try:
        server = build_server(settings, clients, clock=server_clock, audit=AuditLog(None))
        async with Client(server, mode="auto") as c:
            original = c.call_tool

            async def counted(*args: Any, **kwargs: Any) -> Any:
                nonlocal calls
                calls += 1
                return await original(*args, **kwargs)

            c.call_tool = counted  # type: ignore[method-assign]
            start = clock.time()
            backups = await way(c)
            elapsed = clock.time() - start
    finally:
        for client in clients.values():
            await client.aclose()
    times = [r.time for r in sim.requests]
    return {
        "calls": calls,
        "requests": len(sim.requests),
        "seconds": elapsed,
        "429": sum(1 for r in sim.requests if r.status == 429),
        "busiest": busiest_minute(times),
        "backups": backups,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=50)
    args = parser.parse_args()
    ways = [
        ("one batch call (preview + run)", batch),
        ("per site, server waits each", per_site_waiting),
        ("per site, start all then wait", per_site_started_first),
    ]
    print(f"Back up every live environment, {args.sites} sites; virtual time (3 s per backup), Kinsta's limits on")
    header = f"{'way':<34}{'tool calls':>11}{'requests':>10}{'virtual s':>11}{'429s':>6}{'max/60s':>9}{'ids':>5}"
    print(header)
    print("-" * len(header))
    for label, way in ways:
        row = anyio.run(measure, args.sites, way)
        print(
            f"{label:<34}{row['calls']:>11}{row['requests']:>10}{row['seconds']:>11.1f}{row['429']:>6}"
            f"{row['busiest']:>9}{row['backups']:>5}"
        )
    return 0


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "fleet"))
