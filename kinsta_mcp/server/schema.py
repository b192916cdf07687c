"""Compact, flat JSON schemas for tool inputs.

Models see every tool's input schema on every turn, and several clients mishandle
`$ref`/`$defs`. So the schema pydantic generates is rewritten: `$defs` inlined, titles
dropped, `X | None = None` shown as plain `X`, `examples` kept only where a field has a
pattern (the one place a model needs to see a valid value). Every id keeps the id rule
(pattern, length) that validation enforces, except the site and environment ids that also
take a name: their schema says so and bounds the length; the names are resolved to ids
(server/names.py) before the id rule is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kinsta_mcp.catalog.spec import NAME_MAX_LENGTH, Named

_DROP = {"title", "additionalProperties"}
# The catalog's descriptions of SiteId/EnvId: dropped, as a plain id needs none. That every
# site_id/env_id also takes a name, and how names are written ("Acme Shop/live"), is said
# once, in the server instructions.
_SHARED_DESCRIPTIONS = {"Site id (list_sites gives it)", "Environment id (list_environments gives it)"}


def _takes_a_name(prop: dict[str, Any], kind: Named) -> dict[str, Any]:
    """An id argument that also takes a name: no id pattern (names have spaces), a name's length."""
    out = {k: v for k, v in prop.items() if k not in ("pattern", "maxLength", "description")}
    described = prop.get("description")
    if described not in (None, *_SHARED_DESCRIPTIONS):  # what this id is for; that it takes a name is said once
        out["description"] = described
    out["maxLength"] = NAME_MAX_LENGTH
    return out


def compact_schema(schema: dict[str, Any], named: Mapping[str, Named] | None = None) -> dict[str, Any]:
    """The flat input schema; `named`: top-level arguments that take a name as well as an id."""
    defs = schema.get("$defs", {})

    def walk(node: Any, in_properties: bool = False) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if in_properties:  # keys are property names, not keywords
            return {name: walk(sub) for name, sub in node.items()}
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return walk(merged)
        if "anyOf" in node:
            arms = [a for a in node["anyOf"] if a.get("type") != "null"]
            if len(arms) == 1 and node.get("default", None) is None:
                rest = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
                return walk({**arms[0], **rest})
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP or key == "$defs":
                continue
            if key == "examples" and "pattern" not in node:
                continue
            if key == "default" and value is None:
                continue
            out[key] = walk(value, in_properties=(key == "properties"))
        return out

    result: dict[str, Any] = walk(schema)
    result["type"] = "object"
    result.setdefault("properties", {})
    for name, kind in (named or {}).items():
        if name in result["properties"]:
            result["properties"][name] = _takes_a_name(result["properties"][name], kind)
    return result


def output_schema(schema: dict[str, Any], *, nulls: bool = True) -> dict[str, Any]:
    """An output schema, compact but truthful: `$defs` inlined, titles and descriptions dropped (the
    result's text says what each value is; an output schema is for clients checking shapes), null kept
    where allowed.

    Kinsta answers `null` for many fields, so `X | None` stays nullable here (as
    `"type": [X, "null"]` where X is a plain type); unknown fields stay allowed, and no
    field is required: Kinsta's answers vary, and a client that rejects a result for a
    missing field would show the user nothing. With `nulls=False` (results that leave out null
    fields), `X | None` is just X.
    """
    defs = schema.get("$defs", {})

    def walk(node: Any, in_properties: bool = False) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if in_properties:
            # A property that may be anything says nothing unknown fields do not already allow.
            return {name: walk(sub) for name, sub in node.items() if sub != {}}
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            return walk({**target, **{k: v for k, v in node.items() if k != "$ref"}})
        if "anyOf" in node:
            arms = [walk(a) for a in node["anyOf"]]
            plain = [a for a in arms if a.get("type") != "null"]
            rest = {k: walk(v) for k, v in node.items() if k not in ("anyOf", "default", "title", "description")}
            if not nulls and len(plain) < len(arms):
                return {**rest, **plain[0]} if len(plain) == 1 else {**rest, "anyOf": plain}
            if len(plain) == 1 and len(arms) == 2 and set(plain[0]) == {"type"} and isinstance(plain[0]["type"], str):
                return {**rest, "type": [plain[0]["type"], "null"]}
            return {**rest, "anyOf": arms}
        return {
            key: walk(value, in_properties=(key == "properties"))
            for key, value in node.items()
            # a default constrains nothing in an answer, which always carries its values
            if key not in ("title", "$defs", "required", "description", "default")
            # unknown fields stay allowed: that is JSON Schema's default, no need to say it per object
            and not (key == "additionalProperties" and value is True)
        }

    result: dict[str, Any] = _shallow(walk(schema), OUTPUT_DEPTH)
    result["type"] = "object"
    return result


OUTPUT_DEPTH = 3  # levels of properties an output schema spells out; below, only "an object" / "a list"


def _shallow(node: Any, depth: int) -> Any:
    """`node` with objects and lists below `depth` levels of properties described by their type alone.

    Still true of every answer (nothing below is constrained), and a fraction of the bytes a
    client receives in tools/list for Kinsta's deeply nested answers.
    """
    if not isinstance(node, dict):
        return node
    if depth <= 0 and ("properties" in node or "items" in node or "anyOf" in node):
        kinds = node.get("type") or ["object", "array", "null"]
        return {"type": kinds}
    out = dict(node)
    if "properties" in node:
        out["properties"] = {name: _shallow(sub, depth - 1) for name, sub in node["properties"].items()}
    if "items" in node:
        out["items"] = _shallow(node["items"], depth)
    if "anyOf" in node:
        out["anyOf"] = [_shallow(arm, depth) for arm in node["anyOf"]]
    return out
