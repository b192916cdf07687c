"""The confirmation guard: nothing irreversible (and no secret) without the human's yes.

Which operations are guarded is declared in the catalog (`Operation.guarded`). Before
anything is sent, the guard looks up what will be affected and asks the human:
- through MCP elicitation when the client supports it (both protocol versions, via the
  SDK's `Resolve`/`Elicit`);
- otherwise, under the `elicit-or-token` policy, the first call returns a preview and a
  single-use token bound to the tool and its exact arguments; repeating the call with
  the token executes it. `elicit-only` refuses; `off` lets everything through.
The decision itself is enforced in one place, `tools.dispatch`, for every tool.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from kinsta_mcp.catalog.spec import Effect, Operation
from kinsta_mcp.redaction import is_secret_name
from kinsta_mcp.server.waiting import Clock

Policy = Literal["elicit-or-token", "elicit-only", "off"]
TOKEN_SECONDS = 300.0

# Ask Kinsta a read-only question by operation key ("GET /sites/{site_id}"); None when it fails.
Fetch = Callable[[str, Mapping[str, Any]], Awaitable[Any]]


class ConfirmAnswer(BaseModel):
    """The form the human sees."""

    confirm: bool = Field(description="Yes, do it")


@dataclass(frozen=True)
class Pass:
    """A resolver outcome that is not an elicitation answer: why no question was asked."""

    reason: Literal["policy-off", "token", "no-elicitation"]


def arguments_digest(tool: str, arguments: Mapping[str, Any]) -> str:
    canonical = json.dumps({"tool": tool, "args": arguments}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class TokenStore:
    """Single-use confirmation tokens, bound to a tool and its exact arguments, valid 5 minutes."""

    def __init__(self, clock: Clock, lifetime: float = TOKEN_SECONDS) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._tokens: dict[str, tuple[str, float]] = {}

    def issue(self, tool: str, arguments: Mapping[str, Any]) -> str:
        self._expire()
        token = secrets.token_urlsafe(24)
        self._tokens[token] = (arguments_digest(tool, arguments), self._clock.monotonic() + self._lifetime)
        return token

    def check(self, token: str, tool: str, arguments: Mapping[str, Any]) -> str | None:
        """None when `token` is valid for exactly this call; otherwise why not."""
        self._expire()
        entry = self._tokens.get(token)
        if entry is None:
            return "the confirmation token is unknown, already used, or expired (tokens last 5 minutes)"
        if entry[0] != arguments_digest(tool, arguments):
            return "the confirmation token was issued for different arguments; any change voids it"
        return None

    def redeem(self, token: str, tool: str, arguments: Mapping[str, Any]) -> str | None:
        """Like `check`, and consumes the token when valid."""
        problem = self.check(token, tool, arguments)
        if problem is None:
            del self._tokens[token]
        return problem

    def _expire(self) -> None:
        now = self._clock.monotonic()
        for token in [t for t, (_, until) in self._tokens.items() if until <= now]:
            del self._tokens[token]


# -- previews: what will be affected, named concretely ------------------------------------

_ENV_ARGS = ("env_id", "target_env_id", "source_env_id")


def _sites(sites_body: Any) -> list[dict[str, Any]]:
    """The sites in a `GET /sites` answer (none when the lookup failed)."""
    if not isinstance(sites_body, dict):
        return []
    sites = sites_body.get("company", {}).get("sites", [])
    return [site for site in sites if isinstance(site, dict)] if isinstance(sites, list) else []


def _find_env(sites_body: Any, env_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for site in _sites(sites_body):
        for env in site.get("environments") or []:
            if env.get("id") == env_id:
                return site, env
    return None


class Previewer:
    """Builds the text the human confirms, from the declaration and live lookups."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    async def describe(self, op: Operation, args: Mapping[str, Any]) -> str:
        facts: dict[str, str] = {}
        sites_body: Any = None
        if any(args.get(name) for name in _ENV_ARGS):
            sites_body = await self._fetch("GET /sites", {"include_environments": True})
        for name in _ENV_ARGS:
            value = args.get(name)
            if not value:
                continue
            found = _find_env(sites_body, str(value))
            if found is None:
                facts[name] = f"environment {value} (not found, or this API key may not see it)"
            else:
                owner, env = found
                facts[name] = (
                    f"environment '{env.get('display_name') or env.get('name')}' ({value}) "
                    f"of site '{owner.get('display_name') or owner.get('name')}' ({owner.get('id')})"
                )
        if args.get("site_id"):
            body = await self._fetch("GET /sites/{site_id}", {"site_id": args["site_id"]})
            site: Any = body.get("site") if isinstance(body, dict) else None
            if isinstance(site, dict):
                envs = ", ".join(str(e.get("display_name") or e.get("name")) for e in site.get("environments") or [])
                facts["site_id"] = f"site '{site.get('display_name') or site.get('name')}' ({args['site_id']})" + (
                    f" with environments: {envs}" if envs else ""
                )
            else:
                facts["site_id"] = f"site {args['site_id']} (not found, or this API key may not see it)"
        if args.get("backup_id") is not None:
            facts["backup_id"] = await self._describe_backup(args, sites_body)
        if args.get("domain_ids"):
            facts["domain_ids"] = await self._describe_site_domains(args)
        if args.get("sftp_account_id"):
            facts["sftp_account_id"] = await self._describe_sftp_account(args)
        if args.get("domain_id") and "/domains/{domain_id}" in op.path:
            facts["domain_id"] = await self._describe_dns_domain(args)
        text = op.consequence or op.description
        rendered = re.sub(
            r"{(\w+)}",
            lambda m: facts.get(m.group(1)) or _plain(args.get(m.group(1))),
            text,
        )
        lines = [f"{op.title}: {rendered}"]
        shown = {m for m in re.findall(r"{(\w+)}", text)}
        for key, fact in facts.items():
            if key not in shown:
                lines.append(f"- {fact}")
        details = [
            f"- {k} = {_plain(v)}"
            for k, v in args.items()
            if k not in facts and k not in shown and v not in (None, False, [], "") and not is_secret_name(k)
        ]
        lines += details
        lines.append("This reveals a secret." if op.effect is not Effect.IRREVERSIBLE else "This cannot be undone.")
        return "\n".join(lines)

    async def _describe_backup(self, args: Mapping[str, Any], sites_body: Any) -> str:
        backup_id = args["backup_id"]
        env_ids = [str(args[n]) for n in _ENV_ARGS if args.get(n)]
        if not env_ids:  # the backup's environment is not an argument: look through all of them
            if sites_body is None:
                sites_body = await self._fetch("GET /sites", {"include_environments": True})
            env_ids = [e["id"] for s in _sites(sites_body) for e in s.get("environments") or [] if e.get("id")][:40]
        for env_id in env_ids:
            body = await self._fetch("GET /sites/environments/{env_id}/backups", {"env_id": env_id})
            env = (body or {}).get("environment", {}) if isinstance(body, dict) else {}
            for backup in env.get("backups") or []:
                if str(backup.get("id")) == str(backup_id):
                    return _backup_text(backup, env_id)
        return f"backup {backup_id} (not found, or this API key may not see it)"

    async def _describe_site_domains(self, args: Mapping[str, Any]) -> str:
        ids = [str(i) for i in args["domain_ids"]]
        body = await self._fetch("GET /sites/environments/{env_id}/domains", {"env_id": args.get("env_id")})
        env = (body or {}).get("environment", {}) if isinstance(body, dict) else {}
        names = {str(d.get("id")): d.get("name") for d in env.get("site_domains") or env.get("domains") or []}
        return "domains: " + ", ".join(f"{names.get(i) or '(unknown)'} ({i})" for i in ids)

    async def _describe_sftp_account(self, args: Mapping[str, Any]) -> str:
        account_id = str(args["sftp_account_id"])
        sites_body = await self._fetch("GET /sites", {"include_environments": True})
        for site in _sites(sites_body):
            for env in site.get("environments") or []:
                body = await self._fetch(
                    "GET /sites/environments/{env_id}/additional-sftp-accounts", {"env_id": env.get("id")}
                )
                for account in _all_dicts(body):
                    if str(account.get("id")) == account_id:
                        return (
                            f"SFTP account '{account.get('username')}' ({account_id}) of "
                            f"site '{site.get('display_name')}' / environment '{env.get('display_name')}'"
                        )
        return f"SFTP account {account_id} (not found, or this API key may not see it)"

    async def _describe_dns_domain(self, args: Mapping[str, Any]) -> str:
        body = await self._fetch("GET /domains", {})
        for domain in _all_dicts(body):
            if str(domain.get("id")) == str(args["domain_id"]) and domain.get("name"):
                return f"DNS zone '{domain.get('name')}' ({args['domain_id']})"
        return f"DNS zone {args['domain_id']}"


def _all_dicts(body: Any) -> list[dict[str, Any]]:
    """Every dict inside `body` (lists of things are nested differently per endpoint)."""
    found: list[dict[str, Any]] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _backup_text(backup: Mapping[str, Any], env_id: str) -> str:
    when = backup.get("created_at")
    if isinstance(when, int | float):
        from datetime import UTC, datetime

        stamp = when / 1000 if when > 10**11 else when
        when = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f", note '{backup['note']}'" if backup.get("note") else ""
    kind = backup.get("type") or "unknown type"
    return f"backup {backup.get('id')} ({kind}, made {when or 'at an unknown time'}{note}) of environment {env_id}"


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, BaseModel):
        return json.dumps(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)
