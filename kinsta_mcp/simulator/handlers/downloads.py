"""Requesting a downloadable backup (newer than 1.87.0), and when the next may be requested.

Kinsta limits how often; the limit and both answers' shapes are not documented. The
simulator allows one request per `DOWNLOADABLE_BACKUP_COOLDOWN_SECONDS`, answers 202 with
an operation_id, and the archive appears in the 1.87.0 downloadable-backups list.
"""

from __future__ import annotations

import time
from typing import Any

from ..extras import DOWNLOADABLE_BACKUP_COOLDOWN_SECONDS
from ..handling import Ctx, Handlers, Reply, bad_request
from ..world import DownloadableBackup, ms
from .common import env_of

handlers = Handlers()

LINK_DAYS = 7


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))


@handlers.add("GET /sites/environments/{env_id}/next-downloadable-backup-available")
def next_available(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    at = max(env.extras.next_downloadable_backup_at, ctx.now)
    body = {"environment_id": env.id, "is_available": at <= ctx.now, "available_at": _iso(at)}
    return Reply(200, {"next_downloadable_backup": body})


@handlers.add(
    "POST /sites/environments/{env_id}/downloadable-backups",
    operation="backups:add-downloadable",
    message="Generating a downloadable backup in progress",
    activity="addDownloadableBackup",
)
def request_downloadable(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    if env.extras.next_downloadable_backup_at > ctx.now:
        raise bad_request(
            f"A downloadable backup can be requested again after {_iso(env.extras.next_downloadable_backup_at)}"
        )
    env.extras.next_downloadable_backup_at = ctx.now + DOWNLOADABLE_BACKUP_COOLDOWN_SECONDS
    backup_id = ctx.state.new_uuid()
    pending = DownloadableBackup(backup_id, ms(ctx.now), ms(ctx.now + LINK_DAYS * 86_400), None, True)
    env.downloadable_backups.append(pending)
    site = ctx.state.site_of(env)

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company)  # fails the operation if the environment is gone
        pending.is_generation_in_progress = False
        pending.download_link = f"https://downloads.kinsta.example/{site.name}/{env.name}-{backup_id}.zip"
        return {"id": backup_id}

    return ctx.started(effect)
