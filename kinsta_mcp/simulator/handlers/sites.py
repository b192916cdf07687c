"""Sites: list, read, create (WordPress, plain, clone), delete, reset."""

from __future__ import annotations

import copy
import re
from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request
from ..seed import default_plugins, default_themes, new_environment, plugin
from ..state import SimState
from ..world import Environment, Site
from .common import check_company, env_brief, env_full, site_of

handlers = Handlers()

INSTALL_MODES = ("new", "plain", "clone")


def _check_region(state: SimState, region: str) -> None:
    known = [r for r, _ in state.regions]
    if region not in known:
        raise bad_request(f'"region" must be one of the available regions ({", ".join(known)})')


def build_site(
    state: SimState,
    company_id: str,
    display_name: str,
    region: str,
    *,
    wordpress: bool = True,
    source: Environment | None = None,
    extra_plugins: list[str] | None = None,
    is_multisite: bool = False,
    site_title: str | None = None,
) -> Site:
    """A new site with a live environment: fresh WordPress, empty (plain) or a copy of `source`."""
    name = state.unique_site_name(display_name)
    site = Site(state.new_uuid(), name, display_name, company_id, region, is_multisite=is_multisite)
    site.usr = re.sub(r"[^a-z0-9]", "", name)[:16]
    state.sites[site.id] = site
    env = new_environment(
        state,
        site,
        env_id=state.new_uuid(),
        name="live",
        display_name="Live",
        domain_name=f"{site.usr or name}.kinsta.cloud",
        domain_id=state.new_uuid(),
        ssh_port=40_000 + state.rng.randrange(10_000),
    )
    if source is not None:
        copy_contents(source, env)
    elif not wordpress:
        env.is_wordpress, env.wordpress_version = False, None
        env.plugins, env.themes = [], []
        env.db_marker = env.files_marker = f"{name}/live: empty"
    else:
        env.plugins = default_plugins()
        env.themes = default_themes()
        titles = {
            "woocommerce": "WooCommerce",
            "wordpress-seo": "Yoast SEO",
            "easy-digital-downloads": "Easy Digital Downloads",
        }
        for slug in extra_plugins or []:
            env.plugins.insert(0, plugin(slug, titles.get(slug, slug), "latest"))
        for p in env.plugins:
            if p.version == "latest":
                p.version = {"woocommerce": "9.5.1", "wordpress-seo": "24.1"}.get(p.name, "3.2.0")
        env.db_marker = f"{name}/live: fresh install ({site_title or display_name})"
    return site


def copy_contents(source: Environment, target: Environment) -> None:
    contents = source.contents()
    target.db_marker = contents["db_marker"]
    target.files_marker = contents["files_marker"]
    target.plugins = contents["plugins"]
    target.themes = contents["themes"]
    target.wordpress_version = contents["wordpress_version"]
    target.is_wordpress = source.is_wordpress
    target.php_version = source.php_version
    target.redirect_rules = copy.deepcopy(source.redirect_rules)


def _site_json(state: SimState, site: Site, with_envs: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "display_name": site.display_name,
        "status": site.status,
        "siteLabels": list(site.labels),
    }
    if with_envs:
        out["environments"] = [env_full(e) for e in state.envs_of(site)]
    return out


@handlers.add("GET /sites")
def list_sites(ctx: Ctx) -> Reply:
    check_company(ctx, ctx.query["company"])
    with_envs = bool(ctx.query.get("include_environments"))
    sites = [_site_json(ctx.state, s, with_envs) for s in ctx.state.company_sites(ctx.company)]
    return Reply(200, {"company": {"sites": sites}})


@handlers.add("GET /sites/{site_id}")
def get_site(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])
    body = {
        "id": site.id,
        "name": site.name,
        "display_name": site.display_name,
        "company_id": site.company_id,
        "status": site.status,
        "environments": [env_brief(e) for e in ctx.state.envs_of(site)],
    }
    return Reply(200, {"site": body})


def _created(ctx: Ctx, make: Any) -> Reply:
    def effect() -> dict[str, Any]:
        site = make()
        live = ctx.state.live_env(site)
        return {"idSite": site.id, "idEnvironment": live.id, "siteName": site.name}

    return ctx.started(effect)


@handlers.add(
    "POST /sites",
    also_required=("wp_language",),
    operation="sites:add",
    message="Adding site in progress",
    activity="addSite",
    creates_site=True,
)
def add_site(ctx: Ctx) -> Reply:
    b = ctx.body
    check_company(ctx, b["company"])
    _check_region(ctx.state, b["region"])
    if b["install_mode"] not in INSTALL_MODES:
        raise bad_request(f'"install_mode" must be one of [{", ".join(INSTALL_MODES)}]')
    if "@" not in b["admin_email"]:
        raise bad_request('"admin_email" must be a valid email')
    extra = [slug for flag, slug in (("woocommerce", "woocommerce"), ("wordpressseo", "wordpress-seo")) if b.get(flag)]
    multisite = bool(b.get("is_multisite") or b.get("is_subdomain_multisite"))
    return _created(
        ctx,
        lambda: build_site(
            ctx.state,
            ctx.company,
            b["display_name"],
            b["region"],
            extra_plugins=extra,
            is_multisite=multisite,
            site_title=b["site_title"],
        ),
    )


@handlers.add(
    "POST /sites/plain",
    operation="sites:add-plain",
    message="Adding plain site in progress",
    activity="addPlainSite",
    creates_site=True,
)
def add_plain_site(ctx: Ctx) -> Reply:
    b = ctx.body
    check_company(ctx, b["company"])
    _check_region(ctx.state, b["region"])
    return _created(ctx, lambda: build_site(ctx.state, ctx.company, b["display_name"], b["region"], wordpress=False))


@handlers.add(
    "POST /sites/clone",
    operation="site:clone",
    message="Cloning site in progress",
    activity="cloneSite",
    creates_site=True,
)
def clone_site(ctx: Ctx) -> Reply:
    b = ctx.body
    check_company(ctx, b["company"])
    source = ctx.state.env(b["source_env_id"], ctx.company)
    region = ctx.state.site_of(source).region

    def make() -> Site:
        still_there = ctx.state.env(source.id, ctx.company)
        return build_site(ctx.state, ctx.company, b["display_name"], region, source=still_there)

    return _created(ctx, make)


@handlers.add(
    "DELETE /sites/{site_id}",
    operation="sites:delete",
    message="Deleting site in progress",
    activity="deleteSite",
)
def delete_site(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])

    def effect() -> dict[str, Any]:
        ctx.state.remove_site(ctx.state.site(site.id, ctx.company))
        return {"idSite": site.id}

    return ctx.started(effect)


@handlers.add(
    "POST /sites/{site_id}/reset-site",
    operation="sites:reset-site",
    message="Reset site in progress",
    activity="resetSite",
)
def reset_site(ctx: Ctx) -> Reply:
    site = site_of(ctx, ctx.path["site_id"])

    def effect() -> dict[str, Any]:
        live = ctx.state.live_env(ctx.state.site(site.id, ctx.company))
        live.plugins, live.themes = default_plugins(), default_themes()
        live.is_wordpress, live.wordpress_version = True, "6.7.1"
        live.db_marker = live.files_marker = f"{site.name}/live: reset to a fresh install"
        live.redirect_rules = []
        live.restored_from_backup = None
        return {"idSite": site.id, "idEnvironment": live.id}

    return ctx.started(effect)
