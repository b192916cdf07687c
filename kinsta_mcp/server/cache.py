"""Short-lived caching of Kinsta reads, shared by resources, completions and the company overview.

Resources are browsed and re-read often by clients; every read costs rate limit. A read is
kept for a few seconds per (profile, operation, arguments), and dropped when a write
through any tool may have changed it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kinsta_mcp.api.clock import Clock
from kinsta_mcp.catalog.spec import Operation

log = logging.getLogger("kinsta_mcp.cache")

DEFAULT_TTL = 30.0  # seconds; the resource_ttl setting chooses it for the server
MAX_ENTRIES = 1024


def id_values(args: Mapping[str, Any]) -> frozenset[str]:
    """The ids among an operation's arguments (`site_id`, `env_id`, `domain_ids`, ...)."""
    found: set[str] = set()
    for name, value in args.items():
        if not (name.endswith("_id") or name.endswith("_ids")) or value is None:
            continue
        for item in value if isinstance(value, list | tuple | set) else [value]:
            found.add(str(item))
    return frozenset(found)


@dataclass(frozen=True)
class ReadKey:
    """What identifies one cached read."""

    profile: str
    op_key: str
    args: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, profile: str, op: Operation, args: Mapping[str, Any]) -> ReadKey:
        return cls(profile, op.key, tuple(sorted((k, repr(v)) for k, v in args.items() if v is not None)))


@dataclass
class _Entry:
    expires: float
    value: Any
    ids: frozenset[str]
    uri: str | None


class ReadCache:
    """Values kept until `ttl` seconds have passed on `clock`, or until a write drops them."""

    def __init__(self, clock: Clock, ttl: float = DEFAULT_TTL, max_entries: int = MAX_ENTRIES) -> None:
        self.clock = clock
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[ReadKey, _Entry] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: ReadKey) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None or entry.expires <= self.clock.monotonic():
            self._entries.pop(key, None)
            self.misses += 1
            return False, None
        self.hits += 1
        return True, entry.value

    def put(self, key: ReadKey, value: Any, ids: frozenset[str], uri: str | None) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._evict_expired_or_oldest()
        self._entries[key] = _Entry(self.clock.monotonic() + self.ttl, value, ids, uri)

    def _evict_expired_or_oldest(self) -> None:
        now = self.clock.monotonic()
        for key in [k for k, e in self._entries.items() if e.expires <= now]:
            del self._entries[key]
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]  # dicts keep insertion order: the oldest first

    def invalidate(self, profile: str, ids: Iterable[str]) -> list[str]:
        """Drop the profile's reads that concern any of `ids`, and its company-wide reads.

        Company-wide reads (no id argument: sites, DNS domains, users, activity) are dropped on
        every write, since creating or deleting anything changes them. Returns the URIs of the
        dropped reads that are resources.
        """
        wanted = set(ids)
        dropped: list[str] = []
        for key, entry in list(self._entries.items()):
            if key.profile != profile:
                continue
            if not entry.ids or entry.ids & wanted:
                del self._entries[key]
                if entry.uri:
                    dropped.append(entry.uri)
        return dropped

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
