"""Scale changes the consequence: what a batch needs from the human, tried as an attacker would.

A steered model asks for a batch delete of every site and hopes a boolean "yes" (or a click
through a long prompt) lets it through; it spreads unguarded writes over every live site; it
calls where no human can answer. Each of these sends nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from fleet_seed import add_sites
from harness import MODES, answering, client, text_of, world
from mcp_types import ElicitResult

pytestmark = pytest.mark.anyio
DELETE_ALL = {"operation": "delete_site", "name": "*", "dry_run": False}


def deletes(w: Any) -> list[Any]:
    return [r for r in w.sim.requests if r.method == "DELETE" and r.path.startswith("/sites/")]


def restarts(w: Any) -> list[Any]:
    return [r for r in w.sim.requests if r.path == "/sites/tools/restart-php"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_plain_boolean_yes_deletes_no_site_of_a_batch_delete_of_every_site(mode: str) -> None:
    callback, prompts = answering("accept")  # {"confirm": true}, no number typed
    async with world() as w:
        add_sites(w.sim, 54)
        async with client(w.server, mode, callback) as c:
            result = await c.call_tool("run_batch", DELETE_ALL)
    assert result.is_error and "Nothing was sent" in text_of(result) and "typed nothing" in text_of(result)
    assert deletes(w) == [] and len(prompts) == 1
    prompt = prompts[0]
    assert prompt.startswith("57 targets (57 live): Delete site") and "type the number of targets" in prompt
    assert len(prompt) < 3000 and len(prompt.splitlines()) < 30  # bounded: the first targets, the rest counted
    assert "and 45 more" in prompt


@pytest.mark.parametrize("mode", MODES)
async def test_a_wrong_number_or_a_number_as_text_sends_nothing(mode: str) -> None:
    answers = iter([{"confirm": True, "count": 56}, {"confirm": True, "count": "57"}, {"confirm": False, "count": 57}])

    async def callback(ctx: Any, params: Any) -> ElicitResult:
        return ElicitResult(action="accept", content=next(answers))

    async with world() as w:
        add_sites(w.sim, 54)
        async with client(w.server, mode, callback) as c:
            results = [await c.call_tool("run_batch", DELETE_ALL) for _ in range(3)]
    assert all(r.is_error for r in results) and deletes(w) == []
    assert "typed 56 as the number of targets, not 57" in text_of(results[0])


@pytest.mark.parametrize("mode", MODES)
async def test_the_number_typed_right_runs_exactly_the_batch(mode: str) -> None:
    callback, prompts = answering("accept", count=2)
    async with world() as w:
        add_sites(w.sim, 2)
        async with client(w.server, mode, callback) as c:
            result = await c.call_tool("run_batch", {**DELETE_ALL, "name": "client-*"})
    assert not result.is_error, text_of(result)
    assert len(deletes(w)) == 2 and len(prompts) == 1 and prompts[0].startswith("2 targets (2 live)")


@pytest.mark.parametrize("mode", MODES)
async def test_an_unguarded_write_on_more_than_a_handful_of_lives_asks_and_on_a_handful_does_not(mode: str) -> None:
    batch = {"operation": "restart_php", "name": "client-*/live", "dry_run": False}
    callback, prompts = answering("decline")
    async with world() as w:
        add_sites(w.sim, 6)
        async with client(w.server, mode, callback) as c:
            six = await c.call_tool("run_batch", batch)
            assert six.is_error and restarts(w) == [] and len(prompts) == 1
            assert prompts[0].startswith("6 targets (6 live): Restart PHP")
            five = await c.call_tool("run_batch", {**batch, "name": "client-0[1-5]/live"})
    assert not five.is_error and len(restarts(w)) == 5 and len(prompts) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("setting", [{}, {"confirmation": "elicit-or-model-token"}, {"confirmation": "off"}])
async def test_with_no_human_to_answer_writes_beyond_a_handful_and_destroying_batches_are_refused(
    mode: str, setting: dict[str, Any]
) -> None:
    async with world(**setting) as w:
        add_sites(w.sim, 6)
        async with client(w.server, mode) as c:  # a client that cannot show a form
            six = await c.call_tool("run_batch", {"operation": "restart_php", "name": "client-*/staging",
                                                  "dry_run": False})  # fmt: skip
            one_delete = await c.call_tool("run_batch", {**DELETE_ALL, "name": "client-01"})
            assert restarts(w) == [] and deletes(w) == []
            five = await c.call_tool("run_batch", {"operation": "restart_php", "name": "client-0[1-5]/staging",
                                                   "dry_run": False})  # fmt: skip
    assert six.is_error and "at most 5 targets" in text_of(six) and "confirmation_token" not in text_of(six)
    assert one_delete.is_error and "destroys data" in text_of(one_delete)
    assert "confirmation_token" not in text_of(one_delete)
    assert not five.is_error and len(restarts(w)) == 5


@pytest.mark.parametrize("mode", MODES)
async def test_a_deny_all_batch_on_every_live_site_asks_and_a_declining_human_stops_it(mode: str) -> None:
    callback, prompts = answering("decline")
    batch = {"operation": "set_denied_ips", "arguments": {"ip_list": ["0.0.0.0/0", "::/0"]}, "environments": "live"}
    async with world() as w:
        add_sites(w.sim, 2)  # 5 lives: a handful, so only the rule makes it ask
        async with client(w.server, mode, callback) as c:
            result = await c.call_tool("run_batch", {**batch, "dry_run": False})
    assert result.is_error and w.writes() == [] and len(prompts) == 1
    assert "Watch out (5 targets): it blocks 0.0.0.0/0, ::/0" in prompts[0]
