"""Real simulator answers for shaping tests: KinstaClient on the in-process simulator, no MCP in between.

The tool layer is being rebuilt; these tests feed `shape()` what Kinsta (the simulator)
really returns for an operation called with validated arguments, as the pipeline will.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from harness import known_ids
from pydantic import SecretStr
from samples import valid_arguments

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.request import build_request
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator.clock import SimClock


@dataclass
class Direct:
    sim: Simulator
    client: KinstaClient

    async def fetch(self, name: str, **overrides: Any) -> tuple[dict[str, Any], Any]:
        """(validated arguments, Kinsta's answer as the client returns it) for operation `name` on the seeded
        ids plus `overrides`."""
        op = BY_NAME[name]
        args = self.arguments(name, **overrides)
        response = await self.client.call(op, args, company_id=DEMO_COMPANY_ID)
        return args, response.data

    async def fetch_raw(self, name: str, **overrides: Any) -> tuple[dict[str, Any], Any]:
        """The same, but the body exactly as the simulator sent it (the client cleans what it receives):
        for tests of what shaping does with hostile text that reaches it by any other way."""
        import httpx

        args = self.arguments(name, **overrides)
        request = build_request(BY_NAME[name], args, DEMO_COMPANY_ID)
        headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
        async with httpx.AsyncClient(base_url=self.sim.base_url, transport=self.sim.transport(), headers=headers) as h:
            response = await h.request(request.method, request.path, params=tuple(request.query), json=request.body)
        return args, response.json()

    def arguments(self, name: str, **overrides: Any) -> dict[str, Any]:
        """Validated arguments for operation `name` on the seeded ids plus `overrides`."""
        op = BY_NAME[name]
        ids = known_ids()
        required = {name for name, info in op.input.model_fields.items() if info.is_required()}
        sample = {k: v for k, v in valid_arguments(op, ids).items() if k in required}
        raw = sample | {k: ids[k] for k in op.input.model_fields if k in ids} | overrides
        validated = op.input.model_validate(raw)
        return {field: getattr(validated, field) for field in op.input.model_fields}

    def last_query(self) -> Mapping[str, str]:
        return dict(self.sim.requests[-1].query)


@asynccontextmanager
async def direct(**sim_options: Any) -> AsyncIterator[Direct]:
    sim = Simulator(clock=SimClock(), **{"rate_limits": False, **sim_options})
    async with KinstaClient(api_key=SecretStr(DEMO_API_KEY), base_url=sim.base_url, transport=sim.transport()) as c:
        yield Direct(sim, c)


def grow(sim: Simulator, *, sites: int = 200, per_env: int = 400) -> None:
    """A large account: `sites` sites in all (two environments each), and on Acme's staging
    `per_env` plugins, themes, backups, redirect rules, domains, SFTP accounts, denied IPs and
    activity entries; Acme's DNS zone with `per_env` records. Logs and analytics are generated
    per request (20,000 lines, a year of days) by asking for them."""
    from kinsta_mcp.simulator import seed as s
    from kinsta_mcp.simulator.state import Activity
    from kinsta_mcp.simulator.world import (
        Backup,
        Component,
        DnsRecord,
        RedirectRule,
        SftpAccount,
        Site,
        SiteDomain,
    )

    state = sim.state
    for i in range(sites - len(state.company_sites(DEMO_COMPANY_ID))):
        site = Site(s.fixed_id(f"site:bulk-{i}"), f"bulk-{i}", f"Client site {i:03d}", DEMO_COMPANY_ID, "us-east1")
        state.sites[site.id] = site
        for name in ("live", "staging"):
            s.new_environment(
                state,
                site,
                env_id=s.fixed_id(f"env:bulk-{i}:{name}"),
                name=name,
                display_name=name.title(),
                domain_name=f"{name}-bulk-{i}.kinsta.cloud",
                ssh_port=50_000 + 2 * i + (name == "staging"),
            )
    env = state.environments[s.ACME_STAGING_ENV_ID]
    now_ms = int(sim.clock.time() * 1000)
    env.plugins += [Component(f"bulk-plugin-{i}", f"Bulk Plugin {i}", f"1.{i}.0") for i in range(per_env)]
    env.themes += [Component(f"bulk-theme-{i}", f"Bulk Theme {i}", f"2.{i}.0", "inactive") for i in range(per_env)]
    env.backups += [
        Backup(
            170_000_000 + i,
            f"acme-shop-{i}-scheduled",
            "Daily Auto Backup",
            "scheduled",
            now_ms - i * 86_400_000,
            env.id,
        )
        for i in range(per_env)
    ]
    env.redirect_rules += [RedirectRule(f"/old-{i}", f"/new-{i}") for i in range(per_env)]
    env.domains += [
        SiteDomain(s.fixed_id(f"bulk-domain-{i}"), f"d{i}.acme-shop.com", env.id, "staging") for i in range(per_env)
    ]
    env.denied_ips += [f"198.51.{i // 250}.{i % 250}" for i in range(per_env)]
    env.is_additional_sftp_accounts_enabled = True
    env.additional_sftp_accounts += [
        SftpAccount(s.fixed_id(f"bulk-sftp-{i}"), f"user{i}", f"pw-{i}-not-shown") for i in range(per_env)
    ]
    zone = state.dns_zones[s.ACME_DNS_ZONE_ID]
    zone.records += [DnsRecord("A", f"h{i}.acme-shop.com", 3600, [f"203.0.113.{i % 250}"]) for i in range(per_env)]
    state.activities += [
        Activity(
            40_000_000 + i,
            DEMO_COMPANY_ID,
            s.ACME_SITE_ID,
            now_ms - i * 60_000,
            "site",
            "site",
            f"Bulk {i}",
            None,
            None,
        )
        for i in range(per_env)
    ]


async def start_operation(d: Direct) -> str:
    """A long operation's id (a manual backup of Acme's staging), for get_operation."""
    op = BY_NAME["create_backup"]
    response = await d.client.call(op, {"env_id": known_ids()["env_id"], "tag": "probe"}, company_id=DEMO_COMPANY_ID)
    return str(response.data["operation_id"])
