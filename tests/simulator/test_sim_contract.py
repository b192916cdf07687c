"""Every live operation, judged by Kinsta's OpenAPI document.

The list of operations, their required body fields and required query parameters all come
from the document (`contract()`); the valid requests come from `sim_requests.VALID`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openapi import Contract, SpecOperation, contract
from sim_requests import VALID, Sample

from kinsta_mcp.simulator import SimClock, Simulator

pytestmark = pytest.mark.spec


def _operations() -> list[SpecOperation]:
    return contract().operations


def _keys() -> list[str]:
    try:
        return [op.key for op in _operations()]
    except BaseException:  # the document is missing: collect the table's keys, each test then skips
        return sorted(VALID)


def test_the_table_covers_every_live_operation() -> None:
    document_keys = {op.key for op in _operations()}
    assert len(document_keys) == 78 + 24  # 1.87.0, and the additions' new operations (2 more replace base ones)
    assert set(VALID) == document_keys


def test_the_simulator_serves_exactly_the_live_operations() -> None:
    sim = Simulator(clock=SimClock())
    assert {r.key for r in sim.routes} == {op.key for op in _operations()}


async def _send(http: httpx.AsyncClient, method: str, sample: Sample) -> httpx.Response:
    content = None if sample.body is None else json.dumps(sample.body)
    headers = {"content-type": "application/json"} if content is not None else {}
    return await http.request(method, sample.path, params=sample.query, content=content, headers=headers)


def _client(sim: Simulator) -> httpx.AsyncClient:
    from kinsta_mcp.simulator import DEMO_API_KEY

    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    return httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url, headers=headers)


def _problems(c: Contract, method: str, template: str, response: httpx.Response) -> list[str]:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return c.check_response(method, template, response.status_code, body)


@pytest.mark.anyio
@pytest.mark.parametrize("key", _keys())
async def test_a_valid_request_gets_a_documented_answer(key: str) -> None:
    c = contract()
    op = c.operation(*key.split(" ", 1))
    sample = VALID[key]
    clock = SimClock()
    sim = Simulator(clock=clock)
    async with _client(sim) as http:
        if key == "GET /operations/{operation_id}":
            started = await http.post("/sites/tools/clear-cache", json={"environment_id": VALID_ENV})
            sample = Sample(f"/operations/{started.json()['operation_id']}")
        _, request_problems = c.check_request(op.method, sample.path, sample.query, sample.body)
        assert request_problems == [], f"the sample request for {key} is not valid: {request_problems}"
        response = await _send(http, op.method, sample)
        assert response.status_code in op.success_codes, response.text
        assert _problems(c, op.method, op.path, response) == []
        if key == "GET /operations/{operation_id}":  # also the finished answer
            clock.advance(sim.operation_seconds)
            done = await _send(http, op.method, sample)
            assert done.status_code == 200
            assert _problems(c, op.method, op.path, done) == []
        elif "operation_id" in response.text:  # and the outcome of the operation it started
            clock.advance(sim.operation_seconds)
            op_id = response.json()["operation_id"]
            outcome = await http.get(f"/operations/{op_id}")
            assert outcome.status_code == 200, outcome.text
            assert _problems(c, "GET", "/operations/{operation_id}", outcome) == []


VALID_ENV = VALID["POST /sites/tools/clear-cache"].body["environment_id"]  # type: ignore[index]


def _required_body_fields(c: Contract, op: SpecOperation) -> list[str]:
    schema = c.body_schema(op)
    if schema is None:
        return []
    fields: list[str] = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        fields += [f for f in c.resolve(part).get("required", []) if f not in fields]
    return fields


def _missing_cases() -> list[tuple[str, str, str]]:
    try:
        c = contract()
    except BaseException:
        return []
    cases = []
    for op in c.operations:
        for name in _required_body_fields(c, op):
            cases.append((op.key, "body", name))
        for name, p in op.parameters("query").items():
            if p.get("required"):
                cases.append((op.key, "query", name))
    return cases


def test_there_are_operations_with_required_fields_to_check() -> None:
    assert len(_missing_cases()) > 30


@pytest.mark.anyio
@pytest.mark.parametrize(("key", "where", "name"), _missing_cases())
async def test_a_request_missing_a_required_field_gets_400_naming_it(key: str, where: str, name: str) -> None:
    method, _ = key.split(" ", 1)
    sample = VALID[key]
    if where == "body":
        assert sample.body is not None and name in sample.body, f"the valid sample for {key} lacks {name}"
        sample = Sample(sample.path, sample.query, {k: v for k, v in sample.body.items() if k != name})
    else:
        assert name in sample.query, f"the valid sample for {key} lacks ?{name}"
        sample = Sample(sample.path, {k: v for k, v in sample.query.items() if k != name}, sample.body)
    c = contract()
    _, problems = c.check_request(method, sample.path, sample.query, sample.body)
    assert problems, "the document should reject this request too"
    sim = Simulator(clock=SimClock())
    async with _client(sim) as http:
        response = await _send(http, method, sample)
    assert response.status_code == 400, response.text
    assert name in response.json()["message"]
    body = response.json()
    assert body["status"] == 400 and isinstance(body["message"], str)
    op = c.operation(method, key.split(" ", 1)[1])
    if "400" in op.spec["responses"]:
        assert c.check_response(method, op.path, 400, body) == []


@pytest.mark.anyio
@pytest.mark.parametrize("key", _keys())
async def test_errors_have_the_documented_shape(key: str) -> None:
    """Without a key every operation answers 401, in the documented error shape."""
    c = contract()
    op = c.operation(*key.split(" ", 1))
    sample = VALID[key]
    sim = Simulator(clock=SimClock())
    async with httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url) as anonymous:
        response = await _send(anonymous, op.method, sample)
    assert response.status_code == 401
    if "401" in op.spec["responses"]:
        assert _problems(c, op.method, op.path, response) == []
    else:
        assert set(response.json()) == {"message", "status"}
