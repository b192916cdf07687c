"""Completions for resource-template and prompt arguments, from live Kinsta data.

Ids complete from the company's sites, environments and domains (read through the shared
short cache), matching what was typed against ids and names alike: "acme" completes the
Acme Shop site's id. Lookups run for the request's scope: its company, never the default one
for a caller bound to another. Fixed choices (log files, metrics, time spans) come from the
declarations behind the template.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

if typing.TYPE_CHECKING:
    from kinsta_mcp.config import Profile
    from kinsta_mcp.server.resources import Resources
    from kinsta_mcp.server.scope import RequestScope

__all__ = ["MAX_VALUES", "Candidate", "Completer", "register_completions"]

MAX_VALUES = 100  # the protocol's cap on values in one completion

Candidate = tuple[str, tuple[str, ...]]  # (value, names it is known by)


def _name(item: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    return tuple(str(item[k]) for k in keys if item.get(k))


def match(typed: str, candidates: Iterable[Candidate]) -> list[str]:
    """Values whose value or a name starts with, then contains, what was typed (case-insensitive)."""
    needle = typed.strip().lower()
    starts: list[str] = []
    contains: list[str] = []
    for value, names in candidates:
        keys = [value.lower(), *(n.lower() for n in names)]
        if any(k.startswith(needle) for k in keys):
            starts.append(value)
        elif any(needle in k for k in keys):
            contains.append(value)
    seen: set[str] = set()
    return [v for v in starts + contains if not (v in seen or seen.add(v))]  # type: ignore[func-returns-value]


class Completer:
    """Answers completion/complete for templates and prompts."""

    def __init__(self, resources: Resources, prompt_choices: Mapping[str, Mapping[str, list[str]]], prompts: list[str]):
        self.resources = resources
        # Scope: only the prompts this server offers complete.
        self.prompt_choices = {name: choices for name, choices in prompt_choices.items() if name in prompts}
        self.prompts = set(prompts)

    async def candidates(self, argument: str, context: Mapping[str, str], profile: Profile) -> list[Candidate]:
        sites = functools.partial(self.resources.sites, profile)
        if argument == "site_id":
            return [(str(s["id"]), _name(s, "display_name", "name")) for s in await sites() if s.get("id")]
        if argument.endswith("env_id"):
            out: list[Candidate] = []
            for site in await sites():
                if context.get("site_id") and site.get("id") != context["site_id"]:
                    continue  # a site chosen already narrows its environments
                site_names = _name(site, "display_name", "name")
                for env in site.get("environments") or []:
                    if isinstance(env, dict) and env.get("id"):
                        env_names = _name(env, "display_name", "name")
                        combined = tuple(f"{s} {e}" for s in site_names for e in env_names)
                        out.append((str(env["id"]), env_names + site_names + combined))
            return out
        if argument == "site_domain_id":
            return [
                (str(d["id"]), _name(d, "name"))
                for site in await sites()
                for env in site.get("environments") or []
                if isinstance(env, dict)
                for d in env.get("domains") or []
                if isinstance(d, dict) and d.get("id")
            ]
        if argument == "domain_id":
            domains = await self._company_list("list_dns_domains", "domains", profile)
            return [(str(d["id"]), _name(d, "name")) for d in domains if d.get("id")]
        if argument == "region":
            regions = await self._company_list("list_regions", "available_regions", profile)
            return [(str(r["region"]), _name(r, "name")) for r in regions if r.get("region")]
        return []

    async def _company_list(self, operation: str, key: str, profile: Profile) -> list[dict[str, Any]]:
        """The items of a company-wide list (cached), [] when Kinsta cannot be read."""
        data = await self.resources.reader.lookup(operation, {}, profile)
        items = (data.get("company") or {}).get(key) if isinstance(data, dict) else None
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def fixed_choices(
        self, ref: ResourceTemplateReference | PromptReference, argument: str, scope: RequestScope
    ) -> list[str]:
        if isinstance(ref, PromptReference):
            return list(self.prompt_choices.get(ref.name, {}).get(argument, []))
        spec = next((s for s in self.resources.specs_for(scope) if s.template == ref.uri), None)
        if spec is not None:
            return spec.choices(argument)
        return []

    async def complete(
        self,
        ref: ResourceTemplateReference | PromptReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
        scope: RequestScope,
        prompts: Iterable[str] | None = None,
    ) -> Completion | None:
        """`prompts`: the prompts the scope is offered (default: every prompt this server offers)."""
        offered = self.prompts if prompts is None else self.prompts & set(prompts)
        if isinstance(ref, PromptReference) and ref.name not in offered:
            return Completion(values=[], total=0, has_more=False)  # scope: a prompt not offered
        templates = self.resources.specs_for(scope)
        if isinstance(ref, ResourceTemplateReference) and not any(s.template == ref.uri for s in templates):
            return Completion(values=[], total=0, has_more=False)  # scope: a template not served
        known = dict(context.arguments or {}) if context is not None else {}
        fixed = self.fixed_choices(ref, argument.name, scope)
        candidates = [(c, ()) for c in fixed] if fixed else await self.candidates(argument.name, known, scope.profile)
        values = match(argument.value, candidates)
        return Completion(values=values[:MAX_VALUES], total=len(values), has_more=len(values) > MAX_VALUES)


def register_completions(server: MCPServer[Any], complete: Callable[..., Awaitable[Completion | None]]) -> None:
    server.completion()(complete)  # type: ignore[no-untyped-call]  # the SDK leaves it untyped
