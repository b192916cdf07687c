"""Ready-to-paste configuration for MCP clients: Claude Desktop, Claude Code, Cursor, VS Code.

`kinsta-mcp config CLIENT` prints `snippet.text` on stdout (exactly what goes into the file, or
the command to run) and `snippet.where` on stderr, so `kinsta-mcp config cursor > mcp.json`
writes a valid file. A real API key is never printed: the key is a placeholder the server
refuses until it is replaced (values starting with REPLACE), or a VS Code `${input:...}` that
VS Code asks for once and keeps in its secret storage.

Formats, from each client's documentation: Claude Desktop and Cursor read `{"mcpServers": {name:
{command, args, env}}}`; VS Code reads `{"inputs": [...], "servers": {name: {"type": "stdio",
command, args, env}}}`; Claude Code takes `claude mcp add [options] <name> -e K=V -- <command>
[args...]`, the name before `-e` because `-e` takes any number of values.
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

from kinsta_mcp import __version__

SERVER_NAME = "kinsta"
PACKAGE = "kinsta-mcp"
CLIENT_NAMES = ("claude-desktop", "claude-code", "cursor", "vscode")
# installed: this installation by absolute path; checkout / wheel: uvx builds it from a local path;
# uvx / pipx: fetched from PyPI, which works only once the package is published there.
LAUNCHERS = ("installed", "checkout", "wheel", "uvx", "pipx")
REGISTRY_LAUNCHERS = ("uvx", "pipx")
UNPUBLISHED_NOTE = (
    f"Note: {PACKAGE} is not published on PyPI yet, so --launcher uvx/pipx work only after publishing; "
    "until then use --launcher installed, checkout or wheel."
)
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


class LauncherError(ValueError):
    """A launcher that cannot be used here; the text is one line saying what to do instead."""


def this_checkout() -> Path | None:
    """The source checkout this installation runs from (an editable install), if it is one."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "kinsta_mcp").is_dir() else None


def _local_source(launcher: str, source: str | None) -> Path:
    checkout = this_checkout()
    if source is not None:
        path = Path(source).expanduser().resolve()
    elif checkout is None:
        raise LauncherError(f"--launcher {launcher}: this installation is not a source checkout; give --from PATH")
    elif launcher == "checkout":
        path = checkout
    else:
        path = checkout / "dist" / f"{PACKAGE.replace('-', '_')}-{__version__}-py3-none-any.whl"
    if launcher == "checkout" and not (path / "pyproject.toml").is_file():
        raise LauncherError(f"--launcher checkout: {path} has no pyproject.toml; give the checkout's directory")
    if launcher == "wheel" and not (path.is_file() and path.suffix == ".whl"):
        raise LauncherError(
            f"--launcher wheel: no wheel at {path}; build one with `python -m build --wheel` or give --from PATH"
        )
    return path


def launch_for(launcher: str, source: str | None = None) -> Launch:
    """How the client starts the server.

    `installed`: this installation; `checkout`/`wheel`: `uvx --from PATH` (`source`, else this checkout or
    its dist/ wheel); `uvx`/`pipx`: the package from PyPI (after publishing).
    """
    if launcher in ("checkout", "wheel"):
        return Launch("uvx", ("--from", str(_local_source(launcher, source)), PACKAGE))
    if source is not None:
        raise LauncherError(f"--from: only --launcher checkout or wheel start from a path, not {launcher}")
    if launcher == "uvx":
        return Launch("uvx", (PACKAGE,))
    if launcher == "pipx":
        return Launch("pipx", ("run", PACKAGE))
    if launcher == "installed":
        return installed_launch()
    raise LauncherError(f"unknown launcher; choose from {', '.join(LAUNCHERS)}")


def server_env(*, demo: bool, company_id: str | None, api_key_value: str = API_KEY_PLACEHOLDER) -> dict[str, str]:
    """The environment the client passes to the server; none in demo mode (no account needed)."""
    if demo:
        return {}
    return {API_KEY_ENV: api_key_value, COMPANY_ID_ENV: company_id or COMPANY_ID_PLACEHOLDER}


@dataclass(frozen=True)
class Server:
    """What the snippet starts: how (`launch`), in demo mode or not, and the server options to pass."""

    launch: Launch
    demo: bool = False
    company_id: str | None = None
    options: tuple[str, ...] = ()  # command-line options of `kinsta-mcp`, e.g. ("--read-only",)
    config_file: bool = False  # the options name a config file, which holds the account

    @property
    def account_in_env(self) -> bool:
        """Whether the entry passes the API key and company id (neither the demo nor a config file needs them)."""
        return not (self.demo or self.config_file)

    def env(self, api_key_value: str = API_KEY_PLACEHOLDER) -> dict[str, str]:
        if not self.account_in_env:
            return {COMPANY_ID_ENV: self.company_id} if self.company_id and self.config_file else {}
        return server_env(demo=False, company_id=self.company_id, api_key_value=api_key_value)

    @property
    def args(self) -> list[str]:
        return [*self.launch.args, *(["--demo"] if self.demo else []), *self.options]


def _stdio_entry(server: Server, env: dict[str, str], *, with_type: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "stdio"} if with_type else {}
    entry["command"] = server.launch.command
    args = server.args
    if args:
        entry["args"] = args
    if env:
        entry["env"] = env
    return entry


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _claude_desktop(server: Server) -> Snippet:
    text = _json({"mcpServers": {SERVER_NAME: _stdio_entry(server, server.env(), with_type=False)}})
    where = (
        "Claude Desktop: Settings > Developer > Edit Config opens claude_desktop_config.json:",
        "  macOS:   ~/Library/Application Support/Claude/claude_desktop_config.json",
        "  Windows: %APPDATA%\\Claude\\claude_desktop_config.json",
        "  Linux:   ~/.config/Claude/claude_desktop_config.json",
        "Merge the mcpServers entry below into that file, then quit and restart Claude Desktop.",
    )
    return Snippet("claude-desktop", text, where)


def claude_code_words(server: Server) -> list[str]:
    """`claude mcp add`: the name comes before `--env`, which takes any number of values and would swallow it."""
    words = ["claude", "mcp", "add", "--scope", "user", "--transport", "stdio", SERVER_NAME]
    for name, value in server.env().items():
        words += ["--env", f"{name}={value}"]
    return [*words, "--", server.launch.command, *server.args]


def _claude_code(server: Server) -> Snippet:
    where = (
        "Claude Code: run this command (--scope user: every project; --scope project writes .mcp.json).",
        "The entry is stored in ~/.claude.json; check it with `claude mcp get kinsta` or /mcp in a session.",
    )
    return Snippet("claude-code", _shell_join(claude_code_words(server)) + "\n", where)


def _shell_join(words: list[str]) -> str:
    if os.name == "nt":
        # PowerShell and cmd both accept double quotes around a word with spaces.
        return " ".join(f'"{w}"' if (" " in w or not w) else w for w in words)
    return shlex.join(words)


def _cursor(server: Server) -> Snippet:
    text = _json({"mcpServers": {SERVER_NAME: _stdio_entry(server, server.env(), with_type=False)}})
    where = (
        "Cursor: ~/.cursor/mcp.json for every project (Windows: %USERPROFILE%\\.cursor\\mcp.json),",
        "  or .cursor/mcp.json in a project. Merge the mcpServers entry below; Cursor Settings > MCP shows its state.",
    )
    return Snippet("cursor", text, where)


def _vscode(server: Server) -> Snippet:
    env = server.env(api_key_value=f"${{input:{VSCODE_KEY_INPUT}}}")
    config: dict[str, Any] = {}
    if server.account_in_env:
        # VS Code asks for the key once and keeps it in its secret storage, never in the file.
        config["inputs"] = [
            {"type": "promptString", "id": VSCODE_KEY_INPUT, "description": "Kinsta API key", "password": True}
        ]
    config["servers"] = {SERVER_NAME: _stdio_entry(server, env, with_type=True)}
    where = (
        "VS Code: .vscode/mcp.json in a workspace, or your user mcp.json (MCP: Open User Configuration):",
        "  macOS:   ~/Library/Application Support/Code/User/mcp.json",
        "  Windows: %APPDATA%\\Code\\User\\mcp.json",
        "  Linux:   ~/.config/Code/User/mcp.json",
        "Merge the entries below; VS Code asks for the key on first start and keeps it in its secret storage."
        if server.account_in_env
        else "Merge the entries below.",
    )
    return Snippet("vscode", _json(config), where)


_BUILDERS = {
    "claude-desktop": _claude_desktop,
    "claude-code": _claude_code,
    "cursor": _cursor,
    "vscode": _vscode,
}


def client_config(
    client: str,
    launch: Launch,
    *,
    demo: bool = False,
    company_id: str | None = None,
    options: tuple[str, ...] = (),
    config_file: bool = False,
) -> Snippet:
    """The configuration for `client` (one of CLIENT_NAMES) starting the server with `launch`.

    `company_id` is filled in when known (it is not a secret); the API key never is. `options` are
    `kinsta-mcp` command-line options the server is started with.
    """
    try:
        build = _BUILDERS[client]
    except KeyError:
        raise ValueError(f"unknown client; choose from {', '.join(CLIENT_NAMES)}") from None
    return build(Server(launch, demo=demo, company_id=company_id, options=options, config_file=config_file))


def placeholder_hints(text: str) -> list[str]:
    """One line per placeholder left in `text`: what to put there, and where to find it."""
    hints = []
    if API_KEY_PLACEHOLDER in text:
        hints.append(f"Replace {API_KEY_PLACEHOLDER} with your API key (MyKinsta > Company settings > API keys).")
    if COMPANY_ID_PLACEHOLDER in text:
        hints.append(
            f"Replace {COMPANY_ID_PLACEHOLDER} with your company id (MyKinsta > Company settings), "
            "or run this command again with --company-id ID."
        )
    return hints


__all__ = [
    "API_KEY_PLACEHOLDER",
    "CLIENT_NAMES",
    "COMPANY_ID_PLACEHOLDER",
    "LAUNCHERS",
    "REGISTRY_LAUNCHERS",
    "UNPUBLISHED_NOTE",
    "Launch",
    "LauncherError",
    "Server",
    "Snippet",
    "claude_code_words",
    "client_config",
    "installed_launch",
    "launch_for",
    "placeholder_hints",
    "server_env",
    "this_checkout",
]
