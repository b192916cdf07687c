"""The find tool: sites, environments and domains by part of a name or id, for large accounts.

One cached site list (with environments and their domains) answers it, plus the company's
DNS zones (one more cached read). Matches are compact and capped, best first: a whole name,
then a name that starts with the query, then the rest; what is left out is counted. An
environment is named "Site/environment", which every env_id argument takes as it is. Both reads
go through the call's core (`pipeline.Core.read`: the caller's scope, then the shared read cache).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from kinsta_mcp.catalog.responses import dig, display_name, environments_of, sites_of
from kinsta_mcp.catalog.spec import NAME_MAX_LENGTH
from kinsta_mcp.config import Profile
from kinsta_mcp.server.names import matches_words, normal
from kinsta_mcp.server.reads import Reads
from kinsta_mcp.untrusted import clean, one_line

MAX_MATCHES = 25
Kind = Literal["site", "environment", "domain", "dns_zone"]
KINDS: tuple[Kind, ...] = ("site", "environment", "domain", "dns_zone")

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {
            "type": "string",
            "minLength": 1,
            "maxLength": NAME_MAX_LENGTH,
            "description": "Part of a name, domain or id; 'site/env' narrows",
        },
        "kind": {"type": "string", "enum": list(KINDS), "description": "Only this kind (default: all)"},
    },
    "required": ["query"],
}


class Match(BaseModel):
    kind: Kind
    name: str = Field(description='An environment as "Site/env", usable as env_id')
    id: str
    site: str | None = None
    site_id: str | None = None
    environment: str | None = Field(None, description='A domain\'s environment as "Site/env"')
    env_id: str | None = None


class Found(BaseModel):
    query: str
    matches: list[Match] = Field(default_factory=list)
    more: int = Field(0, description="Matches not shown: narrow the query or pass kind")
    unread: list[str] = Field(default_factory=list, description="What could not be read (not searched)")


class FindError(Exception):
    """Bad find arguments, or no site list; `str()` is the message for the model."""


def _name(text: Any) -> str:
    return clean(str(text))[:NAME_MAX_LENGTH]


def _candidates(sites_body: Any, zones_body: Any) -> Iterator[tuple[Match, set[str]]]:
    """Everything findable, with the normalised names it answers to."""
    site_names: dict[str, str] = {}
    for site in sites_of(sites_body):
        if not site.get("id"):
            continue
        site_id, site_name = str(site["id"]), _name(display_name(site))
        site_names[site_id] = site_name
        own = {normal(str(site[k])) for k in ("display_name", "name") if site.get(k)}
        yield Match(kind="site", name=site_name, id=site_id), own
        for env in environments_of(site):
            if not env.get("id"):
                continue
            env_id, env_name = str(env["id"]), f"{site_name}/{_name(display_name(env))}"
            env_keys = {f"{s}/{normal(str(env[k]))}" for s in own for k in ("display_name", "name") if env.get(k)}
            yield Match(kind="environment", name=env_name, id=env_id, site=site_name, site_id=site_id), env_keys
            domains = [*(env.get("domains") or []), env.get("primaryDomain")]
            seen: set[str] = set()
            for domain in domains:
                if isinstance(domain, dict) and domain.get("id") and domain.get("name") and domain["id"] not in seen:
                    seen.add(domain["id"])
                    yield (
                        Match(
                            kind="domain",
                            name=_name(domain["name"]),
                            id=str(domain["id"]),
                            site=site_name,
                            site_id=site_id,
                            environment=env_name,
                            env_id=env_id,
                        ),
                        {normal(str(domain["name"]))},
                    )
    zones = dig(zones_body, "company", "domains")
    for zone in zones if isinstance(zones, list) else []:
        if isinstance(zone, dict) and zone.get("id") and zone.get("name"):
            zone_site = str(zone["site_id"]) if zone.get("site_id") else None
            match = Match(
                kind="dns_zone",
                name=_name(zone["name"]),
                id=str(zone["id"]),
                site=site_names.get(zone_site or ""),
                site_id=zone_site,
            )
            yield match, {normal(str(zone["name"]))}


def _rank(query: str, match: Match, keys: set[str]) -> int | None:
    """0 a whole name, 1 a name's start, 2 part of a name or id; None: no match."""
    wanted = normal(query)
    if wanted in keys or wanted == match.id.casefold():
        return 0
    if any(k.startswith(wanted) for k in keys) or match.id.casefold().startswith(wanted):
        return 1
    if matches_words(query, keys) or wanted in match.id.casefold():
        return 2
    return None


def check_arguments(args: Mapping[str, Any]) -> tuple[str, Kind | None]:
    query, kind = args.get("query"), args.get("kind")
    problems = []
    if not isinstance(query, str) or not query.strip() or len(query) > NAME_MAX_LENGTH:
        problems.append(f"- query: required; part of a name, domain or id, 1 to {NAME_MAX_LENGTH} characters")
    if kind is not None and kind not in KINDS:
        problems.append(f"- kind: got {kind!r:.60}; allowed: {', '.join(KINDS)}")
    if problems:
        raise FindError("Invalid arguments for find; nothing was sent:\n" + "\n".join(problems))
    return str(query), kind


async def find(reads: Reads, profile: Profile, query: str, kind: Kind | None) -> Found:
    """The matches for `query`, best first, at most MAX_MATCHES; raises FindError without a site list."""
    sites_body = await reads.site_list(profile)
    if sites_body is None:
        raise FindError("Find failed: the site list could not be read. Nothing else was searched.")
    found = Found(query=query)
    zones_body = None
    if kind in (None, "dns_zone"):
        zones_body = await reads.lookup("list_dns_domains", {}, profile)
        if zones_body is None:
            found.unread.append("DNS zones (list_dns_domains failed)")
    ranked: list[tuple[int, int, int, Match]] = []
    for index, (match, keys) in enumerate(_candidates(sites_body, zones_body)):
        if kind is not None and match.kind != kind:
            continue
        rank = _rank(query, match, keys)
        if rank is not None:
            ranked.append((rank, KINDS.index(match.kind), index, match))
    ranked.sort(key=lambda item: item[:3])
    found.matches = [match for *_, match in ranked[:MAX_MATCHES]]
    found.more = max(0, len(ranked) - MAX_MATCHES)
    return found


def found_text(found: Found) -> str:
    """One line per match, names quoted and cleaned; what is left out, and how to narrow."""
    total = len(found.matches) + found.more
    lines = [f"find {one_line(found.query, 60)}: {total} match{'es' if total != 1 else ''}"]
    for m in found.matches:
        line = f"- {m.kind} {one_line(m.name)} id {m.id}"
        if m.kind == "environment":
            line += f" (site_id {m.site_id})"
        elif m.kind == "domain":
            line += f" of environment {one_line(m.environment or '?')} (env_id {m.env_id}, site_id {m.site_id})"
        elif m.kind == "dns_zone" and m.site_id:
            line += f" (site {one_line(m.site or '?')}, site_id {m.site_id})"
        lines.append(line)
    if found.more:
        lines.append(f"{found.more} more not shown: narrow the query, or pass kind ({', '.join(KINDS)}).")
    lines += [f"Not searched: {what}." for what in found.unread]
    return "\n".join(lines)
