"""Valid sample arguments for any declared operation, generated from its input model.

Nothing here is copied from Kinsta's document: values come from the input model's own
constraints (enum, examples, bounds, defaults), and ids from `ids` (a mapping from
argument name to an id that exists, e.g. in the simulator).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from kinsta_mcp.catalog.spec import Operation

FALLBACK_ID = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"

# Where "every field set" is not a valid call: one argument chosen so the rest can stay set.
OVERRIDES: dict[str, dict[str, Any]] = {
    # add_with_www_subdomain cannot be true with is_wildcardless: keep www, drop wildcardless
    "add_site_domain": {"is_wildcardless": False},
    # a push must push something: the database here
    "push_environment": {"push_db": True, "push_files": False},
    # the whole list (add/remove instead are applied by the server against the current one)
    "set_denied_ips": {"add": None, "remove": None},
    "set_sftp_allowed_ips": {"add": None, "remove": None},
}


def _deref(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].split("/")[-1]]
    if "anyOf" in schema:  # Optional[X]: take the non-null arm
        arms = [a for a in schema["anyOf"] if a.get("type") != "null"]
        if arms:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            merged.update(_deref(arms[0], defs))
            return merged
    return schema


def sample_value(name: str, schema: dict[str, Any], defs: dict[str, Any], ids: Callable[[str], str | None]) -> Any:
    schema = _deref(schema, defs)
    found = ids(name)
    if found is not None:
        return found
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    if "email" in name:  # emails carry a pattern but no example
        return "jane.doe@example.com"
    if name.endswith("version"):  # as is update_version
        return "1.0.0"
    kind = schema.get("type")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(low, 1) if "maximum" not in schema else min(max(low, 1), schema["maximum"])
    if kind == "array":
        item = sample_value(name.rstrip("s"), schema.get("items", {"type": "string"}), defs, ids)
        return [item]
    if kind == "object":
        return {
            key: sample_value(key, sub, defs, ids)
            for key, sub in schema.get("properties", {}).items()
            if key in schema.get("required", []) or True
        }
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if name.endswith("_id") or name.endswith("_ids"):
        return FALLBACK_ID
    return f"sample-{name}".replace("_", "-")


def sample_arguments(
    model: type[BaseModel], ids: Callable[[str], str | None] | Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Arguments for every field (optional ones too, to exercise them), valid for `model`."""
    lookup: Callable[[str], str | None]
    if ids is None:
        lookup = lambda _name: None  # noqa: E731
    elif isinstance(ids, Mapping):
        lookup = ids.get
    else:
        lookup = ids
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    return {name: sample_value(name, sub, defs, lookup) for name, sub in schema.get("properties", {}).items()}


def valid_arguments(
    op: Operation, ids: Callable[[str], str | None] | Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Sample arguments checked by the operation's own input model."""
    args = {**sample_arguments(op.input, ids), **OVERRIDES.get(op.name, {})}
    op.input.model_validate(args)
    return args
