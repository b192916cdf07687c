"""Kinsta's OpenAPI document as a judge of requests and responses.

The document is reference data: Kinsta's 1.87.0 document from `$KINSTA_OPENAPI_SPEC` or
`../shared/kinsta-openapi.json`, laid under the reconstructed additions (newer operations)
from `$KINSTA_OPENAPI_ADDITIONS` or `../shared/kinsta-openapi-additions.json`; never copied
into the repo. Outside CI a test that needs them skips with the reason; in CI (`CI=true`)
it fails.

The judge is the MERGED document (`load_document`, the one loader): base + additions, the
additions winning on the operations they replace (`x-replaces`: add domain, logs). The
additions are OpenAPI 3.0.3 (`nullable: true`), the base 3.1 (`type: [X, "null"]`); the
additions are rewritten to 3.1 on load, so one JSON Schema 2020-12 validator judges both.
The merged document lists the additions' operation keys under `x-additions` (see
`additions_keys`).

`Contract.check_request` and `Contract.check_response` return a list of problems
(empty when the document accepts the message), so a failing test says exactly what
is wrong. The document's known defects are handled here, on purpose:
- path variables used in a template but not declared (all `/ssh/` operations and
  `/company/{id}/activity-logs`) are checked as non-empty strings;
- request bodies not marked `required` whose schema lists required fields are
  treated as required (Kinsta needs those fields);
- operationIds repeat, so `method + path template` is an operation's identity.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LOCATION = REPO.parent / "shared" / "kinsta-openapi.json"
ADDITIONS_LOCATION = REPO.parent / "shared" / "kinsta-openapi-additions.json"
_BASE = "urn:kinsta-openapi"
METHODS = ("get", "post", "put", "delete", "patch")


# Read once, at import: tests that clear KINSTA_* variables must not lose the document.
_CONFIGURED = os.environ.get("KINSTA_OPENAPI_SPEC")
_CONFIGURED_ADDITIONS = os.environ.get("KINSTA_OPENAPI_ADDITIONS")


def document_path() -> Path:
    return Path(_CONFIGURED or DEFAULT_LOCATION)


def additions_path() -> Path:
    """KINSTA_OPENAPI_ADDITIONS, else beside the base document when KINSTA_OPENAPI_SPEC names it, else ../shared."""
    if _CONFIGURED_ADDITIONS:
        return Path(_CONFIGURED_ADDITIONS)
    return document_path().parent / ADDITIONS_LOCATION.name if _CONFIGURED else ADDITIONS_LOCATION


def _read(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def as_openapi_31(node: Any) -> Any:
    """A 3.0 schema tree rewritten as 3.1: `nullable: true` becomes a "null" type (and enum value)."""
    if isinstance(node, list):
        return [as_openapi_31(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: as_openapi_31(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        if "type" in out:
            kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*kinds, "null"] if "null" not in kinds else kinds
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:  # a $ref or a composition: null is one more alternative
            out = {"anyOf": [out, {"type": "null"}]}
    return out


_SCHEMA_REF = "#/components/schemas/"


def _renamed_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_renamed_refs(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _renamed_refs(value, renames) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith(_SCHEMA_REF) and ref[len(_SCHEMA_REF) :] in renames:
        out["$ref"] = _SCHEMA_REF + renames[ref[len(_SCHEMA_REF) :]]
    return out


def merge(base: dict[str, Any], additions: dict[str, Any]) -> dict[str, Any]:
    """Base + additions: new operations added, replaced ones (same path and method) swapped.

    The additions copy some base component schemas; a copy that differs from the base's
    is kept under `additions.<name>` so neither document's operations change meaning.
    """
    additions = as_openapi_31(additions)
    merged = json.loads(json.dumps(base))  # a deep copy the caller may keep
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    own = additions.get("components", {}).get("schemas", {})
    renames = {name: f"additions.{name}" for name, schema in own.items() if name in schemas and schemas[name] != schema}
    additions = _renamed_refs(additions, renames)
    for name, schema in additions.get("components", {}).get("schemas", {}).items():
        schemas[renames.get(name, name)] = schema
    keys: list[str] = []
    for path, item in additions["paths"].items():
        target = merged["paths"].setdefault(path, {})
        for method in METHODS:
            if method in item:
                target[method] = item[method]
                keys.append(f"{method.upper()} {path}")
    merged["x-additions"] = keys
    return merged


@functools.cache
def _load(path: str, additions: str) -> dict[str, Any]:
    return merge(_read(path), _read(additions))


def document_available() -> bool:
    """Whether both documents are there; for collection only (tests call `contract()`, which skips or fails)."""
    return document_path().is_file() and additions_path().is_file()


def missing_reason() -> str:
    """Why a document-needing test cannot run, and where to get the document."""
    return (
        f"Kinsta's OpenAPI document not found at {document_path()}: it is Kinsta's public API v2 description "
        "(see https://kinsta.com/docs/kinsta-api/), not shipped with kinsta-mcp; place it at "
        "../shared/kinsta-openapi.json beside the checkout or set KINSTA_OPENAPI_SPEC to its path"
    )


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def load_document() -> dict[str, Any]:
    """The merged document, or a skip (outside CI) / failure (in CI) that says where it was looked for.

    This is the one way a test meets a missing document: never catch what it raises.
    """
    where = document_path()
    if not where.is_file():
        _missing(missing_reason())
    return _load(str(where), str(load_additions_path()))


def load_additions_path() -> Path:
    """Where the additions document is, or a skip (outside CI) / failure (in CI) that says where it was looked for."""
    extra = additions_path()
    if not extra.is_file():
        _missing(
            f"The additions document not found at {extra}; "
            "set KINSTA_OPENAPI_ADDITIONS or place it at ../shared/kinsta-openapi-additions.json"
        )
    return extra


def additions_keys() -> set[str]:
    """'METHOD /template' of every operation the additions document adds or replaces."""
    return set(load_document()["x-additions"])


@dataclass(frozen=True)
class SpecOperation:
    method: str  # upper case
    path: str  # the template
    spec: dict[str, Any]
    pointer: str  # JSON pointer to the operation object

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def template_vars(self) -> list[str]:
        return re.findall(r"{([^}]+)}", self.path)

    def parameters(self, where: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.spec.get("parameters", []) if p.get("in") == where}

    @property
    def success_codes(self) -> list[int]:
        return sorted(int(c) for c in self.spec.get("responses", {}) if c.startswith("2"))


def _pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class Contract:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry: Registry = Registry().with_resource(
            _BASE, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        ops = []
        for path, item in document["paths"].items():
            for method in METHODS:
                op = item.get(method)
                if op is None or op.get("deprecated"):
                    continue
                pointer = f"/paths/{_pointer_escape(path)}/{method}"
                ops.append(SpecOperation(method.upper(), path, op, pointer))
        self.operations: list[SpecOperation] = ops
        self._by_key = {op.key: op for op in ops}
        self._validators: dict[str, Draft202012Validator] = {}

    # -- lookup -----------------------------------------------------------------
    def operation(self, method: str, template: str) -> SpecOperation:
        return self._by_key[f"{method.upper()} {template}"]

    def match(self, method: str, concrete_path: str) -> tuple[SpecOperation, dict[str, str]] | None:
        """The live operation a concrete request path hits, with its path variables (decoded)."""
        segments = concrete_path.strip("/").split("/")
        best: tuple[int, SpecOperation, dict[str, str]] | None = None
        for op in self.operations:
            if op.method != method.upper():
                continue
            tsegs = op.path.strip("/").split("/")
            if len(tsegs) != len(segments):
                continue
            variables: dict[str, str] = {}
            literal = 0
            for t, s in zip(tsegs, segments, strict=True):
                if t.startswith("{") and t.endswith("}"):
                    variables[t[1:-1]] = unquote(s)
                elif t == s:
                    literal += 1
                else:
                    break
            else:
                if best is None or literal > best[0]:
                    best = (literal, op, variables)
        return None if best is None else (best[1], best[2])

    # -- validation -----------------------------------------------------------------
    def _validator(self, pointer: str) -> Draft202012Validator:
        if pointer not in self._validators:
            ref = f"{_BASE}#{quote(pointer, safe='/~')}"
            self._validators[pointer] = Draft202012Validator({"$ref": ref}, registry=self._registry)
        return self._validators[pointer]

    def _schema_errors(self, pointer: str, instance: Any, label: str) -> list[str]:
        return [
            f"{label}{'/' + '/'.join(map(str, e.absolute_path)) if e.absolute_path else ''}: {e.message}"
            for e in self._validator(pointer).iter_errors(instance)
        ]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for token in schema["$ref"].lstrip("#/").split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
            schema = node
        return schema

    def body_schema(self, op: SpecOperation) -> dict[str, Any] | None:
        rb = op.spec.get("requestBody")
        if rb is None:
            return None
        return self.resolve(rb["content"]["application/json"]["schema"])

    def body_required(self, op: SpecOperation) -> bool:
        """Required when the document says so, or when its schema lists required fields (a defect)."""
        rb = op.spec.get("requestBody")
        if rb is None:
            return False
        schema = self.body_schema(op) or {}
        return bool(rb.get("required")) or bool(schema.get("required"))

    def check_request(
        self,
        method: str,
        concrete_path: str,
        query: dict[str, str] | list[tuple[str, str]],
        body: Any | None,
    ) -> tuple[SpecOperation | None, list[str]]:
        """Which operation the request hits and everything the document rejects in it."""
        found = self.match(method, concrete_path)
        if found is None:
            return None, [f"{method} {concrete_path}: no live operation in the document"]
        op, variables = found
        problems: list[str] = []
        declared = op.parameters("path")
        for name, value in variables.items():
            if value == "" or "/" in value:
                problems.append(f"path variable {name}={value!r} is empty or contains '/'")
            if name in declared:
                schema = declared[name].get("schema", {})
                problems += self._check_scalar(schema, value, f"path {name}")
        pairs = list(query.items()) if isinstance(query, dict) else list(query)
        qparams = op.parameters("query")
        seen: set[str] = set()
        for name, value in pairs:
            if name in seen:
                problems.append(f"query {name} repeated")
            seen.add(name)
            if name not in qparams:
                problems.append(f"query {name} is not a parameter of {op.key}")
                continue
            problems += self._check_parameter(qparams[name], value, f"query {name}")
        for name, p in qparams.items():
            if p.get("required") and name not in seen:
                problems.append(f"required query parameter {name} missing")
        rb = op.spec.get("requestBody")
        if rb is None:
            if body not in (None, {}, b""):
                problems.append(f"{op.key} takes no body, got {body!r}")
        elif body is None:
            if self.body_required(op):
                problems.append(f"{op.key} needs a JSON body")
        else:
            pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
            problems += self._schema_errors(pointer, body, "body")
        return op, problems

    def _check_parameter(self, parameter: dict[str, Any], raw: str, label: str) -> list[str]:
        """A parameter is described by `schema` (a scalar as text) or by `content` (a JSON-encoded value)."""
        if "content" not in parameter:
            return self._check_scalar(parameter.get("schema", {}), raw, label)
        schema = parameter["content"].get("application/json", {}).get("schema", {})
        try:
            value = json.loads(raw)
        except ValueError:
            return [f"{label}={raw!r} is not JSON (the document says it is JSON-encoded)"]
        return [f"{label}: {e.message}" for e in Draft202012Validator(self.resolve(schema)).iter_errors(value)]

    def _check_scalar(self, schema: dict[str, Any], raw: str, label: str) -> list[str]:
        """A path or query value arrives as text: coerce it as the schema's type says, then validate."""
        schema = self.resolve(schema)
        types = schema.get("type", "string")
        types = types if isinstance(types, list) else [types]
        value: Any = raw
        if raw == "null" and "null" in types:
            value = None
        elif "number" in types or "integer" in types:
            try:
                value = float(raw) if "number" in types else int(raw)
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
            except ValueError:
                return [f"{label}={raw!r} is not a {types[0]}"]
        elif "boolean" in types:
            if raw not in ("true", "false"):
                return [f"{label}={raw!r} is not a boolean"]
            value = raw == "true"
        return [f"{label}: {e.message}" for e in Draft202012Validator(schema).iter_errors(value)]

    def check_response(self, method: str, template: str, status: int, body: Any) -> list[str]:
        op = self.operation(method, template)
        responses = op.spec.get("responses", {})
        entry = responses.get(str(status))
        if entry is None:
            return [f"{op.key} documents no {status} response (has {sorted(responses)})"]
        content = entry.get("content", {}).get("application/json")
        if content is None:
            return []
        pointer = f"{op.pointer}/responses/{status}/content/application~1json/schema"
        return self._schema_errors(pointer, body, f"{status} body")


@functools.cache
def _contract(path: str, additions: str) -> Contract:
    return Contract(_load(path, additions))


def contract() -> Contract:
    load_document()  # skip or fail with the reason first
    return _contract(str(document_path()), str(additions_path()))
