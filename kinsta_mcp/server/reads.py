"""Kinsta reads by catalog operation, through a short-lived cache shared by every layer.

Guard previews, names as ids, resource listings and completions read through `Reader`: a read
is kept for `resource_ttl` seconds per (profile, operation, arguments) and dropped when a write
may have changed it, so a preview's lookups cost nothing the second time and a flood of resource
reads does not spend the company's rate limit. The special tools (the overview, find, a batch's
plan, the traffic report) and resource reads go through their call's core (`pipeline.Core.read`,
a `Reads` too), which checks the call's scope and the guard's view of the read and then answers
from this same cache.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.clock import Clock
from kinsta_mcp.api.errors import KinstaError
from kinsta_mcp.api.request import RequestBuildError
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import environments_of
from kinsta_mcp.catalog.spec import Operation
from kinsta_mcp.config import Profile
from kinsta_mcp.server.cache import ReadCache, ReadKey, id_values
from kinsta_mcp.server.scope import ScopeError

log = logging.getLogger("kinsta_mcp.reads")


class ReadRefused(Exception):
    """A read the core does not run for a special tool (it needs the human: its own tool asks)."""


# What a read may raise: Kinsta's refusal or failure, arguments it cannot take, a profile outside the
# caller's scope, a read the core refuses.
ReadFailure = (KinstaError, RequestBuildError, ValidationError, ScopeError, ReadRefused)

# Arguments a resource URI or a lookup does not carry, fixed for the operation.
FIXED_ARGUMENTS: dict[str, dict[str, Any]] = {
    "list_sites": {"include_environments": True},  # "the company's sites with their environments"
    "get_logs": {"lines": 300},  # enough to diagnose, small enough to read
    "get_disk_space": {"time_zone": "00:00"},  # UTC
    "list_activity_logs": {"limit": 50},
}


def _sites_in(data: Any) -> Iterable[dict[str, Any]]:
    """Objects holding an `environments` list (sites), anywhere in a response."""
    if isinstance(data, dict):
        if isinstance(data.get("environments"), list):
            yield data
        for value in data.values():
            yield from _sites_in(value)
    elif isinstance(data, list):
        for item in data:
            yield from _sites_in(item)


class Reads(ABC):
    """What reads Kinsta by catalog operation: the cache itself (`Reader`), or a call's core."""

    @abstractmethod
    async def read(self, op: Operation, args: Mapping[str, Any], profile: Profile) -> Any:
        """The parsed body; raises one of `ReadFailure` when it fails."""

    async def lookup(self, name: str, args: Mapping[str, Any], profile: Profile) -> Any:
        """A read for a preview or a name: None when it fails (the caller says 'not found')."""
        try:
            return await self.read(BY_NAME[name], args, profile)
        except ReadFailure as exc:
            log.info("lookup %s failed: %s", name, type(exc).__name__)
            return None

    async def site_list(self, profile: Profile) -> Any:
        """The company's sites with their environments (cached), None when it cannot be read."""
        return await self.lookup("list_sites", {"include_environments": True}, profile)


class Reader(Reads):
    """Cached reads for any profile; learns which site each environment belongs to."""

    def __init__(self, clients: Mapping[str, KinstaClient], clock: Clock, ttl: float) -> None:
        self.clients = clients
        self.cache = ReadCache(clock, ttl)
        self.env_site: dict[str, str] = {}  # env id -> its site id, learned from reads

    async def read(self, op: Operation, args: Mapping[str, Any], profile: Profile) -> Any:
        """The parsed body; raises one of `ReadFailure` when it fails."""
        supplied = {k: v for k, v in args.items() if v is not None}
        validated = op.input.model_validate({**FIXED_ARGUMENTS.get(op.name, {}), **supplied})
        call_args = {name: getattr(validated, name) for name in op.input.model_fields}
        key = ReadKey.of(profile.name, op, call_args)
        hit, value = self.cache.get(key)
        if hit:
            return value
        response = await self.clients[profile.name].call(op, call_args, company_id=profile.company_id)
        self._learn(call_args, response.data)
        uri = expand(op.resource, call_args) if op.resource else None
        self.cache.put(key, response.data, id_values(call_args), uri)
        return response.data

    def _learn(self, args: Mapping[str, Any], data: Any) -> None:
        for site in _sites_in(data):
            site_id = site.get("id") or args.get("site_id")
            for env in environments_of(site):
                if env.get("id") and site_id:
                    self.env_site[str(env["id"])] = str(site_id)

    def related_ids(self, args: Mapping[str, Any]) -> set[str]:
        """A write's ids, plus the sites of its environments and the environments of its sites."""
        ids = set(id_values(args))
        ids |= {self.env_site[i] for i in list(ids) if i in self.env_site}
        ids |= {env for env, site in self.env_site.items() if site in ids}
        return ids


SCHEME = "kinsta://"


def template_variables(template: str) -> list[str]:
    """The variables of a `kinsta://` URI template, in order."""
    return [seg[1:-1] for seg in template[len(SCHEME) :].split("/") if seg.startswith("{") and seg.endswith("}")]


def expand(template: str, values: Mapping[str, Any]) -> str | None:
    """The concrete URI, or None when a variable has no value."""
    out = template
    for name in template_variables(template):
        value = values.get(name)
        if value is None:
            return None
        out = out.replace("{" + name + "}", str(value))
    return out
