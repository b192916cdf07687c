"""WordPress plugins and themes of an environment: list, update one, update several."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kinsta_mcp.catalog import rules
from kinsta_mcp.catalog.environments import EnvIdIn
from kinsta_mcp.catalog.spec import (
    VERSION_PATTERN,
    Effect,
    EnvId,
    Input,
    Member,
    Operation,
    OperationStarted,
    Output,
    Risk,
    Rule,
    ToolGroup,
    Toolset,
    body,
    path,
)

# -- inputs -------------------------------------------------------------------------


UpdateVersion = Annotated[
    str,
    body(),
    Field(pattern=VERSION_PATTERN, max_length=50, description='update_version listed, or "latest"'),
]


class UpdatePluginIn(Input):
    env_id: Annotated[EnvId, path()]
    name: Annotated[str, body(), Field(description="Slug")]
    update_version: UpdateVersion


class UpdateThemeIn(Input):
    env_id: Annotated[EnvId, path()]
    name: Annotated[str, body(), Field(description="Slug")]
    update_version: UpdateVersion


class Named(Input):
    name: Annotated[str, Field(description="Slug")]


class BulkUpdatePluginsIn(Input):
    env_id: Annotated[EnvId, path()]
    plugins: Annotated[list[Named], body()]


class BulkUpdateThemesIn(Input):
    env_id: Annotated[EnvId, path()]
    themes: Annotated[list[Named], body()]


# -- outputs -------------------------------------------------------------------------


class Extension(Output):
    """A plugin or a theme as Kinsta lists it."""

    name: str | None = None
    title: str | None = None
    status: str | None = None
    version: str | None = None
    update: str | None = None
    update_version: str | None = None
    update_status: str | None = None


class ExtensionList(Output):
    data: list[Extension] | None = None


class PluginContainer(Output):
    id: str | None = None
    wp_plugins: ExtensionList | None = None


class ThemeContainer(Output):
    id: str | None = None
    wp_themes: ExtensionList | None = None


class PluginEnvironment(Output):
    id: str | None = None
    container_info: PluginContainer | None = None


class ThemeEnvironment(Output):
    id: str | None = None
    container_info: ThemeContainer | None = None


class ListPluginsOut(Output):
    environment: PluginEnvironment | None = None


class ListThemesOut(Output):
    environment: ThemeEnvironment | None = None


# -- groups -------------------------------------------------------------------------
# Plugins and themes are the same operations on a different noun: one tool each, `kind` picks.

KIND = "kind"
KIND_DESCRIPTION = "plugin or theme"

LIST = ToolGroup(
    name="list_plugins_themes",
    title="List plugins or themes",
    description="An environment's plugins or themes with versions and updates (update_version).",
    selector=KIND,
    selector_description=KIND_DESCRIPTION,
)
UPDATE = ToolGroup(
    name="update_plugin_theme",
    title="Update a plugin or theme",
    description='Update one plugin or theme of an environment to its listed update_version or "latest".',
    selector=KIND,
    selector_description=KIND_DESCRIPTION,
)
BULK_UPDATE = ToolGroup(
    name="bulk_update_plugins_themes",
    title="Update several plugins or themes",
    description="Update several plugins or themes of an environment to their latest versions.",
    selector=KIND,
    selector_description=KIND_DESCRIPTION,
)

# -- declarations ------------------------------------------------------------------------

BRIEF = ("name", "version", "update_version", "status")


def _update_rules(kind: str) -> tuple[Rule, ...]:
    """What an update of a plugin or theme (`kind`) must be checked for, read from its environment's list."""
    listed = f"list_{kind}s"
    return (
        Rule(
            name="not-installed",
            when=f"the {kind} is not installed there (read first): refused before anyone is asked",
            check=rules.installed_precondition(kind),
            reads=listed,
            refuse=True,
        ),
        Rule(
            name="not-the-listed-update",
            when="update_version is not the update Kinsta lists for it (read first): a downgrade, or a version "
            "Kinsta does not offer",
            check=rules.not_the_listed_update,
            risk=Risk.BREAKS_SITE,
            reads=listed,
            safer='Take a backup first (create_backup), or install the listed update (update_version="latest").',
        ),
    )


OPERATIONS = [
    Operation(
        name="list_plugins",
        member=Member(LIST, "plugin"),
        title="List plugins",
        description="An environment's plugins with versions and available updates.",
        method="GET",
        path="/sites/environments/{env_id}/plugins",
        input=EnvIdIn,
        output=ListPluginsOut,
        effect=Effect.READ,
        toolset=Toolset.PLUGINS,
        resource="kinsta://environments/{env_id}/plugins",
        untrusted=True,
        brief=BRIEF,
    ),
    Operation(
        name="update_plugin",
        member=Member(UPDATE, "plugin"),
        risk=Risk.NONE,
        risk_reason="a newer version of an installed plugin; a backup brings the old one back",
        title="Update plugin",
        description="Update one plugin of an environment to a listed version or the latest.",
        method="PUT",
        path="/sites/environments/{env_id}/plugins",
        input=UpdatePluginIn,
        latest_from="list_plugins",
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.PLUGINS,
        is_async=True,
        idempotent=True,
        consequence="Install plugin {name} version {update_version} on {env_id}.",
        rules=_update_rules("plugin"),
    ),
    Operation(
        name="bulk_update_plugins",
        member=Member(BULK_UPDATE, "plugin"),
        risk=Risk.NONE,
        risk_reason="newer versions of installed plugins; a backup brings the old ones back",
        title="Update several plugins",
        description="Update several plugins of an environment to their latest versions.",
        method="PUT",
        path="/sites/environments/{env_id}/plugins/bulk-update",
        input=BulkUpdatePluginsIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.PLUGINS,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="list_themes",
        member=Member(LIST, "theme"),
        title="List themes",
        description="An environment's themes with versions and available updates.",
        method="GET",
        path="/sites/environments/{env_id}/themes",
        input=EnvIdIn,
        output=ListThemesOut,
        effect=Effect.READ,
        toolset=Toolset.PLUGINS,
        resource="kinsta://environments/{env_id}/themes",
        untrusted=True,
        brief=BRIEF,
    ),
    Operation(
        name="update_theme",
        member=Member(UPDATE, "theme"),
        risk=Risk.NONE,
        risk_reason="a newer version of an installed theme; a backup brings the old one back",
        title="Update theme",
        description="Update one theme of an environment to a listed version or the latest.",
        method="PUT",
        path="/sites/environments/{env_id}/themes",
        input=UpdateThemeIn,
        latest_from="list_themes",
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.PLUGINS,
        is_async=True,
        idempotent=True,
        consequence="Install theme {name} version {update_version} on {env_id}.",
        rules=_update_rules("theme"),
    ),
    Operation(
        name="bulk_update_themes",
        member=Member(BULK_UPDATE, "theme"),
        risk=Risk.NONE,
        risk_reason="newer versions of installed themes; a backup brings the old ones back",
        title="Update several themes",
        description="Update several themes of an environment to their latest versions.",
        method="PUT",
        path="/sites/environments/{env_id}/themes/bulk-update",
        input=BulkUpdateThemesIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.PLUGINS,
        is_async=True,
        idempotent=True,
    ),
]
