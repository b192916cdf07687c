"""Company: users, API keys, regions, activity logs, and the API key check."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kinsta_mcp.catalog.spec import (
    Effect,
    Input,
    Member,
    NoInput,
    Operation,
    Output,
    Period,
    SiteId,
    ToolGroup,
    Toolset,
    path,
    query,
)

# -- inputs -------------------------------------------------------------------------

ActivityCategory = Literal[
    "siteActions",
    "kinstaDns",
    "migrations",
    "billing",
    "notifications",
    "userManagement",
    "personalSettings",
    "samlSso",
]


class ActivityLogsIn(Input):
    limit: Annotated[int | None, query(), Field(description="Page size", ge=1)] = None
    offset: Annotated[int | None, query(), Field(description="Skip this many", ge=0)] = None
    category: Annotated[ActivityCategory | None, query(), Field(description="Only this category")] = None
    site_id: Annotated[SiteId | None, query()] = None
    initiated_by: Annotated[
        str | None, query("id_initiated_by"), Field(description="User id (get_company what=users)")
    ] = None
    api_key_id: Annotated[
        str | None, query("id_api_key"), Field(description="API key id (get_company what=api_keys)")
    ] = None
    # `language` (of the entries' texts, default en) is left out: it adds little and every
    # byte of a tool's schema is read by the model on every turn.


# -- outputs -------------------------------------------------------------------------


class User(Output):
    id: str | None = None
    email: str | None = None
    full_name: str | None = None
    image: str | None = None


class CompanyUser(Output):
    user: User | None = None


class CompanyUsers(Output):
    users: list[CompanyUser] | None = None


class ListCompanyUsersOut(Output):
    company: CompanyUsers | None = None


class ApiKey(Output):
    id: str | None = None
    name: str | None = None
    status: str | None = Field(None, description="active, revoked or expired")
    expires_at: str | None = None


class ListApiKeysOut(Output):
    api_keys: list[ApiKey] | None = None


class Region(Output):
    region: str | None = Field(None, description="The id to create sites in, e.g. us-central1")
    name: str | None = None


class CompanyRegions(Output):
    available_regions: list[Region] | None = None


class ListRegionsOut(Output):
    company: CompanyRegions | None = None


class Initiator(Output):
    id: str | None = None
    role: str | None = None
    full_name: str | None = None
    first_name: str | None = None


class ApiKeyInfo(Output):
    id: str | None = None
    name: str | None = None


class UserAgentInfo(Output):
    browser_name: str | None = None
    browser_version: str | None = None
    os_name: str | None = None


class ActivityLog(Output):
    id: int | None = None
    site_id: str | None = None
    created_at: int | None = Field(None, description="Milliseconds since the epoch")
    type: str | None = None
    descriptions: list[str] | None = None
    is_done: bool | None = None
    has_failed: bool | None = None
    has_warning: bool | None = None
    public_error: str | None = None
    ip_address: str | None = None
    initiated_by: Initiator | None = None
    api_key_info: ApiKeyInfo | None = None
    user_agent_info: UserAgentInfo | None = None


class ActivityLogPage(Output):
    items: list[ActivityLog] | None = None
    total: int | None = Field(None, description="Entries in all, for paging")


class CompanyActivityLogs(Output):
    activity_logs: ActivityLogPage | None = None


class ListActivityLogsOut(Output):
    company: CompanyActivityLogs | None = None


class ValidateApiKeyOut(Output):
    name: str | None = None
    company: str | None = Field(None, description="Company id the key belongs to")
    status: str | None = None
    expires_at: str | None = None


# -- grouped tools ---------------------------------------------------------------------

GET_COMPANY = ToolGroup(
    name="get_company",
    title="Company users, API keys, regions",
    description="The company's users (id, email, name), API keys and their status, data center regions for new "
    "sites, or this_api_key (the key in use: name, company, status, expiry).",
    selector="what",
    selector_description="What to read",
)

# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="list_company_users",
        title="List company users",
        description="Users of the company: id, email, name.",
        method="GET",
        path="/company/{id}/users",
        input=NoInput,
        output=ListCompanyUsersOut,
        effect=Effect.READ,
        toolset=Toolset.COMPANY,
        resource="kinsta://users",
        company=path("id"),
        member=Member(GET_COMPANY, "users"),
    ),
    Operation(
        name="list_api_keys",
        title="List API keys",
        description="The company's API keys and their status.",
        method="GET",
        path="/company/{id}/api-keys",
        input=NoInput,
        output=ListApiKeysOut,
        effect=Effect.READ,
        toolset=Toolset.COMPANY,
        company=path("id"),
        member=Member(GET_COMPANY, "api_keys"),
    ),
    Operation(
        name="list_regions",
        title="List regions",
        description="Data center regions the company can create sites in.",
        method="GET",
        path="/company/{id}/available-regions",
        input=NoInput,
        output=ListRegionsOut,
        effect=Effect.READ,
        toolset=Toolset.COMPANY,
        resource="kinsta://regions",
        company=path("id"),
        member=Member(GET_COMPANY, "regions"),
    ),
    Operation(
        name="list_activity_logs",
        title="List activity logs",
        description="The company's activity log, paged and filtered.",
        method="GET",
        path="/company/{id}/activity-logs",
        input=ActivityLogsIn,
        output=ListActivityLogsOut,
        effect=Effect.READ,
        toolset=Toolset.COMPANY,
        resource="kinsta://activity-log",
        company=path("id"),
        period=Period.ITEMS,
        brief=(
            "id",
            "created_at",
            "type",
            "descriptions",
            "site_id",
            "has_failed",
            "public_error",
            "initiated_by",
            "api_key_info",
        ),
    ),
    Operation(
        name="validate_api_key",
        title="Validate API key",
        description="Check the API key in use: name, company, status, expiry.",
        method="GET",
        path="/validate",
        input=NoInput,
        output=ValidateApiKeyOut,
        effect=Effect.READ,
        toolset=Toolset.COMPANY,
        member=Member(GET_COMPANY, "this_api_key"),
    ),
]
