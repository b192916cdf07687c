"""Fleet operations against the simulator with 50+ sites: one call, many targets, within Kinsta's limits.

Kinsta's rate limits are on at both ends here (the simulator answers 429 past 120 requests a
minute; the client's limiter must keep it from ever doing so). Time is the simulator's
virtual clock.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from fleet_seed import add_sites, live_env_ids
from harness import MODES, answering, client, job_result, text_of, world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinsta_mcp.server.budget import json_size
from kinsta_mcp.server.fleet.report import result as batch_result
from kinsta_mcp.server.fleet.schema import BatchRow
from kinsta_mcp.simulator import Fault
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
LIMITED = {"rate_limits": True}
BACKUP_PATH = "/sites/environments/{env_id}/manual-backups"
TOKEN = re.compile(r'confirmation_token="([^"]+)"')
YES, _ = answering("accept")  # a human who agrees: writes beyond a handful ask (tests/server/test_batch_consent.py)


def posts(w: Any, suffix: str) -> list[Any]:
    return [r for r in w.sim.requests if r.method == "POST" and r.path.endswith(suffix)]


def busiest_minute(w: Any) -> int:
    """The most requests the simulator received in any 60-second window."""
    times = sorted(r.time for r in w.sim.requests)
    return max((sum(1 for t in times if start <= t < start + 60) for start in times), default=0)


def new_manual_backups(w: Any, tag: str) -> dict[str, int]:
    """Environment id -> id of its manual backup labelled `tag` (made by the batch)."""
    w.sim.settle()
    return {
        env.id: backup.id
        for env in w.sim.state.environments.values()
        for backup in env.backups
        if backup.type == "manual" and backup.note == tag
    }


async def test_a_backup_of_every_live_environment_in_one_call_returns_every_backup_id() -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        lives = live_env_ids(w.sim)
        async with client(w.server, "auto", YES) as c:
            result = await c.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
    assert not result.is_error, text_of(result)
    rows = result.structured_content["rows"]
    assert len(lives) == 53 and result.structured_content["totals"] == {"done": 53}
    assert {row["id"] for row in rows} == set(lives)
    tag = posts(w, "/manual-backups")[0].body["tag"]
    made = new_manual_backups(w, tag)
    assert {row["id"]: row["created"]["backup_id"] for row in rows} == made  # every new backup's id, right target
    assert len(posts(w, "/manual-backups")) == 53  # one request per target, none repeated
    assert all(r.status != 429 for r in w.sim.requests) and busiest_minute(w) <= 120
    polls = [r for r in w.sim.requests if r.path.startswith("/operations/")]
    assert len(polls) <= 2 * 53  # one polling loop: about one poll per operation, not one per operation per tick


async def test_backup_ids_are_found_by_the_batch_label_when_kinsta_does_not_name_them() -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        start = w.sim.state.start_operation

        def documented(ctx: Any, effect: Any, **kw: Any) -> Any:  # Kinsta's document: no data in the final answer
            return start(ctx, lambda: (effect(), {})[1], **kw)

        w.sim.state.start_operation = documented
        async with client(w.server, "legacy", YES) as c:
            first = await c.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
            result = await job_result(c, first)  # the lookups take it past the call's deadline: a job
    rows = result.structured_content["rows"]
    made = new_manual_backups(w, posts(w, "/manual-backups")[0].body["tag"])
    assert len(made) == 53 and {row["id"]: row["created"]["backup_id"] for row in rows} == made
    assert all(r.status != 429 for r in w.sim.requests) and busiest_minute(w) <= 120


async def test_requests_are_paced_within_kinsta_limits_when_a_batch_needs_more_than_a_minute_of_them() -> None:
    async with world(sim_options=LIMITED, call_deadline=600, operation_wait=600) as w:
        add_sites(w.sim, 50)
        async with client(w.server, "auto", YES) as c:
            arguments = {"preset": "clear_all_caches", "environments": "live", "dry_run": False}
            result = await c.call_tool("run_batch", arguments)
    assert result.structured_content["totals"] == {"done": 53 * 3}, text_of(result)
    times = sorted(r.time for r in w.sim.requests)
    assert len(times) > 120 and times[-1] - times[0] > 60  # more than one minute's worth, spread out
    assert all(r.status != 429 for r in w.sim.requests) and busiest_minute(w) <= 120
    cdn = posts(w, "/sites/cdn/clear-cache")
    envs = w.sim.state.environments
    assert len(cdn) == 53 and all(r.body["cdn_cache_id"] == envs[r.body["environment_id"]].cdn_cache_id for r in cdn)
    assert all(envs[e].cache_cleared_at is not None for e in live_env_ids(w.sim))


@pytest.mark.parametrize("mode", MODES)
async def test_one_failed_target_is_reported_with_kinsta_message_while_the_others_succeed(mode: str) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        w.sim.fail_operations(BACKUP_PATH, times=1)
        async with client(w.server, mode, YES) as c:
            arguments = {"preset": "backup_live", "dry_run": False}
            result = await c.call_tool("run_batch", arguments, progress_callback=on_progress)
    # progress as targets finish, counting up to 53 of 53, naming the last target and its outcome
    values = [v for v, _, _ in progress]
    assert values == sorted(set(values)) and values[-1] == 53 and {t for _, t, _ in progress} == {53}
    assert any("failed" in (m or "") for _, _, m in progress) and '"Live": done' in str(progress)
    data = result.structured_content
    assert data["totals"] == {"done": 52, "failed": 1} and not result.is_error
    failed = data["rows"][0]  # what needs acting on comes first
    assert failed["outcome"] == "failed" and "injected by the simulator" in failed["message"]
    assert "FAILED" in text_of(result) and "injected by the simulator" in text_of(result)
    assert len(posts(w, "/manual-backups")) == 53  # the failed write was not retried


async def test_a_batch_that_outlives_the_call_deadline_returns_a_job_and_its_result_later() -> None:
    async with world(sim_options={**LIMITED, "operation_seconds": 8.0}, call_deadline=6) as w:
        add_sites(w.sim, 50)
        answered: list[float] = []
        call_tool = w.server.call_tool

        async def timed(*args: Any, **kwargs: Any) -> Any:  # virtual time when the server answers
            began = w.clock.sim.time()
            result = await call_tool(*args, **kwargs)
            answered.append(w.clock.sim.time() - began)
            return result

        w.server.call_tool = timed
        async with client(w.server, "auto", YES) as c:
            first = await c.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
            done = await job_result(c, first)
    job = first.structured_content["job"]
    assert job["state"] == "running" and answered[0] <= 6.0  # within the call's deadline
    assert f'wait_for_operation(job_id="{job["job_id"]}")' in text_of(first) and "Do not start it again" in text_of(
        first
    )
    assert all(took <= 6.0 for took in answered)  # every wait for the job too
    assert done.structured_content["totals"] == {"done": 53}, text_of(done)
    assert len(posts(w, "/manual-backups")) == 53  # each target once, though the call returned early
    made = new_manual_backups(w, posts(w, "/manual-backups")[0].body["tag"])
    assert {row["id"]: row["created"]["backup_id"] for row in done.structured_content["rows"]} == made


async def test_a_write_batch_is_a_dry_run_by_default_and_sends_nothing() -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        async with client(w.server, "auto") as c:
            result = await c.call_tool("run_batch", {"operation": "restart_php", "environments": "all"})
    assert w.writes() == []
    assert result.structured_content["dry_run"] is True and result.structured_content["totals"] == {"planned": 106}
    assert "nothing was sent" in text_of(result) and "dry_run=false" in text_of(result)


@pytest.mark.parametrize("mode", MODES)
async def test_a_declined_guarded_batch_sends_nothing_and_the_human_saw_every_target(mode: str) -> None:
    callback, prompts = answering("decline")
    arguments = {"operation": "run_wp_cli", "arguments": {"wp_command": "wp cache flush"}, "environments": "staging"}
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        async with client(w.server, mode, callback) as c:
            preview = await c.call_tool("run_batch", arguments)
            declined = await c.call_tool("run_batch", {**arguments, "dry_run": False})
    assert w.writes() == [] and len(prompts) == 1  # the dry run asks nothing; the batch asks once
    assert declined.is_error and "Nothing was sent" in text_of(declined)
    assert preview.structured_content["totals"] == {"planned": 53}
    prompt = prompts[0]
    assert prompt.startswith("53 targets: ") and "This cannot be undone." in prompt and "wp cache flush" in prompt
    for n in range(1, 13):  # a bounded prompt: the first targets by name, the rest summarised
        assert f'"Client {n:02d}" / "Staging"' in prompt
    assert "and 41 more" in prompt and len(prompt) < 3000 and len(prompt.splitlines()) < 30


@pytest.mark.parametrize("mode", MODES)
async def test_a_confirmed_guarded_batch_runs_exactly_the_previewed_targets(mode: str) -> None:
    callback, prompts = answering("accept", count=9)  # it destroys data: the human types the number of targets
    arguments = {"operation": "run_wp_cli", "arguments": {"wp_command": "wp cache flush"}, "name": "client-0*/staging"}
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        async with client(w.server, mode, callback) as c:
            result = await c.call_tool("run_batch", {**arguments, "dry_run": False})
    sent = [r for r in w.writes() if r.path.endswith("/run-wp-cli-command")]
    expected = {e.id for e in w.sim.state.environments.values() if e.name == "staging"}
    expected = {e for e in expected if w.sim.state.sites[w.sim.state.environments[e].site_id].name < "client-10"}
    expected = {e for e in expected if w.sim.state.sites[w.sim.state.environments[e].site_id].name.startswith("client")}
    assert len(prompts) == 1 and result.structured_content["totals"] == {"done": 9}, text_of(result)
    assert {r.path.split("/")[3] for r in sent} == expected and len(sent) == 9
    assert all(r.body == {"wp_command": "wp cache flush"} for r in sent)


async def test_an_approval_does_not_cover_a_plan_that_changed_before_the_retry() -> None:
    """2026-07-28: the plan is resolved again on the retry; a new matching site voids the human's yes."""
    arguments = {"operation": "run_wp_cli", "arguments": {"wp_command": "wp cache flush"}, "name": "client-*/live"}
    prompts: list[str] = []
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 5)

        async def changes_meanwhile(ctx: Any, params: Any) -> Any:
            from mcp_types import ElicitResult

            prompts.append(params.message)
            add_sites(w.sim, 6)  # client-06 appears while the human reads the prompt
            w.server.app.backend.reader.cache.clear()
            return ElicitResult(action="accept", content={"confirm": True, "count": 5})

        async with client(w.server, "auto", changes_meanwhile) as c:
            result = await c.call_tool("run_batch", {**arguments, "dry_run": False})
    assert len(prompts) == 1 and '"Client 06"' not in prompts[0]
    assert result.is_error and "different call" in text_of(result) and w.writes() == []


async def test_the_audit_records_the_batch_with_its_targets_and_each_target_request(tmp_path: Any) -> None:
    audit = tmp_path / "audit.jsonl"
    callback, _ = answering("accept", count=3)
    arguments = {"operation": "run_wp_cli", "arguments": {"wp_command": "wp cache flush"}, "name": "client-0[1-3]"}
    async with world(audit=audit, sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        async with client(w.server, "legacy", callback) as c:
            await c.call_tool("run_batch", {**arguments, "environments": "live", "dry_run": False})
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    batch = [r for r in records if r["tool"] == "run_batch" and r["phase"] == "intent"]
    assert len(batch) == 1 and batch[0]["confirmed_by"] == "elicitation" and batch[0]["principal"] == "local"
    assert [t["name"] for t in batch[0]["targets"]] == [f'"Client 0{n}" / "Live"' for n in (1, 2, 3)]
    per_target = [r for r in records if r["tool"] == "run_wp_cli"]
    intents = [r for r in per_target if r["phase"] == "intent"]
    assert len(intents) == 3 and all(r["batch"] == batch[0]["call"] for r in intents)
    outcomes = {r["call"]: r["outcome"] for r in per_target if r["phase"] == "outcome"}
    assert sorted(outcomes) == sorted(r["call"] for r in intents) and set(outcomes.values()) == {"succeeded"}
    finished = [r for r in records if r["tool"] == "run_batch" and r["phase"] == "outcome"]
    assert finished and finished[0]["totals"] == {"done": 3}


def outdated_akismet(w: Any) -> set[str]:
    return {
        e.id
        for e in w.sim.state.environments.values()
        if (p := e.component("plugin", "akismet")) is not None and p.update_version
    }


def plugin_reads(w: Any) -> tuple[int, int]:
    """(company-wide inventory reads, per-environment plugin reads)."""
    gets = [r.path for r in w.sim.requests if r.method == "GET"]
    return sum(p.endswith("/wp-plugins") for p in gets), sum(p.endswith("/plugins") for p in gets)


async def test_update_one_plugin_wherever_it_is_outdated() -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        outdated = outdated_akismet(w)
        async with client(w.server, "auto", YES) as c:
            preview = await c.call_tool("run_batch", {"preset": "update_plugin", "plugin": "akismet"})
            result = await c.call_tool("run_batch", {"preset": "update_plugin", "plugin": "akismet", "dry_run": False})
    assert {row["id"] for row in preview.structured_content["rows"]} == outdated
    assert "akismet 5.3.3 -> 5.3.5" in text_of(preview)
    assert plugin_reads(w) == (1, 0)  # one company-wide read found them (cached for the run)
    sent = [r for r in w.writes() if r.path.endswith("/plugins/bulk-update")]
    assert {r.path.split("/")[3] for r in sent} == outdated and len(sent) == len(outdated) > 16
    assert all(r.body == {"plugins": [{"name": "akismet"}]} for r in sent)
    assert result.structured_content["totals"] == {"done": len(outdated)}
    assert all(not w.sim.state.environments[e].component("plugin", "akismet").update_version for e in outdated)


async def test_without_the_company_inventory_each_environment_is_asked() -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        outdated = outdated_akismet(w)
        w.sim.faults.add(Fault(method="GET", path="/company/{id}/wp-plugins", status=404, times=None))
        async with client(w.server, "auto", YES) as c:
            preview = await c.call_tool("run_batch", {"preset": "update_plugin", "plugin": "akismet"})
    assert {row["id"] for row in preview.structured_content["rows"]} == outdated
    assert plugin_reads(w) == (1, 106) and w.writes() == []


async def test_environments_the_inventory_names_ambiguously_are_asked_one_by_one() -> None:
    async with world(sim_options=LIMITED) as w:
        add_sites(w.sim, 50)
        state = w.sim.state
        twins = [s for s in state.sites.values() if s.name in ("client-03", "client-04")]
        for site in twins:  # two sites with one display name: the inventory cannot tell their environments apart
            site.display_name = "Twin"
        outdated = outdated_akismet(w)
        async with client(w.server, "auto", YES) as c:
            preview = await c.call_tool("run_batch", {"preset": "update_plugin", "plugin": "akismet"})
    assert {row["id"] for row in preview.structured_content["rows"]} == outdated
    assert plugin_reads(w) == (1, 4)  # the twins' live and staging environments, read one by one


async def test_clear_every_cache_of_one_environment_in_one_call() -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool(
            "run_batch", {"preset": "clear_all_caches", "ids": [ids.ACME_LIVE_ENV_ID], "dry_run": False}
        )
    assert result.structured_content["totals"] == {"done": 3}
    assert sorted(r.path for r in w.writes()) == ["/sites/cdn/clear-cache", "/sites/edge-caching/clear",
                                                  "/sites/tools/clear-cache"]  # fmt: skip
    assert all(r.body["environment_id"] == ids.ACME_LIVE_ENV_ID for r in w.writes())


async def test_a_grouped_tool_runs_the_member_its_selector_names() -> None:
    arguments = {"operation": "clear_cache", "arguments": {"cache": "cdn"}, "environments": "staging"}
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool("run_batch", {**arguments, "dry_run": False})
    envs = w.sim.state.environments
    assert result.structured_content["totals"] == {"done": 3}
    assert [r.path for r in w.writes()] == ["/sites/cdn/clear-cache"] * 3
    assert all(r.body["cdn_cache_id"] == envs[r.body["environment_id"]].cdn_cache_id for r in w.writes())
    assert {r.body["environment_id"] for r in w.writes()} == {e.id for e in envs.values() if e.name == "staging"}


async def test_a_read_batch_runs_at_once_and_returns_each_target_data() -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool("run_batch", {"operation": "list_backups", "environments": "live"})
    rows = result.structured_content["rows"]
    assert result.structured_content["dry_run"] is False and len(rows) == 3
    acme = next(r for r in rows if r["id"] == ids.ACME_LIVE_ENV_ID)
    assert str(ids.ACME_MANUAL_BACKUP_ID) in json.dumps(acme["data"]) and w.writes() == []


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"operation": "create_backup", "arguments": {"env_id": "x"}, "environments": "live"}, "filled in per target"),
        ({"operation": "delete_site_now", "environments": "live"}, "allowed (tools with a site or environment)"),
        ({"operation": "list_regions", "environments": "live"}, "allowed (tools with a site or environment)"),
        ({"operation": "create_backup"}, "say which"),
        ({"operation": "create_backup", "preset": "backup_live"}, "exactly one"),
        ({"preset": "update_plugin"}, "plugin: required"),
        (
            {
                "operation": "update_plugin_theme",
                "environments": "live",
                "arguments": {"kind": "plugin", "name": "akismet"},
            },
            "update_version",
        ),
        ({"preset": "backup_live", "arguments": {"wp_command": "wp x"}}, "not taken by any step"),
        ({"operation": "create_backup", "environments": "prod"}, "environments"),
        ({"operation": "create_backup", "ids": ["../sites"]}, "ids"),
    ],
)
async def test_bad_batches_are_refused_with_a_short_error_and_nothing_sent(arguments: Any, expected: str) -> None:
    async with world() as w, client(w.server, "auto") as c:
        result = await c.call_tool("run_batch", {**arguments, "dry_run": False})
    text = text_of(result)
    assert result.is_error and expected in text and "nothing was sent" in text, text
    assert w.writes() == [] and "Traceback" not in text


async def test_the_batch_runs_only_tools_this_server_shows_and_is_hidden_in_read_only_mode() -> None:
    async with world(toolsets=("backups", "fleet")) as w, client(w.server, "auto") as c:
        names = {t.name for t in (await c.list_tools()).tools}
        refused = await c.call_tool("run_batch", {"operation": "restart_php", "environments": "live"})
    assert "run_batch" in names and refused.is_error and "create_backup" in text_of(refused)
    async with world(read_only=True) as w, client(w.server, "auto") as c:
        names = {t.name for t in (await c.list_tools()).tools}
        hidden = await c.call_tool("run_batch", {"operation": "list_backups", "environments": "live"})
    assert "run_batch" not in names and hidden.is_error and "read-only" in text_of(hidden)


async def test_a_large_result_stays_within_the_budget_and_says_what_was_left_out() -> None:
    async with world(sim_options=LIMITED, result_budget=4000) as w:
        add_sites(w.sim, 50)
        w.sim.fail_operations(BACKUP_PATH, times=1)
        async with client(w.server, "auto", YES) as c:
            result = await c.call_tool("run_batch", {"preset": "backup_live", "dry_run": False})
    data = result.structured_content
    assert len(json.dumps(data).encode()) <= 4000 and len(text_of(result).encode()) <= 4000
    assert data["totals"] == {"done": 52, "failed": 1}  # totals count every target
    assert data["rows"][0]["outcome"] == "failed"  # what needs acting on is kept
    assert "left out" in data["left_out"] and "name= or ids=" in data["left_out"]


async def test_in_token_mode_the_token_approves_exactly_the_previewed_batch() -> None:
    arguments = {"operation": "set_force_https", "arguments": {"mode": "ENABLED_FOR_ALL"}, "name": "client-0[1-2]"}
    async with world(sim_options=LIMITED, confirmation="elicit-or-model-token") as w:
        add_sites(w.sim, 50)
        async with client(w.server, "legacy") as c:
            asked = await c.call_tool("run_batch", {**arguments, "environments": "live", "dry_run": False})
            token = TOKEN.search(text_of(asked)).group(1)  # type: ignore[union-attr]
            other = await c.call_tool(
                "run_batch", {**arguments, "environments": "all", "dry_run": False, "confirmation_token": token}
            )
            assert other.is_error and w.writes() == []  # a token for two targets does not cover four
            asked = await c.call_tool("run_batch", {**arguments, "environments": "live", "dry_run": False})
            token = TOKEN.search(text_of(asked)).group(1)  # type: ignore[union-attr]
            done = await c.call_tool(
                "run_batch", {**arguments, "environments": "live", "dry_run": False, "confirmation_token": token}
            )
    assert '"Client 01" / "Live"' in text_of(asked) and '"Client 02" / "Live"' in text_of(asked)
    assert done.structured_content["totals"] == {"done": 2} and len(w.writes()) == 2


_ANY = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.lists(st.text(max_size=5), max_size=2)
)
BATCH_ARGUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "operation": st.sampled_from(
            ["create_backup", "restart_php", "list_plugins_themes", "delete_site", "get_site", "x"]
        ),
        "preset": st.one_of(st.sampled_from(["clear_all_caches", "backup_live", "update_plugin"]), st.text(max_size=8)),
        "arguments": st.one_of(_ANY, st.dictionaries(st.sampled_from(["tag", "env_id", "name", "zz"]), _ANY)),
        "environments": st.one_of(st.sampled_from(["live", "staging", "all"]), _ANY),
        "name": st.one_of(st.sampled_from(["acme*", "*/staging", "[", "*"]), _ANY),
        "ids": st.one_of(st.lists(st.sampled_from([ids.ACME_SITE_ID, ids.ACME_LIVE_ENV_ID, "../x", ""])), _ANY),
        "plugin": st.one_of(st.sampled_from(["akismet", "woocommerce", "a b"]), _ANY),
        "plugin_outdated": _ANY,
        "dry_run": st.one_of(st.booleans(), _ANY),
        "resume": st.one_of(st.lists(st.sampled_from(["op-1", "x/y"]), max_size=2), _ANY),
        "wait": _ANY,
    },
)


def test_any_arguments_give_a_result_or_a_short_error() -> None:
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(world(confirmation="off", call_deadline=5)) as w,
        portal.wrap_async_context_manager(client(w.server, "auto")) as c,
    ):

        @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
        @given(BATCH_ARGUMENTS)
        def run(arguments: dict[str, Any]) -> None:
            before = len(w.sim.requests)
            result = portal.call(c.call_tool, "run_batch", arguments)
            text = text_of(result)
            assert text.strip() and "Traceback" not in text and "Error executing tool" not in text, text
            if result.is_error and "nothing was sent" in text.lower():
                assert all(r.method == "GET" for r in w.sim.requests[before:])
            assert all(".." not in r.raw_path for r in w.sim.requests[before:])

        run()


async def test_a_staging_named_like_the_live_environment_does_not_pass_its_plugins_off_as_lives() -> None:
    """Acme's staging is renamed "Live": only the live environment is a target, yet the company list's two
    ("Acme Shop", "Live") installs cannot say which is whose, so the live one is read directly."""
    async with world() as w:
        w.sim.state.environments[ids.ACME_STAGING_ENV_ID].display_name = "Live"
        async with client(w.server, "auto") as c:
            preview = await c.call_tool(
                "run_batch", {"preset": "update_plugin", "plugin": "woocommerce", "environments": "live"}
            )
    # Live runs WooCommerce 9.4.2 (outdated), the renamed staging 9.5.1 (current).
    assert [row["id"] for row in preview.structured_content["rows"]] == [ids.ACME_LIVE_ENV_ID]
    assert "woocommerce 9.4.2 -> 9.5.1" in text_of(preview)
    assert plugin_reads(w) == (1, 1)


def test_the_untrusted_mark_is_counted_in_the_batch_result_budget() -> None:
    """Rows whose read data differ in shape make a long `_untrusted` list: rows are left out (and said to
    be) until the result, mark included, fits the budget; the outcome words and ids are not marked."""
    rows = [
        BatchRow(
            target=f'"Site {i}/live"',
            id=f"env-{i}",
            operation="get_site",
            outcome="done",
            data={f"field_{i}_" + "n" * 60: "x"},
        )
        for i in range(100)
    ]
    budget = 8000
    outcome = batch_result("Get site", rows, budget, dry_run=False)
    data = outcome.structured
    assert data is not None and json_size(data) <= budget and len(outcome.text.encode()) <= budget
    shown = data["rows"]
    assert 0 < len(shown) < len(rows) and f"{len(rows) - len(shown)} row(s) left out" in data["left_out"]
    paths = data["_untrusted"]["paths"]
    with_data = [f"rows[].data.{key}" for row in shown for key in row.get("data", {})]
    assert "rows[].target" in paths and with_data and set(with_data) <= set(paths)
    assert not {"batch", "left_out", "rows[].outcome", "rows[].operation", "rows[].id"} & set(paths)
