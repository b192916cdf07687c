"""Site domains: list, add, delete, verification records, change primary."""

from __future__ import annotations

import re
from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request, not_found
from ..world import SiteDomain
from .common import env_of, require_uuid

handlers = Handlers()

_DOMAIN_NAME = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@handlers.add("GET /sites/environments/{env_id}/domains")
def list_domains(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    items = [{"id": d.id, "name": d.name, "uses_cloudflare_dns": d.uses_cloudflare_dns} for d in env.domains]
    return Reply(200, {"environment": {"site_domains": items}})


@handlers.add(
    "POST /sites/environments/{env_id}/domains",
    operation="sites:add-domain",
    message="Adding site domain in progress",
    activity="addSiteDomain",
)
def add_domain(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    name = ctx.body["domain_name"].lower()
    if not _DOMAIN_NAME.match(name):
        raise bad_request(f'"domain_name" must be a valid domain name, got "{name}"')
    if ("custom_ssl_key" in ctx.body) != ("custom_ssl_cert" in ctx.body):
        raise bad_request('"custom_ssl_key" and "custom_ssl_cert" must be given together')
    wildcardless = bool(ctx.body.get("is_wildcardless", False))
    with_www = bool(ctx.body.get("add_with_www_subdomain", False))
    if with_www and wildcardless:
        raise bad_request('"add_with_www_subdomain" cannot be true when "is_wildcardless" is true')
    names = [name, f"www.{name}"] if with_www and not name.startswith(("www.", "*.")) else [name]
    for other in ctx.state.environments.values():
        for taken in names:
            if any(d.name == taken for d in other.domains):
                raise bad_request(f'The domain "{taken}" is already in use')
    domain_ids = [ctx.state.new_uuid() for _ in names]

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        kind = "live" if target.is_live else "staging"
        for domain_id, domain_name in zip(domain_ids, names, strict=True):
            target.domains.append(
                SiteDomain(domain_id, domain_name, target.id, kind, is_active=False, is_wildcardless=wildcardless)
            )
        return {"idDomain": domain_ids[0], "domain_name": name, "domain_names": names}

    return ctx.started(effect)


@handlers.add(
    "DELETE /sites/environments/{env_id}/domains",
    operation="sites:delete-domain",
    message="Deleting site domain in progress",
    activity="deleteSiteDomain",
)
def delete_domains(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    ids = list(ctx.body["domain_ids"])
    if not ids:
        raise bad_request('"domain_ids" must contain at least 1 items')
    known = {d.id for d in env.domains}
    for domain_id in ids:
        if domain_id not in known:
            raise not_found(f"site domain {domain_id}")
        if domain_id == env.primary_domain_id:
            raise bad_request("The primary domain cannot be deleted; change the primary domain first")

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        target.domains = [d for d in target.domains if d.id not in ids]
        return {"deleted": ids}

    return ctx.started(effect)


@handlers.add("GET /sites/environments/domains/{site_domain_id}/verification-records")
def verification_records(ctx: Ctx) -> Reply:
    env, domain = ctx.state.site_domain(require_uuid(ctx.path["site_domain_id"], "site_domain_id"), ctx.company)
    ctx.site_id = env.site_id
    bare = domain.name.removeprefix("*.")
    verification = (
        []
        if domain.is_active
        else [{"name": f"_acme-challenge.{bare}", "value": f"{bare}.kinstavalidation.app", "type": "CNAME"}]
    )
    pointing = [{"name": bare, "value": env.ssh_ip, "type": "A"}]
    if not bare.startswith("www.") and bare.count(".") == 1:
        pointing.append({"name": "www", "value": bare, "type": "CNAME"})
    return Reply(200, {"site_domain": {"verification_records": verification, "pointing_records": pointing}})


@handlers.add(
    "PUT /sites/environments/{env_id}/change-primary-domain",
    operation="sites:change-primary-domain",
    message="Changing primary site domain in progress",
    activity="changePrimaryDomain",
)
def change_primary(ctx: Ctx) -> Reply:
    env = env_of(ctx, ctx.path["env_id"])
    domain_id = ctx.body["domain_id"]
    if all(d.id != domain_id for d in env.domains):
        raise not_found("site domain")

    def effect() -> dict[str, Any]:
        target = ctx.state.env(env.id, ctx.company)
        old = target.primary_domain.name
        target.primary_domain_id = domain_id
        new = target.primary_domain.name
        if ctx.body["run_search_and_replace"]:
            target.site_url = f"https://{new}"
            target.db_marker = target.db_marker.replace(old, new)
        return {"primary_domain": new}

    return ctx.started(effect)
