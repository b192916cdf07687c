"""Names as ids: a site's name, or "Site name/environment name", wherever an id is asked for.

Every argument typed `SiteId` or `EnvId` in the catalog (`catalog.spec.Named`) also takes a
name. Before a call is validated, `resolve_names` puts the id in place of each name, from the
company's cached site list (one `GET /sites?include_environments=true`, shared with previews,
resources and the overview), so what is validated, bound by the guard, previewed, audited and
sent to Kinsta is the id.

For each value, in this order:
1. shaped like a Kinsta id (a UUID): taken as the id, in lower case as Kinsta writes its ids (an
   uppercase UUID names the same site), nothing is read (the common path is free);
2. the id of a site (for an environment argument: of an environment) in the list: that id;
3. a name, compared case-insensitively with whitespace normalised: a site's display name or
   name; an environment as "site/environment", each part a display name or a name. One match
   is the answer; several are an error listing them with their ids;
4. anything else is an error listing the nearest candidates with their ids.
An id always wins over a name, and a site whose name looks like an id (Kinsta's slug names,
"acme-shop") is still found by its name. Only when the site list cannot be read is a value
that follows the id rule passed on unchanged, for Kinsta to answer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kinsta_mcp.catalog.responses import display_name, environments_of, sites_of
from kinsta_mcp.catalog.spec import ID_PATTERN, NAME_MAX_LENGTH, Named
from kinsta_mcp.config import Profile
from kinsta_mcp.server.arguments import ArgumentError, shown
from kinsta_mcp.server.compiled import ToolDef
from kinsta_mcp.server.reads import Reader
from kinsta_mcp.untrusted import clean, one_line

MAX_CANDIDATES = 10  # listed in one error; the rest are counted
# Stands in for each name while the rest of the call is checked, before anything is read.
PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ID = re.compile(ID_PATTERN)
_SPACES = re.compile(r"\s+")
_SLASH = re.compile(r"\s*/\s*")


def looks_like_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def normal(text: str) -> str:
    """A name as it is compared: cleaned, case folded, single spaces, no spaces around '/'."""
    return _SLASH.sub("/", _SPACES.sub(" ", clean(text)).strip()).casefold()


def _names(thing: Mapping[str, Any]) -> list[str]:
    return [str(thing[key]) for key in ("display_name", "name") if thing.get(key)]


@dataclass(frozen=True)
class Place:
    """A site or an environment as it can be named."""

    kind: Named
    id: str
    shown: str  # what a person calls it: "Acme Shop", or "Acme Shop/Staging"
    keys: frozenset[str]  # the normalised names it answers to
    site_id: str

    def label(self) -> str:
        return f"{one_line(self.shown, 60)} ({self.id})"


def places(sites_body: Any, kind: Named) -> list[Place]:
    """Every site, or every environment, in a site list, with the names it answers to."""
    found: list[Place] = []
    for site in sites_of(sites_body):
        if not site.get("id"):
            continue
        site_id, site_names = str(site["id"]), _names(site)
        if kind is Named.SITE:
            found.append(Place(kind, site_id, display_name(site), frozenset(map(normal, site_names)), site_id))
            continue
        for env in environments_of(site):
            if env.get("id"):
                keys = frozenset(normal(f"{s}/{e}") for s in site_names for e in _names(env))
                shown_as = f"{display_name(site)}/{display_name(env)}"
                found.append(Place(kind, str(env["id"]), shown_as, keys, site_id))
    return found


def matches_words(query: str, keys: Iterable[str]) -> bool:
    """Every word of the query (split at spaces and '/') is part of one of the keys."""
    words = [w for w in re.split(r"[\s/]+", normal(query)) if w]
    return any(all(w in key for w in words) for key in keys) if words else False


@dataclass(frozen=True)
class Resolution:
    """A name given for an id argument, and the id it stands for."""

    argument: str
    given: str
    place: Place

    def line(self) -> str:
        """`site_id "acme shop" = <id> (site "Acme Shop")`: names quoted and cleaned."""
        place = self.place
        return f"{self.argument} {one_line(self.given, 60)} = {place.id} ({place.kind} {one_line(place.shown, 80)})"

    def as_json(self) -> dict[str, str]:
        return {"given": self.given, "id": self.place.id, "name": self.place.shown}


class Unresolved(Exception):
    """A name that names nothing, or more than one thing; `str()` is the line for the model."""


def _listing(found: list[Place]) -> str:
    shown_places = ", ".join(p.label() for p in found[:MAX_CANDIDATES])
    more = len(found) - MAX_CANDIDATES
    return shown_places + (f" (and {more} more: the find tool searches by part of a name)" if more > 0 else "")


def resolve(kind: Named, value: str, sites_body: Any) -> Place | None:
    """The place `value` names, None when `value` is itself an id there; raises Unresolved.

    `sites_body` is the site list, or None when it could not be read.
    """
    if sites_body is None:
        if _ID.fullmatch(value):
            return None  # cannot look it up: pass it on as an id, Kinsta answers for it
        raise Unresolved(
            f"got {shown('', value)}, which is not an id, and the site list could not be read to look the name up; "
            "pass the id (list_sites gives ids)"
        )
    candidates = places(sites_body, kind)
    if any(p.id == value for p in candidates):
        return None
    wanted = normal(value)
    named = [p for p in candidates if wanted in p.keys]
    if len(named) == 1:
        return named[0]
    what = "site" if kind is Named.SITE else "environment"
    quoted = one_line(value, 60)
    if named:
        raise Unresolved(f"{quoted} names {len(named)} {what}s; pass the id of the one meant: {_listing(named)}")
    other = Named.ENVIRONMENT if kind is Named.SITE else Named.SITE
    elsewhere = [p for p in places(sites_body, other) if p.id == value or wanted in p.keys]
    if elsewhere and kind is Named.ENVIRONMENT:
        envs = [p for p in candidates if p.site_id in {s.id for s in elsewhere}]
        raise Unresolved(f"{quoted} is a site, not an environment; pass one of its environments: {_listing(envs)}")
    if elsewhere:
        sites = [p for p in candidates if p.id in {e.site_id for e in elsewhere}]
        raise Unresolved(f"{quoted} is an environment, not a site; its site: {_listing(sites)}")
    if not candidates:
        raise Unresolved(f"no {what} has the id or name {quoted}: this company has no {what}s")
    near = [p for p in candidates if matches_words(value, p.keys)]
    if not near:
        close = set(difflib.get_close_matches(wanted, [k for p in candidates for k in p.keys], MAX_CANDIDATES))
        near = [p for p in candidates if p.keys & close]
    how = "a site's name" if kind is Named.SITE else '"site name/environment name"'
    intro = "nearest" if near else f"the company's {what}s"
    raise Unresolved(
        f"no {what} has the id or name {quoted} (give an id or {how}); {intro}: " + _listing(near or candidates)
    )


async def resolve_names(
    tool: ToolDef,
    arguments: Mapping[str, Any] | None,
    reader: Reader,
    profile: Profile | None,
    check: Callable[[Mapping[str, Any]], object],
) -> tuple[dict[str, Any], list[Resolution]]:
    """The arguments with each name replaced by its id, and what each name resolved to.

    Raises ArgumentError (nothing sent) for a name that names nothing or several things.
    Before anything is read, `check` (validation; raises ArgumentError) sees the call with a
    placeholder id for each name: a call that is wrong anyway costs no lookup. With no profile
    (the call names a company that is not available) nothing is looked up: validation says why.
    """
    given = dict(arguments or {})
    pending: dict[str, tuple[Named, str]] = {}
    problems: list[str] = []
    for name, kind in tool.named.items():
        value = given.get(name)
        if isinstance(value, str) and looks_like_uuid(value):
            given[name] = value.lower()  # UUIDs compare case-insensitively; Kinsta's are lower case
            continue  # the common path
        if not isinstance(value, str):
            continue  # a wrong type is reported by validation
        if value.strip() and len(value) <= NAME_MAX_LENGTH:
            pending[name] = (kind, value)
        else:
            allowed = f"an id or a name, 1 to {NAME_MAX_LENGTH} characters"
            problems.append(f"- {name}: got {shown(name, value)}; allowed: {allowed}")
    if problems:
        raise _refused(tool, problems)
    if not pending or profile is None:
        return given, []
    check({**given, **dict.fromkeys(pending, PLACEHOLDER_ID)})
    sites_body = await reader.site_list(profile)
    resolved: list[Resolution] = []
    for name, (kind, value) in pending.items():
        try:
            place = resolve(kind, value, sites_body)
        except Unresolved as exc:
            problems.append(f"- {name}: {exc}")
            continue
        if place is not None:
            given[name] = place.id
            resolved.append(Resolution(name, value, place))
    if problems:
        raise _refused(tool, problems)
    return given, resolved


def _refused(tool: ToolDef, problems: list[str]) -> ArgumentError:
    return ArgumentError(f"Invalid arguments for {tool.name}; nothing was sent:\n" + "\n".join(problems))
