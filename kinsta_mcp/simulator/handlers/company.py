"""Company: users, API keys, regions, activity log; and API key validation."""

from __future__ import annotations

from typing import Any

from ..handling import Ctx, Handlers, Reply
from .common import check_company

handlers = Handlers()


@handlers.add("GET /company/{id}/users")
def users(ctx: Ctx) -> Reply:
    check_company(ctx, ctx.path["id"])
    company = ctx.state.companies.get(ctx.company)
    items = [
        {"user": {"id": u.id, "email": u.email, "image": u.image, "full_name": u.full_name}}
        for u in (company.users if company else [])
    ]
    return Reply(200, {"company": {"users": items}})


@handlers.add("GET /company/{id}/api-keys")
def api_keys(ctx: Ctx) -> Reply:
    check_company(ctx, ctx.path["id"])
    company = ctx.state.companies.get(ctx.company)
    keys = list(company.api_keys) if company else []
    items = [{"id": k.id, "name": k.name, "status": k.status, "expires_at": k.expires_at} for k in keys]
    if all(k.id != ctx.key_id for k in keys):  # keys configured on the Simulator, not seeded
        items.append({"id": ctx.key_id, "name": ctx.key.name, "status": "active", "expires_at": ctx.key.expires_at})
    return Reply(200, {"api_keys": items})


@handlers.add("GET /company/{id}/available-regions")
def regions(ctx: Ctx) -> Reply:
    check_company(ctx, ctx.path["id"])
    items = [{"name": name, "region": region} for region, name in ctx.state.regions]
    return Reply(200, {"company": {"available_regions": items}})


@handlers.add("GET /company/{id}/activity-logs")
def activity_logs(ctx: Ctx) -> Reply:
    check_company(ctx, ctx.path["id"])
    q = ctx.query
    items = [a for a in reversed(ctx.state.activities) if a.company_id == ctx.company]
    if "category" in q:
        items = [a for a in items if a.category == q["category"]]
    if "site_id" in q:
        items = [a for a in items if a.site_id == q["site_id"]]
    if "id_api_key" in q:
        items = [a for a in items if a.api_key_id == q["id_api_key"]]
    if "id_initiated_by" in q:  # a person in MyKinsta (what an API key did has no initiated_by)
        items = [a for a in items if a.initiated_by is not None and a.initiated_by["id"] == q["id_initiated_by"]]
    offset, limit = int(q.get("offset", 0)), int(q.get("limit", 10))
    page: list[dict[str, Any]] = [
        {
            "id": a.id,
            "site_id": a.site_id,
            "created_at": a.created_at,
            "is_done": a.is_done,
            "has_failed": a.has_failed,
            "has_warning": False,
            "type": a.type,
            "public_error": a.public_error,
            "ip_address": a.ip_address,
            "descriptions": [a.description],
            # initiated_by and user_agent_info only when known: the document allows no null for them
            **({"initiated_by": a.initiated_by} if a.initiated_by else {}),
            **({"api_key_info": {"id": a.api_key_id, "name": a.api_key_name}} if a.api_key_id else {}),
        }
        for a in items[offset : offset + limit]
    ]
    return Reply(200, {"company": {"activity_logs": {"items": page, "total": len(items)}}})


@handlers.add("GET /validate")
def validate(ctx: Ctx) -> Reply:
    body = {"name": ctx.key.name, "expires_at": ctx.key.expires_at, "company": ctx.company, "status": "active"}
    return Reply(200, body)
