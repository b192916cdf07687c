"""Checks behind the argument-dependent consequence rules (`spec.Rule`) the catalog declares.

Each check is pure: the call's arguments and, for rules that read one, the current state as
Kinsta answers it, in; this call's consequence in plain words (or None) out. The rules
themselves are declared beside their operations (tools.py, sftp.py, plugins.py,
environments.py, backups.py); docs/security.md lists them from the declarations.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kinsta_mcp.catalog.responses import all_dicts, display_name, find_environment, sites_of
from kinsta_mcp.untrusted import one_line

# An IP list covering at least this many IPv4 addresses (a /8), or an IPv6 prefix this short or
# shorter, covers "a broad range": a large part of the internet, not one abusive network.
BROAD_IPV4_ADDRESSES = 2**24
BROAD_IPV6_PREFIX = 16
_SHOWN = 8  # entries named in a consequence; the rest are counted


def _networks(entries: Iterable[str]) -> tuple[list[ipaddress.IPv4Network], list[ipaddress.IPv6Network], list[str]]:
    v4: list[ipaddress.IPv4Network] = []
    v6: list[ipaddress.IPv6Network] = []
    other: list[str] = []
    for entry in entries:
        text = str(entry).strip()
        if "*" in text:  # a wildcard as some panels write them: "1.2.*.*", "*"
            parts = text.split(".")
            fixed = [p for p in parts if p != "*"]
            if text == "*" or len(fixed) < 2:
                other.append(text)
                continue
            text = ".".join([*fixed, *["0"] * (4 - len(fixed))]) + f"/{8 * len(fixed)}"
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue  # not an address: Kinsta judges it; it blocks nobody we can count
        (v4 if isinstance(net, ipaddress.IPv4Network) else v6).append(net)  # type: ignore[arg-type]
    return v4, v6, other


def broad_entries(entries: Iterable[str]) -> list[str]:
    """The entries that cover a broad range (the whole list counted together for IPv4)."""
    listed = [str(e).strip() for e in entries]
    v4, v6, other = _networks(listed)
    broad = list(other)
    covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(v4))
    if covered >= BROAD_IPV4_ADDRESSES:
        broad += [str(n) for n in sorted(v4, key=lambda n: n.prefixlen)]
    broad += [str(n) for n in v6 if n.prefixlen <= BROAD_IPV6_PREFIX]
    return broad


def _share(entries: Iterable[str]) -> str:
    v4, _, other = _networks(entries)
    if other:
        return "every address"
    covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(v4))
    if covered >= 2**31:
        return f"{covered / 2**32:.0%} of all IPv4 addresses"
    return f"{covered:,} IPv4 addresses"


def shown(entries: list[str]) -> str:
    head = ", ".join(entries[:_SHOWN])
    return head + (f" and {len(entries) - _SHOWN} more" if len(entries) > _SHOWN else "")


def current_list(body: Any, key: str) -> list[str] | None:
    """The list under `key` anywhere in a read's answer (None when the read failed or has none)."""
    for node in all_dicts(body):
        value = node.get(key)
        if isinstance(value, list):
            return [str(v) for v in value]
    return None


def denies_broad_range(field: str) -> Callable[[Mapping[str, Any], Any], str | None]:
    def check(args: Mapping[str, Any], state: Any) -> str | None:
        broad = broad_entries(args.get(field) or [])
        if not broad:
            return None
        return (
            f"it blocks {shown(broad)}: {_share(args.get(field) or [])}, so most visitors could no longer reach "
            "the site"
        )

    return check


def allows_broad_range(field: str) -> Callable[[Mapping[str, Any], Any], str | None]:
    def check(args: Mapping[str, Any], state: Any) -> str | None:
        broad = broad_entries(args.get(field) or [])
        if not broad:
            return None
        return f"it allows {shown(broad)}: SFTP/SSH login would be open from {_share(args.get(field) or [])}"

    return check


def removes_entries(field: str, key: str, *, gained: str) -> Callable[[Mapping[str, Any], Any], str | None]:
    """The new whole list leaves out entries of the current one (`gained`: what those addresses regain)."""

    def check(args: Mapping[str, Any], state: Any) -> str | None:
        new = {str(e).strip() for e in args.get(field) or []}
        current = current_list(state, key)
        if current is None:
            return "the current list could not be read, so this may remove entries from it"
        removed = [e for e in current if e.strip() not in new]
        if not removed:
            return None
        return (
            f"it removes {len(removed)} existing entr{'y' if len(removed) == 1 else 'ies'} ({shown(removed)}): {gained}"
        )

    return check


def _installed(body: Any, name: Any) -> Mapping[str, Any] | None:
    for node in all_dicts(body):
        if node.get("name") == name and "version" in node:
            return node
    return None


def not_the_listed_update(args: Mapping[str, Any], state: Any) -> str | None:
    """A plugin or theme version other than the update Kinsta lists for it: a downgrade, or a version Kinsta
    does not offer."""
    if state is None:
        return "the installed and offered versions could not be read, so this may install an older version"
    item = _installed(state, args.get("name"))
    wanted = str(args.get("update_version"))
    if item is None:
        return None  # not installed: refused by the precondition below
    listed, installed = item.get("update_version"), item.get("version")
    if listed and wanted == str(listed) and item.get("update") != "none":
        return None
    if installed and _older(wanted, str(installed)):
        return (
            f"it downgrades {args.get('name')} from {installed} to {wanted}: fixes and security patches since "
            f"{wanted} are removed, and data written by {installed} may not be read by it"
        )
    offered = (
        f"Kinsta lists {listed} as the update" if listed and item.get("update") != "none" else "Kinsta lists no update"
    )
    return (
        f"it installs {args.get('name')} {wanted}, a version Kinsta does not offer ({offered}; installed {installed})"
    )


def installed_precondition(kind: str) -> Callable[[Mapping[str, Any], Any], str | None]:
    def check(args: Mapping[str, Any], state: Any) -> str | None:
        if state is None or _installed(state, args.get("name")) is not None:
            return None
        return (
            f"'{args.get('name')}' is not an installed {kind} of {args.get('env_id')} (list_plugins_themes lists them)"
        )

    return check


def _older(a: str, b: str) -> bool:
    """True when version `a` sorts before `b` (numeric parts compared as numbers)."""

    def key(v: str) -> list[tuple[int, Any]]:
        parts = v.replace("-", ".").replace("+", ".").split(".")
        return [(0, int(p)) if p.isdigit() else (1, p) for p in parts]

    try:
        return key(a) < key(b)
    except TypeError:
        return False


def _is_live(sites_body: Any, env_id: Any) -> bool | None:
    found = find_environment(sites_body, str(env_id))
    if found is None:
        return None
    env = found[1]
    if "is_live" in env:
        return bool(env["is_live"])
    return str(env.get("name", "")).lower() == "live"


def push_over_live(args: Mapping[str, Any], state: Any) -> str | None:
    """A push whose target is the live environment: what live loses."""
    live = _is_live(state, args.get("target_env_id"))
    if live is False:
        return None
    lost = []
    if args.get("push_db"):
        lost.append(
            "the live database is replaced: orders, comments, sign-ups and every other change made on live since "
            "the source was copied are lost"
        )
    if args.get("push_files"):
        lost.append("live files are overwritten: uploads made on live since are lost")
    if not lost:
        return None
    where = "the target is live" if live else "the target may be live (it could not be looked up)"
    return f"{where}; " + "; ".join(lost)


def _php_of(env: Mapping[str, Any]) -> str | None:
    """An environment's PHP version from a site list ("php8.3" under container_info), or None."""
    info = env.get("container_info")
    engine = info.get("php_engine_version") if isinstance(info, Mapping) else None
    return str(engine).removeprefix("php") if engine else None


def php_downgrade(args: Mapping[str, Any], state: Any) -> str | None:
    """A PHP version older than the environment's current one: plugins and themes that need the newer may fail."""
    if state is None:
        return "the current PHP version could not be read, so this may be a downgrade"
    found = find_environment(state, str(args.get("env_id")))
    current = _php_of(found[1]) if found else None
    wanted = str(args.get("php_version"))
    if current is None or not _older(wanted, current):
        return None
    return (
        f"it downgrades PHP from {current} to {wanted}: plugins, themes and code that need PHP {current} can stop "
        "the site with fatal errors"
    )


def restore_over_live(args: Mapping[str, Any], state: Any) -> str | None:
    live = _is_live(state, args.get("target_env_id"))
    if live is False:
        return None
    where = "the target is live" if live else "the target may be live (it could not be looked up)"
    return f"{where}: orders, comments and every other change made since the backup are lost"


ENVIRONMENT_ARGUMENTS = ("source_env_id", "target_env_id", "env_id")


def _site_named(sites_body: Any, site_id: str) -> str:
    site = next((s for s in sites_of(sites_body) if str(s.get("id")).lower() == site_id.lower()), None)
    return f"site {one_line(display_name(site))} ({site_id})" if site else f"site {site_id}"


def environments_of_one_site(args: Mapping[str, Any], state: Any) -> str | None:
    """A push or clone naming an environment of another site than `site_id` (given, or filled from the source
    environment): Kinsta copies within one site."""
    site_id = str(args.get("site_id") or "")
    for name in ENVIRONMENT_ARGUMENTS:
        found = find_environment(state, str(args[name])) if args.get(name) else None
        owner = str(found[0].get("id") or "") if found is not None else ""
        if site_id and owner and owner.lower() != site_id.lower():
            return (
                f"{name} {args[name]} is an environment of {_site_named(state, owner)}, not of "
                f"{_site_named(state, site_id)}; pushes and clones stay within one site (site_id may be omitted: "
                "it is the source environment's)"
            )
    return None
