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


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
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


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
async def test_bad_arguments_send_nothing_and_name_the_argument(op) -> None:  # type: ignore[no-untyped-def]
    schema = _schema_of(op)
    required = schema.get("required", [])
    args = valid_arguments(op)
    if required:
        missing = required[0]
        del args[missing]
        recorder, result = await _call(*call_of(op, args), "auto")
        assert result.is_error and missing in text_of(result)
        assert recorder.sent == []
    # a wrong type for the first property
    props = schema.get("properties", {})
    if props:
        name = next(iter(props))
        bad = valid_arguments(op)
        bad[name] = {"not": "valid"}
        recorder, result = await _call(*call_of(op, bad), "legacy")
        assert result.is_error and name in text_of(result)
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


@pytest.mark.parametrize("bad_id", ["../sites", "a/b", "a b", "..", "a..b", "%2e%2e", "", "x" * 129])
@pytest.mark.parametrize(("tool", "argument"), [("get_site", "site_id"), ("wait_for_operation", "operation_id")])
async def test_ids_that_could_change_the_path_never_leave(tool: str, argument: str, bad_id: str) -> None:
    recorder, result = await _call(tool, {argument: bad_id}, "auto")
    assert result.is_error and argument in text_of(result)
    text = text_of(result)
    assert "letters, digits" in text or "at most 128 characters" in text  # what is allowed, not a crash
    assert "pydantic" not in text and "http" not in text  # no library text, no links
    assert recorder.sent == []
