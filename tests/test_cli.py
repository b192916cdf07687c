"""The command line: serve, check, config, simulator; one-line errors with exit 2; redacted logs."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi import Contract, contract

from kinsta_mcp import __version__, cli
from kinsta_mcp.config import OPTIONS, Settings, config_reference_markdown, load_settings
from kinsta_mcp.logs import REDACTED, setup_logging
from kinsta_mcp.simulator import DEMO_COMPANY_ID

REPO = Path(__file__).resolve().parent.parent
KEY = "kst_live_9f8e7d6c5b4a39281706"
OTHER_KEY = "kst_live_0a1b2c3d4e5f60718293"
COMPANY = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No KINSTA_* variable of the machine running the tests leaks in; logging restored afterwards."""
    for name in list(os.environ):
        if name.startswith("KINSTA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", "/home/tester")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINSTA_API_KEY", KEY)
    monkeypatch.setenv("KINSTA_COMPANY_ID", COMPANY)


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Replaces the server's `run` (the lead's module) and records the settings it is given."""
    started: list[Settings] = []
    module = types.ModuleType("kinsta_mcp.server.app")

    def run(settings: Settings) -> None:
        started.append(settings)
        logging.getLogger("kinsta_mcp.server").warning("started with key %s and Bearer %s", KEY, OTHER_KEY)

    module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kinsta_mcp.server.app", module)
    return started


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


# ---------------------------------------------------------------------------- usage and errors


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"kinsta-mcp {__version__}\n"


def test_help_lists_every_option_with_its_environment_and_file_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal; names must not be split
    assert cli.main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for o in OPTIONS:
        if o.flag:
            assert o.flag in text
            assert f"env {o.env}" in text
            if o.in_file:
                assert f"config {o.key};" in text
        else:
            assert f"{', '.join(n for n in (o.env, o.key) if n)}:" in text  # the settings without a flag
    assert "--api-key" not in text  # keys on a command line show in process lists
    for command in ("check", "simulator", "config"):
        assert command in text


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--read-onyl"], "kinsta-mcp: unrecognized arguments: --read-onyl (did you mean --read-only?)"),
        (["check", "--bad-flag"], "kinsta-mcp check: unrecognized arguments: --bad-flag"),
        (["--api-key", KEY], "kinsta-mcp: unrecognized arguments: --api-key and 1 other value (API keys are not"),
        (["chek"], "kinsta-mcp: unknown command (did you mean 'check'?); commands are serve, check, simulator, config"),
        (["simulatr", "--port", "1"], "kinsta-mcp: unknown command (did you mean 'simulator'?)"),
        (["--demo", "check"], "kinsta-mcp: the command comes first: kinsta-mcp check --demo;"),
        (
            ["--port", "9000", "config", f"--x={KEY}"],
            "kinsta-mcp: the command comes first: kinsta-mcp config --port ... --x=...;",
        ),
        ([KEY], "kinsta-mcp: 1 unexpected argument (not shown: it may be a secret); commands are serve, check"),
        (["simulator", "--port", "x"], "kinsta-mcp simulator: argument --port: invalid int value: 'x'"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert cli.main(argv) == 2
    line = one_line_error(capsys)
    assert line.startswith(expected) and line.endswith("--help")
    assert KEY not in line


def test_a_command_word_given_as_a_value_is_a_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, with_key: None, fake_server: list[Settings]
) -> None:
    # `--profile check` names a profile called "check": not a misplaced command.
    assert cli.main(["--profile", "check"]) == 2
    assert "configuration error: --profile: profile 'check' is not configured" in one_line_error(capsys)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], {}, "KINSTA_API_KEY: no API key configured"),
        (["--port", "0"], {"KINSTA_API_KEY": KEY, "KINSTA_COMPANY_ID": COMPANY}, "--port: '0' is not a port number"),
        (["check"], {"KINSTA_API_KEY": KEY}, "no company id"),
        (["config", "--toolsets", "sitez"], {"KINSTA_API_KEY": KEY, "KINSTA_COMPANY_ID": COMPANY}, "'sites'"),
    ],
)
def test_configuration_errors_are_one_line_with_status_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(argv) == 2
    line = one_line_error(capsys)
    assert line.startswith("kinsta-mcp: configuration error: ") and expected in line
    assert KEY not in line


def test_malformed_config_file_via_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"port": 80,}', encoding="utf-8")
    assert cli.main(["--config", str(path)]) == 2
    assert f"config file {path}: invalid JSON at line 1, column 13" in one_line_error(capsys)


@pytest.mark.parametrize(
    ("argv", "extra_env", "expected"),
    [
        (["--bad-flag"], {}, "unrecognized arguments: --bad-flag"),
        (["--config", "{config}"], {}, "invalid JSON at line 1"),
        ([], {"KINSTA_MCP_PORT": "abc"}, "KINSTA_MCP_PORT: 'abc' is not a port number"),
    ],
)
def test_a_real_process_prints_no_traceback(
    tmp_path: Path, argv: list[str], extra_env: dict[str, str], expected: str
) -> None:
    config = tmp_path / "bad.json"
    config.write_text("{not json", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "KINSTA_API_KEY": KEY,
        "KINSTA_COMPANY_ID": COMPANY,
        **extra_env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "kinsta_mcp", *(a.format(config=config) for a in argv)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert expected in done.stderr
    assert KEY not in done.stderr


# ---------------------------------------------------------------------------- serve


def test_serve_passes_the_settings_and_writes_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str], with_key: None, fake_server: list[Settings]
) -> None:
    assert cli.main(["--read-only", "--toolsets", "sites,dns", "--log-level", "info"]) == 0
    (settings,) = fake_server
    assert settings.read_only and settings.toolsets == ("sites", "dns") and settings.log_level == "info"
    assert settings.profile().company_id == COMPANY
    captured = capsys.readouterr()
    assert captured.out == ""  # stdout belongs to the MCP protocol
    assert "confirmation is off" not in captured.err


def test_serve_is_the_default_command(with_key: None, fake_server: list[Settings]) -> None:
    assert cli.main(["serve", "--port", "9100"]) == 0
    assert cli.main(["--port", "9200"]) == 0
    assert [s.port for s in fake_server] == [9100, 9200]


def test_serve_logs_are_redacted(
    capsys: pytest.CaptureFixture[str], with_key: None, fake_server: list[Settings]
) -> None:
    assert cli.main([]) == 0
    err = capsys.readouterr().err
    assert f"started with key {REDACTED} and Bearer {REDACTED}" in err
    assert KEY not in err and OTHER_KEY not in err


def test_confirmation_off_is_announced_at_any_log_level(
    capsys: pytest.CaptureFixture[str], with_key: None, fake_server: list[Settings]
) -> None:
    assert cli.main(["--confirmation", "off", "--log-level", "error"]) == 0
    captured = capsys.readouterr()
    assert fake_server[0].confirmation == "off"
    assert "WARNING: confirmation is off" in captured.err and captured.out == ""


def test_demo_serves_without_a_key(fake_server: list[Settings]) -> None:
    assert cli.main(["--demo"]) == 0
    (settings,) = fake_server
    assert settings.demo and settings.profile().name == "demo"


def test_keyboard_interrupt_ends_quietly(monkeypatch: pytest.MonkeyPatch, with_key: None) -> None:
    module = types.ModuleType("kinsta_mcp.server.app")

    def run(settings: Settings) -> None:
        raise KeyboardInterrupt

    module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kinsta_mcp.server.app", module)
    assert cli.main([]) == 130


# ---------------------------------------------------------------------------- config and simulator commands


def test_config_command_prints_settings_without_secrets(
    capsys: pytest.CaptureFixture[str], with_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINSTA_MCP_HTTP_TOKENS", "tok_abcdef123456=default")
    assert cli.main(["config", "--port", "8111"]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert shown["port"] == 8111
    assert shown["profiles"]["default"]["api_key"] == "**********"
    assert shown["http_tokens"] == {"<token 1>": "default"}
    assert KEY not in out and "tok_abcdef123456" not in out


def test_config_reference_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["config", "--reference"]) == 0
    assert capsys.readouterr().out == config_reference_markdown()


def test_simulator_command_runs_the_simulator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kinsta_mcp.simulator as simulator

    calls: list[tuple[str, int, int]] = []
    monkeypatch.setattr(simulator, "serve", lambda host, port, extra_sites: calls.append((host, port, extra_sites)))
    assert cli.main(["simulator", "--port", "9999"]) == 0
    assert cli.main(["simulator", "--demo-sites", "500"]) == 0
    assert calls == [("127.0.0.1", 9999, 0), (cli.SIMULATOR_HOST, cli.SIMULATOR_PORT, 500)]
    assert capsys.readouterr().out == ""
    assert cli.main(["simulator", "--demo-sites", "many"]) == 2
    assert "--demo-sites" in capsys.readouterr().err and len(calls) == 2


def test_the_simulator_prints_a_base_url_that_check_accepts(tmp_path: Path) -> None:
    """A real simulator process: the --api-base-url it suggests (with /v2) works as printed."""
    import re
    import socket

    from kinsta_mcp.simulator import DEMO_API_KEY

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "kinsta_mcp", "simulator", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # the first line says where it listens, before serving
        match = re.search(r"--api-base-url (\S+?)\)", line)
        assert match, line
        url = match.group(1)
        assert url == f"http://127.0.0.1:{port}/v2"
        settings = load_settings(
            {"api_base_url": url}, {"KINSTA_API_KEY": DEMO_API_KEY, "KINSTA_COMPANY_ID": DEMO_COMPANY_ID}, None
        )
        out = io.StringIO()
        for _ in range(100):  # bounded: the server may need a moment after printing
            out = io.StringIO()
            if cli.check(settings, out=out) == 0:
                break
            time.sleep(0.1)
        assert "the API key works" in out.getvalue() and f"company: {DEMO_COMPANY_ID} (matches" in out.getvalue()
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---------------------------------------------------------------------------- check


def _document_example(c: Contract, schema: dict[str, Any]) -> Any:
    schema = c.resolve(schema)
    if "example" in schema:
        return schema["example"]
    if "properties" in schema:
        return {name: _document_example(c, sub) for name, sub in schema["properties"].items()}
    return None


def validate_example(status: int) -> Any:
    """GET /validate's documented answer for `status`, built from the document's own examples."""
    c = contract()
    op = c.operation("GET", "/validate")
    schema = op.spec["responses"][str(status)]["content"]["application/json"]["schema"]
    body = _document_example(c, schema)
    assert c.check_response("GET", "/validate", status, body) == []
    return body


class StubKinsta:
    """An httpx transport answering GET /validate per API key, recording each request."""

    def __init__(self, answers: dict[str, tuple[int, Any, dict[str, str]]]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        status, body, headers = self.answers[key]
        return httpx.Response(status, json=body, headers=headers)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def settings_for(tmp_path: Path, **profiles: tuple[str, str]) -> Settings:
    data: dict[str, Any] = {
        "profiles": {name: {"api_key": key, "company_id": company} for name, (key, company) in profiles.items()},
        "default_profile": next(iter(profiles)),
    }
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_settings({"api_base_url": "https://kinsta.test/v2"}, {"HOME": str(tmp_path)}, str(path))


@pytest.mark.spec
def test_check_reports_a_working_key_its_company_and_rate_limit(tmp_path: Path) -> None:
    body = validate_example(200)
    stub = StubKinsta({KEY: (200, body, {"RateLimit-Limit": "120", "RateLimit-Remaining": "119"})})
    out = io.StringIO()
    settings = settings_for(tmp_path, default=(KEY, body["company"]))
    assert cli.check(settings, stub.transport(), out=out) == 0
    text = out.getvalue()
    assert "profile 'default' (https://kinsta.test/v2): the API key works" in text
    assert f"key name {body['name']!r}" in text and f"status {body['status']}" in text
    assert f"company: {body['company']} (matches the configured company id)" in text
    assert "rate limit: ratelimit-limit: 120; ratelimit-remaining: 119" in text.lower()
    (request,) = stub.requests
    assert request.method == "GET" and request.url.path == "/v2/validate"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert contract().check_request("GET", "/validate", list(request.url.params.multi_items()), None)[1] == []
    assert KEY not in text


@pytest.mark.spec
def test_check_without_rate_limit_headers_shows_the_documented_limits(tmp_path: Path) -> None:
    body = validate_example(200)
    stub = StubKinsta({KEY: (200, body, {})})
    out = io.StringIO()
    assert cli.check(settings_for(tmp_path, default=(KEY, body["company"])), stub.transport(), out=out) == 0
    assert f"rate limit: no RateLimit headers in the answer; {cli.DOCUMENTED_LIMITS}" in out.getvalue()


@pytest.mark.spec
def test_check_fails_when_the_key_belongs_to_another_company(tmp_path: Path) -> None:
    body = validate_example(200)
    stub = StubKinsta({KEY: (200, body, {})})
    out = io.StringIO()
    assert cli.check(settings_for(tmp_path, default=(KEY, "another-company")), stub.transport(), out=out) == 1
    text = out.getvalue()
    assert f"MISMATCH: the key belongs to company {body['company']}" in text
    assert "set KINSTA_COMPANY_ID / --company-id to" in text


@pytest.mark.spec
def test_check_fails_on_a_rejected_key_and_checks_every_profile(tmp_path: Path) -> None:
    good = validate_example(200)
    rejected = validate_example(401)
    stub = StubKinsta({KEY: (200, good, {}), OTHER_KEY: (401, rejected, {})})
    settings = settings_for(tmp_path, good=(KEY, good["company"]), bad=(OTHER_KEY, "c2"))
    out = io.StringIO()
    assert cli.check(settings, stub.transport(), out=out) == 1
    text = out.getvalue()
    assert "profile 'good' (https://kinsta.test/v2): the API key works" in text
    assert "profile 'bad' (https://kinsta.test/v2): FAILED: " in text
    assert KEY not in text and OTHER_KEY not in text
    # --profile narrows the check to one profile.
    only = io.StringIO()
    assert cli.check(settings, stub.transport(), only_profile="good", out=only) == 0
    assert "'bad'" not in only.getvalue()


def test_check_reports_a_connection_failure(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    out = io.StringIO()
    assert cli.check(settings_for(tmp_path, default=(KEY, COMPANY)), httpx.MockTransport(refuse), out=out) == 1
    assert "FAILED: " in out.getvalue()


def test_check_in_demo_mode_uses_the_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "profile 'demo'" in out and "the API key works" in out
    assert f"company: {DEMO_COMPANY_ID} (matches the configured company id)" in out


# ---------------------------------------------------------------------------- logging


def test_redacting_filter_hides_keys_and_bearer_tokens_everywhere() -> None:
    stream = io.StringIO()
    setup_logging("debug", [KEY], stream=stream)
    log = logging.getLogger("some.library")
    log.info("key in the message: " + KEY)
    log.debug("key as an argument: %s", KEY)
    log.warning("header Authorization: Bearer %s", "abc.def-ghi_jkl")
    try:
        raise RuntimeError(f"request failed with {KEY}")
    except RuntimeError:
        log.exception("failure")
    text = stream.getvalue()
    assert KEY not in text and "abc.def-ghi_jkl" not in text
    assert f"key in the message: {REDACTED}" in text
    assert f"key as an argument: {REDACTED}" in text
    assert f"Bearer {REDACTED}" in text
    assert f"RuntimeError: request failed with {REDACTED}" in text


def test_setup_logging_level_and_replacement() -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging("warning", stream=first)
    setup_logging("error", stream=second)  # replaces its own handler, not others'
    logging.getLogger("x").warning("quiet")
    logging.getLogger("x").error("loud")
    assert first.getvalue() == "" and "loud" in second.getvalue() and "quiet" not in second.getvalue()


@pytest.mark.parametrize(("host", "expected"), [("127.0.0.1", "address already in use"), ("192.0.2.1", "--host")])
def test_a_port_in_use_or_an_address_not_here_is_one_line_and_names_what_to_change(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, host: str, expected: str
) -> None:
    monkeypatch.setenv("KINSTA_API_KEY", KEY)
    monkeypatch.setenv("KINSTA_COMPANY_ID", COMPANY)
    monkeypatch.setenv("KINSTA_MCP_HTTP_TOKENS", "a-long-enough-bearer-token-for-this-test-0123")
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert cli.main(["--transport", "http", "--host", host, "--port", str(port)]) == 2
    line = one_line_error(capsys)
    assert line.startswith(f"kinsta-mcp: configuration error: cannot listen on {host}:{port} (") and expected in line
    assert KEY not in line
