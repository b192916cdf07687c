"""The heart of the tools issue: every tool sends exactly one request the document accepts.

Each tool is called through an in-memory MCP client, under both protocol versions, with
arguments generated from its own input schema. A recording transport captures what
leaves the process; Kinsta's OpenAPI document judges it. Nothing expected is copied
into this test: the operation, path variables, query and body are all checked by the
document itself.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from harness import MODES, call_of, settings_for, text_of
from mcp.client import Client
from openapi import contract
from samples import valid_arguments

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.server.app import build_server, make_clients
from kinsta_mcp.server.audit import AuditLog

pytestmark = pytest.mark.anyio
BASE = "https://api.kinsta.test/v2"


class Recorder:
    """Answers every request with a plausible success and keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        if request.method == "GET":
            return httpx.Response(200, json={})
        return httpx.Response(202, json={"operation_id": "ops:test-1", "message": "in progress", "status": 202})


def _query(request: httpx.Request) -> list[tuple[str, str]]:
    return list(request.url.params.multi_items())


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


async def _call(tool: str, arguments: dict[str, Any], mode: str, **settings: Any) -> tuple[Recorder, Any]:
    recorder = Recorder()
    config = settings_for(None, api_base_url=BASE, confirmation="off", **settings)
    clients = make_clients(config, transport=httpx.MockTransport(recorder))
    server = build_server(config, clients, audit=AuditLog(None))
    async with Client(server, mode=mode) as client:  # type: ignore[arg-type]
        result = await client.call_tool(tool, arguments)
    for c in clients.values():
        await c.aclose()
    return recorder, result


# The request does not depend on the protocol version: each operation is sent under one of the two,
# alternating along the catalog, so both versions carry every kind of request.
BY_MODE = [(op, MODES[i % len(MODES)]) for i, op in enumerate(OPERATIONS)]


@pytest.mark.parametrize(("op", "mode"), BY_MODE, ids=lambda v: getattr(v, "name", v))
async def test_each_tool_sends_one_request_the_document_accepts(op, mode) -> None:  # type: ignore[no-untyped-def]
    args = valid_arguments(op)
    if op.is_async:
        args["wait"] = False  # one request: the operation itself, no polling
    recorder, result = await _call(*call_of(op, args), mode)
    assert len(recorder.sent) == 1, text_of(result)
    request = recorder.sent[0]
    assert request.url.path.startswith("/v2/")
    path = request.url.raw_path.decode().split("?")[0][len("/v2") :]
    hit, problems = contract().check_request(request.method, path, _query(request), _body(request))
    assert hit is not None and hit.key == op.key, f"{op.name} reached {hit and hit.key}"
    assert problems == [], problems
    assert request.headers["authorization"].startswith("Bearer ")


def _schema_of(op: Any) -> dict[str, Any]:
    return op.input.model_json_schema()


BAD_VALUES: list[tuple[str, Any]] = []


WITH_ARGUMENTS = [(op, mode) for op, mode in BY_MODE if op.input.model_fields]


@pytest.mark.parametrize(("op", "mode"), WITH_ARGUMENTS, ids=lambda v: getattr(v, "name", v))
async def test_bad_arguments_send_nothing_and_name_the_argument(op, mode) -> None:  # type: ignore[no-untyped-def]
    """A missing required argument and a wrong type at once: both named in one answer, nothing sent."""
    schema = _schema_of(op)
    required = schema.get("required", [])
    props = list(schema.get("properties", {}))
    args = valid_arguments(op)
    missing = required[0] if required else None
    wrong = next((name for name in props if name != missing), None)
    if missing is not None:
        del args[missing]
    if wrong is not None:
        args[wrong] = {"not": "valid"}
    recorder, result = await _call(*call_of(op, args), mode)
    text = text_of(result)
    assert result.is_error and all(name in text for name in (missing, wrong) if name), text
    assert recorder.sent == []


async def test_unknown_arguments_are_refused_not_dropped() -> None:
    recorder, result = await _call(
        "push_environment",
        {"site_id": "s1", "source_env_id": "e1", "target_env_id": "e2", "pushdb": True, "wait": False},
        "auto",
    )
    assert result.is_error and "pushdb" in text_of(result)
    assert recorder.sent == []


async def test_out_of_enum_is_refused_with_the_allowed_values() -> None:
    recorder, result = await _call("get_logs", {"env_id": "e1", "file_name": "secret.log", "lines": 10}, "auto")
    text = text_of(result)
    assert result.is_error and "file_name" in text and "error" in text and "access" in text
    assert recorder.sent == []


PATH_TRICKS = ["../sites", "a/b", "a b", "..", "a..b", "%2e%2e", "", "x" * 129]


@pytest.mark.parametrize("bad_id", PATH_TRICKS)
@pytest.mark.parametrize(
    ("tool", "argument"), [("list_dns_records", "domain_id"), ("wait_for_operation", "operation_id")]
)
async def test_ids_that_could_change_the_path_never_leave(tool: str, argument: str, bad_id: str) -> None:
    recorder, result = await _call(tool, {argument: bad_id}, "auto")
    assert result.is_error and argument in text_of(result)
    text = text_of(result)
    assert "letters, digits" in text or "at most 128 characters" in text  # what is allowed, not a crash
    assert "pydantic" not in text and "http" not in text  # no library text, no links
    assert recorder.sent == []


@pytest.mark.parametrize("bad_id", PATH_TRICKS)
async def test_a_name_given_for_an_id_never_reaches_a_path(bad_id: str) -> None:
    # site_id also takes a site's name: the value is looked up in the site list (a fixed path), never sent itself
    recorder, result = await _call("get_site", {"site_id": bad_id}, "auto")
    text = text_of(result)
    assert result.is_error and "site_id" in text
    assert "pydantic" not in text and "http" not in text
    assert [(r.method, r.url.path) for r in recorder.sent] in ([], [("GET", "/v2/sites")])
