"""`update_version="latest"`: the version Kinsta offers for that plugin or theme, looked up before sending.

Kinsta's update call takes an exact version; a model that writes "latest" would otherwise
have it sent as the version. The operation names the list that shows the available update
(`Operation.latest_from`); the server reads it (through the shared read cache) and sends
the version listed there, or says there is no update and sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import LATEST, Operation
from kinsta_mcp.config import Profile
from kinsta_mcp.server.reads import Reader


def _installed(body: Any) -> list[Mapping[str, Any]]:
    """The plugins or themes of a list_plugins/list_themes answer."""
    container = ((body or {}).get("environment") or {}).get("container_info") or {}
    for value in container.values():
        if isinstance(value, Mapping) and isinstance(value.get("data"), list):
            return [item for item in value["data"] if isinstance(item, Mapping)]
    return []


async def resolve_latest(op: Operation, args: dict[str, Any], reader: Reader, profile: Profile) -> str | None:
    """Replace update_version="latest" with the listed update; a short message when there is none."""
    if op.latest_from is None or args.get("update_version") != LATEST:
        return None
    listing = BY_NAME[op.latest_from]
    body = await reader.read(listing, {"env_id": args["env_id"]}, profile)
    item = next((i for i in _installed(body) if i.get("name") == args.get("name")), None)
    if item is None:
        return (
            f"{op.title}: '{args.get('name')}' is not installed on {args['env_id']}; nothing was sent "
            f"({listing.name} lists what is)."
        )
    version = item.get("update_version")
    if not version or item.get("update") == "none" or version == item.get("version"):
        return (
            f"{op.title}: '{args.get('name')}' has no update available (version {item.get('version')}); "
            "nothing was sent."
        )
    args["update_version"] = str(version)
    return None
