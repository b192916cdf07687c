"""Load: several MCP clients over Streamable HTTP on loopback, against the simulator with its rate limits on.

Each client (alternately on protocol 2025-11-25 and 2026-07-28, each with its own session) makes a
fixed number of calls, a mix of reads and a long-running write, and stops at the time limit if that
comes first. Measured: latency per call, failures (only injected faults may fail a call), the
busiest 60-second window the simulator saw (Kinsta allows 120 requests a minute per company), and
memory traced before and after the measured phase, with every client still connected.

Kinsta's side runs on virtual time (the simulator's clock, moved by the server's waits), so rate
limit waits and long operations cost no real time; HTTP, sessions and the MCP server are real.

Run: python benchmarks/load.py [--clients 8] [--calls 100] [--time-limit 60] [--write-faults 2] [--no-trace]
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr

from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.server.http import loopback_socket, running
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Fault, SimClock, Simulator
from kinsta_mcp.simulator import seed as ids

RATE_PER_MINUTE = 120  # Kinsta's documented per-company limit
WINDOW_SECONDS = 60.0
INJECTED = "injected by the load benchmark"
CLEAR_CACHE_PATH = "/sites/tools/clear-cache"
TOKEN = "load-benchmark-token-0d9e8f7a"
ENVS = (
    ids.ACME_LIVE_ENV_ID,
    ids.ACME_STAGING_ENV_ID,
    ids.NORTHWIND_LIVE_ENV_ID,
    ids.NORTHWIND_STAGING_ENV_ID,
    ids.CONTOSO_LIVE_ENV_ID,
    ids.CONTOSO_STAGING_ENV_ID,
)
SITES = (ids.ACME_SITE_ID, ids.NORTHWIND_SITE_ID, ids.CONTOSO_SITE_ID)


class SimulatorTime:
    """The server's clock reading and moving the simulator's: waits cost no real time."""

    def __init__(self, sim: SimClock) -> None:
        self.sim = sim

    def monotonic(self) -> float:
        return self.sim.time()

    async def sleep(self, seconds: float) -> None:
        await self.sim.sleep(max(0.0, seconds))


def call_for(client_index: int, call_index: int, write_every: int = 4) -> tuple[str, dict[str, Any]]:
    """The mix: reads, and every `write_every`-th call a long-running write (cache clear, awaited)."""
    site = SITES[(client_index + call_index) % len(SITES)]
    if call_index % write_every == write_every - 1:
        return "clear_cache", {"cache": "site", "env_id": ENVS[client_index % len(ENVS)]}
    kind = call_index % 3
    if kind == 0:
        return "list_sites", {}
    if kind == 1:
        return "get_site", {"site_id": site}
    return "list_environments", {"site_id": site}


@dataclass
class LoadReport:
    clients: int
    calls: int = 0
    injected_failures: int = 0
    unexpected: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    simulator_requests: int = 0
    write_calls: int = 0
    writes_sent: int = 0  # requests that change something: never more than write calls (no write is resent)
    refused_by_rate_limit: int = 0  # 429s the simulator gave
    busiest_minute: int = 0
    traced_before_kib: float = 0.0
    traced_after_kib: float = 0.0
    traced_peak_kib: float = 0.0
    objects_before: int = 0  # objects the garbage collector tracks: a leak per call shows here without tracing
    objects_midway: int = 0  # after half the measured calls
    objects_after: int = 0
    rss_before_mib: float = 0.0
    rss_after_mib: float = 0.0
    stopped_by_time_limit: bool = False

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def growth_kib(self) -> float:
        return self.traced_after_kib - self.traced_before_kib

    def table(self) -> str:
        rows = [
            ("MCP clients (sessions)", f"{self.clients}"),
            ("calls", f"{self.calls}"),
            ("failed: injected faults", f"{self.injected_failures}"),
            ("failed: anything else", f"{len(self.unexpected)}"),
            (
                "latency p50 / p99 / max",
                f"{self.percentile(0.5):.1f} / {self.percentile(0.99):.1f} / "
                f"{max(self.latencies_ms, default=0.0):.1f} ms",
            ),
            ("mean latency", f"{statistics.fmean(self.latencies_ms) if self.latencies_ms else 0.0:.1f} ms"),
            ("wall time", f"{self.wall_seconds:.1f} s" + (" (time limit hit)" if self.stopped_by_time_limit else "")),
            (
                "Kinsta requests (writes / write calls)",
                f"{self.simulator_requests} ({self.writes_sent} / {self.write_calls})",
            ),
            ("busiest 60 s window", f"{self.busiest_minute} requests (limit {RATE_PER_MINUTE})"),
            ("429s from Kinsta", f"{self.refused_by_rate_limit}"),
            (
                "traced memory before / after" + ("" if self.traced_peak_kib else " (not traced)"),
                f"{self.traced_before_kib:.0f} / {self.traced_after_kib:.0f} KiB (growth {self.growth_kib:+.0f} KiB)",
            ),
            ("traced memory peak", f"{self.traced_peak_kib:.0f} KiB"),
            (
                "live objects start / midway / end",
                f"{self.objects_before} / {self.objects_midway} / {self.objects_after} "
                f"(second half {self.objects_after - self.objects_midway:+d})",
            ),
            ("RSS before / after", f"{self.rss_before_mib:.1f} / {self.rss_after_mib:.1f} MiB"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
        lines += [f"| {name:<{width}} | {value} |" for name, value in rows]
        return "\n".join(lines)


def busiest_window(times: list[float], window: float = WINDOW_SECONDS) -> int:
    """The most requests in any window (t - window, t], the simulator's own sliding-window definition."""
    ordered = sorted(times)
    most = 0
    start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - window:
            start += 1
        most = max(most, end - start + 1)
    return most


def _rss_mib() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0  # not Linux: RSS is not reported
    return pages * resource.getpagesize() / 2**20


class Meeting:
    """Every client arrives; the controller measures while they wait, then lets them go on."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.arrived = 0
        self.everyone_here = anyio.Event()
        self.go_on = anyio.Event()

    async def meet(self) -> None:
        self.arrived += 1
        if self.arrived == self.expected:
            self.everyone_here.set()
        await self.go_on.wait()


def _live_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def _traced_kib() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 1024  # 0 when tracing is off


async def run_load(
    clients: int = 4,
    calls_per_client: int = 40,
    warmup_calls: int = 4,
    time_limit: float = 60.0,
    write_faults: int = 0,
    write_every: int = 4,
    trace_memory: bool = True,
) -> LoadReport:
    """Run the load and return its figures. Stops by itself: after the calls, or at `time_limit` seconds."""
    report = LoadReport(clients=clients)
    clock = SimClock()
    sim = Simulator(clock=clock, rate_limits=True)
    if write_faults:
        sim.faults.add(Fault(method="POST", path=CLEAR_CACHE_PATH, status=503, times=write_faults, message=INJECTED))
    sock = loopback_socket()
    port = sock.getsockname()[1]
    settings = Settings(
        profiles={"demo": Profile(name="demo", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
        default_profile="demo",
        api_base_url=sim.base_url,
        audit_log=None,
        transport="http",
        port=port,
        http_tokens={TOKEN: None},
    )
    time_source = SimulatorTime(clock)
    kinsta_clients = make_clients(settings, clock=time_source, transport=sim.transport())
    server = build_server(settings, kinsta_clients, clock=time_source, audit=AuditLog(None))
    url = f"http://127.0.0.1:{port}/mcp"

    warmed, halfway, finished = Meeting(clients), Meeting(clients), Meeting(clients)
    deadline = 0.0

    async def one_call(c: Client, index: int, call_index: int, measured: bool) -> None:
        name, args = call_for(index, call_index, write_every)
        if name == "clear_site_cache":
            report.write_calls += 1
        started = time.perf_counter()
        try:
            result = await c.call_tool(name, args)
        except Exception as exc:  # a protocol or transport failure: never expected
            report.unexpected.append(f"{name}: {type(exc).__name__}: {exc}")
            return
        text = "\n".join(getattr(part, "text", "") for part in result.content)
        if measured:
            report.latencies_ms.append((time.perf_counter() - started) * 1000)
            report.calls += 1
        if result.is_error:
            if INJECTED in text:
                report.injected_failures += 1
            else:
                report.unexpected.append(f"{name}: {text[:200]}")

    async def one_client(index: int) -> None:
        mode = ("legacy", "auto")[index % 2]
        headers = {"Authorization": f"Bearer {TOKEN}"}
        half = warmup_calls + calls_per_client // 2
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60.0)) as http,
            Client(streamable_http_client(url, http_client=http), mode=mode) as c,  # type: ignore[arg-type]
        ):
            for call_index in range(warmup_calls):
                await one_call(c, index, call_index, measured=False)
            await warmed.meet()
            for first, stop in ((warmup_calls, half), (half, warmup_calls + calls_per_client)):
                for call_index in range(first, stop):
                    if anyio.current_time() > deadline:
                        report.stopped_by_time_limit = True
                        break
                    await one_call(c, index, call_index, measured=True)
                await (halfway if stop == half else finished).meet()  # memory is measured with sessions open

    if trace_memory:
        tracemalloc.start()
    try:
        with anyio.fail_after(time_limit + 30):  # a hard stop, whatever happens
            async with running(server, settings, sock), anyio.create_task_group() as tg:
                for index in range(clients):
                    tg.start_soon(one_client, index)
                await warmed.everyone_here.wait()
                times = [r.time for r in sim.requests]
                statuses = [r.status for r in sim.requests]
                writes = sum(1 for r in sim.requests if r.method != "GET")
                sim.requests.clear()  # the simulator's log is not the server's memory: keep only what is needed
                report.traced_before_kib = _traced_kib()
                report.objects_before = _live_objects()
                tracemalloc.reset_peak()
                report.rss_before_mib = _rss_mib()
                deadline = anyio.current_time() + time_limit
                begun = time.perf_counter()
                warmed.go_on.set()
                await halfway.everyone_here.wait()
                report.objects_midway = _live_objects()
                halfway.go_on.set()
                await finished.everyone_here.wait()
                report.wall_seconds = time.perf_counter() - begun
                times += [r.time for r in sim.requests]
                statuses += [r.status for r in sim.requests]
                writes += sum(1 for r in sim.requests if r.method != "GET")
                sim.requests.clear()
                report.traced_after_kib = _traced_kib()
                report.objects_after = _live_objects()
                report.traced_peak_kib = tracemalloc.get_traced_memory()[1] / 1024
                report.rss_after_mib = _rss_mib()
                finished.go_on.set()
    finally:
        tracemalloc.stop()
        sock.close()
        for kinsta_client in kinsta_clients.values():
            await kinsta_client.aclose()
    report.simulator_requests = len(times)
    report.writes_sent = writes
    report.refused_by_rate_limit = statuses.count(429)
    report.busiest_minute = busiest_window(times)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--calls", type=int, default=100, help="measured calls per client")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds; the run stops by itself")
    parser.add_argument("--write-faults", type=int, default=2, help="503s injected on cache clears")
    parser.add_argument("--no-trace", action="store_true", help="skip tracemalloc (about 3x faster calls)")
    args = parser.parse_args(argv)
    report = anyio.run(run_load, args.clients, args.calls, 4, args.time_limit, args.write_faults, 4, not args.no_trace)
    sys.stdout.write(report.table() + "\n")
    for problem in report.unexpected[:10]:
        sys.stderr.write(f"unexpected failure: {problem}\n")
    ok = not report.unexpected and report.busiest_minute <= RATE_PER_MINUTE and report.refused_by_rate_limit == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
