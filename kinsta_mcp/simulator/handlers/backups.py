"""Backups: list, downloadable, manual backup, restore, remove."""

from __future__ import annotations

import copy
from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request
from ..world import Backup, ms
from .common import env_of, require_uuid

handlers = Handlers()

MANUAL_BACKUP_LIMIT = 5


@handlers.add("GET /sites/environments/{env_id}/backups")
def list_backups(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    items = [
        {"id": b.id, "name": b.name, "note": b.note, "type": b.type, "created_at": b.created_at}
        for b in sorted(env.backups, key=lambda b: -b.created_at)
    ]
    return Reply(200, {"environment": {"display_name": env.display_name, "backups": items}})


@handlers.add("GET /sites/environments/{env_id}/downloadable-backups")
def downloadable_backups(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    items = [
        {
            "id": d.id,
            "created_at": d.created_at,
            "download_link": d.download_link,
            "expires_at": d.expires_at,
            "is_generation_in_progress": d.is_generation_in_progress,
        }
        for d in env.downloadable_backups
    ]
    return Reply(200, {"environment": {"display_name": env.display_name, "downloadable_backups": items}})


@handlers.add(
    "POST /sites/environments/{target_env_id}/backups/restore",
    operation="backups:restore",
    message="Restoring a backup to environment in progress",
    activity="restoreBackup",
)
def restore_backup(ctx: Ctx) -> Reply:
    target = env_of(ctx, ctx.path["target_env_id"])
    require_uuid(ctx.body["notified_user_id"], "notified_user_id")
    source_env, backup = ctx.state.backup(int(ctx.body["backup_id"]), ctx.company)
    if source_env.site_id != target.site_id:
        raise bad_request("A backup can only be restored to an environment of the same site")
    users = ctx.state.companies[ctx.company].users if ctx.company in ctx.state.companies else []
    if users and all(u.id != ctx.body["notified_user_id"] for u in users):
        raise bad_request('"notified_user_id" must be a user of the company')

    def effect() -> dict[str, Any]:
        env = ctx.state.env(target.id, ctx.company)
        snapshot = copy.deepcopy(backup.snapshot)
        for attr in ("db_marker", "files_marker", "plugins", "themes", "wordpress_version"):
            if attr in snapshot:
                setattr(env, attr, snapshot[attr])
        env.restored_from_backup = backup.id
        return {"idBackup": backup.id, "idEnvironment": env.id}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/environments/{env_id}/manual-backups",
    operation="backups:add-manual",
    message="Adding a manual backup to environment in progress",
    activity="addManualBackup",
)
def add_manual_backup(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    if sum(1 for b in env.backups if b.type == "manual") >= MANUAL_BACKUP_LIMIT:
        raise bad_request(f"An environment can have at most {MANUAL_BACKUP_LIMIT} manual backups; remove one first")
    tag = ctx.body.get("tag") or None
    backup_id = ctx.state.new_backup_id()

    def effect() -> dict[str, Any]:
        source = ctx.state.env(env.id, ctx.company)
        site = ctx.state.site_of(source)
        done = ctx.now + ctx.state.operation_seconds
        source.backups.append(
            Backup(
                id=backup_id,
                name=f"{site.name}-{int(done)}-manual",
                note=tag,
                type="manual",
                created_at=ms(done),
                env_id=source.id,
                snapshot=source.contents(),
            )
        )
        return {"idBackup": backup_id}

    return ctx.started(effect)


@handlers.add(
    "DELETE /sites/environments/backups/{backup_id}",
    operation="backups:remove",
    message="Removing a backup in progress. Use the operation_id to check the status.",
    activity="removeBackup",
)
def remove_backup(ctx: Ctx) -> Reply:
    backup_id = int(ctx.path["backup_id"])
    env, backup = ctx.state.backup(backup_id, ctx.company)
    ctx.site_id = env.site_id
    if backup.type == "system":
        raise bad_request("System generated backups cannot be removed")

    def effect() -> dict[str, Any]:
        owner, _ = ctx.state.backup(backup_id, ctx.company)
        owner.backups = [b for b in owner.backups if b.id != backup_id]
        return {"idBackup": backup_id}

    return ctx.started(effect)
