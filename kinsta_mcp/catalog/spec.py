"""The shape of one Kinsta operation's declaration.

Every Kinsta operation is declared once, as an `Operation`. Tools, resources, the
confirmation guard, operation polling, rate-limit classes and the docs are all derived
from these declarations by generic code: adding an endpoint is adding a declaration.

An operation's input is a pydantic model (`Input`) whose fields are the tool's
arguments. Each field says where it goes in the request with one marker in its
`Annotated[...]` metadata: `path()`, `query()` or `body()`, optionally with the wire
name when it differs from the argument name (`body("environment_id")` for `env_id`).
Fields without a marker are tool-side options that never reach Kinsta.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

HttpMethod = Literal["GET", "POST", "PUT", "DELETE"]


class Effect(enum.StrEnum):
    """What an operation does to the world; drives annotations, read-only mode and the guard."""

    READ = "read"  # changes nothing
    WRITE = "write"  # changes something that can be changed back
    IRREVERSIBLE = "irreversible"  # cannot be undone: the human must confirm


class Risk(enum.StrEnum):
    """Why a call needs the human's yes: what a prompt-injected model could do with it.

    Every write states its risk (and a one-line reason); a read states one only when it
    reveals a secret. Guarded means any risk but NONE.
    """

    NONE = "none"  # nothing below: reversible, or only new things that touch nothing existing
    DESTROYS_DATA = "destroys-data"  # deletes or overwrites data, or runs arbitrary commands
    GRANTS_ACCESS = "grants-access"  # credentials, allowlists, password login, SSH, admin users
    REDIRECTS_TRAFFIC = "redirects-traffic"  # DNS, domains, primary domain, redirects, webroot
    REVEALS_SECRET = "reveals-secret"  # returns a password or a login link
    BREAKS_SITE = "breaks-site"  # visitors locked out, an older version installed: the site may stop working


# What the human is told after the preview, by risk.
RISK_WARNINGS: dict[Risk, str] = {
    Risk.DESTROYS_DATA: "This cannot be undone.",
    Risk.GRANTS_ACCESS: "This changes who can get into the site.",
    Risk.REDIRECTS_TRAFFIC: "This changes where visitors' traffic goes.",
    Risk.REVEALS_SECRET: "This reveals a secret.",
    Risk.BREAKS_SITE: "This can stop the site working for its visitors.",
}


class Toolset(enum.StrEnum):
    """Areas a user can switch on or off with `--toolsets`."""

    SITES = "sites"
    ENVIRONMENTS = "environments"
    TOOLS = "tools"  # PHP, site cache, WP-CLI, denied IPs, phpMyAdmin
    PLUGINS = "plugins"  # plugins and themes
    DOMAINS = "domains"
    DNS = "dns"
    EDGE = "edge"  # edge cache and CDN
    BACKUPS = "backups"
    LOGS = "logs"
    SFTP = "sftp"  # SFTP/SSH and additional SFTP accounts
    REDIRECTS = "redirects"
    ANALYTICS = "analytics"  # analytics and usage
    COMPANY = "company"
    OPERATIONS = "operations"
    FLEET = "fleet"  # one operation across many sites (run_batch)


class RateClass(enum.StrEnum):
    """Kinsta's documented rate-limit buckets (on top of 120/min per company)."""

    STANDARD = "standard"  # 120 requests a minute per company
    CREATE = "create"  # 5 a minute: new site, plain site, clone, new environment
    LOGS = "logs"  # 35 a minute


class Period(enum.StrEnum):
    """How a time-based result's period is known; the result states it as dates with today's date
    (server/periods.py), so a model never guesses which days it covers or what today is."""

    THIS_MONTH = "this_month"  # Kinsta's this-month usage: the 1st of this month to today
    REQUESTED = "requested"  # from/to as asked, else the days the data's points carry, else time_span
    LINES = "lines"  # a log: the first and last line's time (since/until where given)
    ITEMS = "items"  # dated entries: the oldest and newest `created_at` shown


class Where(enum.StrEnum):
    PATH = "path"
    QUERY = "query"
    BODY = "body"


@dataclass(frozen=True)
class To:
    """Marker in a field's `Annotated` metadata: where the argument goes in the request."""

    where: Where
    name: str | None = None  # the wire name, when it differs from the argument's


def path(name: str | None = None) -> To:
    return To(Where.PATH, name)


def query(name: str | None = None) -> To:
    return To(Where.QUERY, name)


def body(name: str | None = None) -> To:
    return To(Where.BODY, name)


# Ids that go into a URL path: no "/", "..", spaces or other characters that could
# change which endpoint is hit. Kinsta ids are UUIDs or short slugs.
# A dot must be followed by another character, so ".." cannot appear (written without
# look-ahead: pydantic's regex engine and many clients' have none).
ID_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9_:-]|\.[A-Za-z0-9_:-])*\.?$"
ID_MAX_LENGTH = 128
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]


class Named(enum.StrEnum):
    """Marker in an id's `Annotated` metadata: the argument also takes this thing's name.

    The server resolves the name to the id through the company's site list before the
    call is validated (server/names.py); what is validated, confirmed and sent is the id.
    """

    SITE = "site"  # a site's display name or name
    ENVIRONMENT = "environment"  # "Site name/environment name"


NAME_MAX_LENGTH = 200  # an id, a site name, or "site name/environment name"

# `update_version` of a plugin or theme: a version as Kinsta lists it, or LATEST, which the
# server resolves to the listed update before sending (Operation.latest_from).
LATEST = "latest"
VERSION_PATTERN = r"^(latest|[0-9][0-9A-Za-z.+-]*)$"


SiteId = Annotated[Id, Field(description="Site id (list_sites gives it)"), Named.SITE]

# `Operation.from_environment` value: the id of the site the environment belongs to.
ENVIRONMENTS_SITE = "(the environment's site)"
EnvId = Annotated[Id, Field(description="Environment id (list_environments gives it)"), Named.ENVIRONMENT]


class Input(BaseModel):
    """Base of every operation's input model: the tool's arguments."""

    # defer_build: validators are made on first use, not at import (start-up answers initialize sooner).
    model_config = ConfigDict(extra="forbid", defer_build=True)


class NoInput(Input):
    """An operation that takes no arguments."""


class Output(BaseModel):
    """Base of every response model. Unknown fields are kept: Kinsta adds fields over time."""

    model_config = ConfigDict(extra="allow", defer_build=True)


class OperationStarted(Output):
    """What Kinsta answers to an asynchronous request (202): a ticket to poll."""

    operation_id: str | None = Field(None, description="Poll it with get_operation")
    message: str | None = None
    status: int | None = None


@dataclass(frozen=True)
class ToolGroup:
    """Several operations of one shape, differing by a noun, offered as ONE tool.

    The tool takes `selector` (an enum of the members' `Member.value`s) plus the members'
    arguments; each value maps to exactly one Kinsta operation. Analytics metrics, this
    month's usage and the cache clears are groups: fewer, clearer tools for the model.
    """

    name: str  # the tool name
    title: str
    description: str
    selector: str  # the argument that picks the member, e.g. "metric"
    selector_description: str
    # The member chosen when the selector is omitted; only a read may be the default
    # (a call that leaves the selector out never lands on a write by accident).
    default: str | None = None
    # The MCP Apps view that draws this tool's structured result (a name in `kinsta_mcp.views.VIEWS`),
    # for clients that show views; the text and structured result stay complete without it.
    view: str | None = None


@dataclass(frozen=True)
class Member:
    """Marks an operation as one value of a `ToolGroup`'s selector."""

    group: ToolGroup
    value: str


@dataclass(frozen=True)
class Rule:
    """A consequence that depends on the call's arguments, declared beside its operation; the guard applies it.

    `check(args, state)` is given the call's validated arguments and, when `reads` names a read
    operation, that read's answer for the same arguments (None when it could not be read: a rule
    that needs it then says what it could not check). It returns this call's consequence in plain
    words, or None when the rule does not apply. When it applies, the call needs the human's yes as
    `risk` and the prompt says the text (and `safer`, the safer step, when there is one); a rule
    with `refuse` is a precondition instead: the call is refused with the text, before anyone is
    asked, and nothing is sent.
    """

    name: str
    when: str  # the condition in plain words, for the docs (docs/security.md lists every rule)
    check: Callable[[Mapping[str, Any], Any], str | None]
    risk: Risk = Risk.DESTROYS_DATA
    reads: str | None = None
    safer: str = ""
    refuse: bool = False


@dataclass(frozen=True)
class ListEdit:
    """A write that replaces a whole list, offered as add/remove against the current one.

    When the call gives `add` and/or `remove` instead of `field`, the server reads the current list
    (`reads`, the list under `key` in its answer), applies the edit and sends the resulting list;
    entries to remove that are not in it are refused before anything is sent. Giving `field`
    replaces the whole list (the operation's rules say what that removes).
    """

    field: str
    reads: str
    key: str
    add: str = "add"
    remove: str = "remove"

    def one_way(self, given: Any) -> None:
        """The input model's check: either add/remove or the whole list under `field`, never both or neither."""
        edits = getattr(given, self.add) is not None or getattr(given, self.remove) is not None
        if (getattr(given, self.field) is None) != edits:
            raise ValueError(
                f"give {self.add} and/or {self.remove} (against the current list), or {self.field} (the whole list)"
            )

    def with_result(self, answer: Any, args: Mapping[str, Any]) -> Any:
        """An `Operation.post`: Kinsta's answer (`{result: null}`) with the list now in place under `field`."""
        return {**(answer if isinstance(answer, dict) else {}), self.field: list(args.get(self.field) or [])}


@dataclass(frozen=True)
class ReadsOnly:
    """Arguments that make a guarded operation a plain read, sent without asking (WP-CLI's read-only allowlist).

    Called with the call's validated arguments, it vouches for a call or not; `says` names the calls it vouches
    for, in a few words, for the tool list ("Asks the human, except for ...")."""

    check: Callable[[Mapping[str, Any]], bool]
    says: str

    def __call__(self, args: Mapping[str, Any]) -> bool:
        return self.check(args)


@dataclass(frozen=True)
class Operation:
    """One Kinsta API operation, declared once.

    `name` is the MCP tool name (`^[a-z0-9_]{1,64}$`, verb first: `list_sites`,
    `delete_site`); `method` + `path` is the operation's identity in Kinsta's document
    (operationIds repeat there, so they identify nothing).
    """

    name: str
    title: str
    description: str  # what a model reads to pick the tool: short, concrete
    method: HttpMethod
    path: str  # Kinsta's path template, e.g. "/sites/{site_id}"
    input: type[Input]
    output: type[BaseModel]
    effect: Effect
    toolset: Toolset
    # Kinsta answers with an operation_id to poll at /operations/{id}.
    is_async: bool = False
    # Where the configured company id goes, never asked of the model:
    # path("id"), query("company"), body("company") or query("company_id").
    company: To | None = None
    rate: RateClass = RateClass.STANDARD
    # Repeating the same call leaves the same state (a toggle to a value, a set of a list).
    idempotent: bool = False
    # What a call could do that needs the human's yes (see `Risk`). Required for every
    # write, with `risk_reason`: a new declaration cannot land unclassified.
    risk: Risk | None = None
    risk_reason: str = ""
    # For guarded operations: what the human is told will happen, with {argument}
    # placeholders the guard fills with what it looked up ("site 'Acme Shop' (id)").
    consequence: str = ""
    # For results that hold a long list: the item fields shown by default; the tool
    # then takes `full=true` to return every field. Empty: the result is returned whole.
    brief: tuple[str, ...] = ()
    # Fixed body or query values that are part of the operation rather than a choice
    # (e.g. `install_mode` for create_site), as {"body": {...}, "query": {...}}.
    constants: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A read served as an MCP resource too: its URI template, whose variables are the
    # operation's arguments (e.g. "kinsta://sites/{site_id}").
    resource: str | None = None
    # The result carries third-party text (log lines, WP-CLI output, plugin names):
    # shown fenced as untrusted data, cleaned and capped.
    untrusted: bool = False
    # Arguments the server fills in when omitted, from the environment named by `env_id` (else the
    # first environment id argument: `environment_argument`) in the (cached) site list: argument ->
    # the environment's field (e.g. the CDN cache id), or ENVIRONMENTS_SITE for the id of its site.
    from_environment: dict[str, str] = field(default_factory=dict)
    # `update_version="latest"` is resolved to the update this list operation shows for `name`
    # (server/latest.py); without one listed, nothing is sent.
    latest_from: str | None = None
    # Offered as one value of a grouped tool instead of a tool of its own.
    member: Member | None = None
    # Pure post-processing of Kinsta's answer before the result is shaped, given the call's
    # validated arguments: where tool-side options act (e.g. get_logs' filters). Keeps the shape.
    post: Callable[[Any, Mapping[str, Any]], Any] | None = None
    # Consequences that depend on the arguments (and the current state): a deny-all IP rule, a
    # downgrade, a push over live. Applied by the guard to every call and batch item.
    rules: tuple[Rule, ...] = ()
    # A whole-list write offered as add/remove against the current list (server/listedit.py).
    edits: ListEdit | None = None
    # The result is about a period of time: it states the period as dates, and today's date.
    period: Period | None = None
    # Arguments that make a guarded operation a plain read (WP-CLI's read-only allowlist): such a
    # call is sent without asking. Anything the predicate does not vouch for stays guarded.
    reads_only: ReadsOnly | None = None
    # Free-form extras for generic layers; keep it small.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def environment_argument(self) -> str | None:
        """The argument naming the environment `from_environment` reads: `env_id`, else the first environment
        id the input takes (a push's or a clone's source)."""
        fields = self.input.model_fields
        if "env_id" in fields:
            return "env_id"
        return next((name for name, info in fields.items() if named(info) is Named.ENVIRONMENT), None)

    def environment_value(self, name: str, site_id: Any, env: Mapping[str, Any]) -> Any:
        """What argument `name` is filled with (see `from_environment`), from the environment and its site's id."""
        source = self.from_environment[name]
        return site_id if source == ENVIRONMENTS_SITE else env.get(source)

    def __post_init__(self) -> None:
        if self.risk is None:
            if self.effect is not Effect.READ:
                raise ValueError(f"{self.name}: a write must state its risk (catalog.spec.Risk) and risk_reason")
            object.__setattr__(self, "risk", Risk.NONE)
        if self.effect is not Effect.READ and not self.risk_reason:
            raise ValueError(f"{self.name}: a write must say in risk_reason why its risk is {self.risk}")
        if self.risk is not Risk.NONE and not self.risk_reason:
            raise ValueError(f"{self.name}: a guarded operation must say in risk_reason why")

    @property
    def guarded(self) -> bool:
        """The human must confirm before this operation is sent."""
        return self.risk is not Risk.NONE

    @property
    def reveals_secret(self) -> bool:
        return self.risk is Risk.REVEALS_SECRET

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def location(field_info: Any) -> To | None:
    """The `To` marker of a pydantic field, or None for a tool-side option."""
    for meta in getattr(field_info, "metadata", ()):
        if isinstance(meta, To):
            return meta
    return None


def named(field_info: Any) -> Named | None:
    """What a field's name may stand for (`SiteId`, `EnvId`, also inside `X | None`), or None."""
    for meta in getattr(field_info, "metadata", ()):
        if isinstance(meta, Named):
            return meta
    stack = [getattr(field_info, "annotation", None)]
    while stack:
        node = stack.pop()
        stack.extend(get_args(node))
        for meta in getattr(node, "__metadata__", ()):
            if isinstance(meta, Named):
                return meta
    return None
