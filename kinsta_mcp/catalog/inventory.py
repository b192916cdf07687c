"""WordPress plugin and theme inventory with filters: company-wide, and per environment.

The company lists answer "which of my sites run a vulnerable or outdated plugin" in one
call: `column="vulnerable"` or `column="updatesAvailable"`, each plugin with the
environments that run it. Kinsta API January 2026, from the reconstructed additions
document (docs/kinsta-api-additions.md); only the company plugin list's response shape
is known, the others are returned as Kinsta sends them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Input,
    Member,
    Operation,
    Output,
    ToolGroup,
    Toolset,
    path,
    query,
)

# Where the list filters go. Kinsta's changelog example sends them as a JSON body on the
# GET; both third-party clients send query parameters, and the additions document declares
# query. When Kinsta's current document settles it, this is the one line to change
# (`body` sends them, order_by included, as a JSON body).
FILTERS_WHERE = query

# -- inputs -------------------------------------------------------------------------

Status = Annotated[Literal["active", "inactive"] | None, FILTERS_WHERE(), Field(description="active or inactive")]
Column = Annotated[
    Literal["vulnerable", "updatesAvailable"] | None,
    FILTERS_WHERE(),
    Field(description="updatesAvailable: outdated"),
]


class OrderBy(Input):
    field: Annotated[Literal["name", "environments", "updates"], Field(description="Sort key")]
    order: Annotated[Literal["ascend", "descend"], Field(description="Direction")]


class CompanyInventoryIn(Input):
    status: Status = None
    column: Column = None
    order_by: Annotated[OrderBy | None, FILTERS_WHERE(), Field(description="Sort")] = None
    search: Annotated[
        str | None, FILTERS_WHERE(), Field(description="Part of a name", min_length=1, max_length=200, examples=["woo"])
    ] = None
    offset: Annotated[int | None, FILTERS_WHERE(), Field(description="Skip this many", ge=0)] = None
    limit: Annotated[int | None, FILTERS_WHERE(), Field(description="Page size", ge=1)] = None


class EnvironmentInventoryIn(Input):
    env_id: Annotated[EnvId, path()]
    status: Status = None
    column: Column = None


# -- outputs -------------------------------------------------------------------------


class PluginInstall(Output):
    """One environment that runs the plugin."""

    site_display_name: str | None = None
    display_name: str | None = Field(None, description="The environment's name")
    plugin_status: str | None = None
    plugin_version: str | None = None
    plugin_update: str | None = Field(None, description="available when an update exists")


class CompanyPlugin(Output):
    name: str | None = None
    title: str | None = None
    latest_version: str | None = None
    is_latest_version_vulnerable: bool | None = None
    environment_count: int | None = None
    update_count: int | None = Field(None, description="Environments with an update available")
    environments: list[PluginInstall] | None = None


class CompanyPluginPage(Output):
    total: int | None = None
    last_updated_at: str | None = None
    items: list[CompanyPlugin] | None = None


class CompanyPlugins(Output):
    plugins: CompanyPluginPage | None = None


class CompanyPluginsOut(Output):
    company: CompanyPlugins | None = None


# -- groups -------------------------------------------------------------------------

COMPANY_LIST = ToolGroup(
    name="list_company_plugins_themes",
    title="List plugins or themes across all sites",
    description=(
        "Every plugin or theme on the company's sites, with the environments running it; "
        "column finds vulnerable or outdated ones."
    ),
    selector="kind",
    selector_description="plugin or theme",
)
FILTER = ToolGroup(
    name="filter_plugins_themes",
    title="Filter an environment's plugins or themes",
    description=("An environment's plugins or themes by status or column, as Kinsta sends them."),
    selector="kind",
    selector_description="plugin or theme",
)

# -- declarations ------------------------------------------------------------------------

_UNKNOWN_SHAPE = " Returned as Kinsta sends it (its shape is not documented)."

OPERATIONS = [
    Operation(
        name="list_company_plugins",
        member=Member(COMPANY_LIST, "plugin"),
        title="List plugins across all sites",
        description=(
            "Every WordPress plugin on the company's sites with the environments running it; "
            "column=vulnerable or updatesAvailable finds vulnerable or outdated ones in one call."
        ),
        method="GET",
        path="/company/{id}/wp-plugins",
        input=CompanyInventoryIn,
        output=CompanyPluginsOut,
        effect=Effect.READ,
        toolset=Toolset.PLUGINS,
        company=path("id"),
        resource="kinsta://plugins",
        untrusted=True,
    ),
    Operation(
        name="list_company_themes",
        member=Member(COMPANY_LIST, "theme"),
        title="List themes across all sites",
        description=(
            "Every WordPress theme on the company's sites; column=vulnerable or updatesAvailable filters."
            + _UNKNOWN_SHAPE
        ),
        method="GET",
        path="/company/{id}/wp-themes",
        input=CompanyInventoryIn,
        output=Output,
        effect=Effect.READ,
        toolset=Toolset.PLUGINS,
        company=path("id"),
        resource="kinsta://themes",
        untrusted=True,
    ),
    Operation(
        name="filter_plugins",
        member=Member(FILTER, "plugin"),
        title="Filter an environment's plugins",
        description="An environment's plugins by status or column (vulnerable, updatesAvailable)." + _UNKNOWN_SHAPE,
        method="GET",
        path="/sites/environments/{env_id}/wp-plugins",
        input=EnvironmentInventoryIn,
        output=Output,
        effect=Effect.READ,
        toolset=Toolset.PLUGINS,
        untrusted=True,
    ),
    Operation(
        name="filter_themes",
        member=Member(FILTER, "theme"),
        title="Filter an environment's themes",
        description="An environment's themes by status or column (vulnerable, updatesAvailable)." + _UNKNOWN_SHAPE,
        method="GET",
        path="/sites/environments/{env_id}/wp-themes",
        input=EnvironmentInventoryIn,
        output=Output,
        effect=Effect.READ,
        toolset=Toolset.PLUGINS,
        untrusted=True,
    ),
]
