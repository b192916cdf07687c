"""Single-use approvals: one human yes, one execution.

Both ways a guarded call can be approved end here: the nonce inside the request state of
a 2026-07-28 elicitation round, and (opt-in) the token a model carries back. Each is
issued for exactly one call (tool, arguments, profile, principal, connection), is redeemed
at most once, and expires after `APPROVAL_SECONDS`.

`Approvals` keeps them in this process: redeeming has no await between the check and the
removal, so concurrent replays cannot both pass. Replicas share them through Redis instead
(`kinsta_mcp.shared.approvals`, the same check and removal in one atomic script); both answer
the `ApprovalStore` protocol.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

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


def unknown(lifetime: float) -> str:
    return f"the approval is unknown, already used, or expired (approvals are single-use, {lifetime / 60:g} minutes)"


DIFFERENT_CALL = "the approval was given for a different call (tool, arguments, company or connection)"


class ApprovalStore(Protocol):
    async def issue(self, binding: Binding) -> str:
        """A new secret approving exactly this call."""
        ...

    async def redeem(self, secret: str, binding: Binding) -> str | None:
        """None when `secret` approves exactly this call (and is now used up); otherwise why not."""
        ...

    async def unavailable(self) -> str | None:
        """Why approvals cannot be kept right now (the shared store is down), or None."""
        ...


class Approvals:
    """Approvals kept in this process."""

    def __init__(self, clock: Clock, lifetime: float = APPROVAL_SECONDS) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._open: dict[str, tuple[str, float]] = {}  # secret -> (binding digest, expiry)

    async def issue(self, binding: Binding) -> str:
        self._expire()
        secret = secrets.token_urlsafe(24)
        self._open[secret] = (binding.digest(), self._clock.monotonic() + self._lifetime)
        return secret

    async def redeem(self, secret: str, binding: Binding) -> str | None:
        """None when `secret` approves exactly this call (and is now used up); otherwise why not."""
        self._expire()
        entry = self._open.get(secret)
        if entry is None:
            return unknown(self._lifetime)
        if entry[0] != binding.digest():
            return DIFFERENT_CALL
        del self._open[secret]
        return None

    async def unavailable(self) -> str | None:
        return None

    def _expire(self) -> None:
        now = self._clock.monotonic()
        for secret in [s for s, (_, until) in self._open.items() if until <= now]:
            del self._open[secret]
