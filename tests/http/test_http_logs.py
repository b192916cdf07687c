"""At --log-level debug over real HTTP, what a tool reveals (an SFTP password, a phpMyAdmin login
link) reaches the client and never the log: no library may log a response body or an SSE chunk."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from harness import answering, text_of
from http_world import ANY_TOKEN, served, two_company_settings

from kinsta_mcp.logs import setup_logging
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
URL = re.compile(r"https?://[^\s\"'<>)\]]+")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything the server logs, at debug level, through the handler the command line installs."""
    stream = io.StringIO()
    setup_logging("debug", (ANY_TOKEN,), stream=stream)
    try:
        yield stream
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == "kinsta-mcp-stderr"]:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_revealed_secrets_never_reach_the_debug_log(mode: str, debug_log: io.StringIO, capfd: Any) -> None:
    callback, _prompts = answering("accept")
    async with served(two_company_settings(http_tokens={ANY_TOKEN: None}), log_level="debug") as s:
        async with s.client(mode, ANY_TOKEN, callback) as c:
            link = await c.call_tool("get_phpmyadmin_link", {"env_id": ids.ACME_LIVE_ENV_ID})
            generated = await c.call_tool("generate_sftp_password", {"env_id": ids.ACME_LIVE_ENV_ID})
            shown = await c.call_tool("get_sftp_password", {"env_id": ids.ACME_LIVE_ENV_ID})
        password = s.sim.state.environments[ids.ACME_LIVE_ENV_ID].sftp_password
    assert not link.is_error and not generated.is_error and not shown.is_error, (text_of(link), text_of(shown))
    revealed = [*URL.findall(text_of(link)), password]
    assert len(revealed) >= 2 and all(len(value) >= 16 for value in revealed), revealed
    assert password and password in text_of(shown)  # the client did get it
    captured = capfd.readouterr()
    logged = debug_log.getvalue()
    assert "request POST" in logged  # debug was on: our own request lines are there
    for value in revealed:
        for channel, text in (("log", logged), ("stderr", captured.err), ("stdout", captured.out)):
            assert value not in text, f"{value[:12]}... appears in {channel}"
    assert ANY_TOKEN not in logged + captured.err
