"""Single-use approvals shared by replicas: one human yes, one execution, whichever replica
the call lands on (`server.approvals.ApprovalStore` over Redis).

An approval is stored under a hash of its secret (someone who can read Redis still cannot
redeem one), with Redis's own expiry. Redeeming runs one Lua script: check the binding, then
delete; Redis runs scripts one at a time, so two replicas redeeming the same secret at once
cannot both succeed, and a refused attempt (a different call) does not use it up.
"""

from __future__ import annotations

import hashlib
import secrets

from kinsta_mcp.server.approvals import APPROVAL_SECONDS, DIFFERENT_CALL, Binding, unknown
from kinsta_mcp.shared.store import SharedState

_REDEEM = """
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
if held ~= ARGV[1] then return 1 end
redis.call('DEL', KEYS[1])
return 2
"""
_UNKNOWN, _DIFFERENT, _REDEEMED = 0, 1, 2


class RedisApprovals:
    def __init__(self, shared: SharedState, lifetime: float = APPROVAL_SECONDS) -> None:
        self._shared = shared
        self._lifetime = lifetime
        self._redeem = shared.redis.register_script(_REDEEM)

    def _key(self, secret: str) -> str:
        return self._shared.key("approval", hashlib.sha256(secret.encode()).hexdigest())

    async def issue(self, binding: Binding) -> str:
        secret = secrets.token_urlsafe(24)
        with self._shared.reaching("asking for the human's yes"):
            await self._shared.redis.set(self._key(secret), binding.digest(), px=int(self._lifetime * 1000))
        return secret

    async def redeem(self, secret: str, binding: Binding) -> str | None:
        with self._shared.reaching("using an approval"):
            answer = await self._redeem(keys=[self._key(secret)], args=[binding.digest()])
        if answer == _REDEEMED:
            return None
        return DIFFERENT_CALL if answer == _DIFFERENT else unknown(self._lifetime)

    async def unavailable(self) -> str | None:
        problem = await self._shared.ready()
        return None if problem is None else str(self._shared.unavailable("a call that needs the human's yes"))
