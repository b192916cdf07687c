"""Common one-liners, as ready-made steps for the one batch mechanism (no code path of their own).

A preset names the catalog tools to run per target with their shared arguments, and the
targets it means when the caller does not narrow them. Everything else (targets, plan,
preview, guard, pacing, result) is the batch's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kinsta_mcp.server.fleet.targets import Kind


@dataclass(frozen=True)
class Preset:
    title: str
    steps: tuple[tuple[str, Mapping[str, Any]], ...]  # (operation name, shared arguments)
    default_kind: Kind | None = None  # the targets when the caller names none
    needs_plugin: bool = False  # the steps act on the selection's `plugin`, where it is outdated


PRESETS: dict[str, Preset] = {
    "clear_all_caches": Preset(
        title="Clear every cache (site, edge, CDN)",
        steps=(("clear_site_cache", {}), ("clear_edge_cache", {}), ("clear_cdn_cache", {})),
    ),
    "backup_live": Preset(
        title="Back up every live environment",
        steps=(("create_backup", {}),),
        default_kind="live",
    ),
    "update_plugin": Preset(
        title="Update a plugin wherever it is outdated",
        steps=(("bulk_update_plugins", {}),),
        default_kind="all",
        needs_plugin=True,
    ),
}


def preset_arguments(name: str, operation: str, plugin: str | None) -> dict[str, Any]:
    """A step's shared arguments that depend on the selection (the plugin to update)."""
    preset = PRESETS[name]
    shared = dict(dict(preset.steps)[operation])
    if preset.needs_plugin and operation == "bulk_update_plugins" and plugin:
        shared["plugins"] = [{"name": plugin}]
    return shared
