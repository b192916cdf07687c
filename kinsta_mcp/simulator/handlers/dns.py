"""Kinsta DNS: company domains and their records."""

from __future__ import annotations

from typing import Any

from ..handling import Ctx, Handlers, Reply, bad_request, not_found
from ..world import DnsRecord, DnsZone
from .common import check_company, require_uuid

handlers = Handlers()

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS")


def _zone(ctx: Ctx) -> DnsZone:
    zone = ctx.state.zone(require_uuid(ctx.path["domain_id"], "domain_id"), ctx.company)
    ctx.site_id = zone.site_id
    return zone


def _record_type(value: str) -> str:
    if value.upper() not in RECORD_TYPES:
        raise bad_request(f'"type" must be one of [{", ".join(RECORD_TYPES)}]')
    return value.upper()


def _record_name(zone: DnsZone, name: str) -> str:
    name = name.rstrip(".").lower()
    if name != zone.name and not name.endswith("." + zone.name):
        raise bad_request(f'"name" must be {zone.name} or a subdomain of it')
    return name


def _find(zone: DnsZone, rtype: str, name: str) -> DnsRecord | None:
    return next((r for r in zone.records if r.type == rtype and r.name == name), None)


@handlers.add("GET /domains")
def list_zones(ctx: Ctx) -> Reply:
    check_company(ctx, ctx.query["company"])
    items = [
        {"id": z.id, "name": z.name, "site_id": z.site_id, "is_active": z.is_active}
        for z in ctx.state.dns_zones.values()
        if z.company_id == ctx.company
    ]
    return Reply(200, {"company": {"domains": items}})


@handlers.add("GET /domains/{domain_id}/dns-records")
def list_records(ctx: Ctx) -> Reply:
    zone = _zone(ctx)
    records = [
        {"type": r.type, "name": r.name, "ttl": r.ttl, "resource_records": [{"value": v} for v in r.values]}
        for r in zone.records
    ]
    return Reply(200, {"domain": {"dns_records": records}})


@handlers.add(
    "POST /domains/{domain_id}/dns-records",
    operation="domains:create-dns-record",
    message="Creating a domain DNS record in progress",
    activity="createDnsRecord",
)
def create_record(ctx: Ctx) -> Reply:
    zone = _zone(ctx)
    rtype, name = _record_type(ctx.body["type"]), _record_name(zone, ctx.body["name"])
    values = [v["value"] for v in ctx.body["resource_records"]]
    if not values:
        raise bad_request('"resource_records" must contain at least 1 items')
    if _find(zone, rtype, name) is not None:
        raise bad_request(f"A {rtype} record for {name} already exists; update it instead")
    ttl = ctx.body["ttl"]

    def effect() -> dict[str, Any]:
        target = ctx.state.zone(zone.id, ctx.company)
        target.records.append(DnsRecord(rtype, name, ttl, values))
        return {"type": rtype, "name": name}

    return ctx.started(effect)


@handlers.add(
    "PUT /domains/{domain_id}/dns-records",
    operation="domains:update-dns-record",
    message="Updating a domain DNS record in progress",
    activity="updateDnsRecord",
)
def update_record(ctx: Ctx) -> Reply:
    zone = _zone(ctx)
    rtype, name = _record_type(ctx.body["type"]), _record_name(zone, ctx.body["name"])
    if _find(zone, rtype, name) is None:
        raise not_found(f"{rtype} record {name}")
    added = [v["value"] for v in ctx.body.get("new_resource_records", [])]
    removed = [v["value"] for v in ctx.body.get("removed_resource_records", [])]
    ttl = ctx.body.get("ttl")

    def effect() -> dict[str, Any]:
        record = _find(ctx.state.zone(zone.id, ctx.company), rtype, name)
        if record is None:
            raise not_found(f"{rtype} record {name}")
        record.values = [v for v in record.values if v not in removed] + [v for v in added if v not in record.values]
        if ttl is not None:
            record.ttl = ttl
        return {"type": rtype, "name": name, "values": list(record.values)}

    return ctx.started(effect)


@handlers.add(
    "DELETE /domains/{domain_id}/dns-records",
    operation="domains:delete-dns-record",
    message="Deleting domain DNS record in progress",
    activity="deleteDnsRecord",
)
def delete_record(ctx: Ctx) -> Reply:
    zone = _zone(ctx)
    rtype, name = _record_type(ctx.body["type"]), _record_name(zone, ctx.body["name"])
    if _find(zone, rtype, name) is None:
        raise not_found(f"{rtype} record {name}")

    def effect() -> dict[str, Any]:
        target = ctx.state.zone(zone.id, ctx.company)
        target.records = [r for r in target.records if not (r.type == rtype and r.name == name)]
        return {"type": rtype, "name": name}

    return ctx.started(effect)
