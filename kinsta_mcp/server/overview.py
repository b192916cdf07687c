"""The company overview: an agency's first question answered in one call, at any company size.

Every site with its environments, PHP and WordPress versions and primary domains (the site
list), and what needs attention: pending plugin and theme updates and vulnerable installs,
from Kinsta's company-wide lists (`server/inventory.py`): a constant number of requests
whether the company has 5 sites or 500.

The answer leads with the whole company's totals and its vulnerable plugins, then lists sites
needing attention first, the rest compactly, as many as fit the result budget in both
channels; `offset` pages on, and `site`, `plugin` (`below`) and `attention_only` filter. A
failure is reported where it belongs (on a site, or on the whole kind) instead of failing the
answer; only a site list that cannot be read fails it. Every read goes through the call's core
(`pipeline.Core.read`: the caller's scope, then the shared read cache), so later pages cost nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.responses import dig as _dig
from kinsta_mcp.catalog.responses import environments_of, sites_of
from kinsta_mcp.config import Profile
from kinsta_mcp.server.arguments import describe_validation
from kinsta_mcp.server.budget import json_size, largest_fitting
from kinsta_mcp.server.inventory import KINDS, Install, Inventory, read_inventory, version_key
from kinsta_mcp.server.reads import Reads
from kinsta_mcp.server.shaping import mark_untrusted
from kinsta_mcp.untrusted import clean_text, fence_untrusted, one_line

__all__ = [
    "INPUT_SCHEMA",
    "OVERVIEW_URI",
    "CompanyOverview",
    "OverviewArgs",
    "OverviewError",
    "company_overview",
    "overview_page",
    "overview_structured",
    "overview_text",
]

OVERVIEW_URI = "kinsta://overview"
TOOL = "get_company_overview"
VULNERABLE_SHOWN = 20  # vulnerable plugins/themes listed in the lead (the rest counted)
SLUG = r"^[A-Za-z0-9_.-]{1,200}$"
OWN_TEXT = ("more",)  # the structured result's only text that is the server's own, not the account's


class OverviewArgs(BaseModel):
    """The tool's arguments (all optional)."""

    model_config = ConfigDict(extra="forbid")

    site: Annotated[
        str | None, Field(min_length=1, max_length=200, description="Only sites whose name has this, or this site id")
    ] = None
    plugin: Annotated[str | None, Field(pattern=SLUG, description="Only where this plugin slug is installed")] = None
    below: Annotated[
        str | None,
        Field(pattern=r"^\d+(\.\d+){0,5}$", description="With plugin: only where it is older than this version"),
    ] = None
    attention_only: Annotated[
        StrictBool, Field(description="Only sites with pending updates, vulnerable installs or errors")
    ] = False
    offset: Annotated[int, Field(ge=0, le=100_000, description="Skip this many sites (from a previous answer)")] = 0


# Written out rather than generated: the tool list is read by every model on every connection, so it
# carries types and one-line descriptions only; OverviewArgs checks the rest and names what is wrong.
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "site": {"type": "string", "description": "Part of a site name, or its id"},
        "plugin": {"type": "string", "description": "Has this plugin slug"},
        "below": {"type": "string", "description": "With plugin: older than this"},
        "attention_only": {"type": "boolean", "description": "Needing attention"},
        "offset": {"type": "integer", "minimum": 0, "description": "An answer's next_offset"},
    },
    "additionalProperties": False,
}


class OverviewError(Exception):
    """Bad arguments; `str()` is the message for the model."""


def parse_args(args: Mapping[str, Any]) -> OverviewArgs:
    try:
        parsed = OverviewArgs.model_validate(dict(args))
    except ValidationError as exc:
        raise OverviewError(describe_validation(TOOL, exc)) from None
    if parsed.below is not None and parsed.plugin is None:
        raise OverviewError(f"Invalid arguments for {TOOL}; nothing was sent:\n- below: only with plugin (a slug)")
    return parsed


# -- the answer's shape ---------------------------------------------------------------------------


class PendingUpdate(BaseModel):
    name: str
    version: str | None = None
    update_version: str | None = None
    vulnerable: bool | None = Field(None, description="This installed version has a known vulnerability")


class Installed(BaseModel):
    """With `plugin`: the plugin as installed on this environment."""

    name: str
    version: str | None = None
    status: str | None = None
    update_version: str | None = None
    vulnerable: bool | None = None


class EnvironmentOverview(BaseModel):
    id: str
    name: str | None = None
    php_version: str | None = None
    wordpress_version: str | None = None
    primary_domain: str | None = None
    plugin_updates: list[PendingUpdate] | None = Field(None, description="None when they could not be read")
    theme_updates: list[PendingUpdate] | None = Field(None, description="None when they could not be read")
    vulnerable: list[PendingUpdate] | None = Field(None, description="Installed versions with a known vulnerability")
    installed: Installed | None = None


class SiteOverview(BaseModel):
    id: str
    name: str | None = None
    status: str | None = None
    needs_attention: bool = False
    environments: list[EnvironmentOverview] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="What could not be read for this site")


class VulnerableItem(BaseModel):
    kind: str
    name: str
    environments: int
    latest_version: str | None = None
    latest_vulnerable: bool = Field(False, description="The latest version is vulnerable too: no update fixes it")


class CompanyOverview(BaseModel):
    sites_total: int = 0
    environments_total: int = 0
    sites_needing_attention: int = 0
    pending_plugin_updates: int = 0
    pending_theme_updates: int = 0
    vulnerable_installs: int = 0
    sites_with_errors: int = 0
    vulnerable: list[VulnerableItem] = Field(default_factory=list, description="Vulnerable plugins/themes anywhere")
    lists_updated_at: dict[str, str | None] = Field(
        default_factory=dict, description="When Kinsta's company-wide plugin and theme lists were last updated"
    )
    errors: list[str] = Field(default_factory=list, description="What could not be read company-wide")
    filters: dict[str, Any] = Field(default_factory=dict)
    matching: int = Field(0, description="Sites matching the filters")
    offset: int = 0
    sites: list[SiteOverview] = Field(default_factory=list, description="This page: needing attention first")
    next_offset: int | None = Field(None, description="Call again with this offset for more")
    more: str | None = Field(None, description="How to get the sites not shown")


# -- reading ----------------------------------------------------------------------------------


def _text(value: Any, limit: int = 200) -> str | None:
    return clean_text(str(value), limit) if value not in (None, "") else None


def _update(install: Install) -> PendingUpdate:
    return PendingUpdate(
        name=_text(install.name, 120) or "?",
        version=_text(install.version, 40),
        update_version=_text(install.update_version, 40),
        vulnerable=True if install.vulnerable else None,
    )


async def company_overview(reads: Reads, profile: Profile, args: OverviewArgs | None = None) -> CompanyOverview:
    """The whole company's overview, every matching site (unpaged: see `overview_page`).

    Raises one of ReadFailure only when the site list itself cannot be read."""
    args = args or OverviewArgs()
    sites_body = await reads.read(BY_NAME["list_sites"], {"include_environments": True}, profile)
    inventory = await read_inventory(reads, profile, sites_body)
    found = await read_inventory(reads, profile, sites_body, ("plugin",), args.plugin) if args.plugin else None
    overview = CompanyOverview()
    for kind in KINDS:
        overview.lists_updated_at[f"{kind}s"] = inventory.updated_at.get(kind)
    for kind, why in inventory.unknown.items():
        overview.errors.append(f"{kind} updates and vulnerabilities could not be read company-wide: {why}")
    if found is not None and "plugin" in found.unknown:
        where = one_line(args.plugin or "", 60)
        overview.errors.append(f"where plugin {where} is installed could not be read: {found.unknown['plugin']}")
    if inventory.unmatched:
        overview.errors.append(
            f"{inventory.unmatched} installs in Kinsta's company lists name environments not in the site list "
            "(renamed or removed since the lists were updated)"
        )
    overview.errors += [f"Kinsta's {what} list was longer than could be read" for what in inventory.incomplete]

    sites: list[SiteOverview] = []
    for raw in sites_of(sites_body):
        if not raw.get("id"):
            continue
        site = SiteOverview(
            id=str(raw["id"]), name=_text(raw.get("display_name") or raw.get("name")), status=_text(raw.get("status"))
        )
        for env in environments_of(raw):
            if not env.get("id"):
                continue
            env_id = str(env["id"])
            installs = inventory.installs.get(env_id, [])
            updates = {k: [_update(i) for i in installs if i.kind == k and i.update_version] for k in KINDS}
            view = EnvironmentOverview(
                id=env_id,
                name=_text(env.get("display_name") or env.get("name")),
                php_version=_text(_dig(env, "container_info", "php_engine_version")),
                wordpress_version=_text(env.get("wordpress_version")),
                primary_domain=_text(_dig(env, "primaryDomain", "name")),
                plugin_updates=None if "plugin" in inventory.unknown else updates["plugin"],
                theme_updates=None if "theme" in inventory.unknown else updates["theme"],
                vulnerable=None if inventory.unknown else [_update(i) for i in installs if i.vulnerable],
            )
            for error in inventory.env_errors.get(env_id, []):
                site.errors.append(error)
                if error.startswith("plugins of"):
                    view.plugin_updates = view.vulnerable = None
                else:
                    view.theme_updates = view.vulnerable = None
            if found is not None:
                mine = next(iter(found.installs.get(env_id, [])), None)
                site.errors += found.env_errors.get(env_id, [])
                if mine is not None:
                    known_bad = any(i.vulnerable and (i.name, i.version) == (mine.name, mine.version) for i in installs)
                    view.installed = Installed(
                        name=_text(mine.name, 120) or "?",
                        version=_text(mine.version, 40),
                        status=_text(mine.status, 40),
                        update_version=_text(mine.update_version, 40),
                        vulnerable=True if known_bad else None,
                    )
            site.environments.append(view)
        site.errors.sort()
        site.needs_attention = bool(site.errors) or any(
            e.plugin_updates or e.theme_updates or e.vulnerable for e in site.environments
        )
        sites.append(site)
    _totals(overview, sites, inventory)
    matching = [s for s in sites if _matches(s, args)]
    matching.sort(key=_attention_order)
    overview.sites = matching
    overview.matching = len(matching)
    overview.filters = args.model_dump(exclude_none=True, exclude={"offset"}, exclude_defaults=True)
    return overview


def _totals(overview: CompanyOverview, sites: list[SiteOverview], inventory: Inventory) -> None:
    overview.sites_total = len(sites)
    overview.environments_total = sum(len(s.environments) for s in sites)
    overview.sites_needing_attention = sum(s.needs_attention for s in sites)
    overview.sites_with_errors = sum(bool(s.errors) for s in sites)
    for site in sites:
        for env in site.environments:
            overview.pending_plugin_updates += len(env.plugin_updates or [])
            overview.pending_theme_updates += len(env.theme_updates or [])
            overview.vulnerable_installs += len(env.vulnerable or [])
    counted: dict[tuple[str, str], VulnerableItem] = {}
    for installs in inventory.installs.values():
        for install in installs:
            if install.vulnerable:
                key = (install.kind, install.name)
                item = counted.get(key)
                if item is None:
                    item = counted[key] = VulnerableItem(
                        kind=install.kind,
                        name=_text(install.name, 120) or "?",
                        environments=0,
                        latest_vulnerable=install.latest_vulnerable,
                    )
                item.environments += 1
                if install.update_version and install.update_version != "?":
                    item.latest_version = _text(install.update_version, 40)
    overview.vulnerable = sorted(counted.values(), key=lambda v: (v.latest_vulnerable, v.environments), reverse=True)


def _matches(site: SiteOverview, args: OverviewArgs) -> bool:
    if args.attention_only and not site.needs_attention:
        return False
    if args.site is not None:
        wanted = args.site.strip().casefold()
        if site.id.casefold() != wanted and wanted not in (site.name or "").casefold():
            return False
    if args.plugin is not None:
        below = version_key(args.below) if args.below else None
        hits = [
            e
            for e in site.environments
            if e.installed is not None
            and (below is None or (e.installed.version is not None and version_key(e.installed.version) < below))
        ]
        if not hits:
            return False
        site.environments = hits
    return True


def _attention_order(site: SiteOverview) -> tuple[Any, ...]:
    vulnerable = sum(len(e.vulnerable or []) for e in site.environments)
    updates = sum(len(e.plugin_updates or []) + len(e.theme_updates or []) for e in site.environments)
    return (not site.needs_attention, -vulnerable, -len(site.errors), -updates, (site.name or "").casefold(), site.id)


# -- one page within the budget -----------------------------------------------------------------


def overview_page(overview: CompanyOverview, offset: int, budget: int) -> tuple[str, dict[str, Any]]:
    """(text, structured) of the sites from `offset` on, as many as fit `budget` bytes in each channel.

    Each candidate page is measured as it would be answered, `_untrusted` mark included. The count is found
    by galloping up from one site (a page holds tens of sites: the probes stay that small, even at 500)."""
    remaining = overview.sites[offset:]

    def compose(count: int) -> tuple[str, dict[str, Any]]:
        shown = _paged(overview, remaining[:count], offset)
        return overview_text(shown), overview_structured(shown)

    def fits(count: int) -> bool:
        text, structured = compose(count)
        return len(text.encode()) <= budget and json_size(structured) <= budget

    count = largest_fitting(fits, len(remaining)) or 0  # fitting is monotone in the count
    if count == 0 and remaining:
        return _one_site_cut(overview, offset, budget)
    return compose(count)


def _one_site_cut(overview: CompanyOverview, offset: int, budget: int) -> tuple[str, dict[str, Any]]:
    """A single site too large for the budget: its lists are cut, more at each step, which it says."""
    pair: tuple[str, dict[str, Any]] = ("", {})
    for cap, environments, lead in ((3, 20, 5), (1, 5, 2), (0, 2, 0)):
        site = overview.sites[offset].model_copy(deep=True)
        site.errors.append("cut to fit the result budget: filter with site= and plugin= for the rest")
        site.environments = site.environments[:environments]
        for env in site.environments:
            for attribute in ("plugin_updates", "theme_updates", "vulnerable"):
                kept = getattr(env, attribute)
                setattr(env, attribute, None if kept is None else kept[:cap])
        shown = _paged(overview.model_copy(update={"vulnerable": overview.vulnerable[:lead]}), [site], offset)
        pair = overview_text(shown), overview_structured(shown)
        if len(pair[0].encode()) <= budget and json_size(pair[1]) <= budget:
            break
    return pair


def overview_structured(overview: CompanyOverview) -> dict[str, Any]:
    """The structured channel of a page: the account's names and Kinsta's texts marked under `_untrusted`
    (as logs and every tool's result are), all but how to page on (`more`: the server's own instruction).
    Part of what the page's size is measured by, so the mark never pushes a page past the budget."""
    return mark_untrusted(overview.model_dump(mode="json", exclude_none=True), own=OWN_TEXT)


def _paged(overview: CompanyOverview, sites: list[SiteOverview], offset: int) -> CompanyOverview:
    following = offset + len(sites)
    if following >= overview.matching:
        return overview.model_copy(update={"sites": sites, "offset": offset, "next_offset": None, "more": None})
    same = f" and the same filters ({_filters_text(overview.filters)})" if overview.filters else ""
    more = (
        f"{overview.matching - following} more sites not shown: call {TOOL} with offset={following}{same}; "
        "or narrow: attention_only=true, site=<part of a name>, plugin=<slug> (below=<version>)."
    )
    return overview.model_copy(update={"sites": sites, "offset": offset, "next_offset": following, "more": more})


# -- text ---------------------------------------------------------------------------------------


def overview_text(overview: CompanyOverview) -> str:
    """A text for a model: the lead (totals, what needs attention), then the page of sites.

    Site, environment and domain names are shown quoted and cleaned; plugin and theme names only
    inside a fence (third-party text)."""
    o = overview
    lines = [
        f"Company overview: {o.sites_total} sites, {o.environments_total} environments; "
        f"{o.sites_needing_attention} need attention: {o.pending_plugin_updates} plugin and "
        f"{o.pending_theme_updates} theme updates pending, {o.vulnerable_installs} vulnerable installs"
        + (f", {o.sites_with_errors} sites partly unreadable." if o.sites_with_errors else ".")
    ]
    stamps = ", ".join(f"{k} {v or 'unknown'}" for k, v in o.lists_updated_at.items())
    lines.append(
        f"Updates and vulnerabilities come from Kinsta's company-wide lists (last updated: {stamps}); "
        "for an environment's state right now: list_plugins_themes kind=plugin env_id=ID."
    )
    for error in o.errors:
        lines.append(f"! {error}")
    if o.vulnerable:
        vulnerable = [
            f"{v.kind} {v.name}: {v.environments} environments"
            + (" (the latest version is vulnerable too: no update fixes it)" if v.latest_vulnerable else "")
            + (f", fixed by updating to {v.latest_version}" if v.latest_version and not v.latest_vulnerable else "")
            for v in o.vulnerable[:VULNERABLE_SHOWN]
        ]
        if len(o.vulnerable) > VULNERABLE_SHOWN:
            vulnerable.append(f"... and {len(o.vulnerable) - VULNERABLE_SHOWN} more")
        lines.append("Vulnerable anywhere:")
        lines.append(fence_untrusted("vulnerable", "\n".join(vulnerable)))
    if o.filters:
        lines.append(f"Filters: {_filters_text(o.filters)}; {o.matching} of {o.sites_total} sites match.")
    if not o.sites:
        lines.append("No site matches." if o.matching == 0 else f"No sites from offset {o.offset} (of {o.matching}).")
    else:
        lines.append(f"Sites {o.offset + 1}-{o.offset + len(o.sites)} of {o.matching}, needing attention first:")
    details: list[str] = []
    for site in o.sites:
        mark = "needs attention" if site.needs_attention else "ok"
        site_label = one_line(site.name or site.id, 80)
        lines.append(f"- {site_label} (id {site.id}, {site.status or 'status unknown'}, {mark})")
        for env in site.environments:
            env_label = one_line(env.name or env.id, 40)
            counts = (
                f"updates: {_count(env.plugin_updates)} plugins, {_count(env.theme_updates)} themes; "
                f"{_count(env.vulnerable)} vulnerable"
                if site.needs_attention
                else "up to date"
            )
            domain = one_line(env.primary_domain, 80) if env.primary_domain else "no primary domain"
            lines.append(
                f"  - {env_label} (id {env.id}): PHP {(env.php_version or '?').removeprefix('php')}, WordPress "
                f"{env.wordpress_version or '?'}, {domain}; {counts}"
            )
            where = f"{site.name or site.id} / {env.name or env.id}"
            for update in [*(env.plugin_updates or []), *(env.theme_updates or [])]:
                flag = " [vulnerable]" if update.vulnerable else ""
                details.append(f"{where}: {update.name} {update.version or '?'} -> {update.update_version}{flag}")
            for bad in env.vulnerable or []:
                if not bad.update_version:
                    details.append(f"{where}: {bad.name} {bad.version or '?'} [vulnerable, no update]")
            if env.installed is not None:
                i = env.installed
                newer = f" -> {i.update_version}" if i.update_version else ""
                details.append(f"{where}: {i.name} {i.version or '?'}{newer} ({i.status or '?'})")
        for error in site.errors:
            lines.append(f"  ! could not read {error}")
    if details:
        lines.append(fence_untrusted("installs", "\n".join(details)))
    if o.more:
        lines.append(o.more)
    return "\n".join(lines)


def _filters_text(filters: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{k}={one_line(str(v), 60) if isinstance(v, str) else json.dumps(v)}" for k, v in sorted(filters.items())
    )


def _count(updates: list[PendingUpdate] | None) -> str:
    return "?" if updates is None else str(len(updates))
