"""Helpers shared by the handlers: lookups that remember the site, and JSON views of the state."""

from __future__ import annotations

import uuid
from typing import Any

from ..handling import Ctx, bad_request, not_found
from ..world import Environment, Site, SiteDomain


def require_uuid(value: str, label: str) -> str:
    """Stricter than the catalog's id rule: these ids are UUIDs at Kinsta."""
    try:
        uuid.UUID(value)
    except ValueError:
        raise bad_request(f'"{label}" must be a valid GUID') from None
    return value


def env_of(ctx: Ctx, env_id: str) -> Environment:
    env = ctx.state.env(env_id, ctx.company)
    ctx.site_id = env.site_id
    return env


def site_of(ctx: Ctx, site_id: str) -> Site:
    site = ctx.state.site(site_id, ctx.company)
    ctx.site_id = site.id
    return site


def check_company(ctx: Ctx, company_id: str) -> None:
    """Kinsta answers 404 ("not found or no permission") for another company's id."""
    if company_id != ctx.company:
        raise not_found("company")


def domain_json(domain: SiteDomain, site_id: str) -> dict[str, Any]:
    return {
        "id": domain.id,
        "name": domain.name,
        "site_id": site_id,
        "is_active": domain.is_active,
        "type": domain.type,
    }


def env_brief(env: Environment) -> dict[str, Any]:
    return {
        "id": env.id,
        "name": env.name,
        "display_name": env.display_name,
        "is_premium": env.is_premium,
        "is_blocked": env.is_blocked,
        "domains": [domain_json(d, env.site_id) for d in env.domains],
        "primaryDomain": domain_json(env.primary_domain, env.site_id),
    }


def env_full(env: Environment) -> dict[str, Any]:
    return {
        **env_brief(env),
        "id_edge_cache": env.edge_cache_id if env.edge_cache_enabled else None,
        "cdn_cache_id": env.cdn_cache_id,
        "is_opt_out_from_automatic_php_update": env.is_opt_out_from_automatic_php_update,
        "web_root": env.web_root,
        "image_optimization_type": env.image_optimization_type,
        "is_additional_sftp_accounts_enabled": env.is_additional_sftp_accounts_enabled,
        "wordpress_version": env.wordpress_version if env.is_wordpress else None,
        "ssh_connection": {"ssh_port": env.ssh_port, "ssh_ip": {"external_ip": env.ssh_ip}},
        "container_info": {"id": env.container_id, "php_engine_version": f"php{env.php_version}"},
    }
