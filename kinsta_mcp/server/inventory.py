"""Whole-company plugin and theme state in a constant number of Kinsta requests.

Kinsta's company-wide lists (`GET /company/{id}/wp-plugins` and `wp-themes`, paged with
offset/limit, filtered with `column=updatesAvailable|vulnerable` or `search`) hold every
install across the company, so "which sites have updates" costs a few requests whether the
company has 5 sites or 500, where reading each environment costs two per environment.

The lists name an environment by its site's and its own display name, not by id. They are
matched to ids from the site list (`GET /sites?include_environments=true`); names are not
unique, so where two environments share both names and the lists do not say which install is
whose, just those environments are read directly (`list_plugins` / `list_themes`). The lists
are Kinsta's periodic snapshot: `last_updated_at` says how fresh, and an environment's own
list is the state right now.

Assumed where Kinsta's documents are silent (docs/kinsta-api-additions.md): `column=vulnerable`
lists the vulnerable installs, and a vulnerability belongs to a plugin's version (so two
environments at the same version of a plugin are both vulnerable or neither).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import dig, environments_of, sites_of
from kinsta_mcp.config import Profile
from kinsta_mcp.server.reads import ReadFailure, Reads
from kinsta_mcp.untrusted import one_line

__all__ = [
    "KINDS",
    "PAGE_SIZE",
    "CompanyList",
    "EnvRef",
    "Install",
    "Inventory",
    "Kind",
    "environment_index",
    "read_company_list",
    "read_inventory",
    "version_key",
]

Kind = Literal["plugin", "theme"]
KINDS: tuple[Kind, ...] = ("plugin", "theme")
PAGE_SIZE = 100  # items per company-list request; the lists are paged until `total`
MAX_PAGES = 20  # a list longer than 2,000 plugins is cut (and said to be)
DIRECT_CONCURRENCY = 4  # direct reads of environments whose names are shared
UPDATES, VULNERABLE = "updatesAvailable", "vulnerable"


def version_key(version: str) -> tuple[int, ...]:
    """A version's numeric parts, for comparing ("5.10.1" > "5.9")."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:6])


def _names(site: Any, env: Any) -> tuple[str, str]:
    """How the lists and the site list are matched: both display names, case and outer spaces ignored."""
    return (str(site or "").strip().casefold(), str(env or "").strip().casefold())


@dataclass(frozen=True)
class EnvRef:
    id: str
    site_id: str
    site_name: str  # display name (raw: shown only through the untrusted helpers)
    env_name: str


def environment_index(sites_body: Any) -> dict[tuple[str, str], list[EnvRef]]:
    """(site display name, environment display name) -> the environments with those names."""
    index: dict[tuple[str, str], list[EnvRef]] = {}
    for site in sites_of(sites_body):
        if not site.get("id"):
            continue
        site_name = str(site.get("display_name") or site.get("name") or "")
        for env in environments_of(site):
            if env.get("id"):
                env_name = str(env.get("display_name") or env.get("name") or "")
                ref = EnvRef(str(env["id"]), str(site["id"]), site_name, env_name)
                index.setdefault(_names(site_name, env_name), []).append(ref)
    return index


@dataclass(frozen=True)
class Install:
    """One plugin or theme on one environment, as far as the lists read say."""

    kind: Kind
    name: str
    version: str | None = None
    status: str | None = None
    update_version: str | None = None  # set when an update is available
    vulnerable: bool = False  # this installed version has a known vulnerability
    latest_vulnerable: bool = False  # so has the latest version: no update fixes it


@dataclass
class CompanyList:
    """Every item of one company list (all pages), and how it was read."""

    kind: Kind
    column: str | None
    search: str | None
    items: list[dict[str, Any]]
    total: int | None
    last_updated_at: str | None
    requests: int
    complete: bool

    def installs(self) -> Iterable[tuple[tuple[str, str], dict[str, Any], dict[str, Any]]]:
        """(names key, item, install) for every install the list holds."""
        for item in self.items:
            for install in item.get("environments") or []:
                if isinstance(install, dict):
                    yield _names(install.get("site_display_name"), install.get("display_name")), item, install


async def read_company_list(
    reads: Reads, profile: Profile, kind: Kind, column: str | None = None, search: str | None = None
) -> CompanyList:
    """One company list, page after page until its `total`; raises one of ReadFailure."""
    op = BY_NAME[f"list_company_{kind}s"]
    items: list[dict[str, Any]] = []
    total: int | None = None
    stamp: str | None = None
    requests = 0
    for _ in range(MAX_PAGES):
        args = {"column": column, "search": search, "offset": len(items), "limit": PAGE_SIZE}
        body = await reads.read(op, args, profile)
        requests += 1
        listing = dig(body, "company", f"{kind}s")
        page = [i for i in dig(listing, "items") or [] if isinstance(i, dict)]
        given = dig(listing, "total")
        total = given if isinstance(given, int) else total
        stamp = stamp or (str(dig(listing, "last_updated_at")) if dig(listing, "last_updated_at") else None)
        items += page
        if len(page) < PAGE_SIZE or (total is not None and len(items) >= total):
            break
    complete = len(items) >= total if total is not None else len(items) < PAGE_SIZE * MAX_PAGES
    return CompanyList(kind, column, search, items, total, stamp, requests, complete)


def _from_list(kind: Kind, item: Mapping[str, Any], install: Mapping[str, Any], vulnerable: bool) -> Install:
    outdated = install.get(f"{kind}_update") == "available"
    return Install(
        kind=kind,
        name=str(item.get("name") or "?"),
        version=_str(install.get(f"{kind}_version")),
        status=_str(install.get(f"{kind}_status")),
        update_version=(_str(item.get("latest_version")) or "?") if outdated else None,
        vulnerable=vulnerable,
        latest_vulnerable=bool(item.get("is_latest_version_vulnerable")),
    )


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


@dataclass
class Inventory:
    """Installs per environment id, for what was asked (pending updates and vulnerabilities, or a search)."""

    installs: dict[str, list[Install]] = field(default_factory=dict)  # env id -> installs
    unknown: dict[Kind, str] = field(default_factory=dict)  # kind -> why it could not be read company-wide
    env_errors: dict[str, list[str]] = field(default_factory=dict)  # env id -> direct reads that failed
    updated_at: dict[Kind, str | None] = field(default_factory=dict)
    unmatched: int = 0  # installs naming no environment of the site list (renamed or removed since)
    direct: list[str] = field(default_factory=list)  # environments read directly: their names are shared
    requests: int = 0  # Kinsta requests made (cache hits count too: an upper bound)
    incomplete: list[str] = field(default_factory=list)  # lists cut at MAX_PAGES

    def add(self, env_id: str, install: Install) -> None:
        self.installs.setdefault(env_id, []).append(install)


async def read_inventory(
    reads: Reads,
    profile: Profile,
    sites_body: Any,
    kinds: tuple[Kind, ...] = KINDS,
    search: str | None = None,
) -> Inventory:
    """Per environment: installs with a pending update or a known vulnerability, or, with `search`
    (a plugin or theme slug), every install of it. A kind whose list cannot be read is `unknown`."""
    index = environment_index(sites_body)
    inventory = Inventory()

    async def one_kind(kind: Kind) -> None:
        # A search lists every install of one slug; whether one is vulnerable, the caller knows
        # from the unfiltered inventory (read anyway), so that costs no second list.
        columns: tuple[str | None, ...] = (None,) if search else (UPDATES, VULNERABLE)
        lists: dict[str | None, CompanyList] = {}
        try:
            async with anyio.create_task_group() as group:
                for column in columns:
                    group.start_soon(_read_into, lists, reads, profile, kind, column, search)
        except* ReadFailure as failures:
            inventory.unknown[kind] = str(failures.exceptions[0])
        if kind in inventory.unknown:
            return
        inventory.requests += sum(listing.requests for listing in lists.values())
        inventory.updated_at[kind] = next((lst.last_updated_at for lst in lists.values() if lst.last_updated_at), None)
        inventory.incomplete += [f"{kind}s ({c or 'all'})" for c, lst in lists.items() if not lst.complete]
        await _attribute(reads, profile, kind, index, lists, columns[0], search, inventory)

    async with anyio.create_task_group() as group:
        for kind in kinds:
            group.start_soon(one_kind, kind)
    for installs in inventory.installs.values():
        installs.sort(key=lambda i: (i.kind, i.name))
    inventory.direct.sort()
    return inventory


async def _read_into(
    lists: dict[str | None, CompanyList],
    reads: Reads,
    profile: Profile,
    kind: Kind,
    column: str | None,
    search: str | None,
) -> None:
    lists[column] = await read_company_list(reads, profile, kind, column, search)


async def _attribute(
    reads: Reads,
    profile: Profile,
    kind: Kind,
    index: Mapping[tuple[str, str], list[EnvRef]],
    lists: Mapping[str | None, CompanyList],
    main: str | None,
    search: str | None,
    inventory: Inventory,
) -> None:
    """Installs of the main list (updates, or the search) and the vulnerable one, onto environment ids."""
    wanted = (search or "").casefold()
    read = [lists[c] for c in (main, VULNERABLE) if c in lists]
    vulnerable = {
        (key, str(item.get("name")), _str(i.get(f"{kind}_version")))
        for key, item, i in (lists[VULNERABLE].installs() if VULNERABLE in lists else ())
    }
    merged: dict[tuple[str, str], dict[tuple[str, str | None], Install]] = {}
    for listing in read:
        for key, item, install in listing.installs():
            name = str(item.get("name") or "?")
            if wanted and name.casefold() != wanted:
                continue  # search matches parts of names and titles; the filter is one slug
            version = _str(install.get(f"{kind}_version"))
            found = _from_list(kind, item, install, (key, name, version) in vulnerable)
            merged.setdefault(key, {}).setdefault((name, version), found)
    # A group of environments sharing both names is attributed without reading only when every
    # one of them holds exactly the same installs (then it does not matter which is whose).
    ambiguous: list[EnvRef] = []
    for key, by_install in merged.items():
        refs = index.get(key, [])
        if not refs:
            inventory.unmatched += len(by_install)
            continue
        if len(refs) > 1 and not _same_everywhere(read, key, len(refs), wanted):
            ambiguous += refs
            continue
        for ref in refs:
            for found in by_install.values():
                inventory.add(ref.id, found)
    if not ambiguous:
        return
    limiter = anyio.CapacityLimiter(DIRECT_CONCURRENCY)
    vulnerable_versions = {(name, version) for _, name, version in vulnerable}
    latest_vulnerable = {
        str(item.get("name"))
        for lst in lists.values()
        for item in lst.items
        if item.get("is_latest_version_vulnerable")
    }

    async def direct(ref: EnvRef) -> None:
        async with limiter:
            try:
                body = await reads.read(BY_NAME[f"list_{kind}s"], {"env_id": ref.id}, profile)
            except ReadFailure as exc:
                label = one_line(ref.env_name, 40) if ref.env_name else ref.id
                inventory.env_errors.setdefault(ref.id, []).append(f"{kind}s of {label}: {exc}")
                return
        inventory.requests += 1
        inventory.direct.append(ref.id)
        data = dig(body, "environment", "container_info", f"wp_{kind}s", "data")
        for entry in data if isinstance(data, list) else []:
            if not isinstance(entry, dict):
                continue
            name, version = str(entry.get("name") or "?"), _str(entry.get("version"))
            outdated = entry.get("update") == "available" or bool(entry.get("update_version"))
            is_vulnerable = (name, version) in vulnerable_versions
            kept = name.casefold() == wanted if wanted else (outdated or is_vulnerable)
            if kept:
                inventory.add(
                    ref.id,
                    Install(
                        kind=kind,
                        name=name,
                        version=version,
                        status=_str(entry.get("status")),
                        update_version=(_str(entry.get("update_version")) or "?") if outdated else None,
                        vulnerable=is_vulnerable,
                        latest_vulnerable=name in latest_vulnerable,
                    ),
                )

    async with anyio.create_task_group() as group:
        for ref in ambiguous:
            group.start_soon(direct, ref)


def _same_everywhere(read: list[CompanyList], key: tuple[str, str], count: int, wanted: str) -> bool:
    """Whether each item lists the names `key` either never or exactly `count` times, always alike."""
    for listing in read:
        for item in listing.items:
            if wanted and str(item.get("name") or "").casefold() != wanted:
                continue
            alike = [i for i in item.get("environments") or [] if isinstance(i, dict) and _names(
                i.get("site_display_name"), i.get("display_name")) == key]  # fmt: skip
            if alike and (len(alike) != count or any(i != alike[0] for i in alike)):
                return False
    return True
