"""The connection to the Redis that replicas share, and what happens when it cannot be reached."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import anyio
import redis.asyncio
import redis.exceptions

from kinsta_mcp.api.errors import KinstaError

log = logging.getLogger("kinsta_mcp.shared")

PREFIX = "kinsta-mcp:"
# A dead Redis must fail a call in about a second, not hang it.
TIMEOUT_SECONDS = 1.0
REQUEST_STATE_KEY = "request-state-key"
INVALIDATIONS = "invalidations"  # the channel on which a replica says which cached reads a write changed
RECONNECT_SECONDS = 1.0

Invalidate = Callable[[str, Iterable[str]], object]  # (profile, ids): `ReadCache.invalidate`


class SharedStateUnavailable(KinstaError):
    """Redis cannot be reached: what needs the replicas' shared state is refused (nothing is sent)."""


def shown_url(url: str) -> str:
    """Where Redis is, for messages: scheme, host, port and database, never the password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class SharedState:
    """One Redis for every replica; keys under `kinsta-mcp:`."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.where = shown_url(url)
        self.redis: redis.asyncio.Redis = redis.asyncio.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
        )
        self.request_state_key = ""  # set by start(): seals 2026-07-28 request state on every replica alike
        self.replica = secrets.token_hex(8)  # this replica's name on the invalidation channel
        self._invalidate: list[Invalidate] = []

    def key(self, *parts: str) -> str:
        return PREFIX + ":".join(parts)

    def unavailable(self, what: str) -> SharedStateUnavailable:
        return SharedStateUnavailable(
            f"The replicas' shared state (Redis at {self.where}) cannot be reached, so {what} is refused on "
            "every replica until it is back: approvals and Kinsta's rate budget live there. Nothing was sent "
            "to Kinsta. Reads still work. Try again in a minute; the operator can check /readyz."
        )

    @contextmanager
    def reaching(self, what: str) -> Iterator[None]:
        """Turn Redis failures inside the block into `SharedStateUnavailable` naming `what` was refused."""
        try:
            yield
        except (redis.exceptions.RedisError, OSError) as exc:
            log.warning("redis at %s unreachable: %s", self.where, type(exc).__name__)
            raise self.unavailable(what) from None

    async def start(self) -> None:
        """Reach Redis and agree on the request-state key (the first replica makes it); raises
        `SharedStateUnavailable` when Redis cannot be reached, so the server does not start half-shared."""
        with self.reaching("starting"):
            key = self.key(REQUEST_STATE_KEY)
            await self.redis.set(key, secrets.token_hex(32), nx=True)
            self.request_state_key = str(await self.redis.get(key))

    def on_invalidate(self, drop: Invalidate) -> None:
        """Call `drop(profile, ids)` when another replica's write changed those reads."""
        self._invalidate.append(drop)

    async def publish_invalidation(self, profile: str, ids: Iterable[str]) -> None:
        """Tell the other replicas a write here may have changed the profile's reads about `ids`."""
        message = json.dumps({"replica": self.replica, "profile": profile, "ids": sorted(ids)})
        with self.reaching("telling the other replicas about a write"):
            await self.redis.publish(self.key(INVALIDATIONS), message)

    async def listen(self) -> None:
        """Drop what other replicas' writes changed, until cancelled; resubscribes after Redis comes back
        (while it is away, reads are cached for `resource_ttl` at most, as always)."""
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.key(INVALIDATIONS))
                    async for message in pubsub.listen():
                        self._received(message.get("data"))
            except (redis.exceptions.RedisError, OSError) as exc:
                log.warning("redis at %s: invalidations paused: %s", self.where, type(exc).__name__)
            await anyio.sleep(RECONNECT_SECONDS)

    def _received(self, data: object) -> None:
        try:
            message = json.loads(str(data))
            replica, profile, ids = message["replica"], str(message["profile"]), [str(i) for i in message["ids"]]
        except (ValueError, KeyError, TypeError):
            return  # not ours
        if replica == self.replica:
            return  # this replica dropped them when it wrote
        for drop in self._invalidate:
            drop(profile, ids)

    async def ready(self) -> str | None:
        """None when Redis answers; otherwise why not (for /readyz)."""
        try:
            await self.redis.ping()
        except (redis.exceptions.RedisError, OSError) as exc:
            return f"redis at {self.where}: {type(exc).__name__}"
        return None

    async def aclose(self) -> None:
        await self.redis.aclose()
