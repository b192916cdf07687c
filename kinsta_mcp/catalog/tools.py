"""Site tools: cache, PHP (restart, version, allocation), denied IPs, WP-CLI, phpMyAdmin, search and replace.

Database search and replace (Kinsta API July 2026, from the reconstructed additions
document, docs/kinsta-api-additions.md) is one Kinsta operation offered as two members of
one tool (`mode`, preview by default): the preview (`perform_replacement: false`, a read) and the
replacement (`perform_replacement: true`, overwrites the database and is guarded). The
flag is a constant of each member, so the guarded one can never run as a preview or back;
the guard acts per member, so only mode=replace asks the human.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, model_validator

from kinsta_mcp.catalog import rules
from kinsta_mcp.catalog.environments import EnvIdIn
from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Input,
    ListEdit,
    Member,
    Operation,
    OperationStarted,
    Output,
    ReadsOnly,
    Risk,
    Rule,
    SiteId,
    ToolGroup,
    Toolset,
    body,
    path,
    query,
)

# -- inputs -------------------------------------------------------------------------

ThreadMemory = Annotated[int, Field(description="MB per PHP thread")]


class EnvInBody(Input):
    env_id: Annotated[EnvId, body("environment_id")]


class SetPhpVersionIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    php_version: Annotated[str, body(), Field(description="e.g. 8.3", examples=["8.3"])]
    is_opt_out_from_automatic_php_update: Annotated[bool | None, body(), Field(description="Keep this version")] = None


class EnvPhpAllocationIn(Input):
    env_id: Annotated[EnvId, path()]
    thread_count: Annotated[int, body(), Field(description="PHP threads")]
    thread_memory: Annotated[ThreadMemory, body()]


class SitePhpAllocationIn(Input):
    site_id: Annotated[SiteId, path()]
    thread_count: Annotated[int, body(), Field(description="PHP threads")]
    thread_memory: Annotated[ThreadMemory, body()]


class GetDeniedIpsIn(Input):
    env_id: Annotated[EnvId, query("environment_id")]


IpEntry = Annotated[str, Field(examples=["203.0.113.7"])]


class SetDeniedIpsIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    add: Annotated[list[str] | None, Field(description="IPs to block")] = None
    remove: Annotated[list[str] | None, Field(description="IPs to unblock")] = None
    ip_list: Annotated[
        list[IpEntry] | None,
        body(),
        Field(description="Or the whole list"),
    ] = None

    @model_validator(mode="after")
    def _one_way(self) -> SetDeniedIpsIn:
        DENIED_IPS_EDIT.one_way(self)
        return self


class RunWpCliIn(Input):
    env_id: Annotated[EnvId, path()]
    # Kinsta's pattern with \s narrowed to spaces and tabs: a line break would start a second command.
    wp_command: Annotated[
        str,
        body(),
        Field(
            description="One wp command",
            max_length=5000,
            pattern=r"^wp[ \t]+[a-zA-Z0-9_\-./:=@'\", \t]+$",
            examples=["wp core version"],
        ),
    ]


class SearchReplaceIn(Input):
    env_id: Annotated[EnvId, body("environment_id")]
    search: Annotated[str, body(), Field(description="Text to find", min_length=1, examples=["http://old.example.com"])]
    replace: Annotated[str, body(), Field(description="Replacement", examples=["https://new.example.com"])]
    is_clear_cache: Annotated[bool | None, body(), Field(description="Clear site cache after")] = None


# -- WP-CLI commands that only read ---------------------------------------------------
# Run without the human's yes. Anything else stays guarded: another command, a flag not listed (the
# global --exec and --require run PHP), a field or option whose name looks secret, a value that is
# not a plain word.

WP_CLI_READS = frozenset(
    {
        "core version",
        "core is-installed",
        "core check-update",
        "plugin list",
        "plugin get",
        "plugin status",
        "plugin is-installed",
        "plugin is-active",
        "theme list",
        "theme get",
        "theme status",
        "theme is-installed",
        "theme is-active",
        "user list",
        "option get",
        "cron event list",
        "cron schedule list",
        "db size",
        "db tables",
        "post list",
        "site list",
        "cache type",
        "rewrite list",
        "role list",
        "maintenance-mode status",
    }
)
WP_CLI_READ_FLAGS = frozenset(
    {"format", "fields", "field", "status", "role", "number", "post_type", "orderby", "order", "update", "extra"}
    | {"skip-plugins", "skip-themes", "human-readable", "size_format", "all-tables", "network"}
)
_SECRETISH = re.compile(r"pass|secret|key|token|salt|auth|nonce|activation|hash|credential|licen[cs]e|api", re.I)
_PLAIN = re.compile(r"^[A-Za-z0-9_.:-]+$")


def wp_cli_reads_only(args: Mapping[str, Any]) -> bool:
    """True when `wp_command` is on the read-only allowlist, with only listed flags and no secret names."""
    try:
        words = shlex.split(str(args.get("wp_command", "")))
    except ValueError:
        return False
    if len(words) < 3 or words[0] != "wp":
        return False
    length = next((n for n in (3, 2) if " ".join(words[1 : 1 + n]) in WP_CLI_READS), 0)
    if not length:
        return False
    for word in words[1 + length :]:
        if word.startswith("--"):
            name, _, value = word[2:].partition("=")
            values = value.split(",") if value else []
            if name not in WP_CLI_READ_FLAGS or not all(_PLAIN.match(v) and not _SECRETISH.search(v) for v in values):
                return False
        elif not _PLAIN.match(word) or _SECRETISH.search(word):
            return False
    return True


def wp_cli_reads_said() -> str:
    """The allowlist in a few words for the tool list: commands sharing their verbs written once."""
    verbs: dict[str, list[str]] = {}
    for command in sorted(WP_CLI_READS):
        noun, _, verb = command.rpartition(" ")
        verbs.setdefault(noun, []).append(verb)
    nouns: dict[str, list[str]] = {}
    for noun, said in verbs.items():
        nouns.setdefault("|".join(said), []).append(noun)
    commands = ", ".join(f"{'|'.join(listed)} {said}" for said, listed in nouns.items())
    return f"these reads: wp {commands} (read flags only, e.g. --fields, --format; no secret-looking names)"


WP_CLI_READ_ONLY = ReadsOnly(wp_cli_reads_only, wp_cli_reads_said())

DENIED_IPS_EDIT = ListEdit(field="ip_list", reads="get_denied_ips", key="ip_list")

# -- outputs -------------------------------------------------------------------------


class DeniedIps(Output):
    id: str | None = None
    ip_list: list[str] | None = None


class GetDeniedIpsOut(Output):
    environment: DeniedIps | None = None


class NullResult(Output):
    """Kinsta's `{result: null}` answer to a finished synchronous write."""

    result: None = None


class PhpMyAdminLink(Output):
    url: str | None = None
    expires_at: float | None = Field(None, description="Unix time in milliseconds")


# -- declarations ------------------------------------------------------------------------

CLEAR_CACHE = ToolGroup(
    name="clear_cache",
    title="Clear a cache",
    description=("Clear an environment's cache: site (page cache), edge (whole or one url) or cdn."),
    selector="cache",
    selector_description="site, edge or cdn",
)

PHP_ALLOCATION = ToolGroup(
    name="set_php_allocation",
    title="Set PHP allocation",
    description=("Set PHP threads and memory: scope=site (live, standard staging) or environment (premium staging)."),
    selector="scope",
    selector_description="site or environment",
)

SEARCH_REPLACE = ToolGroup(
    name="database_search_replace",
    title="Database search and replace",
    description=(
        "Search and replace in an environment's database: mode=preview (default) only counts matches; "
        "replace rewrites it (back up first)."
    ),
    selector="mode",
    selector_description="preview or replace",
    default="preview",
)

OPERATIONS = [
    Operation(
        name="clear_site_cache",
        risk=Risk.NONE,
        risk_reason="a cache rebuilds itself; nothing is lost",
        title="Clear site cache",
        description="Clear an environment's server page cache.",
        method="POST",
        path="/sites/tools/clear-cache",
        input=EnvInBody,
        member=Member(CLEAR_CACHE, "site"),
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="restart_php",
        risk=Risk.NONE,
        risk_reason="a brief restart; nothing is lost",
        title="Restart PHP",
        description="Restart an environment's PHP.",
        method="POST",
        path="/sites/tools/restart-php",
        input=EnvInBody,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="set_php_version",
        risk=Risk.NONE,
        risk_reason="can be changed back; no data, access or traffic changes",
        title="Set PHP version",
        description="Change an environment's PHP version.",
        method="PUT",
        path="/sites/tools/modify-php-version",
        input=SetPhpVersionIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        is_async=True,
        idempotent=True,
        rules=(
            Rule(
                name="php-downgrade",
                when="php_version is older than the environment's current PHP (read first)",
                check=rules.php_downgrade,
                risk=Risk.BREAKS_SITE,
                reads="list_sites",
            ),
        ),
    ),
    Operation(
        name="set_environment_php_allocation",
        member=Member(PHP_ALLOCATION, "environment"),
        risk=Risk.NONE,
        risk_reason="resources and billing only; can be changed back",
        title="Set environment PHP allocation",
        description="Set PHP threads and memory of a premium staging environment.",
        method="POST",
        path="/sites/environments/{env_id}/change-environment-php-allocation",
        input=EnvPhpAllocationIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="set_site_php_allocation",
        member=Member(PHP_ALLOCATION, "site"),
        risk=Risk.NONE,
        risk_reason="resources and billing only; can be changed back",
        title="Set site PHP allocation",
        description="Set PHP threads and memory of a site's live and standard staging.",
        method="POST",
        path="/sites/{site_id}/change-site-php-allocation",
        input=SitePhpAllocationIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        is_async=True,
        idempotent=True,
    ),
    Operation(
        name="get_denied_ips",
        title="Get denied IPs",
        description="The IP addresses blocked from an environment.",
        method="GET",
        path="/sites/tools/denied-ips",
        input=GetDeniedIpsIn,
        output=GetDeniedIpsOut,
        effect=Effect.READ,
        toolset=Toolset.TOOLS,
        resource="kinsta://environments/{env_id}/denied-ips",
    ),
    Operation(
        name="set_denied_ips",
        risk=Risk.NONE,
        risk_reason="only blocks visitors; can be changed back",
        title="Set denied IPs",
        description=("Block (add) or unblock (remove) IPs; answers the list now denied."),
        method="PUT",
        path="/sites/tools/denied-ips",
        input=SetDeniedIpsIn,
        output=NullResult,  # Kinsta's {result: null}; `post` adds ip_list, the list now denied
        edits=DENIED_IPS_EDIT,
        post=DENIED_IPS_EDIT.with_result,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        idempotent=True,
        consequence="Deny {ip_list} access to {env_id}.",
        rules=(
            Rule(
                name="denies-a-broad-range",
                when="the list blocks a broad range: a /8 or more of IPv4 in all, an IPv6 /16 or shorter, a wildcard",
                check=rules.denies_broad_range("ip_list"),
                risk=Risk.BREAKS_SITE,
            ),
            Rule(
                name="removes-denied-ips",
                when="the new list leaves out entries of the current one (read first)",
                check=rules.removes_entries("ip_list", "ip_list", gained="those addresses can reach the site again"),
                risk=Risk.GRANTS_ACCESS,
                reads="get_denied_ips",
            ),
        ),
    ),
    Operation(
        name="run_wp_cli",
        risk=Risk.DESTROYS_DATA,
        risk_reason="runs any WP-CLI command: it can delete data, add admin users or change URLs",
        title="Run WP-CLI command",
        description="Run a `wp ...` command in an environment.",
        method="POST",
        path="/sites/environments/{env_id}/run-wp-cli-command",
        input=RunWpCliIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.TOOLS,
        untrusted=True,
        is_async=True,
        consequence="Run `{wp_command}` on {env_id}; it can change or delete anything there.",
        reads_only=WP_CLI_READ_ONLY,
    ),
    Operation(
        name="get_phpmyadmin_link",
        risk=Risk.REVEALS_SECRET,
        risk_reason="returns a login link to the site's database",
        title="Get phpMyAdmin login link",
        description="A short-lived phpMyAdmin login URL for an environment.",
        method="POST",
        path="/sites/environments/{env_id}/pma-login-token",
        input=EnvIdIn,
        output=PhpMyAdminLink,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        consequence="Create a login link that opens the database of {env_id} in phpMyAdmin.",
    ),
    Operation(
        name="preview_search_replace",
        member=Member(SEARCH_REPLACE, "preview"),
        title="Preview database search and replace",
        description=(
            "Preview a search and replace in an environment's database: reports matches, changes nothing. "
            "Returned as Kinsta sends it (its shape is not documented)."
        ),
        method="POST",
        path="/sites/tools/search-and-replace",
        input=SearchReplaceIn,
        output=Output,
        effect=Effect.READ,
        toolset=Toolset.TOOLS,
        untrusted=True,
        constants={"body": {"perform_replacement": False}},
    ),
    Operation(
        name="search_replace",
        member=Member(SEARCH_REPLACE, "replace"),
        risk=Risk.DESTROYS_DATA,
        risk_reason="rewrites the database in place; only a backup brings the old values back",
        consequence=(
            "Replace every '{search}' with '{replace}' in the database of {env_id}. "
            "Take a manual backup first (create_backup) and check the matches with mode=preview."
        ),
        title="Search and replace in the database",
        description="Replace text throughout an environment's database (mode=preview first).",
        method="POST",
        path="/sites/tools/search-and-replace",
        input=SearchReplaceIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.TOOLS,
        # Kinsta's answer is not documented (probably 202 with an operation_id); the waiting copes with either.
        is_async=True,
        constants={"body": {"perform_replacement": True}},
    ),
]
