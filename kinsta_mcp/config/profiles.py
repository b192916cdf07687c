"""Company profiles: the flat api_key/company_id (the profile named "default") and the file's `profiles`.

A value in the file may be `{"env": "VAR"}`: VAR's value is used, and a problem with it names both
(`A_KEY (named by profiles.a.api_key in /path/config.json)`). The API key is never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr, ValidationError

from kinsta_mcp.config.errors import ConfigError, Given, did_you_mean
from kinsta_mcp.config.options import COMMENT_KEY
from kinsta_mcp.config.settings import DEFAULT_PROFILE_NAME, DEMO_PROFILE_NAME, Profile

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PROFILE_KEYS = ("api_key", "company_id")

# Turns a pydantic error about one value into a ConfigError naming it (sources.translate).
Translate = Callable[[Mapping[str, Any], Given], ConfigError]


@dataclass
class _Partial:
    api_key: Given | None = None
    company_id: Given | None = None
    origin: str = ""  # where the profile is defined, for messages


def check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str, file_name: str) -> None:
    """Refuse a key the loader does not know: a misspelt key would otherwise be silently ignored."""
    for key in data:
        if key == COMMENT_KEY or key in allowed:
            continue
        hint = did_you_mean(key, allowed)
        fix = f"rename it{hint}" if hint else f"use one of: {', '.join(allowed)}"
        raise ConfigError(f"{where}{key!r} in {file_name}: unknown key{hint}; {fix} (or {COMMENT_KEY!r})")


def _file_profiles(value: Any, file_name: str) -> dict[str, _Partial]:
    if not isinstance(value, dict):
        raise ConfigError(
            f'\'profiles\' in {file_name}: is not an object; write {{"name": {{"api_key": ..., "company_id": ...}}}}'
        )
    profiles: dict[str, _Partial] = {}
    for name, entry in value.items():
        where = f"profiles.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f'{where} in {file_name}: is not an object; write {{"api_key": ..., "company_id": ...}}')
        check_keys(entry, PROFILE_KEYS, f"{where}.", file_name)
        fields = {k: Given(entry[k], f"{where}.{k} in {file_name}", "file") for k in PROFILE_KEYS if k in entry}
        profiles[name] = _Partial(fields.get("api_key"), fields.get("company_id"), f"{where} in {file_name}")
    return profiles


def _dereference(given: Given, environ: Mapping[str, str], what: str) -> Given:
    """`given` itself, or for {"env": "VAR"} in the file, VAR's value (labelled with both names)."""
    value = given.value
    if not isinstance(value, dict) or given.source != "file":
        return given
    if set(value) != {"env"} or not isinstance(value["env"], str) or not _ENV_NAME.fullmatch(value["env"]):
        raise given.fail(f"is neither {what} nor an environment reference", 'write {"env": "VAR_NAME"}')
    var = value["env"]
    if not environ.get(var, "").strip():
        raise given.fail(f"environment variable {var} is not set or empty", f"export {var} with the {what}")
    return Given(environ[var], f"{var} (named by {given.label})", "env")


def _complete(name: str, partial: _Partial, environ: Mapping[str, str], translate: Translate) -> Profile:
    # The "default" profile usually comes from the environment, so its errors name the variables.
    if partial.api_key is None:
        if name == DEFAULT_PROFILE_NAME:
            raise ConfigError(
                "KINSTA_API_KEY: no API key for the default profile; export KINSTA_API_KEY "
                "(or set api_key in the config file)"
            )
        raise ConfigError(f'{partial.origin}: no API key for profile {name!r}; add "api_key" to profiles.{name}')
    if partial.company_id is None:
        if name == DEFAULT_PROFILE_NAME:
            raise ConfigError(
                "KINSTA_COMPANY_ID: no company id for the default profile; export KINSTA_COMPANY_ID, "
                "pass --company-id or set company_id in the config file"
            )
        raise ConfigError(f'{partial.origin}: no company id for profile {name!r}; add "company_id" to profiles.{name}')
    given = {
        "name": Given(name, f"profile name in {partial.origin}", "file"),
        "api_key": _dereference(partial.api_key, environ, "API key"),
        "company_id": _dereference(partial.company_id, environ, "company id"),
    }
    try:
        return Profile.model_validate({k: g.value for k, g in given.items()})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise translate(error, given[str(error["loc"][0])]) from None


def build_profiles(
    flat: Mapping[str, Given],
    file_profiles: Any,
    file_name: str,
    environ: Mapping[str, str],
    translate: Translate,
) -> dict[str, Profile]:
    """Every configured profile. `flat` holds the strongest api_key/company_id given (flag, env or file)."""
    partials = _file_profiles(file_profiles, file_name) if file_profiles is not None else {}
    if flat:
        from_file = [g for g in flat.values() if g.source == "file"]
        if from_file and DEFAULT_PROFILE_NAME in partials:
            raise from_file[0].fail(
                f'profile "{DEFAULT_PROFILE_NAME}" is also defined under profiles', "keep only one of them"
            )
        # The flat api_key/company_id are shorthand for the profile named "default", field by field.
        base = partials.setdefault(DEFAULT_PROFILE_NAME, _Partial(origin="the default profile"))
        base.api_key = flat.get("api_key", base.api_key)
        base.company_id = flat.get("company_id", base.company_id)
    return {name: _complete(name, partial, environ, translate) for name, partial in partials.items()}


def demo_profile() -> Profile:
    from kinsta_mcp.demo import DEMO_API_KEY, DEMO_COMPANY_ID

    return Profile(name=DEMO_PROFILE_NAME, api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)


def choose_default(given: Given | None, profiles: Mapping[str, Profile]) -> Any:
    """The default profile's name: as given (Settings checks it exists), "default", or the only profile."""
    if given is not None:
        return given.value
    if DEFAULT_PROFILE_NAME in profiles:
        return DEFAULT_PROFILE_NAME
    if len(profiles) == 1:
        return next(iter(profiles))
    raise ConfigError(
        f"default_profile: {len(profiles)} profiles ({', '.join(sorted(profiles))}) and none chosen; "
        "set default_profile in the config file, KINSTA_MCP_PROFILE or --profile"
    )
