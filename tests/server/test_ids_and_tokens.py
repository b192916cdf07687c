"""Issue 20, finding 9: ids compared case-insensitively, bearer tokens that are no secret refused at
start-up, and generate_sftp_password labelled for what it does (it locks the user out; it reveals nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import Risk
from kinsta_mcp.config import ConfigError, load_settings
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

BASE_ENV = {"HOME": "/home/tester", "KINSTA_API_KEY": "kinsta-key-for-tests-0123456789", "KINSTA_COMPANY_ID": "c1"}
GOOD_TOKEN = "Zk3v9QyT1mW8pL2nR5sX7cB4dF6gH0jA"


# -- ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_an_uppercase_uuid_names_the_same_site_in_the_prompt_and_the_request(mode: str) -> None:
    callback, prompts = answering("decline")
    upper = ids.ACME_SITE_ID.upper()
    async with world() as w, client(w.server, mode, callback) as c:
        read = await c.call_tool("get_site", {"site_id": upper})
        declined = await c.call_tool("delete_site", {"site_id": upper})
        sent = [r.path for r in w.sim.requests]
    assert not read.is_error, text_of(read)
    assert "Acme Shop" in text_of(read)
    assert f"/sites/{ids.ACME_SITE_ID}" in sent and not any(upper in path for path in sent)
    (prompt,) = prompts
    assert '"Acme Shop"' in prompt and ids.ACME_SITE_ID in prompt and "not found" not in prompt
    assert declined.is_error and not [r for r in w.sim.requests if r.method == "DELETE"]


# -- bearer tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "why"),
    [
        (" " * 32, "token 1 is blank"),
        ("\t \t", "token 1 is blank"),
        ("a" * 32, "token 1 is one character repeated"),
        (f"{GOOD_TOKEN}=default,{'Z' * 40}", "token 2 is one character repeated"),
        (f"{GOOD_TOKEN},,{GOOD_TOKEN}x", "token 2 is blank"),
        ("=default", "token 1 is blank"),
        (f"{GOOD_TOKEN[:10]} {GOOD_TOKEN[10:]}", "token 1 contains whitespace"),
    ],
)
def test_a_token_that_is_no_secret_is_refused_from_the_environment(tokens: str, why: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({}, {**BASE_ENV, "KINSTA_MCP_HTTP_TOKENS": tokens}, None)
    message = str(refused.value)
    assert why in message and "\n" not in message and "secrets.token_urlsafe" in message
    assert GOOD_TOKEN not in message and "a" * 32 not in message


@pytest.mark.parametrize(("token", "why"), [(" " * 32, "blank"), ("b" * 33, "one character repeated")])
def test_a_token_that_is_no_secret_is_refused_from_the_config_file(tmp_path: Path, token: str, why: str) -> None:
    path = tmp_path / "kinsta-mcp.json"
    path.write_text(json.dumps({"http_tokens": {GOOD_TOKEN: None, token: "default"}}), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings({}, BASE_ENV, str(path))
    assert f"token 2 is {why}" in str(refused.value) and "\n" not in str(refused.value)


def test_good_tokens_and_an_empty_variable_still_load() -> None:
    settings = load_settings({}, {**BASE_ENV, "KINSTA_MCP_HTTP_TOKENS": f" {GOOD_TOKEN}=default , {GOOD_TOKEN}2"}, None)
    assert settings.http_tokens == {GOOD_TOKEN: "default", GOOD_TOKEN + "2": None}
    assert load_settings({}, {**BASE_ENV, "KINSTA_MCP_HTTP_TOKENS": ""}, None).http_tokens == {}


def test_thirty_two_spaces_do_not_start_http_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    env["KINSTA_MCP_HTTP_TOKENS"] = " " * 32
    started = subprocess.run(
        [sys.executable, "-m", "kinsta_mcp", "--demo", "--transport", "http", "--port", "1", "--audit-log", "off"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert started.returncode == 2 and started.stdout == ""
    assert started.stderr.count("\n") == 1 and "KINSTA_MCP_HTTP_TOKENS: token 1 is blank" in started.stderr
    assert "no token required" not in started.stderr


# -- generate_sftp_password ------------------------------------------------------------------------


def test_generating_an_sftp_password_is_declared_as_locking_out_not_as_revealing() -> None:
    op = BY_NAME["generate_sftp_password"]
    assert op.risk is not Risk.REVEALS_SECRET and op.guarded
    assert "locked out" in (op.risk_reason or "") and "locked out" in (op.consequence or "")


@pytest.mark.parametrize("mode", MODES)
async def test_the_human_reads_that_a_new_sftp_password_locks_users_out(mode: str) -> None:
    callback, prompts = answering("decline")
    async with world() as w, client(w.server, mode, callback) as c:
        declined = await c.call_tool("generate_sftp_password", {"env_id": ids.ACME_LIVE_ENV_ID})
    (prompt,) = prompts
    assert "locked out" in prompt and "reveals a secret" not in prompt.lower()
    assert '"Live"' in prompt and '"Acme Shop"' in prompt
    assert declined.is_error and not w.writes()
