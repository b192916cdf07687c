"""Sites: list, inspect, create, clone, reset, delete."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kinsta_mcp.catalog.models import Environment
from kinsta_mcp.catalog.spec import (
    Effect,
    Input,
    Member,
    Operation,
    OperationStarted,
    Output,
    RateClass,
    Risk,
    SiteId,
    ToolGroup,
    Toolset,
    body,
    path,
    query,
)

# -- inputs -------------------------------------------------------------------------

Region = Annotated[str, Field(description="Data center (get_company what=regions)", examples=["us-central1"])]
AdminPassword = Annotated[str, Field(min_length=8, description="Admin password", examples=["x7#Kp!2vLq9$Wm4z"])]


class ListSitesIn(Input):
    include_environments: Annotated[bool, query(), Field(description="With each site's environments")] = False
    # Tool-side (Kinsta returns every site at once): the result says which offset continues a cut list.
    offset: Annotated[int, Field(ge=0, description="Skip this many (when cut)")] = 0


class SiteIdIn(Input):
    site_id: Annotated[SiteId, path()]


class CreateSiteIn(Input):
    display_name: Annotated[str, body(), Field(min_length=1, description="Name shown in MyKinsta")]
    region: Annotated[Region, body()]
    site_title: Annotated[str, body(), Field(min_length=1, description="Site title")]
    admin_user: Annotated[str, body(), Field(min_length=1, description="Admin username")]
    admin_email: Annotated[
        str,
        body(),
        Field(description="Admin email", pattern=r"^[^@\s]+@[^@\s]+$"),
    ]
    admin_password: Annotated[AdminPassword, body()]
    wp_language: Annotated[str, body(), Field(description="Locale")] = "en_US"
    is_multisite: Annotated[bool, body(), Field(description="Multisite")] = False
    is_subdomain_multisite: Annotated[bool, body(), Field(description="Multisite by subdomain")] = False
    woocommerce: Annotated[bool, body(), Field(description="Install WooCommerce")] = False
    wordpressseo: Annotated[bool, body(), Field(description="Install Yoast SEO")] = False


class CreatePlainSiteIn(Input):
    display_name: Annotated[str, body(), Field(min_length=1, description="Name shown in MyKinsta")]
    region: Annotated[Region, body()]


class CloneSiteIn(Input):
    display_name: Annotated[str, body(), Field(min_length=1, description="Name of the new site")]
    source_env_id: Annotated[str, body(), Field(pattern=r"^[A-Za-z0-9_.:-]+$", description="Environment to copy")]


class ResetSiteIn(Input):
    site_id: Annotated[SiteId, path()]
    admin_password: Annotated[AdminPassword, body()]


# -- outputs -------------------------------------------------------------------------


class SiteLabel(Output):
    id: str | None = None
    name: str | None = None


class SiteSummary(Output):
    id: str | None = None
    name: str | None = None
    display_name: str | None = None
    status: str | None = None
    siteLabels: list[SiteLabel] | None = None  # Kinsta's name
    environments: list[Environment] | None = None


class SiteList(Output):
    sites: list[SiteSummary] = Field(default_factory=list)


class ListSitesOut(Output):
    company: SiteList


class Site(SiteSummary):
    company_id: str | None = None


class GetSiteOut(Output):
    site: Site


# -- declarations ------------------------------------------------------------------------

CREATE_SITE = ToolGroup(
    name="create_site",
    title="Create site",
    description="Create a site: with WordPress installed, empty (no WordPress), or as a copy of an environment.",
    selector="source",
    selector_description="What the new site starts from",
)

OPERATIONS = [
    Operation(
        name="list_sites",
        title="List sites",
        description="All sites of the company.",
        method="GET",
        path="/sites",
        input=ListSitesIn,
        output=ListSitesOut,
        effect=Effect.READ,
        toolset=Toolset.SITES,
        resource="kinsta://sites",
        company=query("company"),
        brief=("id", "display_name", "status", "environments"),
    ),
    Operation(
        name="get_site",
        title="Get site",
        description="One site with its environments and domains.",
        method="GET",
        path="/sites/{site_id}",
        input=SiteIdIn,
        output=GetSiteOut,
        effect=Effect.READ,
        toolset=Toolset.SITES,
        resource="kinsta://sites/{site_id}",
    ),
    Operation(
        name="create_site",
        risk=Risk.NONE,
        risk_reason="a new site; no existing data, access or traffic changes",
        title="Create WordPress site",
        description="Create a site with WordPress installed.",
        method="POST",
        path="/sites",
        input=CreateSiteIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.SITES,
        is_async=True,
        company=body("company"),
        rate=RateClass.CREATE,
        member=Member(CREATE_SITE, "wordpress"),
        # Required by the document although deprecated; "new" installs WordPress.
        constants={"body": {"install_mode": "new"}},
    ),
    Operation(
        name="create_plain_site",
        risk=Risk.NONE,
        risk_reason="a new, empty site; nothing existing changes",
        title="Create plain site",
        description="Create a site without WordPress installed.",
        method="POST",
        path="/sites/plain",
        input=CreatePlainSiteIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.SITES,
        is_async=True,
        company=body("company"),
        rate=RateClass.CREATE,
        member=Member(CREATE_SITE, "empty"),
    ),
    Operation(
        name="clone_site",
        risk=Risk.NONE,
        risk_reason="a new site copied from one of the company's own; the source is untouched",
        title="Clone site",
        description="Create a new site as a copy of an existing environment.",
        method="POST",
        path="/sites/clone",
        input=CloneSiteIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.SITES,
        is_async=True,
        company=body("company"),
        rate=RateClass.CREATE,
        member=Member(CREATE_SITE, "clone"),
    ),
    Operation(
        name="reset_site",
        risk=Risk.DESTROYS_DATA,
        risk_reason="wipes the site's content back to a fresh WordPress",
        title="Reset site",
        description="Reset a site to a fresh WordPress install with a new admin password.",
        method="POST",
        path="/sites/{site_id}/reset-site",
        input=ResetSiteIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.SITES,
        is_async=True,
        consequence="Wipes {site_id} back to a fresh WordPress install: its content, database and files are lost.",
    ),
    Operation(
        name="delete_site",
        risk=Risk.DESTROYS_DATA,
        risk_reason="deletes the site with every environment and backup",
        title="Delete site",
        description="Delete a site and all its environments.",
        method="DELETE",
        path="/sites/{site_id}",
        input=SiteIdIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.SITES,
        is_async=True,
        consequence="Deletes {site_id}: every environment, file, database and backup of it is gone for good.",
    ),
]
