"""An MCP server wired to the in-process simulator, with one clock for both.

Time is virtual: the server's waits advance the simulator's clock, so a 3-second
Kinsta operation completes during a test without any real sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.client import Client
from mcp_types import ElicitResult
from pydantic import SecretStr

from kinsta_mcp.api.clock import Alarm, AlarmBell
from kinsta_mcp.catalog.spec import RateClass
from kinsta_mcp.config import Profile, Settings
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.server.audit import AuditLog
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.simulator.clock import SimClock

MODES = ("legacy", "auto")  # 2025-11-25 and 2026-07-28


class LinkedClock:
    """The server's clock, reading and moving the simulator's."""

    def __init__(self, sim: SimClock) -> None:
        self.sim = sim
        self.sleeps: list[float] = []
        self._bell = AlarmBell()

    def monotonic(self) -> float:
        return self.sim.time()

    def alarm(self, at: float) -> Alarm:
        """Wake a task when virtual time reaches `at` (api.clock.Alarms): a call waiting on its job."""
        return self._bell.add(at, self.sim.time())

    def time(self) -> float:
        """Wall time: the simulator's, so 'today' on both sides is the same day."""
        return self.sim.time()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await self._bell.held()  # time does not move while a woken task has not acted yet
        end = self.sim.time() + max(0.0, seconds)
        while (at := self._bell.next_before(end)) is not None:
            # Stop at the alarm; the task it wakes acts at that instant before time moves on.
            await self.sim.sleep(max(0.0, at - self.sim.time()))
            self._bell.ring(self.sim.time())
            await self._bell.held()
        await self.sim.sleep(max(0.0, end - self.sim.time()))
        self._bell.ring(self.sim.time())


def settings_for(audit: Path | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "profiles": {"demo": Profile(name="demo", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)},
        "default_profile": "demo",
        "audit_log": audit,
        "call_deadline": 45.0,
        "operation_wait": 45.0,
        # Every tool: the default (tests/server/test_tool_list.py checks that leaving it out is the same).
        "toolsets": "all",
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class World:
    sim: Simulator
    clock: LinkedClock
    settings: Settings
    server: Any
    audit_path: Path | None

    def requests(self, method: str | None = None) -> list[Any]:
        return [r for r in self.sim.requests if method is None or r.method == method]

    def writes(self) -> list[Any]:
        return [r for r in self.sim.requests if r.method != "GET"]

    async def budget_frees(self) -> None:
        """Let virtual time run until the server's rate budget has a slot for every kind of request (as a
        user waits before asking again): a call never waits past its deadline for one (issue 26)."""
        for profile in self.settings.profiles.values():
            client = self.server.app.backend.clients[profile.name]
            for rate in RateClass:
                await self.clock.sleep(client.limiter.wait_time(profile.company_id, rate))


@asynccontextmanager
async def world(
    audit: Path | None = None,
    sim_options: dict[str, Any] | None = None,
    wrap: Callable[[Any], Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[World]:
    """A server on a fresh simulator; `sim_options` go to Simulator(), `overrides` to Settings; `wrap`
    wraps the simulator's transport (to hold requests back)."""
    clock = SimClock()
    sim = Simulator(clock=clock, **{"rate_limits": False, **(sim_options or {})})
    linked = LinkedClock(clock)
    settings = settings_for(audit, api_base_url=sim.base_url, **overrides)
    transport = sim.transport()
    clients = make_clients(settings, clock=linked, transport=wrap(transport) if wrap else transport)
    try:
        server = build_server(settings, clients, clock=linked, audit=AuditLog(audit))
        yield World(sim, linked, settings, server, audit)
    finally:
        for client in clients.values():
            await client.aclose()


def answering(
    action: str = "accept", confirm: bool = True, count: int | None = None
) -> tuple[Callable[..., Any], list[str]]:
    """An elicitation callback that answers every question the same way (`count`: the number of targets typed
    into a batch's form), and the questions asked."""
    prompts: list[str] = []

    async def callback(ctx: Any, params: Any) -> ElicitResult:
        prompts.append(params.message)
        content: dict[str, Any] = {"confirm": confirm} if count is None else {"confirm": confirm, "count": count}
        return ElicitResult(action=action, content=content if action == "accept" else None)  # type: ignore[arg-type]

    return callback, prompts


def client(server: Any, mode: str, elicitation: Callable[..., Any] | None = None) -> Client:
    return Client(server, mode=mode, elicitation_callback=elicitation)  # type: ignore[arg-type]


def known_ids() -> dict[str, str]:
    """Argument name -> an id that exists in the seeded simulator (the Acme Shop site)."""
    return {
        "site_id": ids.ACME_SITE_ID,
        "env_id": ids.ACME_STAGING_ENV_ID,
        "source_env_id": ids.ACME_STAGING_ENV_ID,
        "target_env_id": ids.ACME_LIVE_ENV_ID,
        "backup_id": ids.ACME_MANUAL_BACKUP_ID,  # type: ignore[dict-item]
        "domain_id": ids.ACME_DNS_ZONE_ID,
        "site_domain_id": ids.ACME_PRIMARY_DOMAIN_ID,
        "sftp_account_id": ids.ACME_SFTP_ACCOUNT_ID,
        "domain_ids": [ids.ACME_WWW_DOMAIN_ID],  # type: ignore[dict-item]
    }


def call_of(op: Any, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The tool that offers `op`, and the arguments that choose it (a group's selector)."""
    if op.member is not None:
        return op.member.group.name, {op.member.group.selector: op.member.value, **args}
    return op.name, args


def hints(annotations: Any) -> tuple[bool, bool | None, bool | None, bool]:
    """A tool's (readOnly, destructive, idempotent, openWorld) hints as a client infers them: unset ones take
    MCP's defaults (false, true, false, true); the middle two mean nothing for a read-only tool (None)."""
    read_only = bool(annotations.read_only_hint)
    destructive = annotations.destructive_hint if annotations.destructive_hint is not None else True
    idempotent = bool(annotations.idempotent_hint)
    open_world = annotations.open_world_hint if annotations.open_world_hint is not None else True
    return read_only, (None if read_only else destructive), (None if read_only else idempotent), open_world


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def names(tools: Sequence[Any]) -> list[str]:
    return [t.name for t in tools]


async def job_result(c: Client, result: Any, rounds: int = 30) -> Any:
    """The finished result of a call that went on as a job: wait_for_operation(job_id) until it is done (each
    waits its deadline)."""
    for _ in range(rounds):
        job = (result.structured_content or {}).get("job")
        if job is None or job["state"] != "running":
            return result
        result = await c.call_tool("wait_for_operation", {"job_id": job["job_id"]})
    raise AssertionError(f"the job did not finish in {rounds} wait_for_operation calls")
