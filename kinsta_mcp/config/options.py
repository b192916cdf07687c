"""Every setting described once: its flag, environment variable, config-file key, default and meaning.

The command line, `--help`, the configuration table (`config_reference_markdown`), the environment
names the loader reads and the fix shown when a value is refused all come from `OPTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kinsta_mcp.config.settings import (
    CALL_DEADLINE_RANGE,
    CONFIRMATION_CHOICES,
    DEFAULT_API_BASE_URL,
    DEMO_SITES_RANGE,
    HTTP_SESSION_IDLE_RANGE,
    HTTP_SESSIONS_PER_PRINCIPAL_RANGE,
    LOG_LEVEL_CHOICES,
    MAX_OPERATION_WAIT,
    MAX_RESOURCE_TTL,
    RESULT_BUDGET_RANGE,
    TOOLSET_CHOICES,
    TRANSPORT_CHOICES,
    Confirmation,
)

CONFIG_FLAG = "--config"
CONFIG_ENV = "KINSTA_MCP_CONFIG"
# The config-file key whose value is free text for humans (JSON has no comments).
COMMENT_KEY = "$comment"


@dataclass(frozen=True)
class Option:
    key: str  # the Settings field and the config-file key
    meaning: str
    default: str  # as shown to humans
    flag: str | None = None
    env: str | None = None
    in_file: bool = True
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    # When pydantic refuses a value: "<origin>: <value> <invalid>; <allowed>".
    invalid: str = "is not allowed"
    allowed: str = ""
    secret: bool = False  # the value is never quoted in a message
    boolean: bool = False  # a switch: --flag / --no-flag on the command line


def _seconds(low: float, high: float) -> str:
    return f"give seconds from {low:g} to {high:g}"


_CONFIRMATION_MEANING = (
    f"Who confirms a guarded call (irreversible, granting access, redirecting traffic, revealing a secret): "
    f"{Confirmation.ELICIT.value} (only the human, through the client's MCP elicitation prompt; a client that "
    f"cannot ask gets no way to confirm), {Confirmation.ELICIT_OR_MODEL_TOKEN.value} (opt-in: a client without "
    f"elicitation gets a one-time token that the MODEL carries back, so the model can confirm by itself), or "
    f"{Confirmation.OFF.value} (nobody is asked: dangerous)."
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "config",
        "JSON config file to read (flags and environment override it).",
        "none",
        flag=CONFIG_FLAG,
        env=CONFIG_ENV,
        in_file=False,
        metavar="PATH",
    ),
    Option(
        "default_profile",
        "The company profile used when a tool call names none.",
        '"default", or the only profile',
        flag="--profile",
        env="KINSTA_MCP_PROFILE",
        metavar="NAME",
    ),
    Option(
        "api_key",
        'Kinsta API key of the "default" profile (MyKinsta > Company settings > API keys). '
        'In the file it may be {"env": "VAR"}. No flag: command lines are visible to other users.',
        "required (unless demo)",
        env="KINSTA_API_KEY",
        secret=True,
    ),
    Option(
        "company_id",
        'Kinsta company id of the "default" profile.',
        "required (unless demo)",
        flag="--company-id",
        env="KINSTA_COMPANY_ID",
        metavar="ID",
    ),
    Option(
        "profiles",
        'Named companies: {"name": {"api_key": "...", "company_id": "..."}}; either value may be '
        '{"env": "VAR"}. default_profile picks the one used when none is named.',
        "none",
    ),
    Option(
        "api_base_url",
        "Kinsta API base URL.",
        DEFAULT_API_BASE_URL,
        flag="--api-base-url",
        env="KINSTA_API_BASE_URL",
        metavar="URL",
        invalid="is not an http(s) URL",
        allowed=f"give a URL like {DEFAULT_API_BASE_URL}",
    ),
    Option(
        "connect_timeout",
        "Seconds to wait for a connection to Kinsta.",
        "10",
        flag="--connect-timeout",
        env="KINSTA_MCP_CONNECT_TIMEOUT",
        metavar="SECONDS",
        invalid="is not a positive number of seconds",
        allowed="give a positive number of seconds, e.g. 30",
    ),
    Option(
        "read_timeout",
        "Seconds to wait for Kinsta's answer.",
        "60",
        flag="--read-timeout",
        env="KINSTA_MCP_READ_TIMEOUT",
        metavar="SECONDS",
        invalid="is not a positive number of seconds",
        allowed="give a positive number of seconds, e.g. 30",
    ),
    Option(
        "read_only",
        "Offer only tools that change nothing.",
        "false",
        flag="--read-only",
        env="KINSTA_MCP_READ_ONLY",
        boolean=True,
    ),
    Option(
        "views",
        "Offer MCP Apps views (charts and tables drawn by clients that show them) for analytics, the company "
        "overview and batches; --no-views turns them off. Results are the same either way.",
        "true",
        flag="--views",
        env="KINSTA_MCP_VIEWS",
        boolean=True,
    ),
    Option(
        "toolsets",
        f"Comma-separated toolsets to offer, or all: {', '.join(TOOLSET_CHOICES)}.",
        "all",
        flag="--toolsets",
        env="KINSTA_MCP_TOOLSETS",
        metavar="A,B",
    ),
    Option(
        "exclude_tools",
        "Comma-separated tool names not to offer.",
        "none",
        flag="--exclude-tools",
        env="KINSTA_MCP_EXCLUDE_TOOLS",
        metavar="X,Y",
    ),
    Option(
        "confirmation",
        _CONFIRMATION_MEANING,
        Confirmation.ELICIT.value,
        flag="--confirmation",
        env="KINSTA_MCP_CONFIRMATION",
        choices=CONFIRMATION_CHOICES,
        allowed=f"choose one of: {', '.join(CONFIRMATION_CHOICES)}",
    ),
    Option(
        "call_deadline",
        "Every tool call and resource read answers within this many seconds "
        f"({CALL_DEADLINE_RANGE[0]:g}-{CALL_DEADLINE_RANGE[1]:g}; many clients give up on a call after 60). "
        "Work that needs longer (the company overview, a batch, a request waiting for Kinsta's rate budget) "
        "goes on as a job: the call answers with what is done and the job id.",
        "45",
        flag="--call-deadline",
        env="KINSTA_MCP_CALL_DEADLINE",
        metavar="SECONDS",
        allowed=_seconds(*CALL_DEADLINE_RANGE),
    ),
    Option(
        "operation_wait",
        "Longest a tool polls a long Kinsta operation (a backup, a push) before returning its id, "
        f"seconds (0-{MAX_OPERATION_WAIT:g}); never past call_deadline.",
        "45",
        flag="--operation-wait",
        env="KINSTA_MCP_OPERATION_WAIT",
        metavar="SECONDS",
        allowed=_seconds(0, MAX_OPERATION_WAIT),
    ),
    Option(
        "resource_ttl",
        "How long a resource read (sites, plugins, logs...) is reused before asking Kinsta again, "
        f"seconds (0-{MAX_RESOURCE_TTL:g}; 0: never reuse). A write through any tool refreshes what it touched.",
        "30",
        flag="--resource-ttl",
        env="KINSTA_MCP_RESOURCE_TTL",
        metavar="SECONDS",
        allowed=_seconds(0, MAX_RESOURCE_TTL),
    ),
    Option(
        "result_budget",
        "Most bytes of a tool result in each channel (its text, its structured content) "
        f"({RESULT_BUDGET_RANGE[0]}-{RESULT_BUDGET_RANGE[1]}).",
        "24000",
        flag="--result-budget",
        env="KINSTA_MCP_RESULT_BUDGET",
        metavar="BYTES",
        allowed=f"use a whole number of bytes from {RESULT_BUDGET_RANGE[0]} to {RESULT_BUDGET_RANGE[1]}",
    ),
    Option(
        "log_level",
        "Logging on stderr.",
        "warning",
        flag="--log-level",
        env="KINSTA_MCP_LOG_LEVEL",
        choices=LOG_LEVEL_CHOICES,
        allowed=f"choose one of: {', '.join(LOG_LEVEL_CHOICES)}",
    ),
    Option(
        "audit_log",
        'JSON Lines file recording every write; "off" or empty disables it.',
        "the per-user state directory: ~/.local/state/kinsta-mcp/audit.jsonl ($XDG_STATE_HOME if set); "
        "macOS ~/Library/Application Support/kinsta-mcp/...; Windows %LOCALAPPDATA%\\kinsta-mcp\\...",
        flag="--audit-log",
        env="KINSTA_MCP_AUDIT_LOG",
        metavar="PATH",
        invalid="is not a path",
        allowed='give a file path, or "off" to disable the audit trail',
    ),
    Option(
        "transport",
        "MCP transport: stdio, or streamable HTTP.",
        "stdio",
        flag="--transport",
        env="KINSTA_MCP_TRANSPORT",
        choices=TRANSPORT_CHOICES,
        allowed=f"choose one of: {', '.join(TRANSPORT_CHOICES)}",
    ),
    Option(
        "host",
        "Address the HTTP transport listens on.",
        "127.0.0.1",
        flag="--host",
        env="KINSTA_MCP_HOST",
        metavar="HOST",
        invalid="is not a host name or address",
        allowed="give e.g. 127.0.0.1, 0.0.0.0 or ::1",
    ),
    Option(
        "port",
        "Port the HTTP transport listens on.",
        "8000",
        flag="--port",
        env="KINSTA_MCP_PORT",
        metavar="PORT",
        invalid="is not a port number",
        allowed="use a whole number from 1 to 65535",
    ),
    Option(
        "http_tokens",
        'Bearer tokens accepted by the HTTP transport, each mapped to a profile (null: the default): {"token": '
        '"profile"}; environment: token=profile,token2.',
        "none",
        env="KINSTA_MCP_HTTP_TOKENS",
        secret=True,
    ),
    Option(
        "http_session_idle",
        "Seconds an idle HTTP session lives before it is closed "
        f"({HTTP_SESSION_IDLE_RANGE[0]:g}-{HTTP_SESSION_IDLE_RANGE[1]:g}).",
        "600",
        flag="--http-session-idle",
        env="KINSTA_MCP_HTTP_SESSION_IDLE",
        metavar="SECONDS",
        allowed=_seconds(*HTTP_SESSION_IDLE_RANGE),
    ),
    Option(
        "http_max_sessions_per_principal",
        "Most open HTTP sessions per principal (per bearer token); a new one ends its least recently used "
        f"({HTTP_SESSIONS_PER_PRINCIPAL_RANGE[0]}-{HTTP_SESSIONS_PER_PRINCIPAL_RANGE[1]}).",
        "16",
        flag="--http-max-sessions-per-principal",
        env="KINSTA_MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL",
        metavar="N",
        allowed="use a whole number from {} to {}".format(*HTTP_SESSIONS_PER_PRINCIPAL_RANGE),
    ),
    Option(
        "redis_url",
        "Redis shared by several replicas of the HTTP server: single-use approvals, Kinsta's rate budget per "
        "company, the request-state key and cache invalidations go through it (redis://, rediss:// for TLS, "
        "or unix://). Without it the server keeps that state in its own process. See deployment.md.",
        "none (one process)",
        flag="--redis-url",
        env="KINSTA_MCP_REDIS_URL",
        metavar="URL",
        invalid="is not a Redis URL",
        allowed="give e.g. redis://:PASSWORD@redis.internal:6379/0, rediss://... or unix:///run/redis.sock",
        secret=True,
    ),
    Option(
        "oauth_issuer",
        "OAuth 2.1 authorization server whose access tokens the HTTP transport accepts (its metadata is "
        "discovered per RFC 8414 / OpenID discovery); static tokens stay accepted beside them. See deployment.md.",
        "none (no OAuth)",
        flag="--oauth-issuer",
        env="KINSTA_MCP_OAUTH_ISSUER",
        metavar="URL",
        invalid="is not an https URL",
        allowed="give the issuer URL exactly as the authorization server names itself, e.g. https://login.example.com",
    ),
    Option(
        "oauth_audience",
        "This server's public /mcp URL: the resource (RFC 8707) tokens must be issued for, and what the "
        "protected-resource metadata (RFC 9728) names.",
        "none (required with oauth_issuer)",
        flag="--oauth-audience",
        env="KINSTA_MCP_OAUTH_AUDIENCE",
        metavar="URL",
        invalid="is not this server's public /mcp URL",
        allowed="give the URL clients use, e.g. https://mcp.example.com/mcp",
    ),
    Option(
        "oauth_scopes",
        "Scopes an OAuth access token must carry (403 insufficient_scope without them).",
        "kinsta",
        flag="--oauth-scopes",
        env="KINSTA_MCP_OAUTH_SCOPES",
        metavar="A,B",
        allowed="give scope names separated by commas",
    ),
    Option(
        "oauth_client_id",
        "Client id this server authenticates with at the issuer's introspection endpoint (RFC 7662), "
        "to accept opaque (non-JWT) access tokens.",
        "none (JWT access tokens only)",
        env="KINSTA_MCP_OAUTH_CLIENT_ID",
    ),
    Option(
        "oauth_client_secret",
        "That client's secret. No flag: command lines are visible to other users.",
        "none",
        env="KINSTA_MCP_OAUTH_CLIENT_SECRET",
        secret=True,
    ),
    Option(
        "roles",
        'Who may do what, by OAuth claims: [{"name": ..., "subjects"/"groups"/"scopes": [...], "profiles": [...], '
        '"toolsets": [...], "read_only": true}]; the first role a token matches applies, a token matching none is '
        "refused. Environment: the same JSON. See deployment.md.",
        "none (every OAuth token acts as the server is configured)",
        env="KINSTA_MCP_ROLES",
    ),
    Option(
        "demo",
        "Serve on the built-in Kinsta simulator: no API key needed, nothing real is touched.",
        "false",
        flag="--demo",
        env="KINSTA_MCP_DEMO",
        boolean=True,
    ),
    Option(
        "demo_sites",
        "With --demo: this many more simulated sites (agency scale: varied plugins, themes, pending and "
        f"vulnerable updates, duplicate names) ({DEMO_SITES_RANGE[0]}-{DEMO_SITES_RANGE[1]}).",
        "0",
        flag="--demo-sites",
        env="KINSTA_MCP_DEMO_SITES",
        metavar="N",
        allowed="use a whole number from {} to {}".format(*DEMO_SITES_RANGE),
    ),
)

OPTIONS_BY_KEY: dict[str, Option] = {o.key: o for o in OPTIONS}
FILE_KEYS: tuple[str, ...] = tuple(o.key for o in OPTIONS if o.in_file)
ENV_NAMES: dict[str, Option] = {o.env: o for o in OPTIONS if o.env}

__all__ = ["COMMENT_KEY", "CONFIG_ENV", "CONFIG_FLAG", "ENV_NAMES", "FILE_KEYS", "OPTIONS", "OPTIONS_BY_KEY", "Option"]
