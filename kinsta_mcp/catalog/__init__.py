"""Every Kinsta operation, declared once (see `spec.py` for the shape of a declaration).

`OPERATIONS` is the catalog: one `Operation` per tool, in a stable order. Two tools
may share one Kinsta operation (redirect rules: change vs delete) where that keeps
each tool's input simple; no operation is left without a tool.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from kinsta_mcp.catalog.spec import Effect, Operation, Toolset

_AREAS = (
    "sites",
    "environments",
    "tools",
    "wordpress",
    "plugins",
    "inventory",
    "domains",
    "dns",
    "edge",
    "backups",
    "logs",
    "sftp",
    "redirects",
    "analytics",
    "traffic",
    "company",
    "operations",
)
_loaded: tuple[Operation, ...] | None = None


def _operations() -> tuple[Operation, ...]:
    """Every declaration, imported on first use: defining the areas' models is most of a start-up, and
    listing tools needs none of them (server/tool_index.py)."""
    global _loaded
    if _loaded is None:
        ops = tuple(op for area in _AREAS for op in importlib.import_module(f"kinsta_mcp.catalog.{area}").OPERATIONS)
        if len({op.name for op in ops}) != len(ops):  # pragma: no cover - a declaration mistake
            raise RuntimeError("two operations share a tool name")
        _loaded = ops
    return _loaded


class _Operations(Sequence[Operation]):
    """The catalog in its stable order, loaded on first use."""

    @overload
    def __getitem__(self, index: int) -> Operation: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Operation]: ...
    def __getitem__(self, index: int | slice) -> Operation | Sequence[Operation]:
        return _operations()[index]

    def __len__(self) -> int:
        return len(_operations())

    def __iter__(self) -> Iterator[Operation]:
        return iter(_operations())

    def __repr__(self) -> str:
        return f"OPERATIONS({len(self)} operations)"


class _ByName(Mapping[str, Operation]):
    """Each declaration by its name, loaded on first use."""

    _index: dict[str, Operation] | None = None

    def _get(self) -> dict[str, Operation]:
        if self._index is None:
            self._index = {op.name: op for op in _operations()}
        return self._index

    def __getitem__(self, name: str) -> Operation:
        return self._get()[name]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())


OPERATIONS: Sequence[Operation] = _Operations()
BY_NAME: Mapping[str, Operation] = _ByName()

__all__ = ["BY_NAME", "OPERATIONS", "Effect", "Operation", "Toolset"]
