"""The `kinsta-mcp` command: serve (the default), check, simulator, config.

On the stdio transport stdout carries the MCP protocol, so `serve` writes nothing there:
messages go to stderr. A configuration problem is one line on stderr and exit status 2,
never a traceback. Heavy modules (server, client, simulator) are imported only by the
command that needs them, so `--help` and `--version` stay fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from kinsta_mcp import __version__
from kinsta_mcp.clients import API_KEY_PLACEHOLDER, CLIENT_NAMES, COMPANY_ID_ENV, LAUNCHERS, client_config, launch_for
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

if TYPE_CHECKING:
    import httpx

PROG = "kinsta-mcp"
COMMANDS = ("serve", "check", "simulator", "config")
SIMULATOR_HOST = "127.0.0.1"
SIMULATOR_PORT = 8090
# Kinsta's documented limits (not in its OpenAPI document), shown when a response carries no RateLimit headers.
DOCUMENTED_LIMITS = (
    "120 requests a minute per company, 5 a minute for creating sites and environments, "
    "35 a minute for logs, 1000 a minute per IP address (Kinsta's documentation)"
)


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
        if o.key == "read_only":
            group.add_argument(o.flag, dest=o.key, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        elif o.key == "demo":
            # default None, not False: an absent flag must not override KINSTA_MCP_DEMO or the file.
            group.add_argument(o.flag, dest=o.key, action="store_true", default=None, help=help_text)
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
            "uvx (uvx kinsta-mcp) or pipx (pipx run kinsta-mcp)",
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
        namespace = parser.parse_args(args)
    except UsageError as exc:
        _say(str(exc))
        return 2
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    try:
        if command == "simulator":
            return run_simulator(namespace.host, namespace.port)
        if command == "config" and namespace.reference:
            sys.stdout.write(config_reference_markdown())
            return 0
        if command == "config" and namespace.client is not None:
            return print_client_config(namespace, os.environ)
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


def print_client_config(namespace: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """`config CLIENT`: the snippet on stdout (pasteable, or redirectable into the file), where it goes on stderr."""
    if namespace.client not in CLIENT_NAMES:
        # The word itself is not echoed: a mistyped command line may hold a secret.
        _say(f"{PROG} config: unknown client; choose from {', '.join(CLIENT_NAMES)}")
        return 2
    demo = bool(namespace.demo) or _truthy(environ.get("KINSTA_MCP_DEMO"))
    # The company id is not a secret: fill it in when known. The API key is never printed.
    company_id = namespace.company_id or environ.get(COMPANY_ID_ENV) or None
    snippet = client_config(namespace.client, launch_for(namespace.launcher), demo=demo, company_id=company_id)
    for line in snippet.where:
        _say(line)
    if API_KEY_PLACEHOLDER in snippet.text:
        _say(f"Replace {API_KEY_PLACEHOLDER} with your key (MyKinsta > Company settings > API keys).")
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
            f"{PROG}: WARNING: confirmation is off: irreversible and secret-revealing tools "
            "(delete site, restore backup, ...) run without asking"
        )
    from kinsta_mcp.server.app import run

    run(settings)
    return 0


def run_simulator(host: str, port: int) -> int:
    from kinsta_mcp.simulator import serve as serve_simulator

    _say(f"{PROG}: Kinsta API simulator on http://{host}:{port} (use --api-base-url http://{host}:{port})")
    serve_simulator(host, port)
    return 0


# ---------------------------------------------------------------------------- check


def check(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    only_profile: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Validate each profile's key (or only `only_profile`'s); 0 when all work, else 1.

    `transport` replaces the network (tests); in demo mode the in-process simulator is used.
    """
    import anyio

    stream = out if out is not None else sys.stdout
    base_url = settings.api_base_url
    if transport is None and settings.demo:
        from kinsta_mcp.simulator import Simulator

        simulator = Simulator()
        transport = simulator.transport()
        base_url = simulator.base_url
    names = [settings.profile(only_profile).name] if only_profile else sorted(settings.profiles)
    results = [anyio.run(_check_profile, settings, name, base_url, transport) for name in names]
    for lines, _ in results:
        stream.write("\n".join(lines) + "\n")
    stream.flush()
    return 0 if all(ok for _, ok in results) else 1


async def _check_profile(
    settings: Settings, name: str, base_url: str, transport: httpx.AsyncBaseTransport | None
) -> tuple[list[str], bool]:
    from kinsta_mcp.api.client import KinstaClient
    from kinsta_mcp.api.errors import KinstaError
    from kinsta_mcp.api.request import PreparedRequest

    profile = settings.profile(name)
    head = f"profile {name!r} ({base_url}):"
    try:
        # One attempt: a check reports what happens now rather than waiting through retries.
        async with KinstaClient(
            api_key=profile.api_key,
            base_url=base_url,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            transport=transport,
            max_retries=0,
        ) as client:
            response = await client.send(PreparedRequest(method="GET", path="/validate"))
    except KinstaError as exc:
        return [f"{head} FAILED: {exc}"], False
    data: Any = response.data if isinstance(response.data, dict) else {}
    company = data.get("company")
    lines = [f"{head} the API key works ({_key_details(data)})"]
    ok = True
    if not isinstance(company, str) or not company:
        lines.append("  company: Kinsta did not say which company the key belongs to")
    elif company == profile.company_id:
        lines.append(f"  company: {company} (matches the configured company id)")
    else:
        ok = False
        where = "KINSTA_COMPANY_ID / --company-id" if name == "default" else f"profiles.{name}.company_id"
        lines.append(
            f"  company: MISMATCH: the key belongs to company {company}, but the configured company id is "
            f"{profile.company_id}; set {where} to {company}"
        )
    lines.append(f"  rate limit: {_rate_limit_text(response.headers)}")
    return lines, ok


def _key_details(data: Mapping[str, Any]) -> str:
    parts = []
    if data.get("name"):
        parts.append(f"key name {data['name']!r}")
    if data.get("status"):
        parts.append(f"status {data['status']}")
    parts.append(f"expires {_expiry_text(data.get('expires_at'))}")
    return ", ".join(parts)


def _expiry_text(value: Any) -> str:
    if value in (None, ""):
        return "never"
    try:
        millis = float(value)  # Kinsta gives epoch milliseconds as a string
    except (TypeError, ValueError):
        return str(value)
    try:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return str(value)


def _rate_limit_text(headers: Mapping[str, str]) -> str:
    found = [f"{k}: {v}" for k, v in headers.items() if k.lower().removeprefix("x-").startswith("ratelimit")]
    return "; ".join(found) if found else f"no RateLimit headers in the answer; {DOCUMENTED_LIMITS}"


__all__ = ["build_parser", "check", "main", "print_client_config", "run_simulator", "serve", "shown_settings"]
