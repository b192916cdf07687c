"""`kinsta-mcp config CLIENT`, the MCPB manifest and server.json: exact, pasteable, never a real key."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kinsta_mcp import __version__, cli
from kinsta_mcp.catalog.spec import Toolset
from kinsta_mcp.clients import (
    API_KEY_PLACEHOLDER,
    CLIENT_NAMES,
    COMPANY_ID_PLACEHOLDER,
    UNPUBLISHED_NOTE,
    Launch,
    client_config,
    launch_for,
    this_checkout,
)
from kinsta_mcp.config import OPTIONS, PLACEHOLDER_PREFIX, ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "kinsta-real-key-0123456789abcdef"
LAUNCH = Launch("/opt/kinsta/bin/kinsta-mcp")
SETTINGS_ENV = {o.env for o in OPTIONS if o.env}


def run_config(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.setenv("KINSTA_API_KEY", REAL_KEY)
    monkeypatch.delenv("KINSTA_COMPANY_ID", raising=False)
    for name in [n for n in os.environ if n.startswith("KINSTA_MCP_")]:
        monkeypatch.delenv(name)
    status = cli.main(["config", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def claude_code_entry(text: str) -> dict[str, Any]:
    """Read `claude mcp add` as Claude Code does: options, the name, `--env K=V`..., `--`, the command."""
    words = shlex.split(text)
    assert words[:3] == ["claude", "mcp", "add"]
    assert words[3:7] == ["--scope", "user", "--transport", "stdio"]
    name, rest = words[7], words[8:]
    cut = rest.index("--")
    options, command = rest[:cut], rest[cut + 1 :]
    # --env is variadic: every word up to "--" must be an --env flag or one K=V value.
    assert options[::2] == ["--env"] * (len(options) // 2) and len(options) % 2 == 0, options
    env = dict(value.split("=", 1) for value in options[1::2])
    return {"name": name, "command": command[0], "args": command[1:], "env": env}


def server_entry(client: str, text: str) -> dict[str, Any]:
    if client == "claude-code":
        return claude_code_entry(text)
    document = json.loads(text)
    jsonschema.validate(document, SCHEMAS[client])
    servers = document["servers"] if client == "vscode" else document["mcpServers"]
    assert list(servers) == ["kinsta"]
    return dict(servers["kinsta"], name="kinsta")


# The documented file formats. Claude Desktop and Cursor (cursor.com/docs/mcp): {"mcpServers": {name:
# {command, args, env}}}. VS Code (code.visualstudio.com/docs/copilot/reference/mcp-configuration):
# {"inputs": [...], "servers": {name: {"type": "stdio", command, args, env}}}, inputs of type
# promptString with id, description and password.
_STRINGS = {"type": "array", "items": {"type": "string"}}
_ENV = {"type": "object", "additionalProperties": {"type": "string"}}
_MCP_SERVERS = {
    "type": "object",
    "required": ["mcpServers"],
    "additionalProperties": False,
    "properties": {
        "mcpServers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["command"],
                "additionalProperties": False,
                "properties": {"command": {"type": "string", "minLength": 1}, "args": _STRINGS, "env": _ENV},
            },
        }
    },
}
_VSCODE = {
    "type": "object",
    "required": ["servers"],
    "additionalProperties": False,
    "properties": {
        "inputs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "description"],
                "additionalProperties": False,
                "properties": {
                    "type": {"const": "promptString"},
                    "id": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "password": {"type": "boolean"},
                },
            },
        },
        "servers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["type", "command"],
                "additionalProperties": False,
                "properties": {
                    "type": {"const": "stdio"},
                    "command": {"type": "string", "minLength": 1},
                    "args": _STRINGS,
                    "env": _ENV,
                },
            },
        },
    },
}
SCHEMAS = {"claude-desktop": _MCP_SERVERS, "cursor": _MCP_SERVERS, "vscode": _VSCODE}


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_config_client_prints_a_pasteable_snippet_and_never_the_key(
    client: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config([client], capsys, monkeypatch)
    assert status == 0
    assert REAL_KEY not in out + err
    entry = server_entry(client, out)  # stdout alone parses: JSON in the documented shape, or one shell command
    assert entry["name"] == "kinsta"
    assert (entry["command"], entry.get("args")) == (
        launch_for("installed").command,
        None if client != "claude-code" else [],
    )
    assert set(entry["env"]) == {"KINSTA_API_KEY", "KINSTA_COMPANY_ID"} <= SETTINGS_ENV
    assert entry["env"]["KINSTA_COMPANY_ID"] == COMPANY_ID_PLACEHOLDER
    assert COMPANY_ID_PLACEHOLDER in err and "--company-id" in err  # every placeholder is named on stderr
    if client == "vscode":
        assert entry["type"] == "stdio"
        assert entry["env"]["KINSTA_API_KEY"] == "${input:kinsta-api-key}"
        (prompt,) = json.loads(out)["inputs"]
        assert prompt["id"] == "kinsta-api-key" and prompt["password"] is True
        assert API_KEY_PLACEHOLDER not in err  # VS Code asks for the key itself
    else:
        assert entry["env"]["KINSTA_API_KEY"] == API_KEY_PLACEHOLDER
        assert API_KEY_PLACEHOLDER in err  # told to replace it
    assert err.strip(), "where the snippet goes is said on stderr"


def test_the_company_id_hint_goes_once_it_is_given(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run_config(["claude-desktop", "--company-id", "abc-123"], capsys, monkeypatch)
    assert status == 0 and API_KEY_PLACEHOLDER in err and COMPANY_ID_PLACEHOLDER not in err


def test_placeholders_are_refused_by_the_server_until_replaced() -> None:
    # A pasted, unedited snippet must fail with the fix, not send a placeholder to Kinsta.
    env = client_config("claude-desktop", LAUNCH).text
    values = json.loads(env)["mcpServers"]["kinsta"]["env"]
    assert all(v.startswith(PLACEHOLDER_PREFIX) for v in values.values())
    for name in values:
        with pytest.raises(ConfigError, match="placeholder"):
            load_settings({}, {**values, name: "filled-in-0123456789"} if len(values) > 1 else values, None)


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_demo_config_needs_no_account(
    client: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config([client, "--demo"], capsys, monkeypatch)
    assert status == 0
    entry = server_entry(client, out)
    assert entry["args"] == ["--demo"]
    assert not entry.get("env")
    assert "inputs" not in out and API_KEY_PLACEHOLDER not in out + err and COMPANY_ID_PLACEHOLDER not in out + err
    settings = load_settings({}, {"KINSTA_MCP_DEMO": "true"}, None)  # what the server then runs with
    assert settings.demo


def test_company_id_is_filled_in_when_known(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run_config(["cursor", "--company-id", "abc-123"], capsys, monkeypatch)
    assert status == 0
    assert json.loads(out)["mcpServers"]["kinsta"]["env"]["KINSTA_COMPANY_ID"] == "abc-123"


# ---------------------------------------------------------------------------- server options carried into the entry


def _settings_of(entry: dict[str, Any], launch_args: int = 0) -> Settings:
    """The settings the server gets when the client starts the entry: its arguments and its environment."""
    args = entry["args"][launch_args:]
    command = args[0] if args and args[0] in cli.COMMANDS else "serve"
    namespace = cli.build_parser(command).parse_args(args)
    return load_settings(cli._overrides(namespace), {"HOME": "/h", **entry.get("env", {})}, namespace.config)


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_every_server_option_given_reaches_the_server(
    client: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = {
        "a": {"api_key": "key-a-0123456789", "company_id": "company-a"},
        "b": {"api_key": "key-b-0123456789", "company_id": "company-b"},
    }
    config = tmp_path / "kinsta.json"
    config.write_text(json.dumps({"profiles": profiles}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a relative --config is made absolute: the client starts elsewhere
    argv = [
        client,
        "--config",
        "kinsta.json",
        "--profile",
        "b",
        "--read-only",
        "--toolsets",
        "sites,dns",
        "--exclude-tools",
        "list_sites",
        "--confirmation",
        "elicit-or-model-token",
        "--operation-wait",
        "5",
        "--result-budget",
        "4000",
    ]
    status, out, err = run_config(argv, capsys, monkeypatch)
    assert status == 0, err
    entry = server_entry(client, out)
    assert "KINSTA_API_KEY" not in entry.get("env", {})  # the account comes from the config file
    settings = _settings_of(entry)
    assert settings.read_only and settings.toolsets == ("sites", "dns") and settings.exclude_tools == ("list_sites",)
    assert settings.confirmation == "elicit-or-model-token"
    assert (settings.operation_wait, settings.result_budget) == (5.0, 4000)
    assert settings.profile().name == "b" and settings.profile().company_id == "company-b"


def test_no_read_only_and_demo_are_carried(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, _ = run_config(["cursor", "--demo", "--no-read-only", "--toolsets", "logs"], capsys, monkeypatch)
    assert status == 0
    settings = _settings_of(server_entry("cursor", out))
    assert settings.demo and not settings.read_only and settings.toolsets == ("logs",)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--port", "9000"], "--port"),
        (["--host", "127.0.0.1"], "--host"),
        (["--transport", "http"], "--transport"),
        (["--http-session-idle", "60"], "--http-session-idle"),
        (["--demo", "--company-id", "c-1"], "--company-id"),
    ],
)
def test_an_option_the_entry_cannot_carry_is_refused_by_name(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config(["claude-desktop", *argv], capsys, monkeypatch)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and named in err and "Traceback" not in err


def test_a_bad_option_value_is_refused_as_the_server_would(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config(["cursor", "--toolsets", "sitez"], capsys, monkeypatch)
    assert status == 2 and out == ""
    assert err.strip() == (
        "kinsta-mcp: configuration error: --toolsets: unknown toolset 'sitez' (did you mean 'sites'?); choose from: "
        + ", ".join(t.value for t in Toolset)
        + " (or all)"
    )


CLAUDE = shutil.which("claude")


def _claude(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    assert CLAUDE is not None
    env = {
        "HOME": str(home),
        "USERPROFILE": str(home),
        "PATH": os.environ.get("PATH", ""),
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    return subprocess.run([CLAUDE, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
@pytest.mark.skipif(
    CLAUDE is None, reason="needs the Claude Code CLI on PATH: npm install -g @anthropic-ai/claude-code"
)
def test_claude_code_accepts_the_printed_command_and_connects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real CLI, in temporary HOMEs: the command we print registers the server, and the demo connects.
    The two printed commands are tried in a HOME each, at once (every CLI call starts Node)."""
    status, demo_out, _ = run_config(
        ["claude-code", "--demo", "--read-only", "--toolsets", "sites"], capsys, monkeypatch
    )
    assert status == 0
    # With an account: the name is not swallowed by --env, and both variables arrive as printed.
    status, account_out, _ = run_config(["claude-code", "--company-id", "c-1"], capsys, monkeypatch)
    assert status == 0

    def registered(home: Path) -> Any:
        return json.loads((home / ".claude.json").read_text(encoding="utf-8"))["mcpServers"]["kinsta"]

    def demo(home: Path) -> dict[str, Any]:
        steps: dict[str, Any] = {"added": _claude(shlex.split(demo_out)[1:], home)}
        if steps["added"].returncode == 0:
            steps["stored"] = registered(home)
            steps["listed"] = _claude(["mcp", "list"], home)
            steps["removed"] = _claude(["mcp", "remove", "kinsta", "-s", "user"], home)
        return steps

    def account(home: Path) -> dict[str, Any]:
        steps: dict[str, Any] = {"added": _claude(shlex.split(account_out)[1:], home)}
        if steps["added"].returncode == 0:
            steps["stored"] = registered(home)
            steps["shown"] = _claude(["mcp", "get", "kinsta"], home)
        return steps

    homes = [tmp_path / "demo", tmp_path / "account"]
    for home in homes:
        home.mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        demo_run, account_run = pool.submit(demo, homes[0]), pool.submit(account, homes[1])
        first, second = demo_run.result(), account_run.result()

    command = launch_for("installed").command
    assert first["added"].returncode == 0, first["added"].stderr + first["added"].stdout
    stored = first["stored"]
    assert stored["command"] == command and stored["args"] == ["--demo", "--read-only", "--toolsets", "sites"]
    assert not stored.get("env") and stored.get("type", "stdio") == "stdio"
    listed = first["listed"]
    line = next(line for line in listed.stdout.splitlines() if line.startswith("kinsta:"))
    assert "Connected" in line, listed.stdout  # Claude Code started the server and spoke MCP with it
    assert first["removed"].returncode == 0, first["removed"].stderr

    assert second["added"].returncode == 0, second["added"].stderr + second["added"].stdout
    assert second["stored"]["env"] == {"KINSTA_API_KEY": API_KEY_PLACEHOLDER, "KINSTA_COMPANY_ID": "c-1"}
    shown = second["shown"].stdout
    assert f"Command: {command}" in shown and "KINSTA_COMPANY_ID=c-1" in shown


# ---------------------------------------------------------------------------- launchers


def test_installed_launcher_is_an_absolute_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config(["claude-desktop"], capsys, monkeypatch)
    assert status == 0
    entry = json.loads(out)["mcpServers"]["kinsta"]
    assert Path(entry["command"]).is_absolute() and Path(entry["command"]).exists()
    assert entry == {**entry, "command": launch_for("installed").command}
    assert "PyPI" not in err


@pytest.mark.skipif(this_checkout() is None, reason="runs from a source checkout (pip install -e .)")
def test_checkout_launcher_runs_uvx_from_this_checkout(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run_config(["cursor", "--launcher", "checkout", "--demo"], capsys, monkeypatch)
    assert status == 0
    entry = server_entry("cursor", out)
    assert entry["command"] == "uvx" and entry["args"] == ["--from", str(ROOT), "kinsta-mcp", "--demo"]
    assert (Path(entry["args"][1]) / "pyproject.toml").is_file()


def test_wheel_launcher_names_the_wheel_or_says_how_to_build_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = tmp_path / f"kinsta_mcp-{__version__}-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    status, out, _ = run_config(["claude-code", "--launcher", "wheel", "--from", str(wheel)], capsys, monkeypatch)
    assert status == 0
    entry = claude_code_entry(out)
    assert (entry["command"], entry["args"]) == ("uvx", ["--from", str(wheel), "kinsta-mcp"])
    status, out, err = run_config(
        ["cursor", "--launcher", "wheel", "--from", str(tmp_path / "nope.whl")], capsys, monkeypatch
    )
    assert status == 2 and out == "" and "python -m build --wheel" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(("launcher", "args"), [("uvx", ["kinsta-mcp"]), ("pipx", ["run", "kinsta-mcp"])])
def test_registry_launchers_say_the_package_is_not_published_yet(
    launcher: str, args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config(["vscode", "--launcher", launcher], capsys, monkeypatch)
    assert status == 0
    entry = server_entry("vscode", out)
    assert (entry["command"], entry["args"]) == (launcher, args)
    assert UNPUBLISHED_NOTE in err and "not published on PyPI yet" in UNPUBLISHED_NOTE


def test_from_needs_a_local_launcher(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, err = run_config(["cursor", "--from", "/tmp"], capsys, monkeypatch)
    assert status == 2 and out == "" and "--from" in err and len(err.splitlines()) == 1


def test_claude_code_quotes_a_path_with_spaces() -> None:
    text = client_config("claude-code", Launch("/Users/me/My Tools/kinsta-mcp")).text
    assert claude_code_entry(text)["command"] == "/Users/me/My Tools/kinsta-mcp"


def test_unknown_client_is_one_line_without_echoing_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config(["sk-looks-like-a-secret"], capsys, monkeypatch)
    assert status == 2 and out == ""
    assert "sk-looks-like-a-secret" not in err and "claude-desktop" in err and len(err.splitlines()) == 1


def test_plain_config_still_prints_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINSTA_COMPANY_ID", "c-1")
    monkeypatch.setenv("KINSTA_API_KEY", REAL_KEY)
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["profiles"]["default"]["company_id"] == "c-1" and REAL_KEY not in out


# ---------------------------------------------------------------------------- manifest.json and server.json


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / name).read_text(encoding="utf-8"))
    return data


def test_versions_come_from_one_place() -> None:
    manifest, server = load("manifest.json"), load("server.json")
    assert manifest["version"] == __version__
    assert server["version"] == __version__
    assert [p["version"] for p in server["packages"]] == [__version__]


def test_registry_entry_names_the_pypi_package_and_its_settings() -> None:
    server = load("server.json")
    (package,) = server["packages"]
    assert package["registryType"] == "pypi" and package["identifier"] == "kinsta-mcp"
    assert package["transport"] == {"type": "stdio"}
    variables = {v["name"]: v for v in package["environmentVariables"]}
    assert set(variables) <= SETTINGS_ENV
    assert variables["KINSTA_API_KEY"]["isSecret"] is True and variables["KINSTA_API_KEY"]["isRequired"] is True
    assert variables["KINSTA_COMPANY_ID"]["isRequired"] is True
    assert len(server["description"]) <= 100  # the registry's limit
    # PyPI ownership: the README (the package's long description) names the server.
    assert f"mcp-name: {server['name']}" in (ROOT / "README.md").read_text(encoding="utf-8")
