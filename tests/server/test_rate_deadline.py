"""A request waiting for Kinsta's rate budget never holds its call past the deadline (issue 26).

Kinsta's budget is cut to 2 requests a minute, so the third request of a minute waits about 60 s
for its slot, past the 45-second call deadline. A read then goes on as a job (progress while the
call waits, its result later through wait_for_operation); a change is not sent at all and the call
says when to try again. Time is virtual: "within the deadline" is measured on the simulator's clock.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fleet_seed import add_sites
from harness import MODES, answering, client, job_result, text_of, world
from mcp.shared.exceptions import MCPError
from test_jobs import DEADLINE, assert_progress_kept_coming, recorder, starve, timed

from kinsta_mcp.server.jobs import MAX_RUNNING_PER_OWNER
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

LIMITED = {"rate_limits": True}
SITE = ids.ACME_SITE_ID
LIVE = ids.ACME_LIVE_ENV_ID


def site_reads(w: Any) -> list[Any]:
    return [r for r in w.requests("GET") if r.path == f"/sites/{SITE}"]


async def spend_the_budget(c: Any) -> None:
    """Two reads: Kinsta's minute (cut to 2 requests) is used up for the next 60 s."""
    for _ in range(2):
        result = await c.call_tool("get_site", {"site_id": SITE})
        assert not result.is_error, text_of(result)


@pytest.mark.parametrize("mode", MODES)
async def test_a_read_without_a_slot_by_the_deadline_goes_on_as_a_job(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(sim_options=LIMITED) as w:
        starve(w, 2)
        answered = timed(w)
        sent, got, on_progress = recorder(w, monkeypatch)
        async with client(w.server, mode) as c:
            await spend_the_budget(c)
            third = await c.call_tool("get_site", {"site_id": SITE}, progress_callback=on_progress)
            began, ended = answered.spans[-1]
            done = await job_result(c, third)
    job = third.structured_content["job"]
    assert not third.is_error and job["state"] == "running", text_of(third)
    assert f'wait_for_operation(job_id="{job["job_id"]}")' in text_of(third) and "rate budget" in text_of(third)
    assert all(took <= DEADLINE for took in answered), answered  # wait_for_operation included
    assert_progress_kept_coming(sent, got, began, ended)
    assert [r.time for r in site_reads(w)] == [began, began, began + 60]  # sent when its slot came, not before
    assert not done.is_error and done.structured_content["site"]["id"] == SITE, text_of(done)
    assert len(site_reads(w)) == 3  # sent once, when its slot came: nothing more than the user was told


@pytest.mark.parametrize("mode", MODES)
async def test_reads_beyond_the_callers_job_limit_wait_in_their_call_or_say_when_to_try_again(mode: str) -> None:
    async with world(sim_options=LIMITED) as w:
        sites = [SITE, ids.NORTHWIND_SITE_ID, ids.CONTOSO_SITE_ID, *add_sites(w.sim, 3)]
        starve(w, 2)
        async with client(w.server, mode) as c:
            await spend_the_budget(c)
            results: list[Any] = []

            async def ask(site: str) -> None:
                results.append(await c.call_tool("get_site", {"site_id": site}))

            async with anyio.create_task_group() as group:  # six reads while every slot is a minute away
                for site in sites:
                    group.start_soon(ask, site)
    jobs = [r for r in results if "job" in (r.structured_content or {})]
    refused = [r for r in results if r.is_error]
    assert len(jobs) == MAX_RUNNING_PER_OWNER and len(refused) == 1, [text_of(r) for r in results]
    assert "call get_site again in" in text_of(refused[0]) and "Nothing was sent" in text_of(refused[0])


@pytest.mark.parametrize("mode", MODES)
async def test_a_slot_that_comes_within_the_deadline_is_waited_for_with_progress(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(sim_options=LIMITED) as w:
        starve(w, 2)
        answered = timed(w)
        sent, got, on_progress = recorder(w, monkeypatch)
        async with client(w.server, mode) as c:
            await spend_the_budget(c)
            await w.clock.sleep(30)  # the slot frees 30 s from now: within this call's deadline
            read = await c.call_tool("get_site", {"site_id": SITE}, progress_callback=on_progress)
            began, ended = answered.spans[-1]
    assert not read.is_error and read.structured_content["site"]["id"] == SITE, text_of(read)
    assert 25 <= ended - began <= DEADLINE  # it waited for the slot, within the call
    assert_progress_kept_coming(sent, got, began, ended)
    assert "job" not in read.structured_content and len(site_reads(w)) == 3


@pytest.mark.parametrize("mode", MODES)
async def test_a_change_without_a_slot_by_the_deadline_is_not_sent_and_says_when_to_try_again(mode: str) -> None:
    async with world(sim_options=LIMITED) as w:
        starve(w, 2)
        answered = timed(w)
        async with client(w.server, mode) as c:
            await spend_the_budget(c)
            refused = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE})
            took = answered[-1]
            await w.clock.sleep(60)  # Kinsta's minute passes
            again = await c.call_tool("clear_cache", {"cache": "site", "env_id": LIVE, "wait": False})
    text = text_of(refused)
    assert refused.is_error and "was not sent" in text and "nothing will be sent later" in text, text
    assert "call clear_cache again in" in text and "job" not in text
    assert took < 1.0  # answered at once: nothing to wait for
    assert not again.is_error, text_of(again)
    assert len([r for r in w.writes() if r.path == "/sites/tools/clear-cache"]) == 1  # only the second call's


@pytest.mark.parametrize("mode", MODES)
async def test_a_guarded_change_without_a_slot_asks_nobody_and_sends_nothing(mode: str) -> None:
    callback, prompts = answering("accept")
    async with world(sim_options=LIMITED) as w:
        starve(w, 2)
        async with client(w.server, mode, callback) as c:
            await spend_the_budget(c)
            refused = await c.call_tool("delete_backup", {"backup_id": ids.ACME_MANUAL_BACKUP_ID})
    text = text_of(refused)
    assert refused.is_error and "was not sent" in text and "the human is asked again" in text, text
    assert prompts == []  # nobody is asked to approve what cannot be sent now
    assert [r for r in w.writes() if r.method == "DELETE"] == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_change_whose_slot_comes_in_time_is_sent_within_its_call(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(sim_options=LIMITED) as w:
        starve(w, 2)
        answered = timed(w)
        sent, got, on_progress = recorder(w, monkeypatch)
        async with client(w.server, mode) as c:
            await spend_the_budget(c)
            await w.clock.sleep(20)  # the slot frees 40 s from now: before this call's deadline
            result = await c.call_tool(
                "clear_cache", {"cache": "site", "env_id": LIVE, "wait": False}, progress_callback=on_progress
            )
            began, ended = answered.spans[-1]
    assert not result.is_error and result.structured_content["state"] == "running", text_of(result)
    assert "job" not in result.structured_content
    assert ended - began <= DEADLINE
    assert_progress_kept_coming(sent, got, began, ended)
    assert len([r for r in w.writes() if r.path == "/sites/tools/clear-cache"]) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_long_traffic_report_answers_by_the_deadline_and_goes_on_as_a_job(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 20)
        starve(w, 12)  # 23 sites' analytics: about two minutes of Kinsta's budget
        answered = timed(w)
        sent, got, on_progress = recorder(w, monkeypatch)
        async with client(w.server, mode) as c:
            first = await c.call_tool("get_traffic_report", {"top": 100}, progress_callback=on_progress)
            began, ended = answered.spans[-1]
            told = list(sent)  # this call's (wait_for_operation's own come after)
            done = await job_result(c, first)
    so_far, job = first.structured_content, first.structured_content["job"]
    assert not first.is_error and job["state"] == "running" and job["total"] == 23, text_of(first)
    assert f'wait_for_operation(job_id="{job["job_id"]}")' in text_of(first)
    assert 0 < so_far["sites_counted"] < 23 and "not read yet" in so_far["_more"]  # what is counted so far
    assert all(took <= DEADLINE for took in answered), answered
    assert_progress_kept_coming(told, got, began, ended)
    report = done.structured_content
    assert not done.is_error and report["sites_counted"] == 23 and "not_read" not in report, text_of(done)
    assert report["total"] == sum(row["value"] for row in report["top"]) and len(report["top"]) == 23
    visits = [r for r in w.requests("GET") if r.path.endswith("/analytics/visits")]
    assert len(visits) == 23  # each site read once, though the call answered early


@pytest.mark.parametrize("mode", MODES)
async def test_a_resource_read_without_a_slot_by_the_deadline_answers_at_once_and_sends_nothing(mode: str) -> None:
    async with world(sim_options=LIMITED) as w:
        starve(w, 2)
        async with client(w.server, mode) as c:
            await spend_the_budget(c)
            began = w.clock.monotonic()
            with pytest.raises(MCPError) as refused:
                await c.read_resource(f"kinsta://sites/{SITE}")
            took = w.clock.monotonic() - began
    assert "try again in" in str(refused.value) and "was not sent" in str(refused.value), str(refused.value)
    assert took < 1.0 and len(site_reads(w)) == 2  # no wait for Kinsta's minute, and nothing sent
