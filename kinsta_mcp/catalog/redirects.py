"""Redirect rules of an environment: list, add or change, delete.

Kinsta changes rules with one POST whose `action_type` says what to do. It is split
into two tools so that deleting (irreversible, guarded) never hides behind the same
tool as adding or editing:
- NEW: `new_value` is the rule to add;
- UPDATE: `rules_to_update` holds the existing rule, `new_value` what it becomes;
- DELETE: `rules_to_update` holds the rules to delete; DELETE_ALL needs no rule.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from kinsta_mcp.catalog.spec import Effect, EnvId, Input, Operation, Output, Risk, Toolset, body, path, query

# -- inputs -------------------------------------------------------------------------


# A rule has no id: it is named by its content, as list_redirect_rules shows it.
class RedirectRule(Input):
    # "from" is a Python keyword: the field is `from_` and goes out as "from". Display-only
    # fields of a listed rule (country name, displayed_location) are ignored, so a listed
    # rule can be passed back as it is.
    model_config = ConfigDict(extra="ignore", serialize_by_alias=True)

    # Omitted, null or "": the rule applies to every domain (Kinsta's null). The schema says
    # null is allowed: compact schemas otherwise show an optional field as its plain type.
    domain: Annotated[
        str | None,
        BeforeValidator(lambda value: None if value == "" else value),
        WithJsonSchema({"type": ["string", "null"], "description": "Omit or null: all domains"}),
    ] = None
    from_: str = Field(description="Path to redirect", alias="from", examples=["/old"])
    to: str = Field(description="Where it goes", examples=["/new"])
    type: Annotated[Literal["permanent", "redirect"], Field(description="permanent (301) or redirect (302)")]
    traffic_from_country: Annotated[str | None, Field(description="Only visitors from this country")] = None
    traffic_from_city: Annotated[str | None, Field(description="Only visitors from this city")] = None

    @model_validator(mode="before")
    @classmethod
    def _domain_is_always_sent(cls, data: Any) -> Any:
        """Kinsta wants `domain` in every rule; an omitted one means null (every domain)."""
        return {"domain": None, **data} if isinstance(data, dict) else data


class ListRedirectRulesIn(Input):
    env_id: Annotated[EnvId, path()]
    limit: Annotated[int | None, query(), Field(description="Page size", ge=1)] = None
    offset: Annotated[int | None, query(), Field(description="Skip this many", ge=0)] = None
    key: Annotated[Literal["domain", "from", "to", "type"] | None, query(), Field(description="Sort by")] = None
    order: Annotated[Literal["ascend", "descend"] | None, query(), Field(description="Sort direction")] = None
    search_query: Annotated[str | None, query(), Field(description="Text to find")] = None
    regex_search: Annotated[bool | None, query(), Field(description="search_query is a regex")] = None


class UpdateRedirectRulesIn(Input):
    env_id: Annotated[EnvId, path()]
    action_type: Annotated[
        Literal["NEW", "UPDATE"], body(), Field(description="NEW adds new_value; UPDATE changes rules_to_update")
    ]
    new_value: Annotated[RedirectRule, body(), Field(description="The rule to add, or what it becomes")]
    rules_to_update: Annotated[
        list[RedirectRule] | None, body(), Field(description="Rules as list_redirect_rules shows them")
    ] = None

    @model_validator(mode="after")
    def _update_names_the_rule(self) -> UpdateRedirectRulesIn:
        if self.action_type == "UPDATE" and not self.rules_to_update:
            raise ValueError("UPDATE needs rules_to_update: the rule as list_redirect_rules shows it")
        return self


class DeleteRedirectRulesIn(Input):
    env_id: Annotated[EnvId, path()]
    action_type: Annotated[
        Literal["DELETE", "DELETE_ALL"], body(), Field(description="DELETE: rules_to_update; DELETE_ALL: every rule")
    ]
    rules_to_update: Annotated[
        list[RedirectRule] | None, body(), Field(description="Rules as list_redirect_rules shows them")
    ] = None

    @model_validator(mode="after")
    def _delete_names_the_rules(self) -> DeleteRedirectRulesIn:
        if self.action_type == "DELETE" and not self.rules_to_update:
            raise ValueError("DELETE needs rules_to_update: the rules as list_redirect_rules shows them")
        if self.action_type == "DELETE_ALL" and self.rules_to_update:
            raise ValueError("DELETE_ALL deletes every rule: leave rules_to_update out")
        return self


# -- outputs -------------------------------------------------------------------------


class ListedRule(Output):
    model_config = ConfigDict(extra="allow", serialize_by_alias=True)

    domain: str | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    type: str | None = None
    traffic_from_country: str | None = None
    traffic_from_country_name: str | None = None
    traffic_from_city: str | None = None
    displayed_location: str | None = None


class RedirectRules(Output):
    rules: list[ListedRule] | None = None
    redirect_rules_count: int | None = Field(None, description="Rules in all, for paging")


class RedirectContainer(Output):
    redirect_rules: RedirectRules | None = None


class RedirectEnvironment(Output):
    id: str | None = None
    container_info: RedirectContainer | None = None


class ListRedirectRulesOut(Output):
    environment: RedirectEnvironment | None = None


# -- declarations ------------------------------------------------------------------------

_RULES_PATH = "/sites/environments/{env_id}/redirect-rules"

OPERATIONS = [
    Operation(
        name="list_redirect_rules",
        title="List redirect rules",
        description="Redirect rules of an environment; paged, sortable, searchable.",
        method="GET",
        path=_RULES_PATH,
        input=ListRedirectRulesIn,
        output=ListRedirectRulesOut,
        effect=Effect.READ,
        toolset=Toolset.REDIRECTS,
        resource="kinsta://environments/{env_id}/redirect-rules",
        brief=("domain", "from", "to", "type", "displayed_location"),
    ),
    Operation(
        name="update_redirect_rules",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="a redirect rule sends visitors elsewhere",
        consequence="Redirect rules of {env_id}: {action_type} {new_value}.",
        title="Add or change a redirect rule",
        description="NEW adds new_value; UPDATE replaces rules_to_update (as listed) with new_value.",
        method="POST",
        path=_RULES_PATH,
        input=UpdateRedirectRulesIn,
        output=Output,  # the document describes no body
        effect=Effect.WRITE,
        toolset=Toolset.REDIRECTS,
    ),
    Operation(
        name="delete_redirect_rules",
        risk=Risk.REDIRECTS_TRAFFIC,
        risk_reason="visitors stop being redirected",
        title="Delete redirect rules",
        description="DELETE removes rules_to_update (as listed); DELETE_ALL removes every rule.",
        method="POST",
        path=_RULES_PATH,
        input=DeleteRedirectRulesIn,
        output=Output,  # the document describes no body
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.REDIRECTS,
        consequence="Delete redirect rules of {env_id} ({action_type}).",
    ),
]
