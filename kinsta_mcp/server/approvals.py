"""Single-use approvals: one human yes, one execution.

Both ways a guarded call can be approved end here: the nonce inside the request state of
a 2026-07-28 elicitation round, and (opt-in) the token a model carries back. Each is
issued for exactly one call (tool, arguments, profile, principal, connection), is redeemed
at most once, and expires after `APPROVAL_SECONDS`. Redeeming is synchronous (no await
between the check and the removal), so concurrent replays cannot both pass.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kinsta_mcp.api.clock import Clock

APPROVAL_SECONDS = 300.0


@dataclass(frozen=True)
class Binding:
    """What an approval is for: anything else voids it."""

    tool: str
    arguments: Mapping[str, Any]
    profile: str
    principal: str
    connection: str

    def digest(self) -> str:
        canonical = json.dumps(
            {
                "tool": self.tool,
                "args": self.arguments,
                "profile": self.profile,
                "principal": self.principal,
                "connection": self.connection,
            },
            sort_keys=True,
            default=str,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


class Approvals:
    def __init__(self, clock: Clock, lifetime: float = APPROVAL_SECONDS) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._open: dict[str, tuple[str, float]] = {}  # secret -> (binding digest, expiry)

    def issue(self, binding: Binding) -> str:
        self._expire()
        secret = secrets.token_urlsafe(24)
        self._open[secret] = (binding.digest(), self._clock.monotonic() + self._lifetime)
        return secret

    def redeem(self, secret: str, binding: Binding) -> str | None:
        """None when `secret` approves exactly this call (and is now used up); otherwise why not."""
        self._expire()
        entry = self._open.get(secret)
        if entry is None:
            minutes = self._lifetime / 60
            return f"the approval is unknown, already used, or expired (approvals are single-use, {minutes:g} minutes)"
        if entry[0] != binding.digest():
            return "the approval was given for a different call (tool, arguments, company or connection)"
        del self._open[secret]
        return None

    def _expire(self) -> None:
        now = self._clock.monotonic()
        for secret in [s for s, (_, until) in self._open.items() if until <= now]:
            del self._open[secret]
