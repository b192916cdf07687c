"""The simulator's own route table and request validation.

Written from reading Kinsta's OpenAPI document, never generated from it at runtime: the
simulator must judge a client independently. Messages follow Kinsta's (Joi-style) wording
and always name the field.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .state import SimState

SpecType = Literal["string", "uuid", "boolean", "number", "integer", "array", "object"]
RateClass = Literal["standard", "create", "logs"]


class ApiError(Exception):
    """Answered as Kinsta's error body `{"message", "status"[, "data"]}`."""

    def __init__(self, status: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.data = data


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(what: str = "") -> ApiError:
    detail = f" ({what})" if what else ""
    return ApiError(404, f"Could not find data or the user does not have permissions to retrieve it{detail}")


@dataclass(frozen=True)
class P:
    """One value's rules: a query/path parameter, a body field, an array item or a nested object."""

    name: str
    type: SpecType = "string"
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    nullable: bool = False
    items: P | None = None
    fields: tuple[P, ...] = ()
    closed: bool = True  # objects: unknown keys are rejected (catches misspelled fields)


def req(name: str, type: SpecType = "string", **rules: Any) -> P:
    return P(name, type, required=True, **rules)


def opt(name: str, type: SpecType = "string", **rules: Any) -> P:
    return P(name, type, required=False, **rules)


def obj(*fields: P, name: str = "body", closed: bool = True) -> P:
    return P(name, "object", fields=fields, closed=closed)


def _type_name(spec: P) -> str:
    return {"uuid": "a valid GUID", "integer": "an integer", "array": "an array", "object": "an object"}.get(
        spec.type, f"a {spec.type}"
    )


def check_value(spec: P, value: Any, label: str) -> Any:
    """The value when it satisfies `spec`; otherwise ApiError(400) naming `label`."""
    if value is None:
        if spec.nullable:
            return None
        raise bad_request(f'"{label}" must be {_type_name(spec)}')
    if spec.type in ("string", "uuid"):
        if not isinstance(value, str):
            raise bad_request(f'"{label}" must be a string')
        if value == "" and spec.required and spec.min_length is None and spec.pattern is None:
            raise bad_request(f'"{label}" is not allowed to be empty')
        if spec.type == "uuid":
            try:
                uuid.UUID(value)
            except ValueError:
                raise bad_request(f'"{label}" must be a valid GUID') from None
        if spec.enum is not None and value not in spec.enum:
            raise bad_request(f'"{label}" must be one of [{", ".join(spec.enum)}]')
        if spec.min_length is not None and len(value) < spec.min_length:
            raise bad_request(f'"{label}" length must be at least {spec.min_length} characters long')
        if spec.max_length is not None and len(value) > spec.max_length:
            raise bad_request(f'"{label}" length must be less than or equal to {spec.max_length} characters long')
        if spec.pattern is not None and not re.search(spec.pattern, value):
            raise bad_request(f'"{label}" with value "{value}" fails to match the required pattern: {spec.pattern}')
        return value
    if spec.type == "boolean":
        if not isinstance(value, bool):
            raise bad_request(f'"{label}" must be a boolean')
        return value
    if spec.type in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise bad_request(f'"{label}" must be a number')
        if spec.type == "integer" and not float(value).is_integer():
            raise bad_request(f'"{label}" must be an integer')
        if spec.minimum is not None and value < spec.minimum:
            raise bad_request(f'"{label}" must be greater than or equal to {spec.minimum:g}')
        if spec.maximum is not None and value > spec.maximum:
            raise bad_request(f'"{label}" must be less than or equal to {spec.maximum:g}')
        return value
    if spec.type == "array":
        if not isinstance(value, list):
            raise bad_request(f'"{label}" must be an array')
        if spec.items is not None:
            return [check_value(spec.items, item, f"{label}[{i}]") for i, item in enumerate(value)]
        return value
    if not isinstance(value, dict):
        raise bad_request(f'"{label}" must be an object')
    return check_object(spec, value, prefix=f"{label}.")


def check_object(spec: P, value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    known = {f.name: f for f in spec.fields}
    if spec.closed:
        for key in value:
            if key not in known:
                raise bad_request(f'"{prefix}{key}" is not allowed')
    out: dict[str, Any] = {k: v for k, v in value.items() if k not in known}
    for f in spec.fields:
        if f.name not in value:
            if f.required:
                raise bad_request(f'"{prefix}{f.name}" is required')
            continue
        out[f.name] = check_value(f, value[f.name], f"{prefix}{f.name}")
    return out


def coerce_text(spec: P, raw: str, label: str) -> Any:
    """A query or path value arrives as text: read it as the spec's type says, then check it."""
    value: Any = raw
    if spec.nullable and raw == "null":
        return None
    if spec.type in ("number", "integer"):
        try:
            value = float(raw)
        except ValueError:
            raise bad_request(f'"{label}" must be a number') from None
        if value.is_integer():
            value = int(value)
    elif spec.type == "boolean":
        if raw not in ("true", "false"):
            raise bad_request(f'"{label}" must be a boolean')
        value = raw == "true"
    return check_value(spec, value, label)


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyInfo:
    """What an API key may do. `forbidden` holds extra "METHOD /template" entries answered 403."""

    company_id: str
    role: Literal["owner", "admin", "developer"] = "owner"
    forbidden: frozenset[str] = frozenset()
    name: str = "Simulator API key"
    key_id: str | None = None  # defaults to a uuid derived from the key
    expires_at: str | None = None


@dataclass
class Ctx:
    """Everything a handler needs for one request, already validated."""

    state: SimState
    route: Route
    key: KeyInfo
    key_id: str
    path: dict[str, Any]
    query: dict[str, Any]
    body: dict[str, Any]
    now: float
    site_id: str | None = None  # set by handlers once they know it: the activity log shows it

    @property
    def company(self) -> str:
        return self.key.company_id

    def started(self, effect: Callable[[], dict[str, Any] | None], *, site_id: str | None = None) -> Reply:
        """Start the route's async operation; `effect` runs when it completes."""
        return self.state.start_operation(self, effect, site_id=site_id or self.site_id)


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    path_params: tuple[P, ...] = ()
    query: tuple[P, ...] = ()
    body: P | None = None
    rate: RateClass = "standard"
    operation: str | None = None  # operation id prefix ("sites:add") for async routes
    message: str = ""  # the 202 message of an async route
    success_status: int = 202  # three async routes answer 200 while still carrying an operation_id
    activity: str | None = None  # activity log type; None for reads
    creates_site: bool = False

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def segments(self) -> list[str]:
        return self.template.strip("/").split("/")


class Routes(list[Route]):
    """A module's routes; `@routes.add(...)` registers a handler."""

    def add(self, method: str, template: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            names = re.findall(r"{([^}]+)}", template)
            declared = {p.name: p for p in options.pop("path_params", ())}
            params = tuple(declared.get(n, P(n, "string", required=True)) for n in names)
            self.append(Route(method, template, handler, path_params=params, **options))
            return handler

        return register


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | Literal[False] | None:
    """The route for a path and its raw path variables; False when the path exists for another method."""
    segments = path.strip("/").split("/")
    best: tuple[int, Route, dict[str, str]] | None = None
    path_exists = False
    for route in routes:
        tsegs = route.segments
        if len(tsegs) != len(segments):
            continue
        variables: dict[str, str] = {}
        literal = 0
        for t, s in zip(tsegs, segments, strict=True):
            if t.startswith("{"):
                if s == "":
                    break
                variables[t[1:-1]] = s
            elif t == s:
                literal += 1
            else:
                break
        else:
            if route.method != method:
                path_exists = True
                continue
            if best is None or literal > best[0]:
                best = (literal, route, variables)
    if best is None:
        return False if path_exists else None
    return best[1], best[2]
