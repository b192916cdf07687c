"""Site tools: caches, PHP, denied IPs, WP-CLI, phpMyAdmin."""

from __future__ import annotations

import hashlib
from typing import Any

from ..content import wp_cli
from ..handling import Ctx, Handlers, Reply, bad_request
from ..world import ms
from .common import env_of, require_uuid, site_of

handlers = Handlers()

PHP_VERSIONS = ("8.0", "8.1", "8.2", "8.3", "8.4")


@handlers.add(
    "POST /sites/tools/clear-cache",
    operation="cache:clear",
    message="Clearing site cache in progress",
    activity="clearCache",
)
def clear_cache(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company).cache_cleared_at = ctx.now
        return {}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/tools/restart-php",
    operation="php:restart",
    message="Restarting PHP in progress",
    activity="restartPhp",
)
def restart_php(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])

    def effect() -> dict[str, Any]:
        ctx.state.env(env.id, ctx.company).php_restarted_at = ctx.now
        return {}

    return ctx.started(effect)


@handlers.add(
    "PUT /sites/tools/modify-php-version",
    operation="php:modify-version",
    message="Modifying PHP version in progress",
    activity="modifyPhpVersion",
)
def modify_php_version(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    version = ctx.body["php_version"]
    if version not in PHP_VERSIONS:
        raise bad_request(f'"php_version" must be one of [{", ".join(PHP_VERSIONS)}]')
    opt_out = ctx.body.get("is_opt_out_from_automatic_php_update")

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        target.php_version = version
        if opt_out is not None:
            target.is_opt_out_from_automatic_php_update = opt_out
        return {"php_version": version}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/environments/{env_id}/change-environment-php-allocation",
    operation="environments:change-environment-php-allocation",
    message="Environment PHP allocation change in progress",
    activity="changeEnvironmentPhpAllocation",
)
def change_env_allocation(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    count, memory = int(ctx.body["thread_count"]), int(ctx.body["thread_memory"])

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        target.php_thread_count, target.php_thread_memory = count, memory
        return {"thread_count": count, "thread_memory": memory}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/{site_id}/change-site-php-allocation",
    operation="sites:change-site-php-allocation",
    message="Site PHP allocation change in progress",
    activity="changeSitePhpAllocation",
)
def change_site_allocation(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    count, memory = int(ctx.body["thread_count"]), int(ctx.body["thread_memory"])

    def effect() -> dict[str, Any]:
        for env in ctx.state.envs_of(ctx.state.site(site.id, ctx.company)):
            if env.is_live or not env.is_premium:  # live and standard staging, not premium staging
                env.php_thread_count, env.php_thread_memory = count, memory
        return {"thread_count": count, "thread_memory": memory}

    return ctx.started(effect)


@handlers.add("GET /sites/tools/denied-ips")
def get_denied_ips(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.query["environment_id"])
    return Reply(200, {"environment": {"id": env.id, "ip_list": list(env.denied_ips)}})


@handlers.add(
    "PUT /sites/tools/denied-ips",
    activity="updateDeniedIps",
    also_required=("ip_list",),  # the tool may give add/remove instead; the server always sends the list
)
def update_denied_ips(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.body["environment_id"])
    env.denied_ips = list(ctx.body["ip_list"])
    return Reply(200, {"result": None})


@handlers.add(
    "POST /sites/environments/{env_id}/run-wp-cli-command",
    operation="environment:run-wp-cli-command",
    message="Running a WP CLI command in progress",
    activity="runWpCliCommand",
)
def run_wp_cli(ctx: Ctx) -> Reply:
    env = env_of(ctx, require_uuid(ctx.path["env_id"], "env_id"))
    if not env.is_wordpress:
        raise bad_request("WP-CLI needs WordPress: this environment is a plain environment")
    command = ctx.body["wp_command"]

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        output, code = wp_cli(target, ctx.state.site_of(target), command)
        return {"command": command, "output": output, "exit_code": code}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/environments/{env_id}/pma-login-token",
    activity="generatePhpMyAdminLoginLink",
)
def pma_login(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    site = ctx.state.site_of(env)
    token = hashlib.sha256(f"{env.id}|{ctx.now}".encode()).hexdigest()
    url = f"https://mysqleditor-{site.usr or site.name}.kinsta.cloud?app-key={token}"
    return Reply(200, {"url": url, "expires_at": ms(ctx.now + 15 * 60)})
