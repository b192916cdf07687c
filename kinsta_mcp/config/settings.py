"""The settings model: every setting's type, bounds and coercion, validated by pydantic.

`Settings` is what the server runs with. `load_settings` (sources.py) builds it from flags, the
environment and the config file; code and tests may also build it directly. A validator that
knows what went wrong raises `problem(...)`, whose text the loader prefixes with where the value
came from. Validators never put an API key or HTTP token into a message.
"""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kinsta_mcp.catalog.spec import Toolset
from kinsta_mcp.config.errors import ConfigError, did_you_mean, shown
from kinsta_mcp.config.roles import Role, roles_value

APP_NAME = "kinsta-mcp"
DEFAULT_API_BASE_URL = "https://api.kinsta.com/v2"
PLACEHOLDER_PREFIX = "REPLACE"  # config.example.json's and `config CLIENT`'s placeholders start with it
DEFAULT_PROFILE_NAME = "default"
DEMO_PROFILE_NAME = "demo"


class Confirmation(enum.StrEnum):
    """Who may say yes to a guarded call (irreversible, granting access, redirecting, revealing a secret)."""

    ELICIT = "elicit"  # only the human, through the client's MCP elicitation prompt (the default)
    ELICIT_OR_MODEL_TOKEN = "elicit-or-model-token"  # opt-in: without elicitation the MODEL carries a token back
    OFF = "off"  # nobody is asked


# Values an earlier release accepted, refused now with the name to use instead.
RENAMED_CONFIRMATIONS = {
    "elicit-or-token": Confirmation.ELICIT_OR_MODEL_TOKEN,
    "elicit-only": Confirmation.ELICIT,
}
LogLevel = Literal["debug", "info", "warning", "error"]
Transport = Literal["stdio", "http"]

CONFIRMATION_CHOICES: tuple[str, ...] = tuple(c.value for c in Confirmation)
LOG_LEVEL_CHOICES: tuple[str, ...] = ("debug", "info", "warning", "error")
TRANSPORT_CHOICES: tuple[str, ...] = ("stdio", "http")
TOOLSET_CHOICES: tuple[str, ...] = tuple(t.value for t in Toolset)

MAX_OPERATION_WAIT = 600.0
CALL_DEADLINE_RANGE = (1.0, 600.0)
MAX_RESOURCE_TTL = 3600.0
RESULT_BUDGET_RANGE = (2_000, 1_000_000)
HTTP_SESSION_IDLE_RANGE = (30.0, 86_400.0)
HTTP_SESSIONS_PER_PRINCIPAL_RANGE = (1, 1000)
DEMO_SITES_RANGE = (0, 5000)  # the simulator's added sites (simulator/seed_scale.py)

_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")
# Validation context key: check each value but not yet how they fit together (see sources.load_settings).
PARTIAL = "partial"
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def problem(message: str, *, field: str | None = None) -> PydanticCustomError:
    """A validation error whose text is shown as it is (after the value's origin).

    `field` names the setting for checks that span several (the model validator's errors have no location).
    """
    return PydanticCustomError("config", "{message}", {"message": message, "field": field})


def default_audit_log() -> Path:
    """Where the audit trail goes unless configured: the platform's per-user state directory."""
    return platformdirs.user_state_path(APP_NAME, appauthor=False) / "audit.jsonl"


def known_tool_names() -> frozenset[str]:
    """Tool names `exclude_tools` may name: every tool the compiled catalog offers."""
    from kinsta_mcp.server.tool_index import entries  # imported late: the server imports config

    return frozenset(entries())


# ---------------------------------------------------------------------------- coercion shared by several fields


def _boolean(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, bool):
        return value
    sources = (info.context or {}).get("sources", {})
    if sources.get(info.field_name) == "file":
        raise problem(f"{shown(value)} is not a boolean; write true or false (JSON, without quotes)")
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise problem(f"{shown(value)} is not a boolean; use true/false, 1/0 or yes/no")


def _number(value: Any) -> Any:
    """Numbers and numeric text; JSON's true/false are not numbers (pydantic would read them as 1/0)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value.strip() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _names(value: Any) -> list[str]:
    """A list from a comma-separated string or a list of strings."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise problem(f'{shown(value)} is not a list of names; give "a,b" or a JSON list ["a", "b"]')


def _toolsets(value: Any) -> Any:
    if value is None:  # null in the file: every toolset
        return None
    names = _names(value)
    if not names:  # empty: the default, every toolset
        return None
    if names == ["all"]:
        return None
    for name in names:
        if name not in TOOLSET_CHOICES:
            raise problem(
                f"unknown toolset {name!r}{did_you_mean(name, TOOLSET_CHOICES)}; "
                f"choose from: {', '.join(TOOLSET_CHOICES)} (or all)"
            )
    return tuple(dict.fromkeys(names))


def _exclude_tools(value: Any) -> Any:
    names = _names(value)
    known = known_tool_names()
    for name in names:
        if name not in known:
            raise problem(
                f"unknown tool {name!r}{did_you_mean(name, known)}; "
                "name tools as listed by the server (e.g. delete_site), separated by commas"
            )
    return tuple(dict.fromkeys(names))


def _confirmation(value: Any) -> Any:
    text = _lower(value)
    if text in RENAMED_CONFIRMATIONS:
        new = RENAMED_CONFIRMATIONS[text]
        raise problem(f"{text!r} was renamed; use {new.value!r} ({', '.join(CONFIRMATION_CHOICES)})")
    return text


def _base_url(value: Any) -> Any:
    if isinstance(value, str) and _URL.fullmatch(value.strip()):
        return value.strip().rstrip("/")
    raise ValueError("not an http(s) URL")


def _audit_log(value: Any) -> Any:
    if value is None or isinstance(value, Path):
        return value
    if not isinstance(value, str):
        raise ValueError("not a path")
    text = value.strip()
    return None if text.lower() in ("", "off") else Path(text).expanduser()


def _host(value: Any) -> Any:
    host = value.strip() if isinstance(value, str) else ""
    # A URL or a typo is not a host (":" stays, for IPv6).
    if not host or any(c.isspace() or c in "/?#@" for c in host):
        raise ValueError("not a host")
    return host


def _token_problem(position: int, token: str) -> str | None:
    """Why a bearer token cannot be used (never showing it), or None. Length is checked with the transport."""
    if not token.strip():
        return f"token {position} is blank"
    if any(c.isspace() for c in token.strip()):
        return f"token {position} contains whitespace"
    if len(token.strip()) > 1 and len(set(token.strip())) == 1:  # one character alone is refused as too short
        return f"token {position} is one character repeated"
    return None


def _http_tokens(value: Any) -> Any:
    """`{"token": "profile" | null}` in the file; `token[=profile],...` in the environment. Tokens never shown.

    A blank entry, whitespace-only or inside a token, or one character repeated is refused: a value of 32
    spaces must not start the server with no token required, nor "a" * 32 be accepted as a secret."""
    fix = 'write {"<token>": "<profile>" or null} in the file, or "token=profile,token2" in the environment'
    make = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    entries: list[tuple[str, str | None]] = []
    if isinstance(value, str):
        if not value:
            return {}  # set but empty: no tokens, as if unset
        for part in value.split(","):
            token, _, name = part.strip().partition("=")
            entries.append((token.strip(), name.strip() or None))
    elif isinstance(value, dict):
        for key, bound in value.items():
            if not (bound is None or isinstance(bound, str)):
                raise problem(f"each entry must map a non-empty token to a profile name or null; {fix}")
            entries.append((str(key), bound.strip() if isinstance(bound, str) and bound.strip() else None))
    else:
        raise problem(f"is not a token map; {fix}")
    tokens: dict[str, str | None] = {}
    for position, (token, profile) in enumerate(entries, 1):
        found = _token_problem(position, token)
        if found is not None:
            raise problem(f"{found}; {make}")
        tokens[token.strip()] = profile
    return tokens


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def _redis_url(value: Any) -> Any:
    """A Redis URL (it may carry a password: never quoted)."""
    if value is None or isinstance(value, SecretStr):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    if not text.lower().startswith(REDIS_SCHEMES) or len(text) <= len(text.split("://", 1)[0]) + 3:
        raise problem(f"the value is not a Redis URL; it must start with {', '.join(REDIS_SCHEMES)}")
    return SecretStr(text)


def _oauth_url(value: Any, info: ValidationInfo) -> Any:
    """The issuer or the audience: https, or http on a loopback host (a test or a local authorization server)."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    match = _URL.fullmatch(text)
    host = re.sub(r":\d+$", "", text.split("://", 1)[-1].split("/", 1)[0]).strip("[]") if match else ""
    if not match or (text.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1")):
        raise problem(f"{shown(value)} is not an https URL (http only for a loopback host)")
    if info.field_name == "oauth_audience" and not text.rstrip("/").endswith("/mcp"):
        raise problem(
            f"{shown(value)} is not this server's /mcp URL; give the public URL clients use, "
            "e.g. https://mcp.example.com/mcp"
        )
    return text.rstrip("/") if info.field_name == "oauth_audience" else text


def _scopes(value: Any) -> Any:
    names = _names(value.replace(" ", ",") if isinstance(value, str) else value)
    if not names:
        raise problem("needs at least one scope; a token must carry it to be accepted (e.g. kinsta)")
    return tuple(dict.fromkeys(names))


def _profile_name(value: Any) -> Any:
    if isinstance(value, str) and _PROFILE_NAME.fullmatch(value.strip()):
        return value.strip()
    raise problem(f"{shown(value)} is not a valid profile name; use letters, digits, '_', '-', '.' (max 64)")


def is_placeholder(text: str) -> bool:
    # A value left as the example's placeholder means the user forgot to fill it in.
    return text.strip().upper().startswith(PLACEHOLDER_PREFIX)


def _api_key(value: Any) -> Any:
    """The key itself is never put into a message."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(text, str) or not text.strip():
        raise problem("is empty or not a string; give the API key from MyKinsta > Company settings > API keys")
    if is_placeholder(text):
        raise problem("is still the example's placeholder; put your API key there or export KINSTA_API_KEY")
    if any(c.isspace() for c in text.strip()):
        raise problem("contains whitespace; paste the API key exactly as MyKinsta shows it")
    return SecretStr(text.strip())


def _company_id(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise problem(
            f"{shown(value)} is not a company id; give a non-empty string, the id shown in MyKinsta > Company settings"
        )
    if is_placeholder(value):
        raise problem("is still the example's placeholder; put your company id there or export KINSTA_COMPANY_ID")
    return value.strip()


TextBool = Annotated[bool, BeforeValidator(_boolean)]
Seconds = Annotated[float, BeforeValidator(_number), Field(gt=0, allow_inf_nan=False)]
ProfileName = Annotated[str, BeforeValidator(_profile_name)]


class Profile(BaseModel):
    """One company: the API key that acts for it and its id."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)  # keys stay out of errors

    name: ProfileName
    api_key: Annotated[SecretStr, BeforeValidator(_api_key)]
    company_id: Annotated[str, BeforeValidator(_company_id)]


class Settings(BaseModel):
    """Everything the server needs to start; `load_settings` builds it from flags, environment and file."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)  # keys stay out of errors

    profiles: dict[str, Profile]
    default_profile: ProfileName
    api_base_url: Annotated[str, BeforeValidator(_base_url)] = DEFAULT_API_BASE_URL
    connect_timeout: Seconds = 10.0
    read_timeout: Seconds = 60.0
    read_only: TextBool = False
    views: TextBool = True  # MCP Apps views for clients that show them (--no-views turns them off)
    # None: every toolset (`all`); not given: the default profile.
    # None: every toolset, the default (every capability, within the model's tool-list budget that
    # benchmarks/tool_list_size.py measures); a tuple offers only those toolsets.
    toolsets: Annotated[tuple[str, ...] | None, BeforeValidator(_toolsets)] = None
    exclude_tools: Annotated[tuple[str, ...], BeforeValidator(_exclude_tools)] = ()
    confirmation: Annotated[Confirmation, BeforeValidator(_confirmation)] = Confirmation.ELICIT
    # Every tool call and resource read answers within this (below the 60-second cut of common clients);
    # work that needs longer goes on as a job (server/jobs.py).
    call_deadline: Annotated[
        float, BeforeValidator(_number), Field(ge=CALL_DEADLINE_RANGE[0], le=CALL_DEADLINE_RANGE[1])
    ] = 45.0
    # The longest one call polls a long Kinsta operation (within the call's deadline).
    operation_wait: Annotated[float, BeforeValidator(_number), Field(ge=0, le=MAX_OPERATION_WAIT)] = 45.0
    resource_ttl: Annotated[float, BeforeValidator(_number), Field(ge=0, le=MAX_RESOURCE_TTL)] = 30.0
    result_budget: Annotated[
        int, BeforeValidator(_number), Field(ge=RESULT_BUDGET_RANGE[0], le=RESULT_BUDGET_RANGE[1])
    ] = 24_000
    log_level: Annotated[LogLevel, BeforeValidator(_lower)] = "warning"
    audit_log: Annotated[Path | None, BeforeValidator(_audit_log)] = Field(default_factory=default_audit_log)
    transport: Annotated[Transport, BeforeValidator(_lower)] = "stdio"
    host: Annotated[str, BeforeValidator(_host)] = "127.0.0.1"
    port: Annotated[int, BeforeValidator(_number), Field(ge=1, le=65535)] = 8000
    # Bearer token -> profile name (None: the default profile). Tokens are secrets: kept out of repr.
    http_tokens: Annotated[dict[str, str | None], BeforeValidator(_http_tokens)] = Field(
        default_factory=dict, repr=False
    )
    http_session_idle: Annotated[
        float, BeforeValidator(_number), Field(ge=HTTP_SESSION_IDLE_RANGE[0], le=HTTP_SESSION_IDLE_RANGE[1])
    ] = 600.0
    http_max_sessions_per_principal: Annotated[
        int,
        BeforeValidator(_number),
        Field(ge=HTTP_SESSIONS_PER_PRINCIPAL_RANGE[0], le=HTTP_SESSIONS_PER_PRINCIPAL_RANGE[1]),
    ] = 16
    # OAuth 2.1 resource server (server/oauth.py): tokens from this issuer, for this audience, with these scopes.
    oauth_issuer: Annotated[str | None, BeforeValidator(_oauth_url)] = None
    oauth_audience: Annotated[str | None, BeforeValidator(_oauth_url)] = None
    oauth_scopes: Annotated[tuple[str, ...], BeforeValidator(_scopes)] = ("kinsta",)
    # Credentials for the issuer's introspection endpoint (RFC 7662), for opaque access tokens.
    oauth_client_id: str | None = None
    oauth_client_secret: SecretStr | None = Field(default=None, repr=False)
    roles: Annotated[tuple[Role, ...], BeforeValidator(roles_value)] = ()
    # Shared state for several replicas (kinsta_mcp/shared); None: this process keeps it.
    redis_url: Annotated[SecretStr | None, BeforeValidator(_redis_url)] = Field(default=None, repr=False)
    demo: TextBool = False
    demo_sites: Annotated[int, BeforeValidator(_number), Field(ge=DEMO_SITES_RANGE[0], le=DEMO_SITES_RANGE[1])] = 0

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Settings:
        if (info.context or {}).get(PARTIAL):  # the loader's first pass: the profiles are not assembled yet
            return self
        if not self.profiles and not self.demo:
            raise problem("no company profile configured", field="profiles")
        if self.profiles and self.default_profile not in self.profiles:
            raise problem(
                f"profile {self.default_profile!r} is not configured{did_you_mean(self.default_profile, self.profiles)}"
                f"; choose: {', '.join(sorted(self.profiles))}",
                field="default_profile",
            )
        for profile in self.http_tokens.values():
            if profile is not None and profile not in self.profiles:
                raise problem(
                    f"a token names profile {profile!r}, which is not configured; "
                    f"use one of: {', '.join(sorted(self.profiles))}",
                    field="http_tokens",
                )
        if (self.oauth_issuer is None) != (self.oauth_audience is None):
            missing = "oauth_audience" if self.oauth_audience is None else "oauth_issuer"
            raise problem(
                "OAuth needs both the issuer (KINSTA_MCP_OAUTH_ISSUER) and this server's public /mcp URL "
                f"(KINSTA_MCP_OAUTH_AUDIENCE); {missing} is not set",
                field=missing,
            )
        if (self.oauth_client_id is None) != (self.oauth_client_secret is None):
            raise problem(
                "introspection needs both oauth_client_id and oauth_client_secret (or neither)",
                field="oauth_client_id",
            )
        for role in self.roles:
            for profile in role.profiles or ():
                if profile not in self.profiles:
                    raise problem(
                        f"role {role.name!r} names profile {profile!r}, which is not configured"
                        f"{did_you_mean(profile, self.profiles)}; use one of: {', '.join(sorted(self.profiles))}",
                        field="roles",
                    )
        if self.roles and self.oauth_issuer is None:
            raise problem(
                "roles apply to OAuth access tokens: set oauth_issuer and oauth_audience too, or remove roles",
                field="roles",
            )
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
        client = [self.oauth_client_secret.get_secret_value()] if self.oauth_client_secret else []
        redis = [self.redis_url.get_secret_value()] if self.redis_url else []
        return tuple(s for s in (*keys, *self.http_tokens, *client, *redis) if s)
