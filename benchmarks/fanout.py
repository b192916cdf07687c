"""Fan-out: the company overview for 50 simulated sites, concurrent versus one request at a time.

`get_company_overview` lists the sites with their environments, then reads each environment's
plugins and themes: 1 + 100 requests for 50 single-environment sites. Each request takes
`--latency` seconds in the simulator (a "slow" fault on every request). Two settings are measured:

- "limits off": the reads against a latency-only simulator (no rate limit on either side),
  which isolates what concurrency buys;
- "Kinsta's limits": the client's limiter and the simulator both at Kinsta's 120 requests a
  minute per company; 101 requests fit in one window, so the limit does not bind. Time can be
  compressed by `--scale` (the window is 60/scale seconds and the latency latency/scale;
  default 1: real time); figures are in real seconds.

Both count answers with status 429 (the target is none). Run: python benchmarks/fanout.py
"""

from __future__ import annotations

import argparse
import sys
import time

import anyio
from mcp.client import Client
from pydantic import SecretStr

import kinsta_mcp.server.overview as overview_module
import kinsta_mcp.simulator.ratelimit as sim_ratelimit
from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.ratelimit import RateLimiter
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Fault, Simulator
from kinsta_mcp.simulator.seed import new_environment
from kinsta_mcp.simulator.world import Site

TARGET = 5.0


def simulator_with_sites(count: int, latency: float, rate_limits: bool) -> Simulator:
    sim = Simulator(seed=True, rate_limits=rate_limits)
    # Keep only the seeded company and add `count` sites with one live environment each.
    for site_id in list(sim.state.sites):
        for env_id in sim.state.sites[site_id].env_ids:
            sim.state.environments.pop(env_id, None)
        del sim.state.sites[site_id]
    for n in range(count):
        site = Site(f"bench-site-{n:03d}", f"bench-{n:03d}", f"Bench {n:03d}", DEMO_COMPANY_ID, "us-central1")
        sim.state.sites[site.id] = site
        new_environment(
            sim.state,
            site,
            env_id=f"bench-env-{n:03d}",
            name="live",
            display_name="Live",
            domain_name=f"bench-{n:03d}.kinsta.cloud",
        )
    sim.faults.add(Fault(kind="slow", seconds=latency, times=None))
    return sim


async def overview_seconds(sim: Simulator, concurrency: int, limiter: RateLimiter) -> tuple[float, int, int]:
    """Seconds for one get_company_overview call, the requests it made and the 429s among them."""
    settings = Settings(
        profiles={"default": Profile(name="default", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
        default_profile="default",
        audit_log=None,
        api_base_url=sim.base_url,
    )
    client = KinstaClient(
        api_key=SecretStr(DEMO_API_KEY), base_url=sim.base_url, transport=sim.transport(), limiter=limiter
    )
    overview_module.CONCURRENCY = concurrency  # read when the call runs
    sim.requests.clear()
    try:
        server = build_server(settings, {"default": client})
        async with Client(server, mode="legacy") as mcp:
            start = time.perf_counter()
            result = await mcp.call_tool("get_company_overview", {})
            seconds = time.perf_counter() - start
        assert not result.is_error, result
        sites = (result.structured_content or {}).get("sites", [])
        assert len(sites) == len(sim.state.sites), f"{len(sites)} sites in the overview"
    finally:
        await client.aclose()
    statuses = [r.status for r in sim.requests]
    return seconds, len(statuses), statuses.count(429)


def run(sites: int, latency: float, scale: float) -> list[tuple[str, str, float, int, int]]:
    rows: list[tuple[str, str, float, int, int]] = []
    unlimited = 10**9
    for concurrency in (1, overview_module.CONCURRENCY):
        sim = simulator_with_sites(sites, latency, rate_limits=False)
        limiter = RateLimiter(per_company=unlimited, create=unlimited, logs=unlimited, per_process=unlimited)
        seconds, count, refused = anyio.run(overview_seconds, sim, concurrency, limiter)
        rows.append(("limits off", str(concurrency), seconds, count, refused))
    window = 60.0 / scale
    saved = sim_ratelimit.WINDOW_SECONDS
    sim_ratelimit.WINDOW_SECONDS = window
    try:
        for concurrency in (1, 8):
            sim = simulator_with_sites(sites, latency / scale, rate_limits=True)
            seconds, count, refused = anyio.run(overview_seconds, sim, concurrency, RateLimiter(window=window))
            rows.append(("Kinsta's limits", str(concurrency), seconds * scale, count, refused))
    finally:
        sim_ratelimit.WINDOW_SECONDS = saved
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per simulated Kinsta request")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="time compression for the rate-limited runs (RateLimit-Reset is whole seconds: keep it small)",
    )
    args = parser.parse_args()
    rows = run(args.sites, args.latency, args.scale)
    print(f"{args.sites} sites, {args.latency * 1000:.0f} ms per request")
    print(f"{'setting':<17}{'in flight':>10}{'seconds':>9}{'requests':>10}{'429s':>6}{'speed-up':>10}")
    ok = True
    for setting in ("limits off", "Kinsta's limits"):
        pair = [r for r in rows if r[0] == setting]
        base = pair[0][2]
        for name, concurrency, seconds, count, refused in pair:
            print(f"{name:<17}{concurrency:>10}{seconds:>9.2f}{count:>10}{refused:>6}{base / seconds:>9.1f}x")
            ok = ok and refused == 0
        if setting == "limits off":
            ok = ok and base / pair[1][2] >= TARGET
    print(f"target: >= {TARGET:.0f}x faster concurrently (limits off), no 429: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "fanout"))
