"""What the human confirms, readable in five seconds: the declaration's consequence with every id named by a
live lookup, what the call's arguments make it (the catalog's rules), only the arguments that were given, the
risk in plain words and the safer step when there is one.

Targets named in the call that the lookups show do not exist are reported (`Preview.missing`):
the guard refuses such a call before the human is asked. A name that mixes scripts or looks like
another site's name is flagged.

Lookups go through the shared read cache and are bounded (at most `MAX_LOOKUPS` reads per
preview). Names come from the site and are untrusted: each is cleaned, put on one line,
capped and quoted, and command arguments have their whitespace collapsed, so no name or
command can make the prompt say something else or hide part of itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from kinsta_mcp.catalog.responses import all_dicts, display_name, environments_of, find_environment, sites_of
from kinsta_mcp.catalog.spec import RISK_WARNINGS, Operation, Risk
from kinsta_mcp.config import Profile
from kinsta_mcp.redaction import REDACTED, is_secret_name, redact_text
from kinsta_mcp.server.consequences import Finding, Judged
from kinsta_mcp.server.guard import Preview
from kinsta_mcp.server.reads import Reader
from kinsta_mcp.untrusted import collapse_whitespace, lookalike_warning, one_line

_ENV_ARGS = ("env_id", "target_env_id", "source_env_id")
MAX_LOOKUPS = 12  # reads one preview may cost (each environment's list counts one)
_SHOWN_LIMIT = 300  # characters of one argument's value shown in a prompt


class Previewer:
    """Builds the text the human confirms, from the declaration and cached lookups."""

    def __init__(self, reader: Reader, profile: Profile) -> None:
        self._reader = reader
        self._profile = profile
        self._budget = MAX_LOOKUPS
        self.missing: list[str] = []  # targets the lookups show do not exist
        self._names: list[str] = []  # site and environment names the prompt shows (checked for look-alikes)

    async def _lookup(self, name: str, args: Mapping[str, Any]) -> Any:
        if self._budget <= 0:
            return None
        self._budget -= 1
        return await self._reader.lookup(name, args, self._profile)

    async def describe(self, call: Judged | Operation, args: Mapping[str, Any]) -> Preview:
        judged = call if isinstance(call, Judged) else Judged(call)
        op = judged.op
        facts: dict[str, str] = {}
        sites_body: Any = None
        if any(args.get(name) for name in (*_ENV_ARGS, "site_id", "sftp_account_id", "backup_id")):
            sites_body = await self._lookup("list_sites", {"include_environments": True})
        for name in _ENV_ARGS:
            if args.get(name):
                facts[name] = self._environment_text(sites_body, str(args[name]))
        if args.get("site_id") and not facts:  # an environment's line already names its site
            facts["site_id"] = await self._site_text(str(args["site_id"]), sites_body)
        elif args.get("site_id"):
            facts["site_id"] = ""  # said by the environment's line
        if args.get("backup_id") is not None:
            facts["backup_id"] = await self._backup_text(args, sites_body)
        if args.get("domain_ids") and args.get("env_id"):
            facts["domain_ids"] = await self._site_domains_text(args)
        if args.get("domain_id") and "/domains/{domain_id}" in op.path:
            facts["domain_id"] = await self._dns_zone_text(str(args["domain_id"]))
        if args.get("sftp_account_id"):
            facts["sftp_account_id"] = await self._sftp_account_text(str(args["sftp_account_id"]), sites_body)
        others = [display_name(site) for site in sites_of(sites_body)]
        looks = [w for w in dict.fromkeys(lookalike_warning(n, others) for n in self._names) if w]
        return Preview(render(op, args, facts, judged.findings, looks), tuple(self.missing))

    def _environment_text(self, sites_body: Any, env_id: str) -> str:
        found = find_environment(sites_body, env_id)
        if found is None:
            if sites_of(sites_body):  # the company's list was read, and the environment is not in it
                self.missing.append(f"environment {env_id}")
            return f"environment {env_id} (not found, or this API key may not see it)"
        site, env = found
        self._names.append(display_name(site))
        return (
            f"environment {one_line(display_name(env), 40)} ({env_id}) of site {one_line(display_name(site))} "
            f"({site.get('id')})"
        )

    async def _site_text(self, site_id: str, sites_body: Any) -> str:
        listed = sites_of(sites_body)
        if listed and not any(str(s.get("id")).lower() == site_id.lower() for s in listed):
            self.missing.append(f"site {site_id}")
            return f"site {site_id} (not found)"
        body = await self._lookup("get_site", {"site_id": site_id})
        site = body.get("site") if isinstance(body, dict) else None
        if not isinstance(site, dict):
            return f"site {site_id} (not found, or this API key may not see it)"
        self._names.append(display_name(site))
        envs = ", ".join(one_line(display_name(e), 40) for e in environments_of(site))
        return f"site {one_line(display_name(site))} ({site_id})" + (f" with environments: {envs}" if envs else "")

    async def _backup_text(self, args: Mapping[str, Any], sites_body: Any) -> str:
        backup_id = str(args["backup_id"])
        env_ids = [str(args[n]) for n in _ENV_ARGS if args.get(n)]
        if not env_ids:  # the backup's environment is not an argument: look through the company's
            env_ids = [str(e["id"]) for s in sites_of(sites_body) for e in environments_of(s) if e.get("id")]
        complete = bool(env_ids)
        for env_id in env_ids:
            body = await self._lookup("list_backups", {"env_id": env_id})
            complete = complete and body is not None
            for backup in all_dicts(body):
                if str(backup.get("id")) == backup_id and ("created_at" in backup or "type" in backup):
                    return _backup_line(backup, env_id)
        if complete and any(args.get(n) for n in _ENV_ARGS):  # its environment's backups were all read
            self.missing.append(f"backup {backup_id}")
        return f"backup {backup_id} (not found, or this API key may not see it)"

    async def _site_domains_text(self, args: Mapping[str, Any]) -> str:
        body = await self._lookup("list_site_domains", {"env_id": args["env_id"]})
        names = {str(d.get("id")): str(d.get("name")) for d in all_dicts(body) if d.get("id") and d.get("name")}
        return "domains: " + ", ".join(
            f"{one_line(names[i]) if i in names else '(unknown)'} ({i})" for i in map(str, args["domain_ids"])
        )

    async def _dns_zone_text(self, domain_id: str) -> str:
        body = await self._lookup("list_dns_domains", {})
        for domain in all_dicts(body):
            if str(domain.get("id")) == domain_id and domain.get("name"):
                return f"DNS zone {one_line(str(domain['name']))} ({domain_id})"
        if body is not None:
            self.missing.append(f"DNS zone {domain_id}")
        return f"DNS zone {domain_id} (not found, or this API key may not see it)"

    async def _sftp_account_text(self, account_id: str, sites_body: Any) -> str:
        for site in sites_of(sites_body):
            for env in environments_of(site):
                body = await self._lookup("list_sftp_accounts", {"env_id": env.get("id")})
                for account in all_dicts(body):
                    if str(account.get("id")) == account_id and account.get("username") is not None:
                        return (
                            f"SFTP account {one_line(str(account['username']), 40)} ({account_id}) of site "
                            f"{one_line(display_name(site))} / environment {one_line(display_name(env), 40)}"
                        )
        return f"SFTP account {account_id} (not found, or not among the environments looked at)"


def _backup_line(backup: Mapping[str, Any], env_id: str) -> str:
    when = backup.get("created_at")
    if isinstance(when, int | float):
        stamp = when / 1000 if when > 10**11 else when
        when = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f", note {one_line(str(backup['note']), 60)}" if backup.get("note") else ""
    kind = one_line(str(backup.get("type") or "unknown type"), 20)
    return f"backup {backup.get('id')} ({kind}, made {when or 'at an unknown time'}{note}) of environment {env_id}"


def plain(value: Any) -> str:
    """An argument as shown to the human: one line, whitespace collapsed, secrets in a command masked, capped.

    A WP-CLI command keeps its words but not its secrets (`--user_pass=…`, `config set DB_PASSWORD …`: the
    rule the audit and the logs use): in token mode this text reaches the model, and it is read over
    shoulders."""
    if isinstance(value, list | tuple):
        text = ", ".join(plain(v) for v in value) or "(none)"
    elif isinstance(value, BaseModel):
        text = _mapping_text(value.model_dump(mode="json", exclude_none=True, by_alias=True))
    elif isinstance(value, dict):
        text = _mapping_text(value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif value is None:
        text = "(default)"
    else:
        text = str(value)
    text = redact_text(collapse_whitespace(text))
    return text if len(text) <= _SHOWN_LIMIT else text[: _SHOWN_LIMIT - 1] + "…"


def _mapping_text(value: Mapping[str, Any]) -> str:
    """A rule or record in words: "from /a to /b (redirect 301, domain x)" rather than its JSON."""
    if "from" in value and "to" in value:
        rest = ", ".join(f"{k} {v}" for k, v in value.items() if k not in ("from", "to") and v not in (None, ""))
        return f"from {value['from']} to {value['to']}" + (f" ({rest})" if rest else "")
    return ", ".join(f"{k}: {v}" for k, v in value.items() if v is not None) or "(nothing)"


def render(
    op: Operation,
    args: Mapping[str, Any],
    facts: Mapping[str, str],
    findings: tuple[Finding, ...] = (),
    looks: list[str] | None = None,
) -> str:
    """Five seconds' reading: what happens to what, what these arguments make it, what was given, the risk in
    plain words, the safer step."""
    template = op.consequence or op.description
    shown = set(re.findall(r"{(\w+)}", template))
    filled = re.sub(r"{(\w+)}", lambda m: facts.get(m.group(1)) or plain(args.get(m.group(1))), template)
    lines = [f"{op.title}: {filled}"]
    lines += [f"Watch out: {finding.text}." for finding in findings]
    lines += [f"Look twice: {warning}." for warning in looks or ()]
    lines += [f"- {fact}" for key, fact in facts.items() if key not in shown and fact]
    lines += [
        f"- {name}: {'(hidden)' if is_secret_name(name) else plain(value)}"
        for name, value in args.items()
        if name not in facts and name not in shown and value is not None
    ]
    risks: list[Risk] = [op.risk or Risk.NONE, *(f.rule.risk for f in findings)]
    lines += [RISK_WARNINGS[risk] for risk in dict.fromkeys(risks) if risk is not Risk.NONE]
    lines += [f"Safer: {safer}" for safer in dict.fromkeys(f.safer for f in findings if f.safer)]
    if any(_masks(value) for value in args.values()):
        lines.append(f"({REDACTED} stands for a secret value given in the call: it is sent as given, not shown here.)")
    return "\n".join(lines)


def _masks(value: Any) -> bool:
    """True when `plain` hides a secret inside this argument's text."""
    if isinstance(value, list | tuple):
        return any(_masks(v) for v in value)
    return isinstance(value, str) and redact_text(value) != value
