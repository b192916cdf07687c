"""Ready-to-paste configuration for MCP clients: Claude Desktop, Claude Code, Cursor, VS Code.

`kinsta-mcp config CLIENT` prints `snippet.text` on stdout (exactly what goes into the file, or
the command to run) and `snippet.where` on stderr, so `kinsta-mcp config cursor > mcp.json`
writes a valid file. A real API key is never printed: the key is a placeholder the server
refuses until it is replaced (values starting with REPLACE), or a VS Code `${input:...}` that
VS Code asks for once and keeps in its secret storage.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_NAME = "kinsta"
CLIENT_NAMES = ("claude-desktop", "claude-code", "cursor", "vscode")
LAUNCHERS = ("installed", "uvx", "pipx")
API_KEY_ENV = "KINSTA_API_KEY"
COMPANY_ID_ENV = "KINSTA_COMPANY_ID"
API_KEY_PLACEHOLDER = "REPLACE_WITH_YOUR_KINSTA_API_KEY"
COMPANY_ID_PLACEHOLDER = "REPLACE_WITH_YOUR_KINSTA_COMPANY_ID"
VSCODE_KEY_INPUT = "kinsta-api-key"


@dataclass(frozen=True)
class Launch:
    """How a client starts the server: a command and its arguments."""

    command: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snippet:
    """What to paste (`text`) and where it goes (`where`, one line each)."""

    client: str
    text: str
    where: tuple[str, ...]


def installed_launch() -> Launch:
    """This installation's `kinsta-mcp`, by absolute path.

    GUI clients (Claude Desktop, Cursor) do not read the shell's PATH on macOS, so a bare
    `kinsta-mcp` often fails there; the absolute path does not.
    """
    script = "kinsta-mcp.exe" if os.name == "nt" else "kinsta-mcp"
    beside_python = Path(sys.executable).parent / script
    if beside_python.is_file():
        return Launch(str(beside_python))
    found = shutil.which("kinsta-mcp")
    if found:
        return Launch(str(Path(found).resolve()))
    return Launch(sys.executable, ("-m", "kinsta_mcp"))


def launch_for(launcher: str) -> Launch:
    """`installed` (this installation), `uvx` or `pipx` (fetch the package from PyPI on first run)."""
    if launcher == "uvx":
        return Launch("uvx", ("kinsta-mcp",))
    if launcher == "pipx":
        return Launch("pipx", ("run", "kinsta-mcp"))
    if launcher == "installed":
        return installed_launch()
    raise ValueError(f"unknown launcher {launcher!r}; choose from {', '.join(LAUNCHERS)}")


def server_env(*, demo: bool, company_id: str | None, api_key_value: str = API_KEY_PLACEHOLDER) -> dict[str, str]:
    """The environment the client passes to the server; none in demo mode (no account needed)."""
    if demo:
        return {}
    return {API_KEY_ENV: api_key_value, COMPANY_ID_ENV: company_id or COMPANY_ID_PLACEHOLDER}


def _args(launch: Launch, demo: bool) -> list[str]:
    return [*launch.args, *(["--demo"] if demo else [])]


def _stdio_entry(launch: Launch, env: dict[str, str], demo: bool, *, with_type: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "stdio"} if with_type else {}
    entry["command"] = launch.command
    args = _args(launch, demo)
    if args:
        entry["args"] = args
    if env:
        entry["env"] = env
    return entry


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _claude_desktop(launch: Launch, demo: bool, company_id: str | None) -> Snippet:
    env = server_env(demo=demo, company_id=company_id)
    text = _json({"mcpServers": {SERVER_NAME: _stdio_entry(launch, env, demo, with_type=False)}})
    where = (
        "Claude Desktop: Settings > Developer > Edit Config opens claude_desktop_config.json:",
        "  macOS:   ~/Library/Application Support/Claude/claude_desktop_config.json",
        "  Windows: %APPDATA%\\Claude\\claude_desktop_config.json",
        "  Linux:   ~/.config/Claude/claude_desktop_config.json",
        "Merge the mcpServers entry below into that file, then quit and restart Claude Desktop.",
    )
    return Snippet("claude-desktop", text, where)


def _claude_code(launch: Launch, demo: bool, company_id: str | None) -> Snippet:
    env = server_env(demo=demo, company_id=company_id)
    words = ["claude", "mcp", "add", "--scope", "user", "--transport", "stdio"]
    for name, value in env.items():
        words += ["--env", f"{name}={value}"]
    words += [SERVER_NAME, "--", launch.command, *_args(launch, demo)]
    where = (
        "Claude Code: run this command (--scope user: every project; --scope project writes .mcp.json).",
        "The entry is stored in ~/.claude.json; check it with `claude mcp get kinsta` or /mcp in a session.",
    )
    return Snippet("claude-code", _shell_join(words) + "\n", where)


def _shell_join(words: list[str]) -> str:
    if os.name == "nt":
        # PowerShell and cmd both accept double quotes around a word with spaces.
        return " ".join(f'"{w}"' if (" " in w or not w) else w for w in words)
    return shlex.join(words)


def _cursor(launch: Launch, demo: bool, company_id: str | None) -> Snippet:
    env = server_env(demo=demo, company_id=company_id)
    text = _json({"mcpServers": {SERVER_NAME: _stdio_entry(launch, env, demo, with_type=False)}})
    where = (
        "Cursor: ~/.cursor/mcp.json for every project (Windows: %USERPROFILE%\\.cursor\\mcp.json),",
        "  or .cursor/mcp.json in a project. Merge the mcpServers entry below; Cursor Settings > MCP shows its state.",
    )
    return Snippet("cursor", text, where)


def _vscode(launch: Launch, demo: bool, company_id: str | None) -> Snippet:
    env = server_env(demo=demo, company_id=company_id, api_key_value=f"${{input:{VSCODE_KEY_INPUT}}}")
    config: dict[str, Any] = {}
    if not demo:
        # VS Code asks for the key once and keeps it in its secret storage, never in the file.
        config["inputs"] = [
            {"type": "promptString", "id": VSCODE_KEY_INPUT, "description": "Kinsta API key", "password": True}
        ]
    config["servers"] = {SERVER_NAME: _stdio_entry(launch, env, demo, with_type=True)}
    where = (
        "VS Code: .vscode/mcp.json in a workspace, or your user mcp.json (MCP: Open User Configuration):",
        "  macOS:   ~/Library/Application Support/Code/User/mcp.json",
        "  Windows: %APPDATA%\\Code\\User\\mcp.json",
        "  Linux:   ~/.config/Code/User/mcp.json",
        "Merge the entries below; VS Code asks for the key on first start and keeps it in its secret storage.",
    )
    return Snippet("vscode", _json(config), where)


_BUILDERS = {
    "claude-desktop": _claude_desktop,
    "claude-code": _claude_code,
    "cursor": _cursor,
    "vscode": _vscode,
}


def client_config(client: str, launch: Launch, *, demo: bool = False, company_id: str | None = None) -> Snippet:
    """The configuration for `client` (one of CLIENT_NAMES) starting the server with `launch`.

    `company_id` is filled in when known (it is not a secret); the API key never is.
    """
    try:
        build = _BUILDERS[client]
    except KeyError:
        raise ValueError(f"unknown client; choose from {', '.join(CLIENT_NAMES)}") from None
    return build(launch, demo, company_id)


__all__ = [
    "API_KEY_PLACEHOLDER",
    "CLIENT_NAMES",
    "COMPANY_ID_PLACEHOLDER",
    "LAUNCHERS",
    "Launch",
    "Snippet",
    "client_config",
    "installed_launch",
    "launch_for",
    "server_env",
]
