"""Backups: list, downloadable backups, restore, manual backup, delete.

Requesting a downloadable backup and asking when the next may be requested are newer than
Kinsta's 1.87.0 document: they come from the reconstructed additions document
(docs/kinsta-api-additions.md). The request answers with no link (list_backups kind=downloadable
shows links once the archive is ready), so it reveals nothing.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kinsta_mcp.catalog import rules
from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Input,
    Member,
    Operation,
    OperationStarted,
    Output,
    Period,
    Risk,
    Rule,
    ToolGroup,
    Toolset,
    body,
    path,
)

# -- inputs -------------------------------------------------------------------------

# Kinsta's backup ids are numbers, unlike every other id.
BackupId = Annotated[int, Field(ge=1, description="Backup id (list_backups)")]


class EnvIdIn(Input):
    env_id: Annotated[EnvId, path()]


class RestoreBackupIn(Input):
    target_env_id: Annotated[EnvId, path(), Field(description="Environment to overwrite")]
    backup_id: Annotated[BackupId, body()]
    notified_user_id: Annotated[str, body(), Field(min_length=1, description="User to notify (get_company what=users)")]


class CreateBackupIn(Input):
    env_id: Annotated[EnvId, path()]
    tag: Annotated[str | None, body(), Field(description="Label")] = None


class DeleteBackupIn(Input):
    backup_id: Annotated[BackupId, path()]


# -- outputs -------------------------------------------------------------------------


class Backup(Output):
    id: int | None = None
    name: str | None = None
    note: str | None = None
    type: str | None = None
    created_at: int | None = Field(None, description="Milliseconds since the epoch")


class EnvironmentBackups(Output):
    display_name: str | None = None
    backups: list[Backup] | None = None


class ListBackupsOut(Output):
    environment: EnvironmentBackups | None = None


class DownloadableBackup(Output):
    id: str | None = None
    created_at: int | None = Field(None, description="Milliseconds since the epoch")
    download_link: str | None = None
    expires_at: int | None = Field(None, description="Milliseconds since the epoch")
    is_generation_in_progress: bool | None = None


class EnvironmentDownloadableBackups(Output):
    display_name: str | None = None
    downloadable_backups: list[DownloadableBackup] | None = None


class ListDownloadableBackupsOut(Output):
    environment: EnvironmentDownloadableBackups | None = None


# -- grouped tools ---------------------------------------------------------------------

LIST_BACKUPS = ToolGroup(
    name="list_backups",
    title="List backups",
    description="An environment's backups: restorable, downloadable (links hidden), download_links or next_download "
    "(when the next may be requested).",
    selector="kind",
    selector_description="Which backups",
    default="restorable",
)

# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="list_backups",
        title="List backups",
        description="Backups of an environment (manual, scheduled, system).",
        method="GET",
        path="/sites/environments/{env_id}/backups",
        input=EnvIdIn,
        output=ListBackupsOut,
        effect=Effect.READ,
        toolset=Toolset.BACKUPS,
        resource="kinsta://environments/{env_id}/backups",
        brief=("id", "name", "note", "type", "created_at"),
        member=Member(LIST_BACKUPS, "restorable"),
        period=Period.ITEMS,
    ),
    Operation(
        name="list_downloadable_backups",
        title="List downloadable backups",
        description="Downloadable backups of an environment (links hidden: kind=download_links shows them).",
        method="GET",
        path="/sites/environments/{env_id}/downloadable-backups",
        input=EnvIdIn,
        output=ListDownloadableBackupsOut,
        effect=Effect.READ,
        toolset=Toolset.BACKUPS,
        resource="kinsta://environments/{env_id}/downloadable-backups",
        member=Member(LIST_BACKUPS, "downloadable"),
        period=Period.ITEMS,
    ),
    Operation(
        name="get_backup_download_links",
        risk=Risk.REVEALS_SECRET,
        risk_reason="a download link hands the whole site and its database to whoever holds it",
        title="Get backup download links",
        description="Downloadable backups of an environment with their download links (the human confirms first).",
        method="GET",
        path="/sites/environments/{env_id}/downloadable-backups",
        input=EnvIdIn,
        output=ListDownloadableBackupsOut,
        effect=Effect.READ,
        toolset=Toolset.BACKUPS,
        member=Member(LIST_BACKUPS, "download_links"),
        period=Period.ITEMS,
        consequence=(
            "Show the download links of the downloadable backups of {env_id}: whoever holds a link can download "
            "the whole site, its database included."
        ),
    ),
    Operation(
        name="restore_backup",
        risk=Risk.DESTROYS_DATA,
        risk_reason="overwrites the target environment with the backup",
        title="Restore backup",
        description="Overwrite an environment with a backup.",
        method="POST",
        path="/sites/environments/{target_env_id}/backups/restore",
        input=RestoreBackupIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.BACKUPS,
        is_async=True,
        consequence="Overwrite {target_env_id} with {backup_id}.",
        rules=(
            Rule(
                name="restore-over-live",
                when="the target is the live environment (read first): say what live loses",
                check=rules.restore_over_live,
                reads="list_sites",
                safer="Take a backup of live first: create_backup with env_id={target_env_id}.",
            ),
        ),
    ),
    Operation(
        name="create_backup",
        risk=Risk.NONE,
        risk_reason="adds a backup; nothing existing changes",
        title="Create manual backup",
        description="Take a manual backup of an environment.",
        method="POST",
        path="/sites/environments/{env_id}/manual-backups",
        input=CreateBackupIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.BACKUPS,
        is_async=True,
    ),
    Operation(
        name="delete_backup",
        risk=Risk.DESTROYS_DATA,
        risk_reason="the backup is gone for good",
        title="Delete backup",
        description="Delete a backup for good.",
        method="DELETE",
        path="/sites/environments/backups/{backup_id}",
        input=DeleteBackupIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.BACKUPS,
        is_async=True,
        consequence="Delete {backup_id} for good.",
    ),
    Operation(
        name="request_downloadable_backup",
        risk=Risk.NONE,
        risk_reason="creates a downloadable archive; nothing existing changes and no link is returned",
        title="Request downloadable backup",
        description=(
            "Start a downloadable backup (Kinsta limits how often); its link appears in list_backups kind=downloadable."
        ),
        method="POST",
        path="/sites/environments/{env_id}/downloadable-backups",
        input=EnvIdIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.BACKUPS,
        is_async=True,
    ),
    Operation(
        name="check_downloadable_backup_available",
        title="When is the next downloadable backup available",
        description="When the next downloadable backup may be requested, as Kinsta sends it.",
        method="GET",
        path="/sites/environments/{env_id}/next-downloadable-backup-available",
        input=EnvIdIn,
        output=Output,
        effect=Effect.READ,
        toolset=Toolset.BACKUPS,
        member=Member(LIST_BACKUPS, "next_download"),
    ),
]
