"""The role map: who, by the claims of an OAuth access token, may do what.

A role applies to a token when every condition it names holds: `subjects` (the token's `sub` is one
of them), `groups` (its `groups` claim holds one of them), `scopes` (it carries all of them). It
grants company `profiles` (the first is the one calls use when they name none; null: every profile,
the server's default first), `toolsets` (null or absent: the server's) and `read_only`. The first role
that applies wins; a token no role applies to is refused. The server's own `--toolsets`,
`--exclude-tools` and `--read-only` stay ceilings: a role only narrows them.

Settings validates the profile names against the configured profiles (settings.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from kinsta_mcp.catalog.spec import Toolset

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
_TOOLSETS = tuple(t.value for t in Toolset)
ROLE_KEYS = ("name", "subjects", "groups", "scopes", "profiles", "toolsets", "read_only")
_FIX = (
    'write roles as a list: [{"name": "support", "groups": ["support"], "profiles": ["agency"], '
    '"toolsets": ["sites", "logs"], "read_only": true}]'
)


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("config", "{message}", {"message": message, "field": "roles"})


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _problem(f"{what} must be a list of non-empty strings")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _toolsets(value: Any) -> tuple[str, ...] | None:
    if value is None or value == "all" or value == ["all"]:
        return None
    names = _strings(value, "toolsets")
    for name in names:
        if name not in _TOOLSETS:
            raise _problem(f"unknown toolset {name!r}; choose from: {', '.join(_TOOLSETS)} (or all)")
    return names


class Role(BaseModel):
    """One entry of the role map (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    subjects: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    profiles: tuple[str, ...] | None = None
    toolsets: Annotated[tuple[str, ...] | None, BeforeValidator(_toolsets)] = None
    read_only: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _problem(f"each role must be an object; {_FIX}")
        unknown = [k for k in value if k not in ROLE_KEYS]
        name = value.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name.strip()):
            raise _problem(f"a role needs a name (letters, digits, _ . : @ -); {_FIX}")
        where = f"role {name.strip()!r}"
        if unknown:
            raise _problem(f"{where}: unknown key {unknown[0]!r}; use: {', '.join(ROLE_KEYS)}")
        shaped = dict(value)
        shaped["name"] = name.strip()
        for key in ("subjects", "groups", "scopes"):
            if key in shaped:
                shaped[key] = _strings(shaped[key], f"{where}: {key}")
        if not any(shaped.get(key) for key in ("subjects", "groups", "scopes")):
            raise _problem(
                f"{where}: names no subjects, groups or scopes, so it would apply to every token; "
                'name at least one (a role for everyone: "scopes": ["<the required scope>"])'
            )
        if shaped.get("profiles") is not None:
            shaped["profiles"] = _strings(shaped["profiles"], f"{where}: profiles")
        if "read_only" in shaped and not isinstance(shaped["read_only"], bool):
            raise _problem(f"{where}: read_only must be true or false")
        return shaped

    def applies(self, subject: str | None, groups: Sequence[str], scopes: Sequence[str]) -> bool:
        if self.subjects and subject not in self.subjects:
            return False
        if self.groups and not set(self.groups) & set(groups):
            return False
        return set(self.scopes) <= set(scopes)


def roles_value(value: Any) -> Any:
    """The config value: a JSON list of roles (the environment carries it as JSON text)."""
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise _problem(f"is not JSON; {_FIX}") from None
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _problem(f"is not a list; {_FIX}")
    names = [r.get("name") for r in value if isinstance(r, Mapping)]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise _problem(f"role {duplicate!r} is defined twice; give each role its own name")
    return value


def first_role(roles: Sequence[Role], subject: str | None, groups: Sequence[str], scopes: Sequence[str]) -> Role | None:
    return next((role for role in roles if role.applies(subject, groups, scopes)), None)
