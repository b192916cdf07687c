"""Which sites or environments a selection means.

Targets come from the company's site list with environments (one cached read), narrowed by
kind (live / staging), a name glob, explicit ids, and "every environment that ..." filters
that need a read. The plugin filter reads through a `PluginSource`: the company-wide plugin
inventory (one read for every environment), falling back to `list_plugins` per environment
where the inventory cannot answer.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import anyio

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import dig, display_name, environments_of, sites_of
from kinsta_mcp.config import Profile
from kinsta_mcp.server.fleet.schema import Level
from kinsta_mcp.server.inventory import environment_index, read_company_list
from kinsta_mcp.server.reads import ReadFailure, Reads
from kinsta_mcp.untrusted import one_line

Kind = Literal["live", "staging", "all"]
READ_CONCURRENCY = 4  # reads in flight for one selection (the limiter paces them further)


@dataclass(frozen=True)
class Target:
    """One site, or one environment of a site, as the site list describes it."""

    site_id: str
    site_name: str  # Kinsta's name (slug)
    site_display: str
    env_id: str | None = None
    env_name: str | None = None  # "live", "staging", or a premium staging's name
    env_display: str | None = None
    env: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.env_id or self.site_id

    @property
    def kind(self) -> str:
        return "live" if self.env_name == "live" else "staging"

    @property
    def label(self) -> str:
        """How the human and the model see it: quoted, cleaned, one line."""
        site = one_line(self.site_display)
        return f"{site} / {one_line(self.env_display or self.env_name or '?', 40)}" if self.env_id else site

    def site(self) -> Target:
        return Target(self.site_id, self.site_name, self.site_display)


@dataclass(frozen=True)
class Selection:
    environments: Kind | None = None
    name: str | None = None
    ids: tuple[str, ...] = ()
    plugin: str | None = None
    plugin_outdated: bool = False

    @property
    def chosen(self) -> bool:
        """The caller said which targets: a batch never means "everything" by omission."""
        return bool(self.environments or self.name or self.ids or self.plugin)


@dataclass
class Resolved:
    targets: list[Target]
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (label, id, why)
    notes: dict[str, str] = field(default_factory=dict)  # target id -> what a filter found (plugin versions)


def environments_in(sites_body: Any) -> list[Target]:
    out = []
    for site in sites_of(sites_body):
        for env in environments_of(site):
            if env.get("id") and site.get("id"):
                out.append(
                    Target(
                        site_id=str(site["id"]),
                        site_name=str(site.get("name") or ""),
                        site_display=display_name(site),
                        env_id=str(env["id"]),
                        env_name=str(env.get("name") or ""),
                        env_display=display_name(env),
                        env=env,
                    )
                )
    return out


def _name_matches(pattern: str, target: Target) -> bool:
    pattern = pattern.lower()
    sites = {target.site_name.lower(), target.site_display.lower()} - {""}
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(s, pattern) for s in sites)
    envs = {(target.env_name or "").lower(), (target.env_display or "").lower()} - {""}
    return any(fnmatch.fnmatchcase(f"{s}/{e}", pattern) for s in sites for e in envs)


class PluginSource(Protocol):
    """Plugin `slug` on many environments: env id -> its matching plugin entries, or why it could not be read."""

    async def plugins(self, targets: Sequence[Target], slug: str) -> Mapping[str, list[dict[str, Any]] | str]: ...


class EnvironmentPlugins:
    """`list_plugins` per environment, through the shared read cache, a few at a time."""

    def __init__(self, reads: Reads, profile: Profile) -> None:
        self._reads = reads
        self._profile = profile

    async def plugins(self, targets: Sequence[Target], slug: str) -> Mapping[str, list[dict[str, Any]] | str]:
        found: dict[str, list[dict[str, Any]] | str] = {}
        limit = anyio.CapacityLimiter(READ_CONCURRENCY)

        async def one(env_id: str) -> None:
            async with limit:
                try:
                    body = await self._reads.read(BY_NAME["list_plugins"], {"env_id": env_id}, self._profile)
                except ReadFailure as exc:
                    found[env_id] = f"its plugins could not be read: {exc}"
                    return
            items = dig(body, "environment", "container_info", "wp_plugins", "data")
            found[env_id] = [p for p in items if isinstance(p, dict)] if isinstance(items, list) else []

        async with anyio.create_task_group() as tg:
            for target in targets:
                if target.env_id:
                    tg.start_soon(one, target.env_id)
        return found


class CompanyPlugins:
    """One company-wide read (`list_company_plugins`, searched by slug, paged) for every environment at once.

    Kinsta names the environments that run a plugin by site and environment display name, not
    by id: an environment whose names are shared with any other in the company's site list (a
    target or not), or any answer this cannot use (an older API without the list), is asked
    per environment instead.
    """

    def __init__(self, reads: Reads, profile: Profile, fallback: PluginSource) -> None:
        self._reads = reads
        self._profile = profile
        self._fallback = fallback

    async def plugins(self, targets: Sequence[Target], slug: str) -> Mapping[str, list[dict[str, Any]] | str]:
        try:
            listing = await read_company_list(self._reads, self._profile, "plugin", search=slug)
        except ReadFailure:
            return await self._fallback.plugins(targets, slug)
        item = next((i for i in listing.items if str(i.get("name", "")).lower() == slug.lower()), None)
        if item is None and not listing.complete:
            return await self._fallback.plugins(targets, slug)
        # Shared names are judged over every environment of the company, not only the targets: a
        # staging named like a live environment would otherwise pass its plugins off as the live one's.
        everywhere = environment_index(await self._reads.site_list(self._profile))
        named: dict[tuple[str, str], list[Target]] = {}
        for target in targets:
            named.setdefault(_names(target.site_display, target.env_display), []).append(target)
        found: dict[str, list[dict[str, Any]] | str] = {t.id: [] for t in targets}
        ambiguous: list[Target] = []
        for key, group in named.items():
            if len(group) > 1 or len(everywhere.get(key, group)) > 1:
                ambiguous += group
        unique = {key: group[0] for key, group in named.items() if group[0] not in ambiguous}
        for install in (item or {}).get("environments") or []:
            if not isinstance(install, dict):
                continue
            owner = unique.get(_names(install.get("site_display_name"), install.get("display_name")))
            if owner is not None:
                outdated = install.get("plugin_update") == "available"
                found[owner.id] = [
                    {
                        "name": slug,
                        "version": install.get("plugin_version"),
                        "update": install.get("plugin_update"),
                        "update_version": (item or {}).get("latest_version") if outdated else None,
                    }
                ]
        if ambiguous:
            found.update(await self._fallback.plugins(ambiguous, slug))
        return found


def _names(site: Any, env: Any) -> tuple[str, str]:
    return (str(site or "").strip().casefold(), str(env or "").strip().casefold())


def _bare(text: str) -> str:
    """A short third-party value (a slug, a version) cleaned and on one line, without the quotes."""
    return one_line(text, 40)[1:-1]


def _outdated(plugin: Mapping[str, Any]) -> bool:
    return plugin.get("update") == "available" or bool(plugin.get("update_version"))


async def _filter_by_plugin(targets: list[Target], selection: Selection, source: PluginSource, out: Resolved) -> None:
    slug = (selection.plugin or "").lower()
    lists = await source.plugins([t for t in targets if t.env_id], slug)
    kept = []
    for target in targets:
        found = lists.get(target.id, [])
        if isinstance(found, str):
            out.skipped.append((target.label, target.id, found))
            continue
        plugin = next((p for p in found if str(p.get("name", "")).lower() == slug), None)
        if plugin is None or (selection.plugin_outdated and not _outdated(plugin)):
            continue
        version = _bare(str(plugin.get("version") or "?"))
        newer = f" -> {_bare(str(plugin['update_version']))}" if plugin.get("update_version") else ""
        out.notes[target.id] = f"{_bare(slug)} {version}{newer}"
        kept.append(target)
    targets[:] = kept


async def resolve(
    sites_body: Any, selection: Selection, level: Level, plugins: PluginSource, default_kind: Kind | None = None
) -> Resolved:
    """The targets of `selection`, in site-list order; ids that match nothing are reported as skipped."""
    everything = environments_in(sites_body)
    kind = selection.environments or default_kind
    targets = [t for t in everything if kind in (None, "all") or t.kind == kind]
    if selection.name:
        targets = [t for t in targets if _name_matches(selection.name, t)]
    out = Resolved(targets)
    if selection.ids:
        wanted = set(selection.ids)
        targets[:] = [t for t in targets if t.env_id in wanted or t.site_id in wanted]
        known = {t.env_id for t in everything} | {t.site_id for t in everything}
        for missing in sorted(wanted - known):
            out.skipped.append((missing, missing, "no site or environment with this id in the company's site list"))
    if selection.plugin:
        await _filter_by_plugin(targets, selection, plugins, out)
    if level == "site":
        seen: dict[str, Target] = {}
        for target in targets:
            seen.setdefault(target.site_id, target.site())
        out.targets = list(seen.values())
    return out
