"""Overhead per tool call: an MCP tool call versus a direct httpx request to the same endpoint.

The simulator runs standalone (uvicorn, its own process) on a loopback port, rate limits off.
The MCP server runs in this process and is called through the SDK's in-memory `Client`
(2025-11-25, JSON-RPC framed), its Kinsta client pointed at the simulator by `api_base_url`.
Both sides make the same request (`GET /sites/{id}`), alternating, so drift hits both alike.
Overhead = MCP percentile minus direct percentile. Run: python benchmarks/call_overhead.py
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx
from mcp.client import Client
from pydantic import SecretStr

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.ratelimit import RateLimiter
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID
from kinsta_mcp.simulator.seed import ACME_SITE_ID

TARGET_P50_MS = 2.0
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_simulator(port: int) -> subprocess.Popen[bytes]:
    code = f"from kinsta_mcp.simulator import serve; serve('127.0.0.1', {port}, rate_limits=False)"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the simulator did not start")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(values)


async def measure(base_url: str, calls: int) -> tuple[list[float], list[float]]:
    settings = Settings(
        profiles={"default": Profile(name="default", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
        default_profile="default",
        audit_log=None,
        api_base_url=base_url,
    )
    unlimited = 10**9
    # Kinsta's 120 a minute would make this a rate-limit benchmark: the limiter is measured, not waited on.
    limiter = RateLimiter(per_company=unlimited, create=unlimited, logs=unlimited, per_process=unlimited)
    kinsta = KinstaClient(api_key=SecretStr(DEMO_API_KEY), base_url=base_url, limiter=limiter)
    direct_ms: list[float] = []
    mcp_ms: list[float] = []
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        server = build_server(settings, {"default": kinsta})
        async with Client(server, mode="legacy") as mcp:
            for i in range(calls + 20):  # the first 20 warm both paths up
                start = time.perf_counter()
                response = await http.get(f"/sites/{ACME_SITE_ID}")
                direct = time.perf_counter() - start
                assert response.status_code == 200
                start = time.perf_counter()
                result = await mcp.call_tool("get_site", {"site_id": ACME_SITE_ID})
                through_mcp = time.perf_counter() - start
                assert not result.is_error, result
                if i >= 20:
                    direct_ms.append(direct * 1000)
                    mcp_ms.append(through_mcp * 1000)
    await kinsta.aclose()
    return direct_ms, mcp_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    port = free_port()
    simulator = start_simulator(port)
    try:
        direct, through_mcp = anyio.run(measure, f"http://127.0.0.1:{port}/v2", args.calls)
    finally:
        simulator.terminate()
        simulator.wait(10)
    print(f"{args.calls} calls of get_site (GET /sites/{{site_id}}), simulator over HTTP on loopback")
    print(f"{'':<22}{'p50 ms':>8}{'p99 ms':>8}")
    p50 = (percentile(direct, 50), percentile(through_mcp, 50))
    p99 = (percentile(direct, 99), percentile(through_mcp, 99))
    print(f"{'direct httpx':<22}{p50[0]:>8.2f}{p99[0]:>8.2f}")
    print(f"{'MCP tool call':<22}{p50[1]:>8.2f}{p99[1]:>8.2f}")
    overhead = (p50[1] - p50[0], p99[1] - p99[0])
    print(f"{'overhead':<22}{overhead[0]:>8.2f}{overhead[1]:>8.2f}   (target p50 <= {TARGET_P50_MS} ms)")
    return 0 if overhead[0] <= TARGET_P50_MS else 1


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "call_overhead"))
