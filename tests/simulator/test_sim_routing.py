"""The simulator's routes come from the catalog: one handler per Kinsta operation, checks derived from the models."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Literal

import httpx
import pytest
from pydantic import Field

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Effect, EnvId, Input, Operation, Output, Risk, Toolset, body, path, query
from kinsta_mcp.simulator import Simulator
from kinsta_mcp.simulator import seed as s
from kinsta_mcp.simulator.handlers import HANDLERS
from kinsta_mcp.simulator.handling import ApiError, Ctx, Handler, Reply
from kinsta_mcp.simulator.routing import build_routes
from kinsta_mcp.simulator.wire import build_wire_spec

pytestmark = pytest.mark.anyio

LIVE = s.ACME_LIVE_ENV_ID


def test_every_catalog_operation_has_exactly_one_handler_and_none_is_orphaned() -> None:
    counts = Counter(h.key for h in HANDLERS)
    assert {key for key, n in counts.items() if n > 1} == set()
    assert set(counts) == {op.key for op in OPERATIONS}


def test_async_operations_and_only_those_start_an_operation() -> None:
    for route in build_routes(HANDLERS):
        is_async = any(op.is_async for op in route.declarations)
        assert (route.operation is not None) == is_async, route.key


def _noop(ctx: Ctx) -> Reply:
    return Reply(200, {})


def test_a_missing_a_doubled_or_an_orphaned_handler_is_refused() -> None:
    missing = [h for h in HANDLERS if h.key != "GET /validate"]
    with pytest.raises(ValueError, match=r"operations without: \['GET /validate'\]"):
        build_routes(missing)
    with pytest.raises(ValueError, match="two simulator handlers for GET /validate"):
        build_routes([*HANDLERS, Handler("GET /validate", _noop)])
    with pytest.raises(ValueError, match=r"without a catalog operation: \['GET /nowhere'\]"):
        build_routes([*HANDLERS, Handler("GET /nowhere", _noop)])


def test_two_tools_on_one_kinsta_operation_are_served_by_one_route() -> None:
    shared = [r for r in build_routes(HANDLERS) if len(r.declarations) > 1]
    assert sorted((r.key, sorted(op.name for op in r.declarations)) for r in shared) == [
        (
            "GET /sites/environments/{env_id}/downloadable-backups",
            ["get_backup_download_links", "list_downloadable_backups"],
        ),
        (
            "POST /sites/environments/{env_id}/redirect-rules",
            ["delete_redirect_rules", "update_redirect_rules"],
        ),
        ("POST /sites/tools/search-and-replace", ["preview_search_replace", "search_replace"]),
    ]


@pytest.mark.parametrize(
    ("method", "url", "body", "message"),
    [
        ("POST", "/sites/tools/clear-cache", {}, '"environment_id" is required'),
        (
            "PUT",
            "/sites/cdn/image-optimization",
            {"environment_id": LIVE, "image_optimization_type": "max"},
            '"image_optimization_type" must be one of [off, lossy, lossless]',
        ),
        (
            "PUT",
            "/sites/edge-caching/status",
            {"environment_id": LIVE, "enabled": "yes"},
            '"enabled" must be a boolean',
        ),
        ("POST", "/sites/tools/clear-cache", {"environment_id": LIVE, "extra": 1}, '"extra" is not allowed'),
        (
            "POST",
            f"/sites/environments/{LIVE}/additional-sftp-accounts",
            {"username": "acme-x", "password": "short"},
            '"password" length must be at least 16 characters long',
        ),
        (
            "POST",
            f"/sites/environments/{LIVE}/redirect-rules",
            {"action_type": "NEW", "new_value": {"domain": None, "from": "/a", "to": "/b", "type": "moved"}},
            '"new_value.type" must be one of [permanent, redirect]',
        ),
        (
            "POST",
            f"/sites/environments/{LIVE}/redirect-rules",
            {"action_type": "MOVE"},
            '"action_type" must be one of [NEW, UPDATE, DELETE, DELETE_ALL]',
        ),
        ("PUT", "/sites/tools/denied-ips", {"environment_id": LIVE, "ip_list": [1]}, '"ip_list[0]" must be a string'),
    ],
)
async def test_the_catalog_decides_what_a_request_may_hold(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, object], message: str
) -> None:
    r = await client.request(method, url, json=body)
    assert r.status_code == 400, r.text
    assert r.json() == {"message": message, "status": 400}


async def test_query_and_path_values_are_read_as_their_declared_types(client: httpx.AsyncClient) -> None:
    listed = await client.get("/sites", params={"company": s.DEMO_COMPANY_ID, "include_environments": "false"})
    assert all("environments" not in site for site in listed.json()["company"]["sites"])
    r = await client.get(f"/sites/environments/{LIVE}/logs", params={"file_name": "error", "lines": "x"})
    assert r.json()["message"] == '"lines" must be an integer'
    r = await client.get(f"/sites/environments/{LIVE}/logs", params={"file_name": "error", "lines": "1", "x": "1"})
    assert r.json()["message"] == '"x" is not allowed'
    r = await client.delete("/sites/environments/backups/abc")
    assert r.status_code == 400 and r.json()["message"] == '"backup_id" must be an integer'


async def test_fields_kinsta_requires_though_the_tool_defaults_them(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/sites/environments/{LIVE}/logs", params={"file_name": "error"})
    assert r.json() == {"message": '"lines" is required', "status": 400}


async def test_a_shared_operation_accepts_what_either_tool_sends(client: httpx.AsyncClient, sim: Simulator) -> None:
    url = f"/sites/environments/{LIVE}/redirect-rules"
    # new_value is required by the "change" tool only: the delete tool's request is fine without it.
    assert (await client.post(url, json={"action_type": "DELETE_ALL"})).status_code == 200
    assert sim.state.environments[LIVE].redirect_rules == []
    missing = await client.post(url, json={"action_type": "NEW"})
    assert missing.json()["message"] == '"new_value" is required when "action_type" is NEW'


# -- wire checks built from declarations (units) ----------------------------------------------


class _ChangeIn(Input):
    env_id: Annotated[EnvId, path()]
    action: Annotated[Literal["NEW", "UPDATE"], body()]
    value: Annotated[int, body("new_value")]
    note: Annotated[str | None, body()] = None
    kind: Annotated[Literal["a"], body()] = "a"
    limit: Annotated[int | None, query(), Field(ge=1)] = None


class _DropIn(Input):
    env_id: Annotated[EnvId, path()]
    action: Annotated[Literal["DELETE"], body()]
    note: Annotated[str | int | None, body()] = None
    kind: Annotated[Literal["b"] | None, body()] = None


def _declare(name: str, model: type[Input], **extra: object) -> Operation:
    return Operation(
        name=name,
        title=name,
        description=name,
        method="POST",
        path="/things/{env_id}",
        input=model,
        output=Output,
        effect=Effect.WRITE,
        risk=Risk.NONE,
        risk_reason="a test declaration",
        toolset=Toolset.SITES,
        **extra,  # type: ignore[arg-type]
    )


def _message(check: Callable[[], object]) -> str:
    with pytest.raises(ApiError) as caught:
        check()
    assert caught.value.status == 400
    return caught.value.message


def test_one_declaration_gives_required_fields_wire_names_types_and_bounds() -> None:
    spec = build_wire_spec([_declare("change", _ChangeIn, company=body("company"), constants={"body": {"mode": "x"}})])
    ok = {"action": "NEW", "new_value": 3, "company": "c-1", "mode": "x"}
    assert spec.check({"env_id": "e-1"}, [("limit", "2")], ok) == ({"env_id": "e-1"}, {"limit": 2}, ok)
    assert _message(lambda: spec.check({"env_id": "e-1"}, [], {**ok, "new_value": "3"})) == (
        '"new_value" must be an integer'
    )
    assert _message(lambda: spec.check({"env_id": "e-1"}, [], {"action": "NEW", "new_value": 1, "mode": "x"})) == (
        '"company" is required'
    )
    assert _message(lambda: spec.check({"env_id": "a b"}, [], ok)).startswith('"env_id" with value "a b" fails')
    assert _message(lambda: spec.check({"env_id": "e"}, [("limit", "0")], ok)) == (
        '"limit" must be greater than or equal to 1'
    )
    assert _message(lambda: spec.check({"env_id": "e"}, [("limit", "1"), ("limit", "2")], ok)) == (
        '"limit" must be given once'
    )
    assert _message(lambda: spec.check({"env_id": "e"}, [], ["action"])) == '"value" must be an object'


def test_shared_declarations_require_only_what_both_require_and_merge_enums() -> None:
    spec = build_wire_spec([_declare("change", _ChangeIn), _declare("drop", _DropIn)])
    assert spec.check({"env_id": "e"}, [], {"action": "DELETE"})[2] == {"action": "DELETE"}
    assert _message(lambda: spec.check({"env_id": "e"}, [], {"action": "GONE"})) == (
        '"action" must be one of [NEW, UPDATE, DELETE]'
    )
    assert _message(lambda: spec.check({"env_id": "e"}, [], {})) == '"action" is required'
    # kind is optional in one declaration: null is accepted, and either tool's values.
    for kind in (None, "a", "b"):
        assert spec.check({"env_id": "e"}, [], {"action": "DELETE", "kind": kind})[2]["kind"] == kind
    # note is str | None in one and str | int | None in the other: either type is accepted.
    assert spec.check({"env_id": "e"}, [], {"action": "DELETE", "note": 7})[2]["note"] == 7
    assert _message(lambda: spec.check({"env_id": "e"}, [], {"action": "DELETE", "note": []})).startswith('"note" ')


def test_also_required_must_name_a_wire_field() -> None:
    assert (
        _message(
            lambda: build_wire_spec([_declare("c", _ChangeIn)], ["note"]).check(
                {"env_id": "e"}, [], {"action": "NEW", "new_value": 1}
            )
        )
        == '"note" is required'
    )
    with pytest.raises(ValueError, match="also_required names no wire field"):
        build_wire_spec([_declare("c", _ChangeIn)], ["nope"])
