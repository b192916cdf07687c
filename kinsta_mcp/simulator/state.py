"""The simulator's state: the world's data, the activity log and the async operations that change it."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .faults import OperationFailure
from .handling import ApiError, Ctx, Reply, not_found
from .world import (
    Backup,
    Company,
    DnsZone,
    Environment,
    SftpAccount,
    Site,
    SiteDomain,
    ms,
)


@dataclass
class Activity:
    id: int
    company_id: str
    site_id: str | None
    created_at: int
    type: str
    category: str
    description: str
    api_key_id: str | None
    api_key_name: str | None
    is_done: bool = True
    has_failed: bool = False
    public_error: str | None = None
    # Done by a person in MyKinsta (id, role, full_name, first_name) rather than with an API key.
    initiated_by: dict[str, str] | None = None
    ip_address: str = "127.0.0.1"


@dataclass
class Operation:
    id: str
    method: str
    template: str
    company_id: str
    started_at: float
    done_at: float
    visible_at: float
    effect: Callable[[], dict[str, Any] | None]
    will_fail: bool = False
    finished: bool = False
    failed: bool = False
    error: str | None = None
    data: dict[str, Any] | None = None
    activity: Activity | None = None


class SimState:
    """All simulated data, plus the async operations that will change it."""

    def __init__(self, *, operation_seconds: float, not_visible_seconds: float, rng_seed: int = 2026) -> None:
        self.operation_seconds = operation_seconds
        self.not_visible_seconds = not_visible_seconds
        self.rng = random.Random(rng_seed)
        self.companies: dict[str, Company] = {}
        self.sites: dict[str, Site] = {}
        self.environments: dict[str, Environment] = {}
        self.dns_zones: dict[str, DnsZone] = {}
        self.regions: list[tuple[str, str]] = []  # (region, name)
        self.operations: dict[str, Operation] = {}
        self.activities: list[Activity] = []
        self.operation_failures: list[OperationFailure] = []
        self.next_backup_id = 190_000_001
        self.next_activity_id = 34_190_001

    # -- ids ----------------------------------------------------------------------
    def new_uuid(self) -> str:
        """Deterministic per run: the same scenario gives the same ids."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_backup_id(self) -> int:
        self.next_backup_id += 1
        return self.next_backup_id

    def unique_site_name(self, display_name: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", display_name.lower()).strip("-") or "site"
        taken = {s.name for s in self.sites.values()}
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        return name

    # -- lookups that honour the caller's company ---------------------------------
    def site(self, site_id: str, company_id: str) -> Site:
        site = self.sites.get(site_id)
        if site is None or site.company_id != company_id:
            raise not_found("site")
        return site

    def env(self, env_id: str, company_id: str) -> Environment:
        env = self.environments.get(env_id)
        if env is None or self.sites[env.site_id].company_id != company_id:
            raise not_found("environment")
        return env

    def site_of(self, env: Environment) -> Site:
        return self.sites[env.site_id]

    def envs_of(self, site: Site) -> list[Environment]:
        return [self.environments[e] for e in site.env_ids if e in self.environments]

    def live_env(self, site: Site) -> Environment:
        return next(e for e in self.envs_of(site) if e.is_live)

    def company_sites(self, company_id: str) -> list[Site]:
        return [s for s in self.sites.values() if s.company_id == company_id]

    def zone(self, zone_id: str, company_id: str) -> DnsZone:
        zone = self.dns_zones.get(zone_id)
        if zone is None or zone.company_id != company_id:
            raise not_found("domain")
        return zone

    def site_domain(self, domain_id: str, company_id: str) -> tuple[Environment, SiteDomain]:
        for env in self.environments.values():
            for d in env.domains:
                if d.id == domain_id and self.site_of(env).company_id == company_id:
                    return env, d
        raise not_found("site domain")

    def backup(self, backup_id: int, company_id: str) -> tuple[Environment, Backup]:
        for env in self.environments.values():
            for b in env.backups:
                if b.id == backup_id and self.site_of(env).company_id == company_id:
                    return env, b
        raise not_found("backup")

    def sftp_account(self, account_id: str, company_id: str) -> tuple[Environment, SftpAccount]:
        for env in self.environments.values():
            for a in env.additional_sftp_accounts:
                if a.id == account_id and self.site_of(env).company_id == company_id:
                    return env, a
        raise not_found("SFTP account")

    def remove_site(self, site: Site) -> None:
        for env_id in site.env_ids:
            self.environments.pop(env_id, None)
        self.sites.pop(site.id, None)
        for zone in self.dns_zones.values():
            if zone.site_id == site.id:
                zone.site_id = None

    # -- activity log ---------------------------------------------------------------
    def record_activity(self, ctx: Ctx, site_id: str | None, done: bool) -> Activity:
        route = ctx.route
        self.next_activity_id += 1
        category = "kinstaDns" if route.template.startswith("/domains") else "siteActions"
        item = Activity(
            id=self.next_activity_id,
            company_id=ctx.company,
            site_id=site_id,
            created_at=ms(ctx.now),
            type=route.activity or route.key,
            category=category,
            description=f"{route.message or route.activity} ({route.method} {route.template})".strip(),
            api_key_id=ctx.key_id,
            api_key_name=ctx.key.name,
            is_done=done,
        )
        self.activities.append(item)
        return item

    # -- async operations -----------------------------------------------------------
    def start_operation(
        self, ctx: Ctx, effect: Callable[[], dict[str, Any] | None], *, site_id: str | None = None
    ) -> Reply:
        route = ctx.route
        assert route.operation is not None, f"{route.key} is not an async route"
        op_id = f"{route.operation}-{self.new_uuid()}"
        will_fail = False
        for failure in self.operation_failures:
            if failure.matches(route.method, route.template):
                will_fail = True
                if failure.times is not None:
                    failure.times -= 1
                break
        hidden = self.not_visible_seconds if route.creates_site else 0.0
        op = Operation(
            id=op_id,
            method=route.method,
            template=route.template,
            company_id=ctx.company,
            started_at=ctx.now,
            done_at=ctx.now + self.operation_seconds,
            visible_at=ctx.now + hidden,
            effect=effect,
            will_fail=will_fail,
        )
        op.activity = self.record_activity(ctx, site_id, done=False)
        self.operations[op_id] = op
        return Reply(route.success_status, {"operation_id": op_id, "message": route.message, "status": 202})

    def apply_due(self, now: float) -> None:
        """Finish every operation whose time has come, oldest first (no background tasks)."""
        due = sorted(
            (o for o in self.operations.values() if not o.finished and o.done_at <= now), key=lambda o: o.done_at
        )
        for op in due:
            op.finished = True
            if op.will_fail:
                op.failed, op.error = True, "The operation failed (injected by the simulator)"
            else:
                try:
                    op.data = op.effect() or {}
                except ApiError as exc:  # the world changed while it ran (e.g. the environment was deleted)
                    op.failed, op.error = True, exc.message
            if op.activity is not None:
                op.activity.is_done = True
                op.activity.has_failed = op.failed
                op.activity.public_error = op.error
