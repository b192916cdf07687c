"""The `kinsta-mcp` command: serve (the default), check, simulator, config.

On the stdio transport stdout carries the MCP protocol, so `serve` writes nothing there:
messages go to stderr. A configuration problem is one line on stderr and exit status 2,
never a traceback. Heavy modules (server, client, simulator) are imported only by the
command that needs them, so `--help` and `--version` stay fast.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from kinsta_mcp import __version__
from kinsta_mcp.check import DOCUMENTED_LIMITS, check
from kinsta_mcp.clients import (
    CLIENT_NAMES,
    COMPANY_ID_ENV,
    LAUNCHERS,
    REGISTRY_LAUNCHERS,
    UNPUBLISHED_NOTE,
    LauncherError,
    client_config,
    launch_for,
    placeholder_hints,
)
from kinsta_mcp.config import (
    CONFIG_ENV,
    CONFIG_FLAG,
    OPTIONS,
    ConfigError,
    Option,
    Settings,
    config_reference_markdown,
    load_settings,
)

PROG = "kinsta-mcp"
COMMANDS = ("serve", "check", "simulator", "config")
SIMULATOR_HOST = "127.0.0.1"
SIMULATOR_PORT = 8090


class UsageError(Exception):
    """A command-line mistake; its text is one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (with a suggestion) instead of usage plus error."""

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if not message.startswith(prefix):
            raise UsageError(f"{self.prog}: {message}; see {self.prog} --help")
        # Name only the unknown flags: a stray value may be an API key, and stderr ends up in client logs.
        words = message.removeprefix(prefix).split()
        flags = [w.split("=")[0] for w in words if w.startswith("-")]
        others = len(words) - len(flags)
        if not flags:
            raise UsageError(
                f"{self.prog}: {others} unexpected argument{'s' if others > 1 else ''} (not shown: it may be a "
                f"secret); commands are {', '.join(COMMANDS)}; see {PROG} --help"
            )
        text = " ".join(flags) + (f" and {others} other value{'s' if others > 1 else ''}" if others else "")
        if "--api-key" in flags:
            hint = " (API keys are not taken on the command line: export KINSTA_API_KEY)"
        else:
            options = [s for action in self._actions for s in action.option_strings if s.startswith("--")]
            close = [difflib.get_close_matches(flag, options, n=1, cutoff=0.75) for flag in flags]
            hint = next((f" (did you mean {c[0]}?)" for c in close if c), "")
        raise UsageError(f"{self.prog}: {prefix}{text.strip()}{hint}; see {self.prog} --help")


def _option_help(o: Option) -> str:
    where = [f"env {o.env}" if o.env else None, f"config {o.key}" if o.in_file else None, f"default: {o.default}"]
    # argparse formats help with %, so a literal % must be doubled.
    return f"{o.meaning} [{'; '.join(w for w in where if w)}]".replace("%", "%%")


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (flags override the environment, which overrides the config file)")
    for o in OPTIONS:
        if o.flag is None:
            continue
        help_text = _option_help(o)
        if o.boolean:
            # default None, not False: an absent flag must not override the environment or the file.
            group.add_argument(o.flag, dest=o.key, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            metavar = "{" + ",".join(o.choices) + "}" if o.choices else o.metavar
            group.add_argument(o.flag, dest=o.key, metavar=metavar, default=None, help=help_text)


def _no_flag_epilog() -> str:
    lines = ["settings without a flag (environment or config file only):"]
    for o in OPTIONS:
        if o.flag is None:
            names = ", ".join(n for n in (o.env, o.key if o.in_file else None) if n)
            lines.append(
                textwrap.fill(f"{names}: {o.meaning}", width=100, initial_indent="  ", subsequent_indent="    ")
            )
    lines += [
        "",
        "commands:",
        "  serve (default)   run the MCP server",
        "  check             call GET /validate with each configured key and report the result",
        f"  simulator         run the Kinsta API simulator over HTTP (default {SIMULATOR_HOST}:{SIMULATOR_PORT})",
        "  config            print the effective settings (keys hidden); --reference prints the settings table",
        f"  config CLIENT     print the configuration for {', '.join(CLIENT_NAMES)}",
        "",
        f"config file: JSON with the keys above; {CONFIG_FLAG} PATH or {CONFIG_ENV}. A top-level or per-profile",
        '"$comment" key is ignored. Quick start: export KINSTA_API_KEY=... KINSTA_COMPANY_ID=...; or try --demo.',
    ]
    return "\n".join(lines)


def build_parser(command: str) -> argparse.ArgumentParser:
    prog = PROG if command == "serve" else f"{PROG} {command}"
    descriptions = {
        "serve": "MCP server for Kinsta WordPress hosting (Kinsta API v2).",
        "check": "Check that each configured API key works (GET /validate): company and rate-limit allowance. "
        "Exit 0 when every checked key works, 1 otherwise, 2 for a configuration error.",
        "simulator": "Run the built-in Kinsta API simulator over HTTP (point --api-base-url at it).",
        "config": "Print the effective settings as JSON, API keys and tokens hidden.",
    }
    parser = _Parser(
        prog=prog,
        description=descriptions[command],
        epilog=_no_flag_epilog() if command == "serve" else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # an abbreviation that later becomes ambiguous would silently change meaning
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    if command == "simulator":
        parser.add_argument("--host", default=SIMULATOR_HOST, help=f"address to listen on (default {SIMULATOR_HOST})")
        parser.add_argument("--port", type=int, default=SIMULATOR_PORT, help=f"port (default {SIMULATOR_PORT})")
        parser.add_argument(
            "--demo-sites",
            type=_demo_sites,
            default=0,
            metavar="N",
            help="this many more sites beside the demo's three (agency scale; default 0)",
        )
        return parser
    if command == "config":
        parser.add_argument(
            "--reference", action="store_true", help="print the settings table (Markdown) instead of the settings"
        )
        parser.add_argument(
            "client",
            nargs="?",
            metavar="CLIENT",
            help=f"print the configuration for an MCP client instead: {', '.join(CLIENT_NAMES)} "
            "(with --demo: a demo configuration needing no account)",
        )
        parser.add_argument(
            "--launcher",
            choices=LAUNCHERS,
            default="installed",
            help="how the client starts the server: installed (this installation, by absolute path; default), "
            "checkout or wheel (uvx --from PATH: this source checkout, or its dist/ wheel), "
            "uvx or pipx (from PyPI: after the package is published there)",
        )
        parser.add_argument(
            "--from",
            dest="from_path",
            metavar="PATH",
            default=None,
            help="with --launcher checkout or wheel: the checkout directory or the .whl file to start from",
        )
    _add_setting_flags(parser)
    return parser


def _overrides(namespace: argparse.Namespace) -> dict[str, Any]:
    return {o.key: getattr(namespace, o.key) for o in OPTIONS if o.flag and o.key != "config"}


def _settings(namespace: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    return load_settings(_overrides(namespace), environ, namespace.config)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args and args[0] in COMMANDS else "serve"
    parser = build_parser(command)
    try:
        if command == "serve":
            _check_command_position(args, parser)
        namespace = parser.parse_args(args)
    except UsageError as exc:
        _say(str(exc))
        return 2
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    try:
        if command == "simulator":
            return run_simulator(namespace.host, namespace.port, namespace.demo_sites)
        if command == "config" and namespace.reference:
            sys.stdout.write(config_reference_markdown())
            return 0
        if command == "config" and namespace.client is not None:
            try:
                return print_client_config(namespace, os.environ)
            except UsageError as exc:
                _say(str(exc))
                return 2
        settings = _settings(namespace, os.environ)
        if command == "check":
            return check(settings, only_profile=namespace.default_profile)
        if command == "config":
            sys.stdout.write(json.dumps(shown_settings(settings), indent=2) + "\n")
            return 0
        return serve(settings)
    except ConfigError as exc:
        _say(f"{PROG}: configuration error: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


def _check_command_position(args: Sequence[str], parser: argparse.ArgumentParser) -> None:
    """A command after options (`--demo check`) or a misspelt one (`chek`) gets a fix, not "unexpected argument".

    Only command names and option names are echoed: any other word may be a secret.
    """
    takes_value = {s for a in parser._actions if a.nargs is None and a.option_strings for s in a.option_strings}
    for i, word in enumerate(args):
        if word.startswith("-") or (i > 0 and args[i - 1] in takes_value):
            continue
        if word in COMMANDS:
            others = [w if w.startswith("-") else "..." for j, w in enumerate(args) if j != i]
            shown = [w.split("=", 1)[0] + ("=..." if "=" in w else "") for w in others]
            raise UsageError(f"{PROG}: the command comes first: {' '.join([PROG, word, *shown])}; see {PROG} --help")
        close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
        if close:
            raise UsageError(
                f"{PROG}: unknown command (did you mean {close[0]!r}?); commands are {', '.join(COMMANDS)}; "
                f"see {PROG} --help"
            )


# Settings a client entry cannot carry: it starts the server over stdio, and these configure HTTP.
_HTTP_ONLY = (
    "host",
    "port",
    "http_session_idle",
    "http_max_sessions_per_principal",
    "oauth_issuer",
    "oauth_audience",
    "oauth_scopes",
    "redis_url",
)


def _carried_options(namespace: argparse.Namespace) -> tuple[str, ...]:
    """The server options given to `config CLIENT`, as `kinsta-mcp` arguments for the snippet.

    Values are checked as the server would check them; an option a stdio entry cannot carry is refused by name.
    """
    words: list[str] = []
    for o in OPTIONS:
        value = getattr(namespace, o.key, None)
        if o.flag is None or value is None or o.key in ("demo", "company_id"):
            continue  # demo and the company id have their own place in the entry
        if o.key in _HTTP_ONLY or (o.key == "transport" and str(value).strip().lower() != "stdio"):
            raise UsageError(
                f"{PROG} config: {o.flag} cannot be carried: a client entry starts the server over stdio; "
                f"drop {o.flag} (for HTTP, run `{PROG} --transport http` yourself and give the client its URL)"
            )
        if o.key == "transport":
            continue  # stdio is what the entry does anyway
        if o.boolean:
            words.append(o.flag if value else f"--no-{o.flag.removeprefix('--')}")
        elif o.key == "config" or (o.key == "audit_log" and str(value).strip().lower() not in ("", "off")):
            words += [o.flag, str(Path(value).expanduser().resolve())]  # the client starts elsewhere
        else:
            words += [o.flag, str(value)]
    # The account is not known here (the client passes it): check every other value as the server will.
    checked = {k: v for k, v in _overrides(namespace).items() if k not in ("default_profile", "company_id")}
    load_settings({**checked, "demo": True}, {}, None)  # raises ConfigError naming the flag
    return tuple(words)


def print_client_config(namespace: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """`config CLIENT`: the snippet on stdout (pasteable, or redirectable into the file), where it goes on stderr."""
    if namespace.client not in CLIENT_NAMES:
        # The word itself is not echoed: a mistyped command line may hold a secret.
        _say(f"{PROG} config: unknown client; choose from {', '.join(CLIENT_NAMES)}")
        return 2
    demo = bool(namespace.demo) or _truthy(environ.get("KINSTA_MCP_DEMO"))
    if demo and namespace.company_id:
        raise UsageError(f"{PROG} config: --company-id: the demo needs no company; drop --company-id or --demo")
    try:
        options = _carried_options(namespace)
        launch = launch_for(namespace.launcher, namespace.from_path)
    except LauncherError as exc:
        raise UsageError(f"{PROG} config: {exc}") from None
    # The company id is not a secret: fill it in when known. The API key is never printed.
    company_id = namespace.company_id or environ.get(COMPANY_ID_ENV) or None
    snippet = client_config(
        namespace.client,
        launch,
        demo=demo,
        company_id=None if demo else company_id,
        options=options,
        config_file=namespace.config is not None,
    )
    for line in snippet.where:
        _say(line)
    for line in placeholder_hints(snippet.text):
        _say(line)
    if namespace.launcher in REGISTRY_LAUNCHERS:
        _say(UNPUBLISHED_NOTE)
    sys.stdout.write(snippet.text)
    sys.stdout.flush()
    return 0


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes"}


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def shown_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON, with every API key and HTTP token hidden."""
    shown = settings.model_dump(mode="json")  # SecretStr dumps as "**********"
    shown["http_tokens"] = {f"<token {i}>": p for i, p in enumerate(settings.http_tokens.values(), start=1)}
    return shown


def serve(settings: Settings) -> int:
    from kinsta_mcp.logs import setup_logging

    setup_logging(settings.log_level, settings.secrets())
    if settings.confirmation == "off":
        # Announced whatever the log level: every irreversible call now runs without asking anyone.
        _say(
            f"{PROG}: WARNING: confirmation is off: tools that destroy data, grant access, redirect traffic "
            "or reveal a secret (delete site, new SFTP login, DNS records, ...) run without asking"
        )
    from kinsta_mcp.server.app import run

    run(settings)
    return 0


def _demo_sites(text: str) -> int:
    from kinsta_mcp.config.settings import DEMO_SITES_RANGE

    low, high = DEMO_SITES_RANGE
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise argparse.ArgumentTypeError(f"use a whole number from {low} to {high}")
    return int(text)


def run_simulator(host: str, port: int, extra_sites: int = 0) -> int:
    from kinsta_mcp.simulator import serve as serve_simulator
    from kinsta_mcp.simulator.app import BASE_PATH

    url = f"http://{host}:{port}{BASE_PATH}"
    _say(f"{PROG}: Kinsta API simulator on {url} (point the server or check at it: --api-base-url {url})")
    serve_simulator(host, port, extra_sites=extra_sites)
    return 0


__all__ = [
    "DOCUMENTED_LIMITS",
    "build_parser",
    "check",
    "main",
    "print_client_config",
    "run_simulator",
    "serve",
    "shown_settings",
]
