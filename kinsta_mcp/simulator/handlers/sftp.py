"""SFTP/SSH access and additional SFTP accounts."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request
from ..world import SftpAccount
from .common import env_of, site_of

handlers = Handlers()

_OK: dict[str, Any] = {"result": None}
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")


@handlers.add(
    "POST /sites/environments/{env_id}/ssh/set-status",
    activity="setSftpSshAccess",
)
def set_status(ctx: Ctx) -> Reply:
    env_of(ctx, ctx.path["env_id"]).is_ssh_enabled = ctx.body["is_enabled"]
    return Reply(200, _OK)


@handlers.add("GET /sites/environments/{env_id}/ssh/get-status")
def get_status(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    return Reply(200, {"environment": {"active_container": {"is_ssh_enabled": env.is_ssh_enabled}}})


@handlers.add(
    "POST /sites/environments/{env_id}/ssh/set-password-status",
    activity="setSftpPasswordStatus",
)
def set_password_status(ctx: Ctx) -> Reply:
    env_of(ctx, ctx.path["env_id"]).is_password_auth_enabled = ctx.body["is_enabled"]
    return Reply(200, _OK)


@handlers.add(
    "POST /sites/environments/{env_id}/ssh/generate-password",
    activity="generateSftpPassword",
)
def generate_password(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    env.sftp_password = ctx.state.new_uuid().replace("-", "")[:20]
    return Reply(200, _OK)


@handlers.add("GET /sites/environments/{env_id}/ssh/get-allowed-ips")
def get_allowed_ips(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    # "stfp" is Kinsta's own spelling of the field.
    return Reply(200, {"environment": {"active_container": {"stfp_ip_allowlist": list(env.sftp_ip_allowlist)}}})


@handlers.add(
    "POST /sites/environments/{env_id}/ssh/set-allowed-ips",
    activity="setSftpIpAllowlist",
    also_required=("ip_allowlist",),  # the tool may give add/remove instead; the server always sends the list
)
def set_allowed_ips(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    for i, ip in enumerate(ctx.body["ip_allowlist"]):
        try:
            ipaddress.ip_network(ip, strict=False)
        except ValueError:
            raise bad_request(f'"ip_allowlist[{i}]" must be a valid IP address or CIDR range') from None
    env.sftp_ip_allowlist = list(ctx.body["ip_allowlist"])
    return Reply(200, _OK)


@handlers.add("GET /sites/{site_id}/environments/{env_id}/ssh/config")
def ssh_config(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    env = env_of(ctx, ctx.path["env_id"])
    if env.site_id != site.id:
        raise bad_request("The environment does not belong to the site")
    user = site.usr or site.name
    body = {
        "site": {
            "id": site.id,
            "name": site.name,
            "displayName": site.display_name,
            "usr": user,
            "environment": {
                "id": env.id,
                "activeContainer": {
                    "id": env.container_id,
                    "lxdSshPort": env.ssh_port,
                    "loadBalancer": {"id": env.cdn_cache_id or env.container_id, "extIP": env.ssh_ip},
                },
            },
        },
        "port": env.ssh_port,
        "name": f"{site.name}-{env.name}",
        "host": env.ssh_ip,
        "user": user,
        "ssh_command": f"ssh {user}@{env.ssh_ip} -p {env.ssh_port}",
    }
    return Reply(200, body)


@handlers.add(
    "POST /sites/environments/{env_id}/ssh/change-expiration-interval",
    activity="changeSftpPasswordExpiration",
)
def change_expiration(ctx: Ctx) -> Reply:
    env_of(ctx, ctx.path["env_id"]).sftp_password_expiration = ctx.body["exp_interval"]
    return Reply(200, _OK)


@handlers.add("GET /sites/environments/{env_id}/ssh/password")
def get_password(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    return Reply(200, {"environment": {"id": env.id, "sftp_password": env.sftp_password}})


# -- additional SFTP accounts -----------------------------------------------------------


@handlers.add(
    "PUT /sites/environments/{env_id}/additional-sftp-accounts/toggle-status",
    operation="sftp-accounts:toggle-status",
    message="Updating Additional SFTP Accounts Status in progress",
    activity="toggleAdditionalSftpAccounts",
)
def toggle_accounts(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    enabled = ctx.body["enabled"]

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company).is_additional_sftp_accounts_enabled = enabled
        return {"enabled": enabled}

    return ctx.started(effect)


@handlers.add("GET /sites/environments/{env_id}/additional-sftp-accounts")
def list_accounts(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    items = [
        {
            "id": a.id,
            "username": a.username,
            "root_directory": a.root_directory,
            "is_active": a.is_active and env.is_additional_sftp_accounts_enabled,
            "permission": a.permission,
        }
        for a in env.additional_sftp_accounts
    ]
    port = env.additional_sftp_port if env.is_additional_sftp_accounts_enabled else None
    return Reply(
        200,
        {"environment": {"additional_sftp_accounts": items, "container_info": {"additional_sftp_accounts_port": port}}},
    )


@handlers.add(
    "POST /sites/environments/{env_id}/additional-sftp-accounts",
    operation="sftp-accounts:add-additional-sftp-account",
    message="Adding Additional SFTP Account in progress",
    success_status=200,
    activity="addAdditionalSftpAccount",
)
def add_account(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    b = ctx.body
    if not _USERNAME.match(b["username"]):
        raise bad_request('"username" must be 2-64 letters, digits, "_", "." or "-", starting with a letter or digit')
    if "root_directory" in b and not b["root_directory"].startswith("/"):
        raise bad_request('"root_directory" must start with "/"')
    if any(a.username == b["username"] for a in env.additional_sftp_accounts):
        raise bad_request(f'The username "{b["username"]}" is already taken')
    if not (re.search(r"[A-Za-z]", b["password"]) and re.search(r"[0-9]", b["password"])):
        raise bad_request('"password" must contain letters and digits')
    account_id = ctx.state.new_uuid()

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        target.additional_sftp_accounts.append(
            SftpAccount(
                account_id, b["username"], b["password"], b.get("root_directory", "/"), b.get("permission", "read")
            )
        )
        return {"idSftpAccount": account_id}

    return ctx.started(effect)


@handlers.add(
    "DELETE /sites/environments/additional-sftp-accounts/{sftp_account_id}",
    operation="sftp-accounts:remove-additional-sftp-account",
    message="Removing Additional SFTP Account in progress",
    activity="removeAdditionalSftpAccount",
)
def remove_account(ctx: Ctx) -> Reply:
    account_id = ctx.path["sftp_account_id"]
    env, _ = ctx.state.sftp_account(account_id, ctx.company)
    ctx.site_id = env.site_id

    def effect() -> dict[str, Any]:
        owner, _ = ctx.state.sftp_account(account_id, ctx.company)
        owner.additional_sftp_accounts = [a for a in owner.additional_sftp_accounts if a.id != account_id]
        return {"idSftpAccount": account_id}

    return ctx.started(effect)
