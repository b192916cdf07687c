"""Real Streamable HTTP on loopback with the SDK's client, under both protocol versions.

2025-11-25 (mode="legacy", stateful sessions) and 2026-07-28 (mode="auto"): tools work, a client
that cannot elicit gets the preview-and-token flow, one that can is asked over HTTP, and several
clients at once each get their own session (each is asked only its own question).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from harness import MODES, answering, text_of
from http_world import ANY_TOKEN, BETA_TOKEN, Served, served, two_company_settings

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.simulator import DEMO_COMPANY_ID
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
VERSIONS = {"legacy": "2025-11-25", "auto": "2026-07-28"}
TOKEN = re.compile(r'confirmation_token="([^"]+)"')
TOKENS = {ANY_TOKEN: None}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"  # module scope: one server serves every test here (starting one costs ~0.5 s)


@pytest.fixture(scope="module")
async def s() -> AsyncIterator[Served]:
    async with served(two_company_settings(http_tokens=TOKENS)) as running:
        yield running


def phpmyadmin_requests(sim: Any) -> int:
    """How many login-link requests reached the simulator, for any environment."""
    suffix = BY_NAME["get_phpmyadmin_link"].path.rsplit("}", 1)[1]
    return sum(1 for r in sim.requests if r.path.endswith(suffix))


@pytest.mark.parametrize("mode", MODES)
async def test_tools_work_over_http_under_each_protocol_version(s: Served, mode: str, capfd: Any) -> None:
    async with s.client(mode, ANY_TOKEN) as c:
        assert c.protocol_version == VERSIONS[mode]
        names = {t.name for t in (await c.list_tools()).tools}
        assert {"list_sites", "get_phpmyadmin_link", "wait_for_operation"} <= names
        result = await c.call_tool("list_sites", {})
        assert not result.is_error, text_of(result)
        assert "Acme Shop" in text_of(result)
        # a long operation is awaited over HTTP too (virtual time: the simulator's clock)
        cleared = await c.call_tool("clear_cache", {"cache": "site", "env_id": ids.ACME_LIVE_ENV_ID})
        assert not cleared.is_error, text_of(cleared)
    listings = [r.query for r in s.sim.requests if r.path == "/sites"]
    assert listings and all(("company", DEMO_COMPANY_ID) in query for query in listings)
    assert capfd.readouterr().out == ""  # HTTP mode writes nothing to stdout either


@pytest.mark.parametrize("mode", MODES)
async def test_by_default_a_client_that_cannot_elicit_is_refused_without_a_token(s: Served, mode: str) -> None:
    args = {"env_id": ids.ACME_LIVE_ENV_ID}
    before = phpmyadmin_requests(s.sim)
    async with s.client(mode, ANY_TOKEN) as c:
        first = await c.call_tool("get_phpmyadmin_link", args)
    assert first.is_error and "Nothing was sent" in text_of(first) and "confirmation_token" not in text_of(first)
    assert phpmyadmin_requests(s.sim) == before


@pytest.mark.parametrize("mode", MODES)
async def test_a_model_token_is_bound_to_the_bearer_that_asked(mode: str) -> None:
    """Finding 4: a token minted under bearer B (profile beta) is void for bearer A, and the reverse."""
    tokens = {ANY_TOKEN: None, BETA_TOKEN: "beta"}
    settings = two_company_settings(http_tokens=tokens, confirmation="elicit-or-model-token")
    async with served(settings) as running:
        args = {"env_id": ids.ACME_LIVE_ENV_ID}
        async with running.client(mode, ANY_TOKEN) as a:
            minted = TOKEN.search(text_of(await a.call_tool("get_phpmyadmin_link", args)))
        assert minted
        async with running.client(mode, BETA_TOKEN) as b:
            stolen = await b.call_tool("get_phpmyadmin_link", {**args, "confirmation_token": minted.group(1)})
        assert stolen.is_error and phpmyadmin_requests(running.sim) == 0
        async with running.client(mode, ANY_TOKEN) as a:
            first = await a.call_tool("get_phpmyadmin_link", args)
            token = TOKEN.search(text_of(first))
            assert token
            done = await a.call_tool("get_phpmyadmin_link", {**args, "confirmation_token": token.group(1)})
        assert not done.is_error, text_of(done)
        assert phpmyadmin_requests(running.sim) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("action", ["accept", "decline"])
async def test_a_client_that_can_elicit_is_asked_over_http(s: Served, mode: str, action: str) -> None:
    callback, prompts = answering(action)
    before = phpmyadmin_requests(s.sim)
    async with s.client(mode, ANY_TOKEN, callback) as c:
        result = await c.call_tool("get_phpmyadmin_link", {"env_id": ids.ACME_LIVE_ENV_ID})
    assert len(prompts) == 1 and "Acme Shop" in prompts[0]
    assert result.is_error == (action == "decline"), text_of(result)
    assert phpmyadmin_requests(s.sim) == before + (1 if action == "accept" else 0)


@pytest.mark.parametrize("mode", MODES)
async def test_several_clients_at_once_each_have_their_own_session(s: Served, mode: str) -> None:
    envs = {"acme": ids.ACME_LIVE_ENV_ID, "northwind": ids.NORTHWIND_LIVE_ENV_ID, "contoso": ids.CONTOSO_LIVE_ENV_ID}
    asked: dict[str, list[str]] = {}
    outcomes: dict[str, bool] = {}
    before = phpmyadmin_requests(s.sim)

    async def one(name: str, env_id: str) -> None:
        callback, prompts = answering("accept")
        asked[name] = prompts
        async with s.client(mode, ANY_TOKEN, callback) as c:
            result = await c.call_tool("get_phpmyadmin_link", {"env_id": env_id})
            outcomes[name] = not result.is_error

    async with anyio.create_task_group() as tg:
        for name, env_id in envs.items():
            tg.start_soon(one, name, env_id)

    assert outcomes == dict.fromkeys(envs, True)
    sites = {"acme": "Acme Shop", "northwind": "Northwind Blog", "contoso": "Contoso Network"}
    for name, prompts in asked.items():
        assert len(prompts) == 1, (name, prompts)  # each question went to its own client
        assert sites[name] in prompts[0], (name, prompts)
    assert phpmyadmin_requests(s.sim) == before + len(envs)
