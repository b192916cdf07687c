"""A call's arguments, validated once: the tool-side options, the operation, the operation's input.

Bad arguments get one short paragraph: which argument, what was given (secrets masked,
long values cut), what is allowed. No library text, no links; nothing is sent.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from kinsta_mcp.catalog.spec import ID_PATTERN, Operation
from kinsta_mcp.config import Settings
from kinsta_mcp.redaction import is_secret_name, redact_text
from kinsta_mcp.server.compiled import (
    OPTION_COMPANY,
    OPTION_FULL,
    OPTION_TOKEN,
    OPTION_WAIT,
    ToolDef,
    listed_schema,
)

_SHOWN = 60  # characters of a rejected value quoted back


@dataclass(frozen=True)
class Parsed:
    """A validated call."""

    op: Operation | None  # None for a special tool
    args: dict[str, Any]  # the operation's arguments (validated), or a special tool's
    given: dict[str, Any]  # what the caller sent, minus the token: what an approval is bound to
    company: str | None = None
    full: bool = False
    wait: bool = True
    token: str | None = None
    selected: str | None = None
    notes: list[str] = field(default_factory=list)


class ArgumentError(Exception):
    """Bad arguments; `str()` is the whole message for the model."""


def shown(name: str, value: Any) -> str:
    if is_secret_name(name):
        return "(hidden)"
    text = repr(redact_text(value) if isinstance(value, str) else value)  # a WP-CLI command's secrets stay out
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _allowed(err: Mapping[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    if "expected" in ctx:
        return f"allowed: {ctx['expected']}"
    if ctx.get("pattern") == ID_PATTERN:
        return "an id: letters, digits and _ . : - only (list tools give ids)"
    if "pattern" in ctx:
        return f"must match {ctx['pattern']}"
    for key, words in (("min_length", "at least {} characters"), ("max_length", "at most {} characters")):
        if key in ctx:
            return words.format(ctx[key])
    for key, words in (("ge", "at least {}"), ("gt", "more than {}"), ("le", "at most {}"), ("lt", "less than {}")):
        if key in ctx:
            return words.format(ctx[key])
    return str(err.get("msg", "invalid")).rstrip(".")


def describe_validation(tool: str, exc: ValidationError) -> str:
    lines = [f"Invalid arguments for {tool}; nothing was sent:"]
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        where = ".".join(loc) or "(arguments)"
        if err["type"] == "missing":
            lines.append(f"- {where}: required")
        elif err["type"] == "extra_forbidden":
            lines.append(f"- {where}: not an argument of {tool}")
        elif err["type"] == "value_error" and not loc:  # a rule across arguments: its own words say it
            lines.append(f"- {str(err.get('msg', 'invalid')).removeprefix('Value error, ')}")
        else:
            value = shown(loc[-1] if loc else "", err.get("input"))
            lines.append(f"- {where}: got {value}; {_allowed(err)}")
    return "\n".join(lines)


def _strict_bool(tool: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ArgumentError(
            f"Invalid arguments for {tool}; nothing was sent:\n- {name}: got {shown(name, value)}; "
            "allowed: true or false"
        )
    return value


def parse(tool: ToolDef, arguments: Mapping[str, Any] | None, settings: Settings) -> Parsed:
    """Split and validate a call's arguments; raises ArgumentError with the message for the model."""
    given = dict(arguments or {})
    known = set(listed_schema(tool, settings)["properties"])
    unknown = [name for name in given if name not in known]
    if unknown:
        hints = [f"{n} (did you mean {m[0]}?)" if (m := difflib.get_close_matches(n, known, 1)) else n for n in unknown]
        raise ArgumentError(
            f"Invalid arguments for {tool.name}; nothing was sent:\n- not arguments of {tool.name}: "
            f"{', '.join(hints)}. Allowed: {', '.join(sorted(known)) or 'none'}"
        )
    values = dict(given)
    token = values.pop(OPTION_TOKEN, None)
    if token is not None and not isinstance(token, str):
        raise ArgumentError(f"Invalid arguments for {tool.name}; nothing was sent:\n- {OPTION_TOKEN}: not a string")
    bound = dict(values)
    company = values.pop(OPTION_COMPANY, None)
    if company is not None and company not in settings.profiles:
        raise ArgumentError(
            f"Invalid arguments for {tool.name}; nothing was sent:\n- {OPTION_COMPANY}: got {shown('', company)}; "
            f"allowed: {', '.join(sorted(settings.profiles))}"
        )
    full = _strict_bool(tool.name, OPTION_FULL, values.pop(OPTION_FULL)) if OPTION_FULL in values else False
    wait = _strict_bool(tool.name, OPTION_WAIT, values.pop(OPTION_WAIT)) if OPTION_WAIT in values else True
    if tool.special is not None:
        return Parsed(None, values, bound, company=company, token=token)
    selected: str | None = None
    if tool.selector is not None:
        selected = values.pop(tool.selector, tool.selector_default)
        if selected not in tool.operations:
            what = "required" if selected is None else f"got {shown('', selected)}"
            raise ArgumentError(
                f"Invalid arguments for {tool.name}; nothing was sent:\n- {tool.selector}: {what}; "
                f"allowed: {', '.join(tool.operations)}"
            )
    op = tool.operation(selected)
    try:
        validated = op.input.model_validate(values)
    except ValidationError as exc:
        # A grouped tool's arguments depend on the selector: say which member judged them.
        called = f"{tool.name} with {tool.selector}={selected}" if tool.selector else tool.name
        raise ArgumentError(describe_validation(called, exc)) from None
    args = {name: getattr(validated, name) for name in op.input.model_fields}
    return Parsed(op, args, bound, company=company, full=full, wait=wait, token=token, selected=selected)
