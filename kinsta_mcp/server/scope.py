"""Who a request is for, resolved once at the MCP edge and passed to everything that reads or acts.

A `RequestScope` names the principal (an HTTP token's label, or "local"), the company profile
its requests act for (fixed when its credential binds it), the connection (approvals are bound
to it), the client, and the tools it may use. `sdk.py` builds one per request (tool call,
resource list and read, completion, prompt) with `RequestScope.of`; the pipeline, the batch
runner, the special tools, resources, completions, prompts and jobs take it from there and
never look the caller up again, so no path can fall back to the default profile by accident.

An authorization layer (bearer tokens today, OAuth claims later) fills the scope through
`RequestScope.of`: principal, bound profile, and the tool view its role allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kinsta_mcp.config import ConfigError, Profile, Settings


class ScopeError(Exception):
    """The request names something its scope does not allow (another company, an unknown profile)."""


@dataclass(frozen=True)
class RequestScope:
    """One request's caller. Build it with `RequestScope.of`."""

    principal: str
    profile: Profile  # the company the request acts for unless it names another (and may)
    bound: bool  # the profile is fixed by the caller's credential: naming another is refused
    connection: str
    client_name: str | None = None
    tools: frozenset[str] | None = None  # the tools this caller may use; None: every tool the server shows
    # When bound: the other profiles it may name too (an OAuth role granting several companies).
    also: frozenset[str] = frozenset()
    identity: tuple[tuple[str, str], ...] = ()  # what the audit records besides the principal (OAuth client, role)

    @classmethod
    def of(
        cls,
        settings: Settings,
        *,
        principal: str,
        bound_profile: str | None,
        connection: str,
        client_name: str | None = None,
        tools: Iterable[str] | None = None,
        profiles: Iterable[str] | None = None,
        identity: Mapping[str, str] | None = None,
    ) -> RequestScope:
        """The scope of a caller: `bound_profile` fixes its company (None: the default, others by name);
        `tools` narrows the tools it may use (None: all the server shows); `profiles`, with a bound profile,
        are the others it may name. ScopeError for an unknown profile."""
        try:
            profile = settings.profile(bound_profile)
        except ConfigError as exc:
            raise ScopeError(str(exc)) from None
        view = frozenset(tools) if tools is not None else None
        also = frozenset(profiles or ()) - {profile.name}
        who = tuple(sorted((identity or {}).items()))
        return cls(principal, profile, bound_profile is not None, connection, client_name, view, also, who)

    @property
    def owner(self) -> tuple[str, str]:
        """Whose jobs and batches these are: (principal, profile)."""
        return (self.principal, self.profile.name)

    def may_use(self, tool: str) -> bool:
        return self.tools is None or tool in self.tools

    def profile_for(self, settings: Settings, requested: str | None) -> Profile:
        """The profile a call acts for: the scope's, or the one it names when the scope is not bound."""
        if requested is None or requested == self.profile.name:
            return self.profile
        if self.bound and requested not in self.also:
            if self.also:
                allowed = ", ".join(repr(p) for p in sorted({self.profile.name, *self.also}))
                raise ScopeError(
                    f"company {requested!r} is not available: this connection's role allows only {allowed}; "
                    "name one of them or omit company. Nothing was sent."
                )
            raise ScopeError(
                f"company {requested!r} is not available: this connection's token is bound to profile "
                f"{self.profile.name!r}; omit company (or ask for a token bound to that profile). Nothing was sent."
            )
        try:
            return settings.profile(requested)
        except ConfigError as exc:
            raise ScopeError(str(exc)) from None
