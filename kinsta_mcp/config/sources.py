"""Loading: command-line flags > environment > JSON config file > defaults, each value labelled with its origin.

pydantic-settings reads the environment (environment.py). The merge is done
here rather than by `BaseSettings` because an error must name the source that won (`--port`,
`KINSTA_MCP_PORT` or `'port' in /path/config.json`), which a merged dict no longer knows.
`Settings` (pydantic) then checks every value once; its first error becomes a one-line `ConfigError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kinsta_mcp.config.errors import ConfigError, Given, did_you_mean, shown
from kinsta_mcp.config.options import CONFIG_ENV, CONFIG_FLAG, ENV_NAMES, FILE_KEYS, OPTIONS_BY_KEY
from kinsta_mcp.config.profiles import PROFILE_KEYS, build_profiles, check_keys, choose_default, demo_profile
from kinsta_mcp.config.settings import DEMO_PROFILE_NAME, PARTIAL, Settings

_SEPARATE = ("config", "profiles", *PROFILE_KEYS, "default_profile")  # not passed to Settings as they are


def _from_environment(environ: Mapping[str, str]) -> dict[str, Given]:
    # Imported here: pydantic-settings costs a fifth of a second, which --help and --version do not need.
    from kinsta_mcp.config.environment import read_environment

    found = read_environment(environ)  # {variable: text}
    return {ENV_NAMES[name].key: Given(value, name, "env") for name, value in found.items()}


def _check_environment(environ: Mapping[str, str]) -> None:
    """A misspelt KINSTA_MCP_* variable would be silently ignored: refuse it instead."""
    for name in environ:
        if name.startswith("KINSTA_MCP_") and name not in ENV_NAMES:
            hint = did_you_mean(name, ENV_NAMES)
            raise ConfigError(
                f"{name}: unknown environment variable{hint}; "
                f"{'rename it' if hint else 'unset it'} (see kinsta-mcp --help for the names)"
            )


def read_config_file(given: Given) -> tuple[dict[str, Any], str]:
    """The file's top-level object and its name for labels."""
    if not isinstance(given.value, str) or not given.value.strip():
        raise given.fail("is empty", "give the path of a JSON config file")
    path = Path(given.value.strip()).expanduser()
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise given.fail(f"{name} does not exist", "fix the path or create the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise given.fail(f"cannot read {name} ({reason})", "check the path and its permissions") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"config file {name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; "
            "fix the syntax there"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f'config file {name}: the top level is not a JSON object; write {{"api_key": ...}}')
    for key in data:
        option = OPTIONS_BY_KEY.get(key)
        if option is not None and not option.in_file:
            raise ConfigError(f"{key!r} in {name}: cannot be set in the file; use {option.flag}")
    check_keys(data, FILE_KEYS, "", name)
    return data, name


def translate(error: Mapping[str, Any], given: Given | None) -> ConfigError:
    """One pydantic error as one line: where the value came from, what is wrong, what is allowed."""
    context = error.get("ctx") or {}
    label = given.label if given is not None else str(context.get("field") or error["loc"][0])
    if error["type"] == "config":
        return ConfigError(f"{label}: {context['message']}")
    option = OPTIONS_BY_KEY.get(str(error["loc"][0])) if error["loc"] else None
    if option is None or option.secret or given is None:
        return ConfigError(f"{label}: is not valid ({error['msg']})")
    return ConfigError(f"{label}: {shown(given.value)} {option.invalid}; {option.allowed}")


def load_settings(flags: Mapping[str, Any], environ: Mapping[str, str], config_path: str | None) -> Settings:
    """Settings from flags (`flags`: Settings names -> value; None means not given), the environment
    and the config file (`config_path`, else `$KINSTA_MCP_CONFIG`). Raises ConfigError."""
    _check_environment(environ)
    for key in flags:
        if key not in OPTIONS_BY_KEY or OPTIONS_BY_KEY[key].flag is None:
            raise ConfigError(f"{key}: not a command-line setting{did_you_mean(key, OPTIONS_BY_KEY)}")

    data: dict[str, Any] = {}
    file_name = ""
    if config_path is not None:
        data, file_name = read_config_file(Given(config_path, CONFIG_FLAG, "flag"))
    elif environ.get(CONFIG_ENV, "").strip():
        data, file_name = read_config_file(Given(environ[CONFIG_ENV], CONFIG_ENV, "env"))

    # Weakest first, so the stronger source replaces it.
    given: dict[str, Given] = {k: Given(v, f"{k!r} in {file_name}", "file") for k, v in data.items() if k in FILE_KEYS}
    given.update(_from_environment(environ))
    given.update({k: Given(v, OPTIONS_BY_KEY[k].flag or k, "flag") for k, v in flags.items() if v is not None})
    given.pop("config", None)

    values = {key: g.value for key, g in given.items() if key not in _SEPARATE}
    context = {"sources": {key: g.source for key, g in given.items()}}
    flat = {k: given[k] for k in PROFILE_KEYS if k in given}
    try:
        # Every value is checked before the profiles are assembled, which depends on demo.
        demo = Settings.model_validate(
            {**values, "profiles": {}, "default_profile": DEMO_PROFILE_NAME}, context={**context, PARTIAL: True}
        ).demo
        profiles = build_profiles(flat, data.get("profiles"), file_name, environ, translate)
        if demo and not profiles:
            profiles = {DEMO_PROFILE_NAME: demo_profile()}
        if not profiles:
            raise ConfigError(
                "KINSTA_API_KEY: no API key configured; export KINSTA_API_KEY and KINSTA_COMPANY_ID "
                "(or use --config with profiles, or --demo to try the simulator)"
            )
        values["profiles"] = profiles
        values["default_profile"] = choose_default(given.get("default_profile"), profiles)
        return Settings.model_validate(values, context=context)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = str(error["loc"][0]) if error["loc"] else str((error.get("ctx") or {}).get("field"))
        raise translate(error, given.get(field)) from None


__all__ = ["load_settings", "read_config_file", "translate"]
