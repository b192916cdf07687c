"""Kinsta DNS: the company's domains and their DNS records."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kinsta_mcp.catalog.models import Domain
from kinsta_mcp.catalog.spec import (
    Effect,
    Id,
    Input,
    Member,
    NoInput,
    Operation,
    OperationStarted,
    Output,
    Risk,
    ToolGroup,
    Toolset,
    body,
    path,
    query,
)

# -- inputs -------------------------------------------------------------------------

DnsDomainId = Annotated[Id, Field(description="From list_dns_domains")]
RecordType = Annotated[str, Field(description="e.g. A, CNAME, TXT", examples=["A"])]
RecordName = Annotated[str, Field(description="e.g. www.example.com")]
Ttl = Annotated[int, Field(ge=300, description="Seconds")]


class RecordValue(Input):
    value: Annotated[str, Field(description="Record value, e.g. an IP")]


class DnsDomainIdIn(Input):
    domain_id: Annotated[DnsDomainId, path()]


class CreateDnsRecordIn(Input):
    domain_id: Annotated[DnsDomainId, path()]
    type: Annotated[RecordType, body()]
    name: Annotated[RecordName, body()]
    ttl: Annotated[Ttl, body()]
    resource_records: Annotated[list[RecordValue], body(), Field(description="Values of the record")]


class UpdateDnsRecordIn(Input):
    domain_id: Annotated[DnsDomainId, path()]
    type: Annotated[RecordType, body()]
    name: Annotated[RecordName, body()]
    ttl: Annotated[Ttl | None, body()] = None
    new_resource_records: Annotated[list[RecordValue] | None, body(), Field(description="Values to add")] = None
    removed_resource_records: Annotated[list[RecordValue] | None, body(), Field(description="Values to remove")] = None


class DeleteDnsRecordIn(Input):
    domain_id: Annotated[DnsDomainId, path()]
    type: Annotated[RecordType, body()]
    name: Annotated[RecordName, body()]


# -- outputs -------------------------------------------------------------------------


class DomainList(Output):
    domains: list[Domain] | None = None


class ListDnsDomainsOut(Output):
    company: DomainList | None = None


class ResourceRecord(Output):
    value: str | None = None


class DnsRecord(Output):
    type: str | None = None
    name: str | None = None
    ttl: float | None = Field(None, description="Seconds")
    resource_records: list[ResourceRecord] | None = None


class DnsRecordList(Output):
    dns_records: list[DnsRecord] | None = None


class ListDnsRecordsOut(Output):
    domain: DnsRecordList | None = None


# -- grouped tools ---------------------------------------------------------------------

SET_DNS_RECORD = ToolGroup(
    name="set_dns_record",
    title="Add or change a DNS record",
    description="create: add a DNS record (type + name) with its values; update: change a record's TTL, or add "
    "or drop some of its values.",
    selector="action",
    selector_description="Add or change",
)

# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="list_dns_domains",
        title="List DNS domains",
        description="The company's domains (for Kinsta DNS records).",
        method="GET",
        path="/domains",
        input=NoInput,
        output=ListDnsDomainsOut,
        effect=Effect.READ,
        toolset=Toolset.DNS,
        resource="kinsta://dns-domains",
        company=query("company"),
        brief=("id", "name", "site_id"),
    ),
    Operation(
        name="list_dns_records",
        title="List DNS records",
        description="The DNS records of a domain.",
        method="GET",
        path="/domains/{domain_id}/dns-records",
        input=DnsDomainIdIn,
        output=ListDnsRecordsOut,
        effect=Effect.READ,
        toolset=Toolset.DNS,
        resource="kinsta://dns-domains/{domain_id}/records",
        brief=("type", "name", "resource_records"),
    ),
    Operation(
        name="create_dns_record",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="a DNS record decides where a name's traffic goes",
        consequence="Add a {type} record {name} to {domain_id} pointing to {resource_records}.",
        title="Create DNS record",
        description="Add a DNS record (type + name) with its values to a domain.",
        method="POST",
        path="/domains/{domain_id}/dns-records",
        input=CreateDnsRecordIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.DNS,
        is_async=True,
        member=Member(SET_DNS_RECORD, "create"),
    ),
    Operation(
        name="update_dns_record",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="repoints a DNS name (e.g. the apex A record) elsewhere",
        consequence=(
            "Change the {type} record {name} of {domain_id}: "
            "add {new_resource_records}, remove {removed_resource_records}."
        ),
        title="Update DNS record",
        description="Change a DNS record's TTL, or add or drop some of its values.",
        method="PUT",
        path="/domains/{domain_id}/dns-records",
        input=UpdateDnsRecordIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.DNS,
        is_async=True,
        idempotent=True,
        member=Member(SET_DNS_RECORD, "update"),
    ),
    Operation(
        name="delete_dns_record",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="a name stops resolving where it did",
        title="Delete DNS record",
        description="Delete a DNS record (type + name) with all its values.",
        method="DELETE",
        path="/domains/{domain_id}/dns-records",
        input=DeleteDnsRecordIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.DNS,
        is_async=True,
        consequence="Delete the {type} record {name} of {domain_id} with all its values.",
    ),
]
