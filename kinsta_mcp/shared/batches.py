"""The operations batches started, shared by replicas (`fleet.run.BatchMemory` over Redis), so
`run_batch(resume=…)` finds each one on any replica, also after the replica that ran the batch stopped.

Each write of a batch is marked in `kinsta-mcp:batch-sent:<job id>` before it is sent, and the mark
given the operation id once Kinsta answered. Each operation is written the moment Kinsta accepted it
(`fleet.run.remembered_record`: owner, the request as sent, Kinsta's answer, its row once it ended)
under `kinsta-mcp:batch-op:<operation id>`, and listed in its batch's sorted set
`kinsta-mcp:batch-ops:<job id>` (in the order Kinsta accepted them); all expire with the batch's job
record. An entry of another owner is never returned.

If Redis cannot be reached when an operation is accepted, it is remembered in this replica (so this
replica still resumes it) and the failure is logged; reading falls back to this replica's memory too.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping

from kinsta_mcp.config import Profile
from kinsta_mcp.server.fleet.run import Memory, Owner, Remembered, item_key, remembered_of, remembered_record
from kinsta_mcp.server.jobs import KEEP_FINISHED, MAX_SECONDS
from kinsta_mcp.shared.store import SharedState

log = logging.getLogger("kinsta_mcp.shared")

KEEP_SECONDS = MAX_SECONDS + KEEP_FINISHED  # as long as the batch's job record, at most
MAX_PER_BATCH = 5000


class RedisBatchMemory:
    def __init__(self, shared: SharedState, profiles: Mapping[str, Profile]) -> None:
        self.shared = shared
        self.profiles = profiles
        self.here = Memory()  # also kept in this replica: found here even while Redis is away

    def _key(self, operation_id: str) -> str:
        return self.shared.key("batch-op", operation_id)

    def _batch(self, batch: str) -> str:
        return self.shared.key("batch-ops", batch)

    def _sent(self, batch: str) -> str:
        return self.shared.key("batch-sent", batch)

    async def sending(self, batch: str, item: str) -> None:
        await self.here.sending(batch, item)
        try:
            async with self.shared.redis.pipeline(transaction=True) as pipe:
                pipe.hsetnx(self._sent(batch), item, "")
                pipe.pexpire(self._sent(batch), int(KEEP_SECONDS * 1000))
                await pipe.execute()
        except Exception as exc:  # a write is refused anyway while Redis is away (the rate budget lives there)
            log.warning("batch item marked on this replica only: %s", type(exc).__name__)

    async def sent_items(self, batch: str) -> dict[str, str | None]:
        try:
            marked = await self.shared.redis.hgetall(self._sent(batch))
        except Exception:
            return await self.here.sent_items(batch)
        return {str(item): (str(op) or None) for item, op in marked.items()}

    async def remember(self, operation_id: str, entry: Remembered) -> None:
        await self.here.remember(operation_id, entry)
        ttl = int(KEEP_SECONDS * 1000)
        text = json.dumps(remembered_record(entry), default=str, separators=(",", ":"))
        try:
            async with self.shared.redis.pipeline(transaction=True) as pipe:
                item = item_key(entry.sent.action.target, entry.sent.action.tool)
                pipe.hset(self._sent(entry.batch), item, operation_id)
                pipe.pexpire(self._sent(entry.batch), ttl)
                pipe.set(self._key(operation_id), text, px=ttl)
                pipe.zadd(self._batch(entry.batch), {operation_id: time.time()}, nx=True)
                pipe.zremrangebyrank(self._batch(entry.batch), 0, -(MAX_PER_BATCH + 1))
                pipe.pexpire(self._batch(entry.batch), ttl)
                await pipe.execute()
        except Exception as exc:  # the operation was sent: never fail the batch over its bookkeeping
            log.warning("batch operation %s remembered on this replica only: %s", operation_id, type(exc).__name__)

    async def get(self, owner: Owner, operation_id: str) -> Remembered | None:
        try:
            raw = await self.shared.redis.get(self._key(operation_id))
        except Exception:
            return await self.here.get(owner, operation_id)
        if raw is None:
            return await self.here.get(owner, operation_id)
        entry = remembered_of(json.loads(raw), self.profiles)
        return entry if entry is not None and entry.owner == owner else None

    async def of_batch(self, owner: Owner, batch: str) -> list[str]:
        try:
            ids = [str(i) for i in await self.shared.redis.zrange(self._batch(batch), 0, -1)]
            records = await self.shared.redis.mget([self._key(i) for i in ids]) if ids else []
        except Exception:
            return await self.here.of_batch(owner, batch)
        found = [i for i, raw in zip(ids, records, strict=True) if raw and _owner(raw) == owner]
        local = await self.here.of_batch(owner, batch)
        return found + [i for i in local if i not in found]


def _owner(raw: bytes | str) -> Owner | None:
    try:
        principal, profile = json.loads(raw)["owner"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(principal), str(profile)
