"""`kinsta-mcp config CLIENT`, the MCPB manifest and server.json: exact, pasteable, never a real key."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from kinsta_mcp import __version__, cli
from kinsta_mcp.clients import (
    API_KEY_PLACEHOLDER,
    CLIENT_NAMES,
    COMPANY_ID_PLACEHOLDER,
    Launch,
    client_config,
    launch_for,
)
from kinsta_mcp.config import OPTIONS, PLACEHOLDER_PREFIX, ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "kinsta-real-key-0123456789abcdef"
LAUNCH = Launch("/opt/kinsta/bin/kinsta-mcp")
SETTINGS_ENV = {o.env for o in OPTIONS if o.env}


def run_config(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.setenv("KINSTA_API_KEY", REAL_KEY)
    monkeypatch.delenv("KINSTA_COMPANY_ID", raising=False)
    monkeypatch.delenv("KINSTA_MCP_DEMO", raising=False)
    status = cli.main(["config", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def server_entry(client: str, text: str) -> dict[str, Any]:
    if client == "claude-code":
        words = shlex.split(text)
        cut = words.index("--")
        env = dict(w.split("=", 1) for w in words[words.index("add") : cut] if "=" in w)
        return {"command": words[cut + 1], "args": words[cut + 2 :], "env": env, "name": words[cut - 1]}
    document = json.loads(text)
    servers = document["servers"] if client == "vscode" else document["mcpServers"]
    assert list(servers) == ["kinsta"]
    return dict(servers["kinsta"], name="kinsta")


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_config_client_prints_a_pasteable_snippet_and_never_the_key(
    client: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config([client, "--launcher", "uvx"], capsys, monkeypatch)
    assert status == 0
    assert REAL_KEY not in out + err
    entry = server_entry(client, out)  # stdout alone parses: JSON, or one shell command
    assert (entry["command"], entry.get("args")) == ("uvx", ["kinsta-mcp"])
    assert set(entry["env"]) == {"KINSTA_API_KEY", "KINSTA_COMPANY_ID"} <= SETTINGS_ENV
    assert entry["env"]["KINSTA_COMPANY_ID"] == COMPANY_ID_PLACEHOLDER
    if client == "vscode":
        assert entry["type"] == "stdio"
        assert entry["env"]["KINSTA_API_KEY"] == "${input:kinsta-api-key}"
        (prompt,) = json.loads(out)["inputs"]
        assert prompt["id"] == "kinsta-api-key" and prompt["password"] is True
    else:
        assert entry["env"]["KINSTA_API_KEY"] == API_KEY_PLACEHOLDER
        assert API_KEY_PLACEHOLDER in err  # told to replace it
    assert err.strip(), "where the snippet goes is said on stderr"


def test_placeholders_are_refused_by_the_server_until_replaced() -> None:
    # A pasted, unedited snippet must fail with the fix, not send a placeholder to Kinsta.
    env = client_config("claude-desktop", LAUNCH).text
    values = json.loads(env)["mcpServers"]["kinsta"]["env"]
    assert all(v.startswith(PLACEHOLDER_PREFIX) for v in values.values())
    with pytest.raises(ConfigError):
        load_settings({}, values, None)


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_demo_config_needs_no_account(
    client: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_config([client, "--demo", "--launcher", "pipx"], capsys, monkeypatch)
    assert status == 0
    entry = server_entry(client, out)
    assert (entry["command"], entry["args"]) == ("pipx", ["run", "kinsta-mcp", "--demo"])
    assert not entry.get("env")
    assert "inputs" not in out and API_KEY_PLACEHOLDER not in out + err
    settings = load_settings({}, {"KINSTA_MCP_DEMO": "true"}, None)  # what the server then runs with
    assert settings.demo


def test_company_id_is_filled_in_when_known(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run_config(["cursor", "--company-id", "abc-123"], capsys, monkeypatch)
    assert status == 0
    assert json.loads(out)["mcpServers"]["kinsta"]["env"]["KINSTA_COMPANY_ID"] == "abc-123"


def test_installed_launcher_is_an_absolute_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run_config(["claude-desktop"], capsys, monkeypatch)
    assert status == 0
    entry = json.loads(out)["mcpServers"]["kinsta"]
    assert Path(entry["command"]).is_absolute() and Path(entry["command"]).exists()
    assert entry == {**entry, "command": launch_for("installed").command}


def test_claude_code_quotes_a_path_with_spaces() -> None:
    text = client_config("claude-code", Launch("/Users/me/My Tools/kinsta-mcp")).text
    words = shlex.split(text)
    assert words[words.index("--") + 1] == "/Users/me/My Tools/kinsta-mcp"


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


def test_mcpb_manifest_asks_for_the_key_as_a_sensitive_setting() -> None:
    manifest = load("manifest.json")
    assert manifest["manifest_version"] == "0.3"
    assert {"name", "version", "description", "author", "server"} <= set(manifest)
    config = manifest["user_config"]
    assert config["api_key"]["sensitive"] is True and config["api_key"]["required"] is True
    assert config["company_id"]["required"] is True and not config["company_id"].get("sensitive")
    mcp = manifest["server"]["mcp_config"]
    assert mcp["args"] == ["-m", "kinsta_mcp"]
    env = mcp["env"]
    assert env["KINSTA_API_KEY"] == "${user_config.api_key}"
    assert env["KINSTA_COMPANY_ID"] == "${user_config.company_id}"
    # Every user setting reaches the server, through a variable the server reads.
    for key in config:
        assert f"${{user_config.{key}}}" in env.values(), key
    assert {k for k in env if k.startswith("KINSTA")} <= SETTINGS_ENV


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
