"""Replicas: several `kinsta-mcp --transport http` processes sharing one Redis, behind a round-robin proxy.

Everything on 127.0.0.1, bounded in count and time (the run stops by itself):

- a real `redis-server` on a free port (no persistence), started and stopped here;
- the simulator over HTTP with Kinsta's limits on (120 requests a minute per company, 5 creations,
  35 log reads; a 429 beyond them), in real time;
- `--replicas` server processes (`python -m kinsta_mcp --transport http --redis-url ...`), one bearer
  token per principal, confirmation by model token (so a token can be replayed);
- a small round-robin HTTP proxy written here: each request goes to the next live replica (a request
  carrying `Mcp-Session-Id` to the replica that issued it, as a load balancer with affinity would);
  a replica that refuses the connection is skipped, and a request that may have reached a replica is
  never sent again (502 instead).

Several principals on one company call through the proxy with 2026-07-28 clients (each request may land
on any replica): two flood `list_sites` with several workers each, one takes manual backups (a write,
each with its own tag), one calls lightly. Measured: requests to the company in any 60 s (at most 120)
and 429s (none); an approval redeemed on one replica and replayed on another (refused); one replica
killed (SIGKILL) a third of the way through: the others keep serving, and no write reaches Kinsta twice.
Meanwhile the writer runs a batch (a backup of every live environment, operations that take a minute)
on the replica that is killed; once it is gone, the writer resumes the batch through the proxy by its
job id: another replica finds the job (stopped) and every operation it started, and follows them to
their end without sending anything again.

Run: python benchmarks/replicas.py [--replicas 3] [--calls 200] [--writes 9] [--time-limit 400]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import uvicorn
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitResult

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.simulator.app import BASE_PATH

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from redis_server import free_port

TOKENS = {
    "flood-1": "replicas-benchmark-flood-one-6b1d3f5a7c9e0b2d4f",
    "flood-2": "replicas-benchmark-flood-two-8a0c2e4b6d1f3a5c7e",
    "writer": "replicas-benchmark-writer-3c5e7a9b1d0f2e4a6c8",
    "light": "replicas-benchmark-light-caller-5d7f9b1a3c2e4f6a",
}
LIVE_ENVS = (ids.ACME_LIVE_ENV_ID, ids.NORTHWIND_LIVE_ENV_ID, ids.CONTOSO_LIVE_ENV_ID)
BATCH_TAG = "replicas-benchmark-batch"
TOKEN = re.compile(r'confirmation_token="([^"]+)"')
HOP_BY_HOP = {b"host", b"connection", b"keep-alive", b"transfer-encoding", b"content-length", b"upgrade"}


class RoundRobinProxy:
    """An ASGI app: each request to the next live replica; session ids pinned to their replica."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.alive = list(ports)
        self.turn = 0
        self.sessions: dict[str, int] = {}
        self.served: Counter[int] = Counter()
        self.log: list[tuple[int, bytes]] = []  # (replica port, request body) of every request passed on
        self.refused_connections = 0  # a replica that was down: the request went to the next one
        self.failed_in_flight = 0  # a replica died with the request: answered 502, never resent
        # No keep-alive: a dead replica refuses the next connection, which is safe to try elsewhere.
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=httpx.Limits(max_keepalive_connections=0))

    def _order(self, session: str | None) -> list[int]:
        if session and session in self.sessions:
            return [self.sessions[session]]
        self.turn += 1
        start = self.turn % max(1, len(self.alive))
        return self.alive[start:] + self.alive[:start]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        session = next((v.decode() for k, v in headers if k.lower() == b"mcp-session-id"), None)
        query = ("?" + scope["query_string"].decode()) if scope["query_string"] else ""
        for port in self._order(session):
            request = self.http.build_request(
                scope["method"],
                f"http://127.0.0.1:{port}{scope['path']}{query}",
                headers=[*headers, (b"host", f"127.0.0.1:{port}".encode())],
                content=body,
            )
            try:
                response = await self.http.send(request, stream=True)
            except httpx.ConnectError:  # nothing reached it: the next replica may take the request
                self.refused_connections += 1
                if port in self.alive:
                    self.alive.remove(port)
                continue
            except httpx.HTTPError:  # it may have been received: never send it twice
                self.failed_in_flight += 1
                break
            self.served[port] += 1
            self.log.append((port, body))
            issued = response.headers.get("mcp-session-id")
            if issued:
                self.sessions[issued] = port
            out = [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            try:
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except httpx.HTTPError:
                self.failed_in_flight += 1
            finally:
                await response.aclose()
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 502, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"no replica could take the request"})


@dataclass
class ReplicaReport:
    replicas: int
    calls: int
    writes: int
    seconds: float = 0.0
    company_requests: int = 0
    busiest_minute: int = 0
    too_many: int = 0  # 429 answers from the simulator
    calls_by: Counter[str] = field(default_factory=Counter)
    failures_by: Counter[str] = field(default_factory=Counter)
    light_latency: list[float] = field(default_factory=list)
    approval: str = ""
    killed_at: float = 0.0
    served_after_kill: int = 0
    in_flight_lost: int = 0
    served_by_replica: dict[str, int] = field(default_factory=dict)
    writes_ok: int = 0
    write_requests: int = 0
    duplicated_writes: int = 0
    batch_job: str = ""  # the killed replica's batch, as another replica saw it
    batch_resumed: dict[str, int] = field(default_factory=dict)  # the resume's totals
    batch_requests: int = 0  # backups sent for the batch (each target once)
    batch_targets: int = 0

    def table(self) -> str:
        ordered = sorted(self.light_latency)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0
        light = f"p50 {statistics.median(ordered):.2f} / p99 {p99:.2f} s (n={len(ordered)})" if ordered else "none"
        rows = [
            ("replicas, principals", f"{self.replicas} behind a round-robin proxy, {len(TOKENS)} on one company"),
            ("calls made (reads + writes)", f"{sum(self.calls_by.values())} in {self.seconds:.0f} s"),
            ("calls by principal", ", ".join(f"{p} {n}" for p, n in sorted(self.calls_by.items()))),
            ("requests to the company", f"{self.company_requests}"),
            ("most in any 60 s (Kinsta: 120)", f"{self.busiest_minute}"),
            ("429 answers", f"{self.too_many}"),
            ("light principal's calls", light),
            ("approval replayed on another replica", self.approval),
            (
                "replica killed (SIGKILL)",
                f"at {self.killed_at:.0f} s; calls served after: {self.served_after_kill}; "
                f"requests lost in flight: {self.in_flight_lost}",
            ),
            ("requests served per replica", ", ".join(f"{k}: {v}" for k, v in self.served_by_replica.items())),
            (
                "writes (manual backups)",
                f"{self.writes_ok} of {self.writes} done; {self.write_requests} sent to Kinsta; "
                f"{self.duplicated_writes} sent twice (these and the batch's)",
            ),
            ("failed calls", ", ".join(f"{p} {n}" for p, n in sorted(self.failures_by.items())) or "none"),
            (
                "batch on the killed replica, resumed on another",
                f"job {self.batch_job or 'not found'}; resume: "
                + (", ".join(f"{k} {v}" for k, v in sorted(self.batch_resumed.items())) or "none")
                + f"; backups sent for it: {self.batch_requests} for {self.batch_targets} targets",
            ),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
        return "\n".join(lines + [f"| {name:<{width}} | {value} |" for name, value in rows])


def _text(result: Any) -> str:
    return " ".join(getattr(part, "text", "") for part in result.content)


def _client(url: str, principal: str, elicitation: Any = None) -> tuple[httpx2.AsyncClient, Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKENS[principal]}"}, timeout=httpx2.Timeout(120))
    transport = streamable_http_client(url, http_client=http)
    return http, Client(transport, mode="auto", elicitation_callback=elicitation)  # type: ignore[arg-type]


async def _accept(context: Any, params: Any) -> ElicitResult:
    """The human's yes to the batch."""
    return ElicitResult(action="accept", content={"confirm": True})


def _backup_posts(sim: Simulator) -> list[Any]:
    return [
        r
        for r in sim.requests
        if r.method == "POST" and r.path.endswith("/manual-backups") and isinstance(r.body, dict)
    ]


def _batch_posts(sim: Simulator) -> list[Any]:
    return [r for r in _backup_posts(sim) if r.body.get("tag") == BATCH_TAG]


async def _resume_batch(report: ReplicaReport, url: str, sim: Simulator) -> None:
    """The killed replica's batch, through the proxy: found by listing the writer's jobs, resumed by job id."""
    http, client = _client(url, "writer")
    async with http, client as c:
        listed = await c.call_tool("wait_for_operation", {})
        batches = [j for j in (listed.structured_content or {}).get("jobs", []) if j["kind"] == "batch"]
        if not batches:
            return
        job = batches[0]
        for _ in range(20):  # until its replica's mark expired: then it is reported stopped
            job = (await c.call_tool("wait_for_operation", {"job_id": job["job_id"]})).structured_content["job"]
            if job["state"] != "running":
                break
        report.batch_job = job["state"]
        result = await c.call_tool("run_batch", {"resume": [job["job_id"]]})
        for _ in range(20):
            running = (result.structured_content or {}).get("job")
            if running is None or running["state"] != "running":
                break
            result = await c.call_tool("wait_for_operation", {"job_id": running["job_id"]})
        report.batch_resumed = dict((result.structured_content or {}).get("totals", {}))
    report.batch_requests = len(_batch_posts(sim))


async def _serve(app: Any, port: int, group: Any) -> uvicorn.Server:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off", interface="asgi3")
    server = uvicorn.Server(config)
    group.start_soon(server.serve)
    while not server.started:
        await anyio.sleep(0.02)
    return server


async def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"replica on port {port} exited ({process.returncode})")
            try:
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await anyio.sleep(0.1)
    raise RuntimeError(f"replica on port {port} did not become ready")


def _start_replica(port: int, redis_url: str, sim_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KINSTA_API_KEY": DEMO_API_KEY,
        "KINSTA_COMPANY_ID": DEMO_COMPANY_ID,
        "KINSTA_MCP_HTTP_TOKENS": ",".join(TOKENS.values()),
        "KINSTA_MCP_AUDIT_LOG": "off",
        "KINSTA_MCP_REDIS_URL": redis_url,
    }
    command = [sys.executable, "-m", "kinsta_mcp", "--transport", "http", "--port", str(port)]
    command += ["--api-base-url", sim_url, "--confirmation", "elicit-or-model-token", "--resource-ttl", "0"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _approval(proxy_url: str, ports: list[int], sim: Simulator) -> str:
    """Mint a token through the proxy, redeem it on the first replica, replay it on the second."""
    link = BY_NAME["get_phpmyadmin_link"].path.rsplit("}", 1)[1]
    args = {"env_id": ids.ACME_LIVE_ENV_ID}
    http, client = _client(proxy_url, "writer")
    async with http, client as c:
        minted = TOKEN.search(_text(await c.call_tool("get_phpmyadmin_link", args)))
    if not minted:
        return "no token was offered"
    approved = {**args, "confirmation_token": minted.group(1)}
    answers = []
    for port in ports[:2]:
        http, client = _client(f"http://127.0.0.1:{port}/mcp", "writer")
        async with http, client as c:
            answers.append(await c.call_tool("get_phpmyadmin_link", approved))
    sent = sum(1 for r in sim.requests if r.path.endswith(link))
    first, replay = answers
    if first.is_error:
        return f"NOT redeemed on replica 1: {_text(first)[:80]}"
    verdict = "refused" if replay.is_error and "already used" in _text(replay) else "NOT refused"
    return f"redeemed on replica 1, {verdict} on replica 2 ({sent} request sent to Kinsta)"


async def run_replicas(
    replicas: int = 3, calls: int = 200, writes: int = 9, light_every: float = 5.0, time_limit: float = 400.0
) -> ReplicaReport:
    report = ReplicaReport(replicas=replicas, calls=calls, writes=writes)
    redis_port, sim_port, proxy_port = free_port(), free_port(), free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sim = Simulator(rate_limits=True, operation_seconds=60.0)  # real time, Kinsta's limits on; a backup: a minute
    sim_url = f"http://127.0.0.1:{sim_port}{BASE_PATH}"
    ports = [free_port() for _ in range(replicas)]
    processes: list[subprocess.Popen[bytes]] = []
    proxy = RoundRobinProxy(ports)
    proxy_url = f"http://127.0.0.1:{proxy_port}/mcp"
    try:
        with anyio.fail_after(time_limit):
            async with anyio.create_task_group() as group:
                servers = [await _serve(sim.app, sim_port, group), await _serve(proxy, proxy_port, group)]
                processes = [_start_replica(port, f"redis://127.0.0.1:{redis_port}/0", sim_url) for port in ports]
                for port, process in zip(ports, processes, strict=True):
                    await _wait_ready(port, process)
                report.approval = await _approval(proxy_url, ports, sim)
                victim = (ports[-1], processes[-1])
                await _workload(report, proxy, proxy_url, victim, sim, calls, writes, light_every)
                await _resume_batch(report, proxy_url, sim)
                for server in servers:
                    server.should_exit = True
    finally:
        for process in [*processes, redis]:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        await proxy.http.aclose()
    company = list(sim.requests)  # one company: every request counts against its limit
    report.company_requests = len(company)
    report.too_many = sum(1 for r in company if r.status == 429)
    times = sorted(r.time for r in company)
    report.busiest_minute = max((sum(1 for t in times if s <= t < s + 60.0) for s in times), default=0)
    # The writer's backups each have their own tag; the batch's share one, one per environment.
    backups = [(str(r.body.get("tag")), r.path) for r in _backup_posts(sim)]
    tags = Counter(tag if tag != BATCH_TAG else f"{tag} {path}" for tag, path in backups)
    report.write_requests = sum(1 for tag, _ in backups if tag != BATCH_TAG)
    report.duplicated_writes = sum(n - 1 for n in tags.values() if n > 1)
    report.in_flight_lost = proxy.failed_in_flight
    report.served_by_replica = {f"replica {ports.index(p) + 1}": n for p, n in sorted(proxy.served.items())}
    return report


async def _workload(
    report: ReplicaReport,
    proxy: RoundRobinProxy,
    url: str,
    victim: tuple[int, subprocess.Popen[bytes]],
    sim: Simulator,
    calls: int,
    writes: int,
    light_every: float,
) -> None:
    started = time.perf_counter()
    done = anyio.Event()
    killed = anyio.Event()
    served_at_kill = [0]

    async def call(c: Client, principal: str, tool: str, args: dict[str, Any]) -> bool:
        try:
            result = await c.call_tool(tool, args)
        except Exception:  # a request lost with the killed replica: counted, not retried
            report.failures_by[principal] += 1
            return False
        report.calls_by[principal] += 1
        if result.is_error:
            report.failures_by[principal] += 1
        return not result.is_error

    async def flooder(principal: str, share: int) -> None:
        http, client = _client(url, principal)
        async with http, client as c:
            for _ in range(share):
                await call(c, principal, "list_sites", {})
                batch_sent = len(_batch_posts(sim)) >= report.batch_targets > 0
                if sum(report.calls_by.values()) >= calls // 3 and batch_sent and not killed.is_set():
                    killed.set()
                    victim[1].send_signal(signal.SIGKILL)
                    report.killed_at = time.perf_counter() - started
                    served_at_kill[0] = sum(proxy.served.values())

    async def writer() -> None:
        http, client = _client(url, "writer")
        async with http, client as c:
            for index in range(writes):
                tag = f"replicas-benchmark-{index}"
                env_id = LIVE_ENVS[index % len(LIVE_ENVS)]
                if await call(c, "writer", "create_backup", {"env_id": env_id, "tag": tag, "wait": False}):
                    report.writes_ok += 1
                await anyio.sleep(light_every)

    async def light() -> None:
        http, client = _client(url, "light")
        async with http, client as c:
            while not done.is_set():
                asked = time.perf_counter()
                if await call(c, "light", "list_sites", {}):
                    report.light_latency.append(time.perf_counter() - asked)
                with anyio.move_on_after(light_every):
                    await done.wait()

    async def batch() -> None:
        """On the replica that will be killed: a batch whose operations outlast it."""
        report.batch_targets = len(LIVE_ENVS)
        http, client = _client(f"http://127.0.0.1:{victim[0]}/mcp", "writer", _accept)
        args = {"operation": "create_backup", "environments": "live", "arguments": {"tag": BATCH_TAG}}
        try:
            async with http, client as c:
                await c.call_tool("run_batch", {**args, "dry_run": False})
        except Exception:  # its replica was killed under the call: expected
            pass

    async with anyio.create_task_group() as group:
        group.start_soon(light)
        group.start_soon(batch)
        async with anyio.create_task_group() as work:
            work.start_soon(writer)
            workers = 4
            for principal in ("flood-1", "flood-2"):
                for index in range(workers):
                    share = calls // 2 // workers + (1 if index < (calls // 2) % workers else 0)
                    work.start_soon(flooder, principal, share)
        done.set()
    report.seconds = time.perf_counter() - started
    report.served_after_kill = sum(proxy.served.values()) - served_at_kill[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--replicas", type=int, default=3, help="server processes (2-3)")
    parser.add_argument("--calls", type=int, default=200, help="list_sites calls by the two flooding principals")
    parser.add_argument("--writes", type=int, default=9, help="manual backups by the writing principal")
    parser.add_argument("--light-every", type=float, default=5.0, help="seconds between the light caller's calls")
    parser.add_argument("--time-limit", type=float, default=400.0, help="the run stops after this many seconds")
    args = parser.parse_args(argv)
    if not 2 <= args.replicas <= 3:
        parser.error("--replicas: 2 or 3")
    report = anyio.run(run_replicas, args.replicas, args.calls, args.writes, args.light_every, args.time_limit)
    sys.stdout.write(report.table() + "\n")
    ok = report.too_many == 0 and report.busiest_minute <= 120 and report.duplicated_writes == 0
    ok = ok and "refused on replica 2" in report.approval and report.served_after_kill > 0
    ok = ok and report.batch_resumed.get("done") == report.batch_targets == report.batch_requests
    return 0 if ok else 1


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "replicas"))
