"""Denied IPs by add/remove against the current list, answered with the resulting list (both protocol versions)."""

from __future__ import annotations

from typing import Any

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
LIVE = ids.ACME_LIVE_ENV_ID
BEFORE = ["203.0.113.66", "198.51.100.0/24"]


def denied(w: Any, env_id: str = LIVE) -> list[str]:
    return list(w.sim.state.environments[env_id].denied_ips)


@pytest.mark.parametrize("mode", MODES)
async def test_adding_keeps_the_list_asks_nothing_and_answers_with_the_resulting_list(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool("set_denied_ips", {"env_id": LIVE, "add": ["192.0.2.9"]})
    assert not result.is_error and prompts == [], text_of(result)
    assert denied(w) == [*BEFORE, "192.0.2.9"]
    assert result.structured_content["ip_list"] == [*BEFORE, "192.0.2.9"] and "192.0.2.9" in text_of(result)


@pytest.mark.parametrize("mode", MODES)
async def test_removing_asks_and_a_declining_human_keeps_the_list(mode: str) -> None:
    declining, asked = answering("decline")
    agreeing, _ = answering("accept")
    async with world() as w:
        async with client(w.server, mode, declining) as c:
            refused = await c.call_tool("set_denied_ips", {"env_id": LIVE, "remove": ["203.0.113.66"]})
        assert refused.is_error and denied(w) == BEFORE and w.writes() == []
        async with client(w.server, mode, agreeing) as c:
            done = await c.call_tool("set_denied_ips", {"env_id": LIVE, "remove": ["203.0.113.66"]})
    assert "removes 1 existing entry (203.0.113.66)" in asked[0] and "- remove: 203.0.113.66" in asked[0]
    assert (
        not done.is_error
        and denied(w) == ["198.51.100.0/24"]
        and done.structured_content["ip_list"] == ["198.51.100.0/24"]
    )


@pytest.mark.parametrize("mode", MODES)
async def test_bad_edits_are_refused_before_anything_is_sent_or_asked(mode: str) -> None:
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, mode, callback) as c:
        absent = await c.call_tool("set_denied_ips", {"env_id": LIVE, "remove": ["10.9.9.9"]})
        both = await c.call_tool("set_denied_ips", {"env_id": LIVE, "add": ["10.9.9.9"], "ip_list": []})
        neither = await c.call_tool("set_denied_ips", {"env_id": LIVE})
    assert (
        absent.is_error and "not in the current list: 10.9.9.9" in text_of(absent) and "203.0.113.66" in text_of(absent)
    )
    assert both.is_error and neither.is_error and "add and/or remove" in text_of(both) + text_of(neither)
    assert prompts == [] and w.writes() == []


async def test_a_batch_adds_to_each_target_own_list() -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, "auto", callback) as c:
        before = {e.id: list(e.denied_ips) for e in w.sim.state.environments.values() if e.is_live}
        batch = {"operation": "set_denied_ips", "arguments": {"add": ["192.0.2.9"]}, "environments": "live"}
        result = await c.call_tool("run_batch", {**batch, "dry_run": False})
    assert not result.is_error and prompts == [], text_of(result)
    assert {env_id: denied(w, env_id) for env_id in before} == {
        env_id: [*entries, "192.0.2.9"] for env_id, entries in before.items()
    }


# -- the SFTP/SSH allowlist: the same edit, declared in the catalog (set_sftp setting=allowed_ips) ------------

ALLOWED = ["203.0.113.10", "198.51.100.0/28"]


def allowed(w: Any, env_id: str = LIVE) -> list[str]:
    return list(w.sim.state.environments[env_id].sftp_ip_allowlist)


def allowlist_writes(w: Any) -> list[Any]:
    return [r for r in w.writes() if r.path.endswith("/ssh/set-allowed-ips")]


def set_allowed(**args: Any) -> dict[str, Any]:
    return {"setting": "allowed_ips", "env_id": LIVE, **args}


@pytest.mark.parametrize("mode", MODES)
async def test_allowing_an_ip_adds_it_to_the_current_allowlist_and_answers_with_the_resulting_list(mode: str) -> None:
    declining, asked = answering("decline")
    agreeing, _ = answering("accept")
    async with world() as w:
        w.sim.state.environments[LIVE].sftp_ip_allowlist = list(ALLOWED)
        async with client(w.server, mode, declining) as c:
            refused = await c.call_tool("set_sftp", set_allowed(add=["192.0.2.9"]))
        assert refused.is_error and allowlist_writes(w) == [] and allowed(w) == ALLOWED  # it grants access: asked
        async with client(w.server, mode, agreeing) as c:
            done = await c.call_tool("set_sftp", set_allowed(add=["192.0.2.9"]))
    assert "only from: 203.0.113.10, 198.51.100.0/28, 192.0.2.9" in asked[0] and "removes" not in asked[0]
    assert not done.is_error, text_of(done)
    assert allowed(w) == [*ALLOWED, "192.0.2.9"]
    assert [r.body for r in allowlist_writes(w)] == [{"ip_allowlist": [*ALLOWED, "192.0.2.9"]}]
    assert done.structured_content["ip_allowlist"] == [*ALLOWED, "192.0.2.9"] and "192.0.2.9" in text_of(done)


@pytest.mark.parametrize("mode", MODES)
async def test_removing_or_replacing_the_allowlist_says_what_it_removes_and_a_declining_human_keeps_it(
    mode: str,
) -> None:
    declining, asked = answering("decline")
    agreeing, _ = answering("accept")
    async with world() as w:
        w.sim.state.environments[LIVE].sftp_ip_allowlist = list(ALLOWED)
        async with client(w.server, mode, declining) as c:
            removed = await c.call_tool("set_sftp", set_allowed(remove=["203.0.113.10"]))
            replaced = await c.call_tool("set_sftp", set_allowed(ip_allowlist=["192.0.2.9"]))
            emptied = await c.call_tool("set_sftp", set_allowed(ip_allowlist=[]))
        assert all(r.is_error for r in (removed, replaced, emptied)) and allowlist_writes(w) == []
        async with client(w.server, mode, agreeing) as c:
            done = await c.call_tool("set_sftp", set_allowed(remove=["203.0.113.10"]))
    assert "removes 1 existing entry (203.0.113.10): SFTP/SSH logins from those addresses stop working" in asked[0]
    assert "removes 2 existing entries (203.0.113.10, 198.51.100.0/28)" in asked[1]
    assert "removes 2 existing entries" in asked[2]
    assert not done.is_error and allowed(w) == ["198.51.100.0/28"], text_of(done)
    assert done.structured_content["ip_allowlist"] == ["198.51.100.0/28"]


@pytest.mark.parametrize("mode", MODES)
async def test_bad_allowlist_edits_are_refused_before_anything_is_sent_or_asked(mode: str) -> None:
    callback, prompts = answering("accept")
    async with world() as w:
        w.sim.state.environments[LIVE].sftp_ip_allowlist = list(ALLOWED)
        async with client(w.server, mode, callback) as c:
            absent = await c.call_tool("set_sftp", set_allowed(remove=["10.9.9.9"]))
            both = await c.call_tool("set_sftp", set_allowed(add=["10.9.9.9"], ip_allowlist=[]))
            neither = await c.call_tool("set_sftp", set_allowed())
    assert absent.is_error and "not in the current list: 10.9.9.9" in text_of(absent)
    assert "203.0.113.10" in text_of(absent)
    assert both.is_error and neither.is_error and "add and/or remove" in text_of(both) + text_of(neither)
    assert prompts == [] and w.writes() == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_allowlist_edit_says_each_target_list_is_edited_and_a_declining_human_keeps_them(
    mode: str,
) -> None:
    callback, prompts = answering("decline")
    batch = {"operation": "set_sftp", "arguments": {"setting": "allowed_ips", "add": ["192.0.2.9"]}}
    async with world() as w, client(w.server, mode, callback) as c:
        w.sim.state.environments[LIVE].sftp_ip_allowlist = list(ALLOWED)
        refused = await c.call_tool("run_batch", {**batch, "environments": "live", "dry_run": False})
    assert refused.is_error and allowlist_writes(w) == [] and allowed(w) == ALLOWED and len(prompts) == 1
    assert "only from: (each target's current list, edited as below)" in prompts[0], prompts[0]
    assert "- add: 192.0.2.9" in prompts[0] and "(default)" not in prompts[0]
