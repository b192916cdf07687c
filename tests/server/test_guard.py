"""The confirmation guard, walked over the whole tool list.

For every guarded tool, under both protocol versions and each policy, the operation
never reaches the simulator without the human's yes: not when the client cannot ask,
not when the human declines or cancels, not with a forged, reused, expired or
mismatched token. Only the read-only lookups that build the preview may go out.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from harness import MODES, answering, client, text_of, world
from test_end_to_end import arguments_for

from kinsta_mcp.api.request import build_request
from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.simulator import DEMO_COMPANY_ID

pytestmark = pytest.mark.anyio
GUARDED = [op for op in OPERATIONS if op.guarded]
TOKEN = re.compile(r'confirmation_token="([^"]+)"')


def reached(w: Any, op: Any, args: dict[str, Any]) -> int:
    """How many times the simulator received this operation's own request."""
    validated = op.input.model_validate({k: v for k, v in args.items() if k in op.input.model_fields})
    request = build_request(op, dict(validated), DEMO_COMPANY_ID)
    return sum(1 for r in w.sim.requests if r.method == request.method and r.raw_path == request.path)


def others(w: Any, op: Any, args: dict[str, Any]) -> list[str]:
    """Requests other than reads: the guard's lookups must never write."""
    return [f"{r.method} {r.path}" for r in w.sim.requests if r.method != "GET"]


def test_the_guarded_set_is_declared_in_the_catalog() -> None:
    names = {op.name for op in GUARDED}
    assert {"delete_site", "reset_site", "push_environment", "run_wp_cli", "get_sftp_password"} <= names
    assert {"get_phpmyadmin_link", "restore_backup", "delete_backup", "delete_redirect_rules"} <= names
    assert all(op.consequence for op in GUARDED), [op.name for op in GUARDED if not op.consequence]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", GUARDED, ids=lambda op: op.name)
async def test_without_elicitation_a_preview_and_token_then_exactly_one_request(op, mode) -> None:  # type: ignore[no-untyped-def]
    args = arguments_for(op)
    async with world() as w, client(w.server, mode) as c:
        first = await c.call_tool(op.name, args)
        text = text_of(first)
        assert first.is_error and "Nothing was sent" in text
        assert reached(w, op, args) == 0 and others(w, op, args) == []
        token = TOKEN.search(text)
        assert token, text
        # a forged token, and the real one with changed arguments, are refused
        forged = await c.call_tool(op.name, {**args, "confirmation_token": "forged-token-0000000000000000"})
        assert forged.is_error and reached(w, op, args) == 0
        id_arg = next(k for k in args if k.endswith("_id"))
        changed = await c.call_tool(op.name, {**args, id_arg: "another-id", "confirmation_token": token.group(1)})
        assert changed.is_error and reached(w, op, args) == 0
        unknown = await c.call_tool(op.name, {**args, "extra_arg": 1, "confirmation_token": token.group(1)})
        assert unknown.is_error and "extra_arg" in text_of(unknown) and reached(w, op, args) == 0
        done = await c.call_tool(op.name, {**args, "confirmation_token": token.group(1)})
        assert not done.is_error, text_of(done)
        assert reached(w, op, args) == 1
        again = await c.call_tool(op.name, {**args, "confirmation_token": token.group(1)})
        assert again.is_error and reached(w, op, args) == 1  # single use


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("action", ["decline", "cancel", "reject"])
@pytest.mark.parametrize("op", GUARDED, ids=lambda op: op.name)
async def test_a_human_who_does_not_agree_stops_it(op, action, mode) -> None:  # type: ignore[no-untyped-def]
    args = arguments_for(op)
    callback, prompts = answering("accept", confirm=False) if action == "reject" else answering(action)
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool(op.name, args)
    assert result.is_error and "Nothing was sent" in text_of(result)
    assert prompts and reached(w, op, args) == 0 and others(w, op, args) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", GUARDED, ids=lambda op: op.name)
async def test_the_human_sees_what_is_affected_and_agrees(op, mode) -> None:  # type: ignore[no-untyped-def]
    args = arguments_for(op)
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool(op.name, args)
    assert not result.is_error, text_of(result)
    assert reached(w, op, args) == 1
    assert len(set(prompts)) == 1
    prompt = prompts[0]
    assert op.title in prompt
    assert "cannot be undone" in prompt or "reveals a secret" in prompt
    # names things concretely: the display name of the site or environment touched
    if any(k in args for k in ("site_id", "env_id", "target_env_id")):
        assert "Acme Shop" in prompt, prompt
    if op.name == "run_wp_cli":
        assert args["wp_command"] in prompt


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", GUARDED, ids=lambda op: op.name)
async def test_elicit_only_refuses_a_client_that_cannot_ask(op, mode) -> None:  # type: ignore[no-untyped-def]
    args = arguments_for(op)
    async with world(confirmation="elicit-only") as w, client(w.server, mode) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        assert "confirmation_token" not in tools[op.name].input_schema["properties"]
        result = await c.call_tool(op.name, args)
    assert result.is_error and "elicit-only" in text_of(result)
    assert reached(w, op, args) == 0 and others(w, op, args) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", GUARDED, ids=lambda op: op.name)
async def test_policy_off_lets_it_through_without_asking(op, mode) -> None:  # type: ignore[no-untyped-def]
    args = arguments_for(op)
    callback, prompts = answering("decline")
    async with world(confirmation="off") as w, client(w.server, mode, callback) as c:
        result = await c.call_tool(op.name, args)
    assert not result.is_error, text_of(result)
    assert prompts == [] and reached(w, op, args) == 1


async def test_a_token_expires_after_five_minutes() -> None:
    op = next(op for op in GUARDED if op.name == "delete_site")
    args = arguments_for(op)
    async with world() as w, client(w.server, "auto") as c:
        first = await c.call_tool(op.name, args)
        token = TOKEN.search(text_of(first))
        assert token
        w.sim.clock.advance(301)
        late = await c.call_tool(op.name, {**args, "confirmation_token": token.group(1)})
    assert late.is_error and "expired" in text_of(late)
    assert reached(w, op, args) == 0
