"""Settings: command-line flags > environment > JSON config file > defaults, with named company profiles.

- `settings`: the pydantic model (`Settings`, `Profile`) that checks every value, and `Confirmation`.
- `options`: every setting described once (flag, environment variable, file key, default, meaning).
- `sources`: `load_settings`, reading the three sources and naming the origin of a refused value.
- `environment`: the environment, read with pydantic-settings (imported only when settings are loaded).
- `profiles`: the company profiles and `{"env": "VAR"}` references.
- `reference`: the Markdown table of every setting.

A bad value never produces a traceback: `load_settings` raises `ConfigError`, whose text is one
line naming the setting the way the user wrote it and saying what is allowed. API keys never
appear in a message.
"""

from kinsta_mcp.config.errors import ConfigError
from kinsta_mcp.config.options import COMMENT_KEY, CONFIG_ENV, CONFIG_FLAG, OPTIONS, OPTIONS_BY_KEY, Option
from kinsta_mcp.config.reference import config_reference_markdown
from kinsta_mcp.config.settings import (
    CONFIRMATION_CHOICES,
    DEFAULT_API_BASE_URL,
    DEFAULT_PROFILE_NAME,
    DEMO_PROFILE_NAME,
    LOG_LEVEL_CHOICES,
    PLACEHOLDER_PREFIX,
    TOOLSET_CHOICES,
    TRANSPORT_CHOICES,
    Confirmation,
    LogLevel,
    Profile,
    Settings,
    Transport,
    default_audit_log,
    known_tool_names,
)
from kinsta_mcp.config.sources import load_settings

__all__ = [
    "COMMENT_KEY",
    "CONFIG_ENV",
    "CONFIG_FLAG",
    "CONFIRMATION_CHOICES",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_PROFILE_NAME",
    "DEMO_PROFILE_NAME",
    "LOG_LEVEL_CHOICES",
    "OPTIONS",
    "OPTIONS_BY_KEY",
    "PLACEHOLDER_PREFIX",
    "TOOLSET_CHOICES",
    "TRANSPORT_CHOICES",
    "ConfigError",
    "Confirmation",
    "LogLevel",
    "Option",
    "Profile",
    "Settings",
    "Transport",
    "config_reference_markdown",
    "default_audit_log",
    "known_tool_names",
    "load_settings",
]
