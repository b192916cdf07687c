"""Flows that take the shortest path: checks that can fail run before the human is asked, and commands that
only read are not asked about at all (while everything else stays guarded), tried with a declining human."""

from __future__ import annotations

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.simulator.seed_extras import OWNER_ADMIN

pytestmark = pytest.mark.anyio
LIVE = ids.ACME_LIVE_ENV_ID
WP_CLI = f"/sites/environments/{LIVE}/run-wp-cli-command"

READS = [
    "wp user list --fields=ID,user_email --format=csv",  # commas, =, as real commands use them
    'wp post list --post_type="page" --fields=ID,post_title',  # double quotes
    "wp option get blogname",
    "wp core version",
    "wp plugin list --status=active",
]
STILL_GUARDED = [
    "wp cache flush",  # a write
    "wp option get auth_key",  # a secret-looking option
    "wp user list --fields=ID,user_pass",  # a secret field
    "wp plugin list --require=evil.php",  # a flag that runs PHP
    "wp option update blogname Hacked",
    "wp db export",
]


def sent(w: object) -> list[str]:
    return [r.body["wp_command"] for r in w.sim.requests if r.path == WP_CLI]  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
async def test_a_wp_cli_command_that_only_reads_runs_without_asking(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        results = [await c.call_tool("run_wp_cli", {"env_id": LIVE, "wp_command": cmd}) for cmd in READS]
    assert prompts == [] and all(not r.is_error for r in results), [text_of(r) for r in results]
    assert sent(w) == READS


@pytest.mark.parametrize("mode", MODES)
async def test_any_other_command_still_needs_the_human(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        results = [await c.call_tool("run_wp_cli", {"env_id": LIVE, "wp_command": cmd}) for cmd in STILL_GUARDED]
    assert all(r.is_error and "Nothing was sent" in text_of(r) for r in results)
    assert len(prompts) == len(STILL_GUARDED) and sent(w) == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_login_link_for_an_email_kinsta_does_not_know_is_refused_before_asking(mode: str) -> None:
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, mode, callback) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        unknown = await c.call_tool("get_wp_admin_login_link", {"env_id": LIVE, "email": "nobody@example.com"})
        assert prompts == [] and w.writes() == []
        known = await c.call_tool("get_wp_admin_login_link", {"env_id": LIVE, "email": OWNER_ADMIN.email})
    assert unknown.is_error and "no WordPress administrator with the email nobody@example.com" in text_of(unknown)
    assert "check_wp_admin_user" in text_of(unknown) and "not asked" in text_of(unknown)
    assert not known.is_error and len(prompts) == 1 and "kinsta-sso=" in text_of(known)
    assert "administrator" in (tools["get_wp_admin_login_link"].description or "")  # which emails work
