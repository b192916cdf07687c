"""Secrets inside WP-CLI commands stay out of the audit file, the debug log and the results.

A command carries its secret by flag name (`--user_pass=…`, `--user_pass …`) or by position
(`wp config set DB_PASSWORD …`, `wp option update <secret-looking name> …`). Each command below is
run through a real MCP client with the human saying yes, under both protocol versions, with the
server logging at debug level to stderr and writing its audit file; then the file, stderr and
every result are read for the secret values. No request or response body reaches the log at all.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import MODES, answering, client, text_of, world

from kinsta_mcp.logs import setup_logging
from kinsta_mcp.redaction import REDACTED, redact_text
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio

# (command, the secret in it): every value distinctive, so any occurrence is a leak.
COMMANDS = [
    ("wp config set DB_PASSWORD S3cret-db-2f9a", "S3cret-db-2f9a"),
    ("wp config set --raw AUTH_SALT 'salt-4b7e with spaces' --type=constant", "salt-4b7e with spaces"),
    ("wp config set MY_LICENSE_TOKEN tok-8c1d --anchor=x", "tok-8c1d"),
    ("wp user create eve eve@example.com --role=administrator --user_pass pw-5e3a", "pw-5e3a"),
    ("wp user update 1 --user_pass=pw-7d21", "pw-7d21"),
    ("wp option update stripe_secret_key sk-live-9b04", "sk-live-9b04"),
    ("wp option add mailer_api_token tok-1a6f", "tok-1a6f"),
]
# Not secrets: these stay as they are.
HARMLESS = [
    "wp option update blogname My-Blog-3c5e",
    "wp config set WP_DEBUG true --raw",
    "wp plugin list --status=active",
]


@pytest.fixture
def debug_stderr(capfd: Any) -> Iterator[None]:
    """The server's logging as the command line installs it, at debug level, onto (captured) stderr."""
    stream = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115  # file descriptor 2, as the server writes it
    setup_logging("debug", (), stream=stream)
    try:
        yield
    finally:
        stream.close()
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == "kinsta-mcp-stderr"]:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)


@pytest.mark.parametrize("mode", MODES)
async def test_command_secrets_never_reach_the_audit_file_stderr_or_results(
    mode: str, tmp_path: Path, capfd: Any, debug_stderr: None
) -> None:
    audit = tmp_path / "audit.jsonl"
    callback, prompts = answering("accept")
    results: list[Any] = []
    async with world(audit=audit) as w, client(w.server, mode, callback) as c:
        for command, _secret in COMMANDS:
            results.append(await c.call_tool("run_wp_cli", {"env_id": ids.ACME_LIVE_ENV_ID, "wp_command": command}))
        sent = [r.body.get("wp_command") for r in w.writes() if isinstance(r.body, dict)]
    assert sent == [command for command, _ in COMMANDS]  # Kinsta got each command whole
    assert len(prompts) == len(COMMANDS)  # the human was asked each time
    for (command, _secret), prompt in zip(COMMANDS, prompts, strict=True):
        assert f"Run `{redact_text(command)}`" in prompt  # readable, the secret masked
        assert "it is sent as given, not shown here" in prompt
    captured = capfd.readouterr()
    assert "kinsta_mcp.api: request POST" in captured.err, captured.err[:3000]  # debug logging was on
    assert "body=" not in captured.err
    trail = audit.read_text()
    records = [json.loads(line) for line in trail.splitlines()]
    intents = [r for r in records if r["phase"] == "intent"]
    assert len(intents) == len(COMMANDS) and all(REDACTED in r["arguments"]["wp_command"] for r in intents)
    for result in results:
        assert not result.is_error, text_of(result)
    shown = [text_of(r) + json.dumps(r.structured_content) for r in results]
    assert all(REDACTED in text for text in shown)  # the command is echoed in the result, redacted
    for _command, secret in COMMANDS:
        channels = (("audit file", trail), ("stderr", captured.err), ("results", "\n".join(shown)))
        for channel, text in (*channels, ("confirmation prompts", "\n".join(prompts))):
            assert secret not in text, f"{secret!r} appears in the {channel}"


@pytest.mark.parametrize("mode", MODES)
async def test_in_token_mode_the_preview_the_model_reads_masks_the_secret_and_the_token_sends_it_whole(
    mode: str,
) -> None:
    """The opt-in token mode hands the preview to the model: the command is readable, its secrets are not."""
    async with world(confirmation="elicit-or-model-token") as w, client(w.server, mode) as c:  # no elicitation
        previews = []
        for command, _secret in COMMANDS:
            args = {"env_id": ids.ACME_LIVE_ENV_ID, "wp_command": command}
            refused = await c.call_tool("run_wp_cli", args)
            previews.append(text_of(refused))
            assert refused.is_error and w.writes() == [], text_of(refused)
        token = previews[0].split('confirmation_token="')[1].split('"')[0]
        done = await c.call_tool(
            "run_wp_cli", {"env_id": ids.ACME_LIVE_ENV_ID, "wp_command": COMMANDS[0][0], "confirmation_token": token}
        )
        sent = [r.body.get("wp_command") for r in w.writes() if isinstance(r.body, dict)]
    assert not done.is_error and sent == [COMMANDS[0][0]], text_of(done)  # the masked preview is not what is sent
    for (command, secret), preview in zip(COMMANDS, previews, strict=True):
        assert f"Run `{redact_text(command)}`" in preview and "confirmation_token=" in preview
        assert secret not in preview


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_confirmation_masks_the_command_secret(mode: str) -> None:
    callback, prompts = answering("decline")
    command, secret = COMMANDS[0]
    batch = {"operation": "run_wp_cli", "arguments": {"wp_command": command}, "environments": "live", "dry_run": False}
    async with world() as w, client(w.server, mode, callback) as c:
        refused = await c.call_tool("run_batch", batch)
    assert refused.is_error and w.writes() == [] and len(prompts) == 1
    assert f"`{redact_text(command)}`" in prompts[0] and secret not in prompts[0] + text_of(refused)


def test_a_harmless_command_is_shown_whole_in_a_confirmation() -> None:
    from kinsta_mcp.catalog import BY_NAME
    from kinsta_mcp.server.previews import render

    for command in HARMLESS:
        shown = render(BY_NAME["run_wp_cli"], {"env_id": "e", "wp_command": command}, {"env_id": "environment Live"})
        assert f"Run `{command}` on environment Live" in shown and REDACTED not in shown


@pytest.mark.parametrize(("command", "secret"), COMMANDS)
def test_a_secret_is_redacted_by_its_position_or_flag(command: str, secret: str) -> None:
    redacted = redact_text(command)
    assert secret not in redacted and REDACTED in redacted
    assert redacted.split()[:3] == command.split()[:3]  # what was run stays readable
    quoted = redact_text(f"Run `{command}` on environment Live; it can change anything.")
    assert secret not in quoted and quoted.endswith("` on environment Live; it can change anything.")


@pytest.mark.parametrize("command", HARMLESS)
def test_commands_without_a_secret_are_left_as_they_are(command: str) -> None:
    assert redact_text(command) == command


def test_chained_commands_are_each_redacted() -> None:
    text = "wp config set WP_DEBUG true; wp config set DB_PASSWORD pw-one && wp option update my_token pw-two"
    redacted = redact_text(text)
    assert "pw-one" not in redacted and "pw-two" not in redacted and "WP_DEBUG true;" in redacted


def test_the_log_handler_redacts_commands_in_any_record() -> None:
    stream = io.StringIO()
    setup_logging("debug", (), stream=stream)
    try:
        logging.getLogger("kinsta_mcp.test").debug("ran %s", "wp config set DB_PASSWORD pw-in-a-log-3e9d")
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == "kinsta-mcp-stderr"]:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
    assert "wp config set DB_PASSWORD" in stream.getvalue() and "pw-in-a-log-3e9d" not in stream.getvalue()


@pytest.mark.parametrize("mode", MODES)
async def test_a_rejected_command_is_named_in_the_error_without_its_secret(mode: str) -> None:
    """A command the pattern refuses (`!` is not allowed) is echoed back to say what was given: masked."""
    command = "wp config set DB_PASSWORD s3cret-9f1e!x"
    callback, prompts = answering("accept")
    async with world() as w, client(w.server, mode, callback) as c:
        result = await c.call_tool("run_wp_cli", {"env_id": ids.ACME_LIVE_ENV_ID, "wp_command": command})
    text = text_of(result)
    assert result.is_error and prompts == [] and w.writes() == [], text
    assert "wp_command" in text and "wp config set DB_PASSWORD" in text and "s3cret-9f1e" not in text
