"""The environment, read by pydantic-settings: each setting's variable is the alias of a generated field.

The fields come from `OPTIONS`, so a variable is named in one place; empty and blank values count as unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, create_model
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from kinsta_mcp.config.options import OPTIONS


class _EnvironmentNames(BaseSettings):
    """Only names: one field per setting read from the environment, its alias the variable."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")


_ENV_MODEL: type[BaseSettings] = create_model(  # type: ignore[call-overload]
    "_EnvironmentValues",
    __base__=_EnvironmentNames,
    **{o.key: (Any, Field(None, validation_alias=o.env)) for o in OPTIONS if o.env and o.key != "config"},
)


_BLANK_REFUSED = frozenset(o.env for o in OPTIONS if o.key == "http_tokens" and o.env)


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over the mapping given to `load_settings` (tests pass their own)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        super().__init__(_ENV_MODEL, case_sensitive=True, env_ignore_empty=True)
        # Blank counts as unset, like empty: `KINSTA_MCP_PORT=" "` must not override the file. Not for the
        # bearer tokens: 32 spaces there is a mistake that would otherwise start HTTP with no token required.
        self.env_vars = {name: value for name, value in environ.items() if value.strip() or name in _BLANK_REFUSED}


def read_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """{variable: text} for every setting's variable set (not blank) in `environ`."""
    return {name: value for name, value in _Environment(environ)().items() if isinstance(value, str)}
