"""Site domains of an environment: list, add, delete, verification records, primary domain, Force HTTPS.

Adding a domain takes two fields newer than Kinsta's 1.87.0 document
(`add_with_www_subdomain`, `setup_type`), and Force HTTPS is newer too: both come from the
reconstructed additions document (docs/kinsta-api-additions.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kinsta_mcp.catalog.environments import EnvIdIn
from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Id,
    Input,
    Operation,
    OperationStarted,
    Output,
    Risk,
    Toolset,
    body,
    path,
)

# -- inputs -------------------------------------------------------------------------

SiteDomainId = Annotated[Id, Field(description="From list_site_domains")]


class AddSiteDomainIn(Input):
    env_id: Annotated[EnvId, path()]
    domain_name: Annotated[str, body(), Field(description="Domain to add", examples=["shop.example.com"])]
    is_wildcardless: Annotated[bool | None, body(), Field(description="No *. wildcard")] = None
    custom_ssl_key: Annotated[str | None, body(), Field(description="Own certificate's key (PEM)")] = None
    custom_ssl_cert: Annotated[str | None, body(), Field(description="Own certificate (PEM)")] = None
    add_with_www_subdomain: Annotated[
        bool | None, body(), Field(description="Also add www.<domain_name>; not with is_wildcardless")
    ] = None
    setup_type: Annotated[
        Literal["quick", "avoid_downtime"] | None,
        body(),
        Field(description="quick (default) or avoid_downtime: prepared before traffic switches"),
    ] = None

    @model_validator(mode="after")
    def _www_needs_the_wildcard(self) -> AddSiteDomainIn:
        if self.add_with_www_subdomain and self.is_wildcardless:
            raise ValueError("add_with_www_subdomain cannot be true when is_wildcardless is true: choose one")
        return self


class DeleteSiteDomainsIn(Input):
    env_id: Annotated[EnvId, path()]
    domain_ids: Annotated[list[Id], body(), Field(description="From list_site_domains")]


class SiteDomainIdIn(Input):
    site_domain_id: Annotated[SiteDomainId, path()]


ForceHttpsMode = Literal["ENABLED_FOR_ALL", "ENABLED_REDIRECT_TO_PRIMARY", "DISABLED"]


class SetForceHttpsIn(Input):
    env_id: Annotated[EnvId, path()]
    mode: Annotated[
        ForceHttpsMode,
        body("type"),
        Field(description="ENABLED_FOR_ALL, ENABLED_REDIRECT_TO_PRIMARY (HTTPS and the primary domain), DISABLED"),
    ]


class SetPrimaryDomainIn(Input):
    env_id: Annotated[EnvId, path()]
    domain_id: Annotated[SiteDomainId, body()]
    run_search_and_replace: Annotated[bool, body(), Field(description="Rewrite URLs in the database")]


# -- outputs -------------------------------------------------------------------------


class SiteDomain(Output):
    id: str | None = None
    name: str | None = None
    uses_cloudflare_dns: bool | None = None


class EnvironmentDomains(Output):
    site_domains: list[SiteDomain] | None = None


class ListSiteDomainsOut(Output):
    environment: EnvironmentDomains | None = None


class DnsValue(Output):
    name: str | None = None
    value: str | None = None
    type: str | None = None


class DomainRecords(Output):
    verification_records: list[DnsValue] | None = None
    pointing_records: list[DnsValue] | None = None


class VerificationRecordsOut(Output):
    site_domain: DomainRecords | None = None


# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="list_site_domains",
        title="List site domains",
        description="The domains of an environment.",
        method="GET",
        path="/sites/environments/{env_id}/domains",
        input=EnvIdIn,
        output=ListSiteDomainsOut,
        effect=Effect.READ,
        toolset=Toolset.DOMAINS,
        resource="kinsta://environments/{env_id}/domains",
        brief=("id", "name"),
    ),
    Operation(
        name="add_site_domain",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="the environment starts serving a domain",
        consequence="Make {env_id} serve the domain {domain_name}.",
        title="Add site domain",
        description="Add a domain to an environment, optionally with www., custom SSL, or avoid_downtime setup.",
        method="POST",
        path="/sites/environments/{env_id}/domains",
        input=AddSiteDomainIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.DOMAINS,
        is_async=True,
    ),
    Operation(
        name="delete_site_domains",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="the environment stops serving these domains",
        title="Delete site domains",
        description="Remove one or more domains from an environment.",
        method="DELETE",
        path="/sites/environments/{env_id}/domains",
        input=DeleteSiteDomainsIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.DOMAINS,
        is_async=True,
        consequence="Remove {domain_ids} from {env_id}.",
    ),
    Operation(
        name="get_domain_verification_records",
        title="Get domain verification records",
        description="DNS records that verify a site domain and point it to Kinsta.",
        method="GET",
        path="/sites/environments/domains/{site_domain_id}/verification-records",
        input=SiteDomainIdIn,
        output=VerificationRecordsOut,
        effect=Effect.READ,
        toolset=Toolset.DOMAINS,
        resource="kinsta://site-domains/{site_domain_id}/verification-records",
    ),
    Operation(
        name="set_primary_domain",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="changes the domain visitors are sent to",
        consequence="Make {domain_id} the primary domain of {env_id}; visitors are sent there.",
        title="Set primary domain",
        description="Make one of an environment's domains its primary domain.",
        method="PUT",
        path="/sites/environments/{env_id}/change-primary-domain",
        input=SetPrimaryDomainIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.DOMAINS,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="get_force_https",
        title="Get Force HTTPS",
        description=(
            "An environment's Force HTTPS mode: ENABLED_FOR_ALL, ENABLED_REDIRECT_TO_PRIMARY or DISABLED "
            "(returned as Kinsta sends it; the field name is not documented)."
        ),
        method="GET",
        path="/sites/environments/{env_id}/force-https-status",
        input=EnvIdIn,
        output=Output,
        effect=Effect.READ,
        toolset=Toolset.DOMAINS,
        resource="kinsta://environments/{env_id}/force-https",
    ),
    Operation(
        name="set_force_https",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="changes where visitors are sent: to HTTPS, or to the primary domain",
        consequence="Set Force HTTPS of {env_id} to {mode}; visitors are redirected accordingly.",
        title="Set Force HTTPS",
        description="Set an environment's Force HTTPS mode (all domains, redirect to the primary domain, or off).",
        method="POST",
        path="/sites/environments/{env_id}/force-https-status",
        input=SetForceHttpsIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.DOMAINS,
        # Kinsta's answer is not documented (200, or 202 perhaps with an operation_id);
        # the waiting copes with either.
        is_async=True,
        idempotent=True,
    ),
]
