"""Environments: list, create (WordPress, plain, clone), push, delete, webroot, file list."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kinsta_mcp.catalog import rules
from kinsta_mcp.catalog.models import Environment
from kinsta_mcp.catalog.sites import AdminPassword
from kinsta_mcp.catalog.spec import (
    ENVIRONMENTS_SITE,
    Effect,
    EnvId,
    Input,
    Member,
    Operation,
    OperationStarted,
    Output,
    RateClass,
    Risk,
    Rule,
    SiteId,
    ToolGroup,
    Toolset,
    body,
    path,
)

# -- inputs -------------------------------------------------------------------------

IsPremium = Annotated[bool, Field(description="Premium (paid)")]


class SiteIdIn(Input):
    site_id: Annotated[SiteId, path()]


class EnvIdIn(Input):
    env_id: Annotated[EnvId, path()]


class CreateEnvironmentIn(Input):
    site_id: Annotated[SiteId, path()]
    display_name: Annotated[str, body(), Field(description="Environment name")]
    is_premium: Annotated[IsPremium, body()]
    site_title: Annotated[str, body(), Field(description="Site title")]
    admin_user: Annotated[str, body(), Field(description="Admin username")]
    admin_email: Annotated[str, body(), Field(description="Admin email")]
    admin_password: Annotated[AdminPassword, body()]
    wp_language: Annotated[str, body(), Field(description="e.g. en_US")]
    is_multisite: Annotated[bool | None, body(), Field(description="Multisite")] = None
    is_subdomain_multisite: Annotated[bool | None, body(), Field(description="Multisite by subdomain")] = None
    woocommerce: Annotated[bool | None, body(), Field(description="WooCommerce")] = None
    wordpress_plugin_edd: Annotated[bool | None, body(), Field(description="Easy Digital Downloads")] = None
    wordpressseo: Annotated[bool | None, body(), Field(description="Yoast SEO")] = None


class CreatePlainEnvironmentIn(Input):
    site_id: Annotated[SiteId, path()]
    display_name: Annotated[str, body(), Field(description="Environment name")]
    is_premium: Annotated[IsPremium, body()]


# The site a push or clone acts in is the source environment's: omitted, it is filled from there.
OwnSiteId = Annotated[SiteId | None, path(), Field(description="Omit: the environment's site")]


class CloneEnvironmentIn(Input):
    site_id: OwnSiteId = None
    display_name: Annotated[str, body(), Field(description="Environment name")]
    is_premium: Annotated[IsPremium, body()]
    source_env_id: Annotated[EnvId, body()]


class PushEnvironmentIn(Input):
    site_id: OwnSiteId = None
    source_env_id: Annotated[EnvId, body()]
    target_env_id: Annotated[EnvId, body()]
    # What a push overwrites is never left to a default the human cannot see: both are sent,
    # shown in the confirmation, and at least one must be true.
    push_db: Annotated[bool, body(), Field(description="Push the database")] = False
    push_files: Annotated[bool, body(), Field(description="Push files")] = False
    run_search_and_replace: Annotated[bool | None, body(), Field(description="Rewrite URLs")] = None
    push_files_option: Annotated[
        Literal["ALL_FILES", "SPECIFIC_FILES"] | None, body(), Field(description="Which files")
    ] = None
    file_list: Annotated[list[str] | None, body(), Field(description="For SPECIFIC_FILES")] = None

    @model_validator(mode="after")
    def _pushes_something(self) -> PushEnvironmentIn:
        if not (self.push_db or self.push_files):
            raise ValueError("nothing to push: set push_db and/or push_files to true")
        return self


class ChangeWebrootIn(Input):
    env_id: Annotated[EnvId, path()]
    # The document's prose says '' reverts to the default, but its own pattern rejects ''.
    web_root_subfolder: Annotated[
        str, body(), Field(pattern=r"^\/([a-zA-Z0-9_-]+\/?)*$", description="Appended to public/", examples=["/site"])
    ]
    clear_all_cache: Annotated[bool | None, body(), Field(description="Clear caches afterwards")] = None
    refresh_plugins_and_themes: Annotated[bool | None, body(), Field(description="Refresh plugins/themes")] = None


# -- outputs -------------------------------------------------------------------------


class SiteEnvironments(Output):
    environments: list[Environment] | None = None


class ListEnvironmentsOut(Output):
    site: SiteEnvironments | None = None


# Kinsta's file list is a tree three levels deep (top level, children, grandchildren).
class FileLeaf(Output):
    name: str | None = None
    path: str | None = None


class FileDir(FileLeaf):
    children: list[FileLeaf] | None = None


class FileNode(FileLeaf):
    children: list[FileDir] | None = None


class EnvironmentFiles(Output):
    id: str | None = None
    file_list: list[FileNode] | None = None


class ListFilesOut(Output):
    environment: EnvironmentFiles | None = None


# -- declarations ------------------------------------------------------------------------

CREATE_ENVIRONMENT = ToolGroup(
    name="create_environment",
    title="Create environment",
    description="Add a staging environment to a site: with fresh WordPress, empty (no WordPress), or as a copy.",
    selector="source",
    selector_description="What the new environment starts from",
)

# Kinsta pushes and clones within one site: environments of another site are refused before anyone is asked.
ONE_SITE = Rule(
    name="environments-of-one-site",
    when="the environments named (read first) belong to another site than site_id or than each other: refused",
    check=rules.environments_of_one_site,
    reads="list_sites",
    refuse=True,
)

OPERATIONS = [
    Operation(
        name="list_environments",
        title="List environments",
        description="A site's environments (live, staging) with domains and cache ids.",
        method="GET",
        path="/sites/{site_id}/environments",
        input=SiteIdIn,
        output=ListEnvironmentsOut,
        effect=Effect.READ,
        toolset=Toolset.ENVIRONMENTS,
        resource="kinsta://sites/{site_id}/environments",
        brief=("id", "name", "display_name", "is_premium", "primaryDomain", "container_info"),
    ),
    Operation(
        name="create_environment",
        risk=Risk.NONE,
        risk_reason="a new environment; the site's others are untouched",
        title="Create WordPress environment",
        description="Add a staging environment with fresh WordPress to a site.",
        method="POST",
        path="/sites/{site_id}/environments",
        input=CreateEnvironmentIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.ENVIRONMENTS,
        is_async=True,
        rate=RateClass.CREATE,
        member=Member(CREATE_ENVIRONMENT, "wordpress"),
    ),
    Operation(
        name="create_plain_environment",
        risk=Risk.NONE,
        risk_reason="a new, empty environment; nothing existing changes",
        title="Create plain environment",
        description="Add an empty staging environment (no WordPress) to a site.",
        method="POST",
        path="/sites/{site_id}/environments/plain",
        input=CreatePlainEnvironmentIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.ENVIRONMENTS,
        is_async=True,
        rate=RateClass.CREATE,
        member=Member(CREATE_ENVIRONMENT, "empty"),
    ),
    Operation(
        name="clone_environment",
        risk=Risk.NONE,
        risk_reason="a new environment copied from the site's own; the source is untouched",
        title="Clone environment",
        description="Add a staging environment copied from another of the site's.",
        method="POST",
        path="/sites/{site_id}/environments/clone",
        input=CloneEnvironmentIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.ENVIRONMENTS,
        is_async=True,
        rate=RateClass.CREATE,
        member=Member(CREATE_ENVIRONMENT, "clone"),
        from_environment={"site_id": ENVIRONMENTS_SITE},
        rules=(ONE_SITE,),
    ),
    Operation(
        name="push_environment",
        risk=Risk.DESTROYS_DATA,
        risk_reason="overwrites the target environment's files and/or database",
        title="Push environment",
        description="Copy database and/or files of one environment over another.",
        method="PUT",
        path="/sites/{site_id}/environments",
        input=PushEnvironmentIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.ENVIRONMENTS,
        is_async=True,
        consequence="Overwrite {target_env_id} with {source_env_id}: database: {push_db}, files: {push_files}.",
        from_environment={"site_id": ENVIRONMENTS_SITE},
        rules=(
            ONE_SITE,
            Rule(
                name="push-over-live",
                when="the target is the live environment (read first): say what live loses",
                check=rules.push_over_live,
                reads="list_sites",
                safer="Take a backup of live first: create_backup with env_id={target_env_id}.",
            ),
        ),
    ),
    Operation(
        name="delete_environment",
        risk=Risk.DESTROYS_DATA,
        risk_reason="deletes the environment with its files, database and backups",
        title="Delete environment",
        description="Delete an environment and all its data.",
        method="DELETE",
        path="/sites/environments/{env_id}",
        input=EnvIdIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.ENVIRONMENTS,
        is_async=True,
        consequence="Delete {env_id} with all its files and database.",
    ),
    Operation(
        name="set_webroot_subfolder",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="changes which folder the site is served from",
        consequence="Serve {env_id} from the folder '{web_root_subfolder}'.",
        title="Set webroot subfolder",
        description="Serve an environment from a subfolder of its public/ folder.",
        method="POST",
        path="/sites/environments/{env_id}/change-webroot-subfolder",
        input=ChangeWebrootIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.ENVIRONMENTS,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="list_files",
        title="List files",
        description="An environment's file tree, e.g. to pick files to push.",
        method="GET",
        path="/sites/environments/{env_id}/file-list",
        input=EnvIdIn,
        output=ListFilesOut,
        effect=Effect.READ,
        toolset=Toolset.ENVIRONMENTS,
        untrusted=True,
    ),
]
