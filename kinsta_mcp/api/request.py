"""Turn an operation's declaration and a tool's arguments into an exact HTTP request.

Pure: no I/O, no httpx. The client sends what this builds; the contract tests check
what this builds against Kinsta's OpenAPI document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from kinsta_mcp.catalog.spec import ID_MAX_LENGTH, ID_PATTERN, Operation, Where, location

_ID = re.compile(ID_PATTERN)
_TEMPLATE_VAR = re.compile(r"{([^}]+)}")


class RequestBuildError(ValueError):
    """The arguments cannot make a valid request (names the argument and what is allowed)."""


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    path: str  # concrete, URL-encoded, relative to the API base URL
    query: list[tuple[str, str]] = field(default_factory=list)
    body: dict[str, Any] | None = None


def _wire_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        # Unset optional fields stay out; a field the caller set to null (Kinsta's
        # "required but may be null", e.g. a redirect rule's domain) is sent as null.
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list | tuple):
        return [_wire_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _wire_value(v) for k, v in value.items()}
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):  # enums
        return value.value
    return value


def _query_text(value: Any) -> str:
    value = _wire_value(value)
    if isinstance(value, dict | list):  # an object in a query parameter goes JSON-encoded (order_by)
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def path_segment(name: str, value: Any) -> str:
    """One URL path segment: checked against the id rule, then percent-encoded."""
    text = str(_wire_value(value))
    if not _ID.fullmatch(text) or len(text) > ID_MAX_LENGTH:
        raise RequestBuildError(
            f"argument {name!r}: {text!r} is not a valid id (letters, digits, '_', '-', '.', ':' only; "
            "no '/', '..' or spaces)"
        )
    return quote(text, safe="")


def build_request(op: Operation, arguments: Mapping[str, Any], company_id: str | None = None) -> PreparedRequest:
    """The request for `op` with validated `arguments` (field name -> value)."""
    path_values: dict[str, Any] = {}
    query: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    has_body = False
    for name, info in op.input.model_fields.items():
        to = location(info)
        if to is None:
            continue  # a tool-side option
        wire = to.name or name
        if to.where is Where.BODY:
            has_body = True
        value = arguments.get(name)
        if value is None:
            continue
        if to.where is Where.PATH:
            path_values[wire] = value
        elif to.where is Where.QUERY:
            query.append((wire, _query_text(value)))
        else:
            body[wire] = _wire_value(value)

    if op.company is not None:
        if not company_id:
            raise RequestBuildError("no company id is configured (set KINSTA_COMPANY_ID or company_id)")
        wire = op.company.name or "company"
        if op.company.where is Where.PATH:
            path_values[wire] = company_id
        elif op.company.where is Where.QUERY:
            query.append((wire, company_id))
        else:
            has_body = True
            body[wire] = company_id

    for where, values in op.constants.items():
        if where == "body":
            has_body = True
            body.update(values)
        else:
            query.extend((k, _query_text(v)) for k, v in values.items())

    def fill(match: re.Match[str]) -> str:
        var = match.group(1)
        if var not in path_values:
            raise RequestBuildError(f"argument for path variable {var!r} is missing")
        return path_segment(var, path_values[var])

    concrete = _TEMPLATE_VAR.sub(fill, op.path)
    return PreparedRequest(op.method, concrete, query, body if has_body else None)
