"""The tool list says which calls ask the human, accurately (issue 21): run_wp_cli's note names the read-only
commands that run without asking. Taken from tools/list alone, through a real MCP client: every command it
names runs without a question, and a command it does not name is asked."""

from __future__ import annotations

import re

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
NOTE = re.compile(r"Asks the human, except for these reads: wp (.+?) \(read flags only, e\.g\. ([^;]+); ")


def commands_named(description: str) -> list[str]:
    """The commands the note names: "plugin|theme get|list" is wp plugin get, wp plugin list, wp theme get..."""
    found = NOTE.search(description)
    assert found, description
    commands = []
    for part in found.group(1).split(", "):
        nouns, _, verbs = part.rpartition(" ")
        commands += [f"wp {noun} {verb}" for noun in nouns.split("|") for verb in verbs.split("|")]
    return commands


@pytest.mark.parametrize("mode", MODES)
async def test_every_read_the_note_names_runs_without_asking_and_others_are_asked(mode: str) -> None:
    callback, prompts = answering()
    async with world() as w, client(w.server, mode, callback) as c:
        listed = {t.name: t for t in (await c.list_tools()).tools}["run_wp_cli"].description or ""
        commands = commands_named(listed)
        for command in commands:
            result = await c.call_tool("run_wp_cli", {"env_id": ids.ACME_STAGING_ENV_ID, "wp_command": command})
            assert not result.is_error or "Nothing was sent" not in text_of(result), command
            assert prompts == [], f"{command} was asked: {prompts}"
        sent = [r.body["wp_command"] for r in w.writes() if r.path.endswith("/run-wp-cli-command")]
        env = ids.ACME_STAGING_ENV_ID
        flagged = await c.call_tool("run_wp_cli", {"env_id": env, "wp_command": "wp plugin list --fields=name,version"})
        writes = await c.call_tool("run_wp_cli", {"env_id": env, "wp_command": "wp plugin install x"})
    assert sent == commands and len(commands) >= 20
    assert "wp plugin list" in commands and "wp user list" in commands and "wp option get" in commands
    assert not flagged.is_error and not writes.is_error
    assert len(prompts) == 1 and "wp plugin install x" in prompts[0]  # only the command the note does not name


@pytest.mark.parametrize("mode", MODES)
async def test_the_note_is_not_said_when_nobody_is_asked(mode: str) -> None:
    async with world(confirmation="off") as w, client(w.server, mode) as c:
        listed = {t.name: t for t in (await c.list_tools()).tools}["run_wp_cli"].description or ""
    assert "Asks" not in listed and "except" not in listed
