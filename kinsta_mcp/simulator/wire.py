"""Request checks derived from the catalog: what each Kinsta operation accepts on the wire.

Each declaration's input model says, per field, where it goes (`path()`, `query()`,
`body()`) and under which wire name; `company=` and `constants` add the fields the
server fills in. From those, once per Kinsta operation, three pydantic models are built
over wire names (path, query, body), each forbidding unknown fields. When two tools share
one Kinsta operation (redirect rules: change and delete), the operation accepts what
either sends: a field is required only when both require it, and enums are merged.

A failed check is answered 400 with a Joi-style message naming the wire field, as
Kinsta does: `"environment_id" is required`, `"php_version" must be one of [...]`.
The body is checked strictly (JSON types as sent); path and query values arrive as
text and are read as their declared types.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, Json, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from kinsta_mcp.catalog.spec import Id, Operation, To, Where, location

from .handling import ApiError, bad_request


@dataclass(frozen=True)
class WireSpec:
    """What one Kinsta operation accepts: a model per request location, over wire names."""

    path: type[BaseModel]
    query: type[BaseModel]
    body: type[BaseModel]

    def check(
        self, path: Mapping[str, str], query: Sequence[tuple[str, str]], body: Any
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Path, query and body values by wire name; ApiError(400) naming the first bad field."""
        path_values = _validated(self.path, dict(path), strict=False)
        given: dict[str, str] = {}
        for name, raw in query:
            if name in given:
                raise bad_request(f'"{name}" must be given once')
            given[name] = raw
        query_values = _validated(self.query, given, strict=False)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise bad_request('"value" must be an object')
        _validated(self.body, body, strict=True)
        # The body as sent (already JSON types): handlers tell "left out" from "sent as null".
        return path_values, query_values, body


def _validated(model: type[BaseModel], values: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    try:
        checked = model.model_validate(values, strict=strict)
    except ValidationError as exc:
        raise ApiError(400, joi_message(exc.errors()[0])) from None
    return checked.model_dump(by_alias=True, exclude_unset=True)


def build_wire_spec(
    ops: Sequence[Operation], also_required: Iterable[str] = (), also_optional: Iterable[str] = ()
) -> WireSpec:
    """The wire checks of one Kinsta operation, from its declaration(s) (several when tools share it)."""
    if not ops or len({op.key for op in ops}) != 1:
        raise ValueError("build_wire_spec takes the declarations of exactly one Kinsta operation")
    fields: dict[Where, dict[str, list[FieldInfo]]] = {where: {} for where in Where}
    for op in ops:
        for name, info in op.input.model_fields.items():
            to = location(info)
            if to is not None:
                fields[to.where].setdefault(to.name or name, []).append(info)
        if op.company is not None:
            company = FieldInfo.from_annotation(Id)
            fields[op.company.where].setdefault(op.company.name or "company", []).append(company)
        for where, values in op.constants.items():
            for wire, value in values.items():
                fields[Where(where)].setdefault(wire, []).append(FieldInfo.from_annotation(type(value)))
    forced, optional = set(also_required), set(also_optional)
    wires = {wire for by_name in fields.values() for wire in by_name}
    for option, names in (("also_required", forced), ("also_optional", optional)):
        if names - wires:
            raise ValueError(f"{ops[0].key}: {option} names no wire field: {sorted(names - wires)}")
    label = re.sub(r"\W+", "_", ops[0].key).strip("_")
    models = {
        where: _model(f"{label}_{where.value}", by_name, len(ops), forced, optional, json=where is Where.QUERY)
        for where, by_name in fields.items()
    }
    return WireSpec(path=models[Where.PATH], query=models[Where.QUERY], body=models[Where.BODY])


def _model(
    name: str,
    by_name: dict[str, list[FieldInfo]],
    declarations: int,
    forced: set[str],
    optional: set[str],
    *,
    json: bool,
) -> type[BaseModel]:
    # Wire names become aliases of neutral attribute names: "from", "json" or "schema" would
    # clash with Python or with BaseModel.
    definitions: dict[str, Any] = {}
    for index, (wire, infos) in enumerate(by_name.items()):  # declaration order: the first error is the first field
        every = len(infos) == declarations and all(i.is_required() for i in infos)
        required = wire in forced or (every and wire not in optional)
        default = Field(alias=wire) if required else Field(None, alias=wire)
        annotation = _merged_annotation(infos)
        if json and any(_is_model(i.annotation) for i in infos):  # an object in a query parameter: JSON text
            annotation = Json[annotation]  # type: ignore[misc,valid-type]
        definitions[f"field_{index}"] = (annotation, default)
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid"), **definitions)
    return model


def _is_model(annotation: Any) -> bool:
    members = (
        typing.get_args(annotation) if typing.get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    )
    return any(isinstance(m, type) and issubclass(m, BaseModel) for m in members)


def _annotation(info: FieldInfo) -> Any:
    """The field's type with its constraints (pattern, lengths, bounds), without the location marker."""
    metadata = [m for m in info.metadata if not isinstance(m, To)]
    return Annotated[(info.annotation, *metadata)] if metadata else info.annotation


def _merged_annotation(infos: list[FieldInfo]) -> Any:
    annotations = [_annotation(i) for i in infos]
    if all(a == annotations[0] for a in annotations):
        return annotations[0]
    literals = [_literal_values(a) for a in annotations]
    if all(values is not None for values in literals):
        merged = tuple(dict.fromkeys(v for values in literals if values is not None for v in values))
        nullable = any(_allows_none(a) for a in annotations)
        return Literal[merged] | None if nullable else Literal[merged]
    return Union[tuple(annotations)]  # noqa: UP007 - built at runtime from a tuple


def _allows_none(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (Union, types.UnionType) and type(None) in typing.get_args(annotation)


def _literal_values(annotation: Any) -> tuple[Any, ...] | None:
    """The values of `Literal[...]` or `Literal[...] | None`; None for any other type."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _literal_values(members[0])
    return None


# -- Joi-style messages -------------------------------------------------------------------

_TYPE_NAMES = {
    "string_type": "a string",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


# Where a value failed inside a union, pydantic names the member tried ("str", "literal['a']",
# "function-after[...]"): not a field, so left out of the label.
_MEMBER_TAG = re.compile(r"^(?:str|int|float|bool|none|list|dict|[a-z-]+\[.*\])$", re.S)


def field_label(loc: tuple[int | str, ...]) -> str:
    """Joi's path of a value: `rules_to_update[0].from`."""
    label = ""
    for part in loc:
        if isinstance(part, int):
            label += f"[{part}]"
        elif not _MEMBER_TAG.match(part):
            label += f".{part}" if label else part
    return label or "value"


def joi_message(error: ErrorDetails) -> str:
    """One validation error in Kinsta's (Joi) wording, naming the wire field."""
    label = field_label(tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "missing":
        return f'"{label}" is required'
    if kind == "extra_forbidden":
        return f'"{label}" is not allowed'
    if kind in ("literal_error", "enum"):
        allowed = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        return f'"{label}" must be one of [{", ".join(allowed)}]'
    if kind in _TYPE_NAMES:
        return f'"{label}" must be {_TYPE_NAMES[kind]}'
    if kind == "string_pattern_mismatch":
        return f'"{label}" with value "{error["input"]}" fails to match the required pattern: {ctx.get("pattern")}'
    if kind == "string_too_short":
        return f'"{label}" length must be at least {ctx.get("min_length")} characters long'
    if kind == "string_too_long":
        return f'"{label}" length must be less than or equal to {ctx.get("max_length")} characters long'
    if kind == "too_short":
        return f'"{label}" must contain at least {ctx.get("min_length")} items'
    if kind == "too_long":
        return f'"{label}" must contain less than or equal to {ctx.get("max_length")} items'
    bounds = {
        "greater_than_equal": ("greater than or equal to", "ge"),
        "greater_than": ("greater than", "gt"),
        "less_than_equal": ("less than or equal to", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f'"{label}" must be {words} {ctx.get(key)}'
    if kind == "value_error":  # a validator of a nested catalog model said why
        return f'"{label}" is not valid: {ctx.get("error")}'
    return f'"{label}" is not valid'
