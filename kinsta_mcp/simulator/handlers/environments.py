"""Environments: list, create (WordPress, plain, clone), push, delete, webroot, file list."""

from __future__ import annotations

import re
from typing import Any

from ..content import file_tree
from ..handling import Ctx, Handlers, Reply, bad_request
from ..seed import default_plugins, default_themes, new_environment, plugin
from ..world import Environment, Site
from .common import env_full, env_of, site_of
from .sites import copy_contents

handlers = Handlers()


@handlers.add("GET /sites/{site_id}/environments")
def list_environments(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    return Reply(200, {"site": {"environments": [env_full(e) for e in ctx.state.envs_of(site)]}})


def _build_env(ctx: Ctx, site: Site, display_name: str, is_premium: bool) -> Environment:
    state = ctx.state
    live = state.live_env(site)
    slug = re.sub(r"[^a-z0-9]+", "-", display_name.lower()).strip("-") or "env"
    name = slug
    taken = {e.name for e in state.envs_of(site)}
    n = 1
    while name in taken:
        n += 1
        name = f"{slug}-{n}"
    host = f"env-{site.usr or site.name}-{name}.kinsta.cloud"
    env = new_environment(
        state,
        site,
        env_id=state.new_uuid(),
        name=name,
        display_name=display_name,
        domain_name=host,
        domain_id=state.new_uuid(),
        is_premium=is_premium,
        ssh_port=40_000 + state.rng.randrange(10_000),
    )
    env.php_version = live.php_version
    return env


def _check_unique_name(ctx: Ctx, site: Site, display_name: str) -> None:
    if any(e.display_name.lower() == display_name.lower() for e in ctx.state.envs_of(site)):
        raise bad_request(f'An environment named "{display_name}" already exists on this site')


@handlers.add(
    "POST /sites/{site_id}/environments",
    operation="environment:add",
    message="Adding environment in progress",
    activity="addEnvironment",
)
def add_environment(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    b = ctx.body
    _check_unique_name(ctx, site, b["display_name"])

    def effect() -> dict[str, Any]:
        env = _build_env(ctx, ctx.state.site(site.id, ctx.company), b["display_name"], b["is_premium"])
        env.plugins, env.themes = default_plugins(), default_themes()
        extras = {
            "woocommerce": ("woocommerce", "WooCommerce", "9.5.1"),
            "wordpressseo": ("wordpress-seo", "Yoast SEO", "24.1"),
        }
        extras["wordpress_plugin_edd"] = ("easy-digital-downloads", "Easy Digital Downloads", "3.3.5")
        for flag, (slug, title, version) in extras.items():
            if b.get(flag):
                env.plugins.insert(0, plugin(slug, title, version))
        env.db_marker = f"{site.name}/{env.name}: fresh install ({b['site_title']})"
        return {"idEnvironment": env.id, "idSite": site.id}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/{site_id}/environments/plain",
    operation="environment:add-plain",
    message="Creating plain environment in progress",
    activity="addPlainEnvironment",
)
def add_plain_environment(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    b = ctx.body
    _check_unique_name(ctx, site, b["display_name"])

    def effect() -> dict[str, Any]:
        env = _build_env(ctx, ctx.state.site(site.id, ctx.company), b["display_name"], b["is_premium"])
        env.is_wordpress, env.wordpress_version, env.plugins, env.themes = False, None, [], []
        env.db_marker = env.files_marker = f"{site.name}/{env.name}: empty"
        return {"idEnvironment": env.id, "idSite": site.id}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/{site_id}/environments/clone",
    operation="environment:clone",
    message="Cloning environment in progress",
    activity="cloneEnvironment",
)
def clone_environment(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    b = ctx.body
    source = ctx.state.env(b["source_env_id"], ctx.company)
    if source.site_id != site.id:
        raise bad_request('"source_env_id" must be an environment of this site')
    _check_unique_name(ctx, site, b["display_name"])

    def effect() -> dict[str, Any]:
        src = ctx.state.env(source.id, ctx.company)
        env = _build_env(ctx, ctx.state.site(site.id, ctx.company), b["display_name"], b["is_premium"])
        copy_contents(src, env)
        return {"idEnvironment": env.id, "idSite": site.id}

    return ctx.started(effect)


@handlers.add(
    "PUT /sites/{site_id}/environments",
    operation="environments:push",
    message="Pushing environment in progress",
    activity="pushEnvironment",
)
def push_environment(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    b = ctx.body
    source = ctx.state.env(b["source_env_id"], ctx.company)
    target = ctx.state.env(b["target_env_id"], ctx.company)
    if source.site_id != site.id or target.site_id != site.id:
        raise bad_request("Both environments must belong to the site")
    if source.id == target.id:
        raise bad_request('"target_env_id" must differ from "source_env_id"')
    push_db, push_files = b.get("push_db", True), b.get("push_files", True)
    specific = b.get("push_files_option") == "SPECIFIC_FILES"
    if push_files and specific and not b.get("file_list"):
        raise bad_request('"file_list" is required when "push_files_option" is SPECIFIC_FILES')
    if not push_db and not push_files:
        raise bad_request('At least one of "push_db" and "push_files" must be true')
    file_list: list[str] = b.get("file_list") or []

    def effect() -> dict[str, Any]:
        src = ctx.state.env(source.id, ctx.company)
        dst = ctx.state.env(target.id, ctx.company)
        contents = src.contents()
        if push_db:
            dst.db_marker = contents["db_marker"]
            if b.get("run_search_and_replace", True):
                dst.db_marker = dst.db_marker.replace(src.primary_domain.name, dst.primary_domain.name)
        if push_files:
            everything = not specific
            if everything or any("plugins" in f for f in file_list):
                dst.plugins = contents["plugins"]
            if everything or any("themes" in f for f in file_list):
                dst.themes = contents["themes"]
            if everything:
                dst.files_marker = contents["files_marker"]
                dst.wordpress_version = contents["wordpress_version"]
            else:
                dst.files_marker = f"{contents['files_marker']} (only {', '.join(file_list)})"
        return {"idSourceEnvironment": src.id, "idTargetEnvironment": dst.id}

    return ctx.started(effect)


@handlers.add(
    "DELETE /sites/environments/{env_id}",
    operation="environments:delete",
    message="Deleting environment in progress",
    activity="deleteEnvironment",
)
def delete_environment(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    if env.is_live:
        raise bad_request("The live environment cannot be deleted; delete the site instead")

    def effect() -> dict[str, Any]:
        gone = ctx.state.env(env.id, ctx.company)
        ctx.state.environments.pop(gone.id, None)
        site = ctx.state.sites.get(gone.site_id)
        if site is not None:
            site.env_ids = [e for e in site.env_ids if e != gone.id]
        return {"idEnvironment": gone.id}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/environments/{env_id}/change-webroot-subfolder",
    operation="sites:change-webroot-subfolder",
    message="Environment webroot subfolder change in progress",
    activity="changeWebrootSubfolder",
)
def change_webroot(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    folder = ctx.body["web_root_subfolder"]

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        target.web_root = folder
        if ctx.body.get("clear_all_cache", True):
            target.cache_cleared_at = ctx.now
        return {"web_root": folder}

    return ctx.started(effect)


@handlers.add("GET /sites/environments/{env_id}/file-list")
def file_list(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    return Reply(200, {"environment": {"id": env.id, "file_list": file_tree(env)}})
