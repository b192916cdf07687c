"""How to read Kinsta's answers: sites out of a site list, environments of a site, names.

Kinsta nests lists differently per endpoint; every layer that reads a site list (previews,
names as ids, resources, the overview, completions) uses these instead of its own digging.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def dig(data: Any, *keys: str) -> Any:
    """`data[k1][k2]...`, or None where a level is missing or not an object."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def sites_of(sites_body: Any) -> list[dict[str, Any]]:
    """The sites in a `GET /sites` answer (none when the lookup failed)."""
    sites = dig(sites_body, "company", "sites")
    return [site for site in sites if isinstance(site, dict)] if isinstance(sites, list) else []


def environments_of(site: Any) -> list[dict[str, Any]]:
    """A site's environments, as `GET /sites?include_environments=true` or `GET /sites/{id}` carry them."""
    envs = site.get("environments") if isinstance(site, dict) else None
    return [env for env in envs if isinstance(env, dict)] if isinstance(envs, list) else []


def find_environment(sites_body: Any, env_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(site, environment) for an environment id in a site list, or None (UUIDs compared case-insensitively)."""
    wanted = env_id.lower()
    for site in sites_of(sites_body):
        for env in environments_of(site):
            if str(env.get("id")).lower() == wanted:
                return site, env
    return None


def display_name(thing: Any) -> str:
    """What a person calls a site or environment: its display name, else its name, else its id."""
    if not isinstance(thing, dict):
        return "?"
    return str(thing.get("display_name") or thing.get("name") or thing.get("id") or "?")


def all_dicts(body: Any) -> Iterator[dict[str, Any]]:
    """Every object inside `body`, depth first (for lists whose nesting differs per endpoint)."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(reversed(node))
