"""A batch's confirmation flags targets whose names a human cannot tell from another site's, as a single call's does.

The simulator's agency seed (`--demo-sites`, simulator/seed_scale.py) holds "Client Site 001" twice
and a homoglyph of it, "Сlient Site 001" with a Cyrillic С: a batch over them must say which target
is which before the human says yes, within the bounded prompt (count first; the flagged targets
named even where the rest are summarised). Through a real MCP client, both protocol versions.
"""

from __future__ import annotations

from typing import Any

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.simulator.seed_scale import HOMOGLYPH_C, scale_site_id

pytestmark = pytest.mark.anyio
FAKE = HOMOGLYPH_C + "lient Site 001"
RESTART_LIVES = {"operation": "restart_php", "name": "client-site-*/live", "dry_run": False}


def restarts(w: Any) -> list[Any]:
    return [r for r in w.sim.requests if r.path == "/sites/tools/restart-php"]


def target_line(prompt: str, site_name: str) -> str:
    lines = [line for line in prompt.splitlines() if line.startswith(f'- "{site_name}" / "Live"')]
    assert len(lines) >= 1, prompt
    return lines[0]


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_prompt_flags_the_homoglyph_and_the_names_it_imitates(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world(sim_options={"extra_sites": 20}) as w, client(w.server, mode, callback) as c:
        result = await c.call_tool("run_batch", RESTART_LIVES)
    assert result.is_error and restarts(w) == [] and len(prompts) == 1, text_of(result)
    prompt = prompts[0]
    assert prompt.startswith("20 targets (20 live): Restart PHP")  # the count still comes first
    assert "Look twice (3 of 20 targets)" in prompt
    fake = target_line(prompt, FAKE)
    assert "mixes scripts (CYRILLIC, LATIN)" in fake and 'looks like "Client Site 001"' in fake
    real = [line for line in prompt.splitlines() if line.startswith('- "Client Site 001" / "Live"')]
    assert len(real) == 2 and all(f'spelt differently: "{FAKE}"' in line for line in real)
    assert "look twice" not in target_line(prompt, "Client Site 004").lower()  # the others are not flagged


@pytest.mark.parametrize("mode", MODES)
async def test_a_flagged_target_is_named_even_where_the_rest_are_summarised(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world(sim_options={"extra_sites": 40}) as w:
        sites = w.sim.state.sites
        sites[scale_site_id(3)] = sites.pop(scale_site_id(3))  # the homoglyph now comes last in the site list
        async with client(w.server, mode, callback) as c:
            result = await c.call_tool("run_batch", RESTART_LIVES)
    assert result.is_error and restarts(w) == [] and len(prompts) == 1
    prompt = prompts[0]
    assert prompt.startswith("40 targets (40 live): Restart PHP")
    assert "and 28 more" in prompt  # 12 named, the rest summarised
    assert len(prompt) < 4000 and len(prompt.splitlines()) < 35  # still bounded
    fake = target_line(prompt, FAKE)
    assert "mixes scripts (CYRILLIC, LATIN)" in fake
    summary = next(line for line in prompt.splitlines() if line.startswith("- and 28 more"))
    assert FAKE not in summary  # named above with its flag, not lost among the summarised


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_of_names_that_look_alike_to_nobody_has_no_flag(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world(sim_options={"extra_sites": 20}) as w, client(w.server, mode, callback) as c:
        await c.call_tool("run_batch", {**RESTART_LIVES, "name": "client-site-01*/live"})
    assert len(prompts) == 1 and prompts[0].startswith("10 targets (10 live): Restart PHP"), prompts
    assert "look twice" not in prompts[0].lower(), prompts[0]
