"""Settings: command-line flags > environment > JSON config file, with named company profiles.

Every setting is described once, in `OPTIONS`: its flag, environment variable, config-file
key, default and meaning. The command line, `--help`, the README's configuration table
(`config_reference_markdown`) and the loader are all derived from that list.

A bad value never produces a traceback: `load_settings` raises `ConfigError`, whose text is
one line naming the setting the way the user wrote it (`--port`, `KINSTA_MCP_PORT` or
`port in config.json`) and saying what is allowed. API keys never appear in a message.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from kinsta_mcp.catalog.spec import Toolset

DEFAULT_API_BASE_URL = "https://api.kinsta.com/v2"
# The config-file key whose value is free text for humans (JSON has no comments).
COMMENT_KEY = "$comment"
DEFAULT_PROFILE_NAME = "default"
PLACEHOLDER_PREFIX = "REPLACE"
DEMO_PROFILE_NAME = "demo"
CONFIG_FLAG = "--config"
CONFIG_ENV = "KINSTA_MCP_CONFIG"

Confirmation = Literal["elicit-or-token", "elicit-only", "off"]
LogLevel = Literal["debug", "info", "warning", "error"]
Transport = Literal["stdio", "http"]

CONFIRMATION_CHOICES: tuple[str, ...] = ("elicit-or-token", "elicit-only", "off")
LOG_LEVEL_CHOICES: tuple[str, ...] = ("debug", "info", "warning", "error")
TRANSPORT_CHOICES: tuple[str, ...] = ("stdio", "http")
TOOLSET_CHOICES: tuple[str, ...] = tuple(t.value for t in Toolset)
MAX_OPERATION_WAIT = 600.0
MAX_RESOURCE_TTL = 3600.0

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOOL_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """A configuration problem; `str()` is one line naming the setting and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def default_audit_log(environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """Where the audit trail goes unless configured: the platform's per-user state directory."""
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    if platform == "win32":
        local = environ.get("LOCALAPPDATA")
        base = Path(local) if local else home / "AppData" / "Local"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        state = environ.get("XDG_STATE_HOME", "")
        # The XDG spec says relative paths are invalid and must be ignored.
        base = Path(state) if state and Path(state).is_absolute() else home / ".local" / "state"
    return base / "kinsta-mcp" / "audit.jsonl"


def _default_audit_log_from_process() -> Path:
    return default_audit_log(os.environ)


class Profile(BaseModel):
    """One company: the API key that acts for it and its id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    api_key: SecretStr
    company_id: str


class Settings(BaseModel):
    """Everything the server needs to start; build it with `load_settings`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profiles: dict[str, Profile]
    default_profile: str
    api_base_url: str = DEFAULT_API_BASE_URL
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(60.0, gt=0)
    read_only: bool = False
    toolsets: tuple[str, ...] | None = None  # None: every toolset
    exclude_tools: tuple[str, ...] = ()
    confirmation: Confirmation = "elicit-or-token"
    operation_wait: float = Field(45.0, ge=0, le=MAX_OPERATION_WAIT)
    resource_ttl: float = Field(30.0, ge=0, le=MAX_RESOURCE_TTL)
    log_level: LogLevel = "warning"
    audit_log: Path | None = Field(default_factory=_default_audit_log_from_process)  # None: no audit trail
    transport: Transport = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Bearer token -> profile name (None: the default profile). Tokens are secrets: kept out of repr.
    http_tokens: dict[str, str | None] = Field(default_factory=dict, repr=False)
    http_session_idle: float = Field(600.0, gt=0)  # seconds without a request before an HTTP session ends
    http_max_sessions_per_principal: int = Field(16, ge=1)  # open HTTP sessions per token (or per loopback user)
    demo: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not self.profiles and not self.demo:
            raise ValueError("no company profile configured")
        if self.profiles and self.default_profile not in self.profiles:
            raise ValueError(f"default_profile {self.default_profile!r} is not one of {sorted(self.profiles)}")
        if self.toolsets is not None:
            unknown = [t for t in self.toolsets if t not in TOOLSET_CHOICES]
            if unknown:
                raise ValueError(f"unknown toolsets {unknown}; choose from {list(TOOLSET_CHOICES)}")
        for token, profile in self.http_tokens.items():
            if profile is not None and profile not in self.profiles:
                raise ValueError(f"an HTTP token names profile {profile!r}, which is not configured")
            if not token:
                raise ValueError("an HTTP token is empty")
        return self

    def profile(self, name: str | None = None) -> Profile:
        """The named profile (the default one for None)."""
        wanted = self.default_profile if name is None else name
        try:
            return self.profiles[wanted]
        except KeyError:
            choices = ", ".join(sorted(self.profiles)) or "(none)"
            raise ConfigError(f"profile {wanted!r} is not configured; choose one of: {choices}") from None

    @property
    def multi_company(self) -> bool:
        return len(self.profiles) > 1

    def secrets(self) -> tuple[str, ...]:
        """Every secret value held here (API keys, HTTP tokens): what log redaction must hide."""
        keys = [p.api_key.get_secret_value() for p in self.profiles.values()]
        return tuple(s for s in (*keys, *self.http_tokens) if s)


# ---------------------------------------------------------------------------- the option list


@dataclass(frozen=True)
class Raw:
    """A value as written, and where: the label names it for error messages."""

    value: Any
    label: str
    source: Literal["flag", "env", "file"]

    @property
    def from_text(self) -> bool:
        """Flags and the environment give strings; only the file gives JSON objects."""
        return self.source != "file"


Parser = Callable[[Raw], Any]


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
    parse: Parser | None = None  # None: the key is handled specially by the loader


def _fail(raw: Raw, problem: str, fix: str) -> ConfigError:
    return ConfigError(f"{raw.label}: {problem}; {fix}")


def _shown(raw: Raw) -> str:
    text = raw.value if isinstance(raw.value, str) else json.dumps(raw.value)
    return repr(text) if len(text) <= 80 else repr(text[:77] + "...")


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def parse_bool(raw: Raw) -> bool:
    if isinstance(raw.value, bool):
        return raw.value
    if isinstance(raw.value, str) and raw.value.strip().lower() in _TRUE | _FALSE:
        return raw.value.strip().lower() in _TRUE
    raise _fail(raw, f"{_shown(raw)} is not a boolean", "use true/false, 1/0 or yes/no")


def _number(raw: Raw) -> float:
    value = raw.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _fail(raw, f"{_shown(raw)} is not a number", "give a number of seconds, e.g. 30") from None
    else:
        raise _fail(raw, f"{_shown(raw)} is not a number", "give a number of seconds, e.g. 30")
    if not math.isfinite(number):
        raise _fail(raw, f"{_shown(raw)} is not a finite number", "give a number of seconds, e.g. 30")
    return number


def positive_seconds(raw: Raw) -> float:
    number = _number(raw)
    if number <= 0:
        raise _fail(raw, f"{_shown(raw)} must be more than 0", "give a positive number of seconds, e.g. 30")
    return number


def operation_wait_seconds(raw: Raw) -> float:
    number = _number(raw)
    if not 0 <= number <= MAX_OPERATION_WAIT:
        raise _fail(raw, f"{_shown(raw)} is out of range", f"give seconds from 0 to {MAX_OPERATION_WAIT:g}")
    return number


def resource_ttl_seconds(raw: Raw) -> float:
    number = _number(raw)
    if not 0 <= number <= MAX_RESOURCE_TTL:
        raise _fail(raw, f"{_shown(raw)} is out of range", f"give seconds from 0 to {MAX_RESOURCE_TTL:g}")
    return number


def parse_port(raw: Raw) -> int:
    value = raw.value
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise _fail(raw, f"{_shown(raw)} is not a port number", "use a whole number from 1 to 65535")
    return value


def _text(raw: Raw, what: str, example: str) -> str:
    if not isinstance(raw.value, str) or not raw.value.strip():
        raise _fail(raw, f"{_shown(raw)} is not a {what}", f"give a non-empty string, e.g. {example}")
    return raw.value.strip()


def _choice(choices: tuple[str, ...]) -> Parser:
    def parse(raw: Raw) -> str:
        text = raw.value.strip().lower() if isinstance(raw.value, str) else None
        if text not in choices:
            raise _fail(raw, f"{_shown(raw)} is not allowed", f"choose one of: {', '.join(choices)}")
        return text

    return parse


def _names(raw: Raw) -> list[str]:
    """A list from a comma-separated string (flags, environment, file) or a JSON list of strings."""
    value = raw.value
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise _fail(raw, f"{_shown(raw)} is not a list of names", 'give "a,b" or a JSON list ["a", "b"]')


def parse_toolsets(raw: Raw) -> tuple[str, ...] | None:
    if raw.value is None:  # null in the file: every toolset
        return None
    names = _names(raw)
    if not names or names == ["all"]:
        return None
    for name in names:
        if name not in TOOLSET_CHOICES:
            raise _fail(raw, f"unknown toolset {name!r}{_did_you_mean(name, TOOLSET_CHOICES)}", _TOOLSETS_FIX)
    return tuple(dict.fromkeys(names))


_TOOLSETS_FIX = f"choose from: {', '.join(TOOLSET_CHOICES)} (or all)"


# Tools the server offers beyond the catalog's operations (kinsta_mcp.server.tools.WAIT_TOOL_NAME).
EXTRA_TOOL_NAMES: tuple[str, ...] = ("wait_for_operation", "get_company_overview")


def known_tool_names() -> frozenset[str]:
    """Tool names `exclude_tools` may name: every declared operation's tool and the server's own."""
    from kinsta_mcp.catalog import BY_NAME

    return frozenset(BY_NAME) | frozenset(EXTRA_TOOL_NAMES)


def parse_exclude_tools(raw: Raw) -> tuple[str, ...]:
    names = _names(raw)
    known = known_tool_names()
    for name in names:
        if not _TOOL_NAME.fullmatch(name) or name not in known:
            raise _fail(
                raw,
                f"unknown tool {name!r}{_did_you_mean(name, known)}",
                "name tools as listed by the server (e.g. delete_site), separated by commas",
            )
    return tuple(dict.fromkeys(names))


def parse_base_url(raw: Raw) -> str:
    text = _text(raw, "URL", DEFAULT_API_BASE_URL)
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", text):
        raise _fail(raw, f"{_shown(raw)} is not an http(s) URL", f"give a URL like {DEFAULT_API_BASE_URL}")
    return text.rstrip("/")


def parse_audit_log(raw: Raw) -> Path | None:
    if raw.value is None:
        return None
    if not isinstance(raw.value, str):
        raise _fail(raw, f"{_shown(raw)} is not a path", 'give a file path, or "off" to disable the audit trail')
    text = raw.value.strip()
    if text == "" or text.lower() == "off":
        return None
    return Path(text).expanduser()


def parse_host(raw: Raw) -> str:
    host = _text(raw, "host name or address", "127.0.0.1")
    if any(c.isspace() or c in "/?#@" for c in host):  # a URL or a typo, not a host (":" stays for IPv6)
        raise _fail(raw, f"{_shown(raw)} is not a host name or address", "give e.g. 127.0.0.1, 0.0.0.0 or ::1")
    return host


def parse_profile_name(raw: Raw) -> str:
    name = _text(raw, "profile name", "agency-a")
    if not _PROFILE_NAME.fullmatch(name):
        raise _fail(raw, f"{_shown(raw)} is not a valid profile name", "use letters, digits, '_', '-', '.' (max 64)")
    return name


def parse_company_id(raw: Raw) -> str:
    return _text(raw, "company id", "the id shown in MyKinsta under Company settings")


def parse_http_tokens(raw: Raw) -> dict[str, str | None]:
    """`{"token": "profile" | null}` in the file; `token[=profile],...` on the environment."""
    tokens: dict[str, str | None] = {}
    if isinstance(raw.value, str):
        for part in raw.value.split(","):
            token, _, profile = part.strip().partition("=")
            if token.strip():
                tokens[token.strip()] = profile.strip() or None
        return tokens
    if isinstance(raw.value, dict):
        for token, profile in raw.value.items():
            if not token.strip() or not (profile is None or isinstance(profile, str)):
                raise _fail(raw, "each entry must map a non-empty token to a profile name or null", _TOKENS_FIX)
            tokens[token.strip()] = profile.strip() if isinstance(profile, str) and profile.strip() else None
        return tokens
    raise _fail(raw, "is not a token map", _TOKENS_FIX)


_TOKENS_FIX = 'write {"<token>": "<profile>" or null} in the file, or "token=profile,token2" in the environment'


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
        parse=parse_profile_name,
    ),
    Option(
        "api_key",
        'Kinsta API key of the "default" profile (MyKinsta > Company settings > API keys). '
        'In the file it may be {"env": "VAR"}. No flag: command lines are visible to other users.',
        "required (unless demo)",
        env="KINSTA_API_KEY",
    ),
    Option(
        "company_id",
        'Kinsta company id of the "default" profile.',
        "required (unless demo)",
        flag="--company-id",
        env="KINSTA_COMPANY_ID",
        metavar="ID",
        parse=parse_company_id,
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
        parse=parse_base_url,
    ),
    Option(
        "connect_timeout",
        "Seconds to wait for a connection to Kinsta.",
        "10",
        flag="--connect-timeout",
        env="KINSTA_MCP_CONNECT_TIMEOUT",
        metavar="SECONDS",
        parse=positive_seconds,
    ),
    Option(
        "read_timeout",
        "Seconds to wait for Kinsta's answer.",
        "60",
        flag="--read-timeout",
        env="KINSTA_MCP_READ_TIMEOUT",
        metavar="SECONDS",
        parse=positive_seconds,
    ),
    Option(
        "read_only",
        "Offer only tools that change nothing.",
        "false",
        flag="--read-only",
        env="KINSTA_MCP_READ_ONLY",
        parse=parse_bool,
    ),
    Option(
        "toolsets",
        f"Comma-separated toolsets to offer: {', '.join(TOOLSET_CHOICES)}.",
        "all",
        flag="--toolsets",
        env="KINSTA_MCP_TOOLSETS",
        metavar="A,B",
        parse=parse_toolsets,
    ),
    Option(
        "exclude_tools",
        "Comma-separated tool names not to offer.",
        "none",
        flag="--exclude-tools",
        env="KINSTA_MCP_EXCLUDE_TOOLS",
        metavar="X,Y",
        parse=parse_exclude_tools,
    ),
    Option(
        "confirmation",
        "How irreversible or secret-revealing calls are confirmed: elicit-or-token (ask the user; "
        "a one-time token where the client cannot ask), elicit-only, or off (no confirmation: dangerous).",
        "elicit-or-token",
        flag="--confirmation",
        env="KINSTA_MCP_CONFIRMATION",
        choices=CONFIRMATION_CHOICES,
        parse=_choice(CONFIRMATION_CHOICES),
    ),
    Option(
        "operation_wait",
        "Longest a tool waits for a long Kinsta operation before returning its id, "
        f"seconds (0-{MAX_OPERATION_WAIT:g}).",
        "45",
        flag="--operation-wait",
        env="KINSTA_MCP_OPERATION_WAIT",
        metavar="SECONDS",
        parse=operation_wait_seconds,
    ),
    Option(
        "resource_ttl",
        "How long a resource read (sites, plugins, logs...) is reused before asking Kinsta again, "
        f"seconds (0-{MAX_RESOURCE_TTL:g}; 0: never reuse). A write through any tool refreshes what it touched.",
        "30",
        flag="--resource-ttl",
        env="KINSTA_MCP_RESOURCE_TTL",
        metavar="SECONDS",
        parse=resource_ttl_seconds,
    ),
    Option(
        "log_level",
        "Logging on stderr.",
        "warning",
        flag="--log-level",
        env="KINSTA_MCP_LOG_LEVEL",
        choices=LOG_LEVEL_CHOICES,
        parse=_choice(LOG_LEVEL_CHOICES),
    ),
    Option(
        "audit_log",
        'JSON Lines file recording every write; "off" or empty disables it.',
        "$XDG_STATE_HOME/kinsta-mcp/audit.jsonl (~/.local/state/...; macOS ~/Library/Application Support/...; "
        "Windows %LOCALAPPDATA%\\kinsta-mcp\\...)",
        flag="--audit-log",
        env="KINSTA_MCP_AUDIT_LOG",
        metavar="PATH",
        parse=parse_audit_log,
    ),
    Option(
        "transport",
        "MCP transport: stdio, or streamable HTTP.",
        "stdio",
        flag="--transport",
        env="KINSTA_MCP_TRANSPORT",
        choices=TRANSPORT_CHOICES,
        parse=_choice(TRANSPORT_CHOICES),
    ),
    Option(
        "host",
        "Address the HTTP transport listens on.",
        "127.0.0.1",
        flag="--host",
        env="KINSTA_MCP_HOST",
        metavar="HOST",
        parse=parse_host,
    ),
    Option(
        "port",
        "Port the HTTP transport listens on.",
        "8000",
        flag="--port",
        env="KINSTA_MCP_PORT",
        metavar="PORT",
        parse=parse_port,
    ),
    Option(
        "http_tokens",
        'Bearer tokens accepted by the HTTP transport, each mapped to a profile (null: the default): {"token": '
        '"profile"}; environment: token=profile,token2.',
        "none",
        env="KINSTA_MCP_HTTP_TOKENS",
        parse=parse_http_tokens,
    ),
    Option(
        "demo",
        "Serve on the built-in Kinsta simulator: no API key needed, nothing real is touched.",
        "false",
        flag="--demo",
        env="KINSTA_MCP_DEMO",
        parse=parse_bool,
    ),
)

OPTIONS_BY_KEY: dict[str, Option] = {o.key: o for o in OPTIONS}
FILE_KEYS: tuple[str, ...] = tuple(o.key for o in OPTIONS if o.in_file)
ENV_NAMES: dict[str, Option] = {o.env: o for o in OPTIONS if o.env}
_PROFILE_KEYS = ("api_key", "company_id")


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def config_reference_markdown() -> str:
    """The README's configuration table: every setting with its flag, environment variable and file key."""
    rows = [
        "| Config-file key | Flag | Environment variable | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for o in OPTIONS:
        flag = f"`{o.flag}`" if o.flag else "—"
        if o.flag and o.choices:
            flag = f"`{o.flag} {{{','.join(o.choices)}}}`"
        elif o.flag and o.metavar:
            flag = f"`{o.flag} {o.metavar}`"
        env = f"`{o.env}`" if o.env else "—"
        key = f"`{o.key}`" if o.in_file else "—"
        meaning = o.meaning.replace("|", "\\|")
        rows.append(f"| {key} | {flag} | {env} | {o.default} | {meaning} |")
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------- loading


def _read_config_file(raw_path: Raw) -> tuple[dict[str, Any], str]:
    """The file's top-level object and its name for labels."""
    if not isinstance(raw_path.value, str) or not raw_path.value.strip():
        raise _fail(raw_path, "is empty", "give the path of a JSON config file")
    path = Path(raw_path.value.strip()).expanduser()
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(raw_path, f"{shown} does not exist", "fix the path or create the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise _fail(raw_path, f"cannot read {shown} ({reason})", "check the path and its permissions") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"config file {shown}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; "
            "fix the syntax there"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f'config file {shown}: the top level is not a JSON object; write {{"api_key": ...}}')
    return data, shown


def _file_label(key: str, file_name: str) -> str:
    return f"{key!r} in {file_name}"


def _check_file_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str, file_name: str) -> None:
    for key in data:
        if key == COMMENT_KEY or key in allowed:
            continue
        hint = _did_you_mean(key, allowed)
        if key in OPTIONS_BY_KEY and not OPTIONS_BY_KEY[key].in_file:
            raise ConfigError(
                f"{where}{key!r} in {file_name}: cannot be set in the file; use {OPTIONS_BY_KEY[key].flag}"
            )
        allowed_text = f"use one of: {', '.join(allowed)}" if not hint else f"rename it{hint}"
        raise ConfigError(f"{where}{key!r} in {file_name}: unknown key{hint}; {allowed_text} (or {COMMENT_KEY!r})")


def _from_env_reference(raw: Raw, environ: Mapping[str, str], what: str) -> Raw:
    """`raw` itself, or for {"env": "VAR"} in the file, VAR's value (labelled with both names)."""
    value = raw.value
    if not isinstance(value, dict) or raw.from_text:
        return raw
    if set(value) != {"env"} or not isinstance(value["env"], str) or not _ENV_NAME.fullmatch(value["env"]):
        raise _fail(raw, f"is neither {what} nor an environment reference", 'write {"env": "VAR_NAME"}')
    var = value["env"]
    if not environ.get(var, "").strip():
        raise _fail(raw, f"environment variable {var} is not set or empty", f"export {var} with the {what}")
    return Raw(environ[var], f"{var} (named by {raw.label})", "env")


def _is_placeholder(text: str) -> bool:
    # config.example.json's placeholders: loading one means the user forgot to fill it in.
    return text.strip().upper().startswith(PLACEHOLDER_PREFIX)


def _api_key(raw: Raw, environ: Mapping[str, str]) -> SecretStr:
    """An API key, given directly or as {"env": "VAR"}; the key itself is never shown in a message."""
    raw = _from_env_reference(raw, environ, "API key")
    value = raw.value
    if not isinstance(value, str) or not value.strip():
        raise _fail(raw, "is empty or not a string", "give the API key from MyKinsta > Company settings > API keys")
    if _is_placeholder(value):
        raise _fail(raw, "is still the example's placeholder", "put your API key there or export KINSTA_API_KEY")
    if any(c.isspace() for c in value.strip()):
        raise _fail(raw, "contains whitespace", "paste the API key exactly as MyKinsta shows it")
    return SecretStr(value.strip())


def _company_id(raw: Raw, environ: Mapping[str, str]) -> str:
    raw = _from_env_reference(raw, environ, "company id")
    company_id = parse_company_id(raw)
    if _is_placeholder(company_id):
        raise _fail(raw, "is still the example's placeholder", "put your company id there or export KINSTA_COMPANY_ID")
    return company_id


@dataclass
class _PartialProfile:
    api_key: Raw | None = None
    company_id: Raw | None = None
    origin: str = ""  # for messages: where this profile was defined


def _file_profiles(data: Mapping[str, Any], file_name: str) -> dict[str, _PartialProfile]:
    if "profiles" not in data:
        return {}
    label = _file_label("profiles", file_name)
    value = data["profiles"]
    if not isinstance(value, dict):
        raise ConfigError(f'{label}: is not an object; write {{"name": {{"api_key": ..., "company_id": ...}}}}')
    profiles: dict[str, _PartialProfile] = {}
    for name, entry in value.items():
        where = f"profiles.{name}"
        parse_profile_name(Raw(name, f"profile name {name!r} in {file_name}", "file"))
        if not isinstance(entry, dict):
            raise ConfigError(f'{where} in {file_name}: is not an object; write {{"api_key": ..., "company_id": ...}}')
        _check_file_keys(entry, _PROFILE_KEYS, "profiles." + name + ".", file_name)
        profiles[name] = _PartialProfile(
            api_key=Raw(entry["api_key"], f"{where}.api_key in {file_name}", "file") if "api_key" in entry else None,
            company_id=Raw(entry["company_id"], f"{where}.company_id in {file_name}", "file")
            if "company_id" in entry
            else None,
            origin=f"{where} in {file_name}",
        )
    return profiles


def _check_environment(environ: Mapping[str, str]) -> None:
    """A misspelt KINSTA_MCP_* variable would be silently ignored: refuse it instead."""
    for name in environ:
        if name.startswith("KINSTA_MCP_") and name not in ENV_NAMES:
            hint = _did_you_mean(name, ENV_NAMES)
            raise ConfigError(
                f"{name}: unknown environment variable{hint}; "
                f"{'rename it' if hint else 'unset it'} (see kinsta-mcp --help for the names)"
            )


def _demo_profile() -> Profile:
    from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID

    return Profile(name=DEMO_PROFILE_NAME, api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)


def load_settings(argv_overrides: Mapping[str, Any], environ: Mapping[str, str], config_path: str | None) -> Settings:
    """Settings from flags (`argv_overrides`: Settings names -> value; None means unset), the environment
    and the config file (`config_path`, else `$KINSTA_MCP_CONFIG`). Raises ConfigError."""
    _check_environment(environ)
    for key in argv_overrides:
        if key not in OPTIONS_BY_KEY or OPTIONS_BY_KEY[key].flag is None:
            raise ConfigError(f"{key}: not a command-line setting{_did_you_mean(key, OPTIONS_BY_KEY)}")

    data: dict[str, Any] = {}
    file_name = ""
    if config_path is not None:
        data, file_name = _read_config_file(Raw(config_path, CONFIG_FLAG, "flag"))
    elif environ.get(CONFIG_ENV, "").strip():
        data, file_name = _read_config_file(Raw(environ[CONFIG_ENV], CONFIG_ENV, "env"))
    _check_file_keys(data, FILE_KEYS, "", file_name)

    # Strongest source last, so it wins.
    raws: dict[str, Raw] = {}
    for o in OPTIONS:
        if o.in_file and o.key in data and o.key != "profiles":
            raws[o.key] = Raw(data[o.key], _file_label(o.key, file_name), "file")
        if o.env and o.key != "config" and environ.get(o.env, "").strip():
            raws[o.key] = Raw(environ[o.env], o.env, "env")
        if o.flag and argv_overrides.get(o.key) is not None:
            raws[o.key] = Raw(argv_overrides[o.key], o.flag, "flag")

    values: dict[str, Any] = {}
    for key, raw in raws.items():
        parse = OPTIONS_BY_KEY[key].parse
        if parse is not None and key not in ("default_profile", "company_id"):
            values[key] = parse(raw)

    partials = _file_profiles(data, file_name)
    flat = {k: raws[k] for k in _PROFILE_KEYS if k in raws}
    if flat:
        from_file = [r for r in flat.values() if r.source == "file"]
        if from_file and DEFAULT_PROFILE_NAME in partials:
            raise _fail(
                from_file[0],
                f'profile "{DEFAULT_PROFILE_NAME}" is also defined under profiles',
                "keep only one of them",
            )
        # The flat api_key/company_id are shorthand for the profile named "default".
        base = partials.setdefault(DEFAULT_PROFILE_NAME, _PartialProfile())
        base.api_key = flat.get("api_key", base.api_key)
        base.company_id = flat.get("company_id", base.company_id)

    profiles: dict[str, Profile] = {}
    for name, partial in partials.items():
        profiles[name] = _complete_profile(name, partial, environ)

    demo = bool(values.get("demo", False))
    if demo and not profiles:
        profiles[DEMO_PROFILE_NAME] = _demo_profile()
    if not profiles:
        raise ConfigError(
            "KINSTA_API_KEY: no API key configured; export KINSTA_API_KEY and KINSTA_COMPANY_ID "
            "(or use --config with profiles, or --demo to try the simulator)"
        )

    values["profiles"] = profiles
    values["default_profile"] = _default_profile(raws.get("default_profile"), profiles)
    if "http_tokens" in values:
        for token_profile in values["http_tokens"].values():
            if token_profile is not None and token_profile not in profiles:
                raise _fail(
                    raws["http_tokens"],
                    f"a token names profile {token_profile!r}, which is not configured",
                    f"use one of: {', '.join(sorted(profiles))}",
                )
    if "audit_log" not in values:
        values["audit_log"] = default_audit_log(environ)
    try:
        return Settings(**values)
    except ValidationError as exc:  # pragma: no cover - every value is checked above with its label
        first = exc.errors()[0]
        raise ConfigError(f"{'.'.join(map(str, first['loc'])) or 'settings'}: {first['msg']}") from None


def _complete_profile(name: str, partial: _PartialProfile, environ: Mapping[str, str]) -> Profile:
    # The "default" profile usually comes from the environment, so its errors name the variables.
    is_default = name == DEFAULT_PROFILE_NAME
    if partial.api_key is None:
        if is_default:
            raise ConfigError(
                "KINSTA_API_KEY: no API key for the default profile; export KINSTA_API_KEY (or set api_key in the "
                "config file)"
            )
        raise ConfigError(f'{partial.origin}: no API key for profile {name!r}; add "api_key" to profiles.{name}')
    if partial.company_id is None:
        if is_default:
            raise ConfigError(
                "KINSTA_COMPANY_ID: no company id for the default profile; export KINSTA_COMPANY_ID, pass "
                "--company-id or set company_id in the config file"
            )
        raise ConfigError(f'{partial.origin}: no company id for profile {name!r}; add "company_id" to profiles.{name}')
    return Profile(
        name=name,
        api_key=_api_key(partial.api_key, environ),
        company_id=_company_id(partial.company_id, environ),
    )


def _default_profile(raw: Raw | None, profiles: Mapping[str, Profile]) -> str:
    choices = ", ".join(sorted(profiles))
    if raw is not None:
        name = parse_profile_name(raw)
        if name not in profiles:
            raise _fail(raw, f"profile {name!r} is not configured{_did_you_mean(name, profiles)}", f"choose: {choices}")
        return name
    if DEFAULT_PROFILE_NAME in profiles:
        return DEFAULT_PROFILE_NAME
    if len(profiles) == 1:
        return next(iter(profiles))
    raise ConfigError(
        f"default_profile: {len(profiles)} profiles ({choices}) and none chosen; "
        "set default_profile in the config file, KINSTA_MCP_PROFILE or --profile"
    )
