"""Every Kinsta operation, declared once (see `spec.py` for the shape of a declaration).

`OPERATIONS` is the catalog: one `Operation` per tool, in a stable order. Two tools
may share one Kinsta operation (redirect rules: change vs delete) where that keeps
each tool's input simple; no operation is left without a tool.
"""

from __future__ import annotations

from kinsta_mcp.catalog import (
    analytics,
    backups,
    company,
    dns,
    domains,
    edge,
    environments,
    inventory,
    logs,
    operations,
    plugins,
    redirects,
    sftp,
    sites,
    tools,
    traffic,
    wordpress,
)
from kinsta_mcp.catalog.spec import Effect, Operation, Toolset

_AREAS = (
    sites,
    environments,
    tools,
    wordpress,
    plugins,
    inventory,
    domains,
    dns,
    edge,
    backups,
    logs,
    sftp,
    redirects,
    analytics,
    traffic,
    company,
    operations,
)

OPERATIONS: tuple[Operation, ...] = tuple(op for area in _AREAS for op in area.OPERATIONS)
BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}

if len(BY_NAME) != len(OPERATIONS):  # pragma: no cover - a declaration mistake
    raise RuntimeError("two operations share a tool name")

__all__ = ["BY_NAME", "OPERATIONS", "Effect", "Operation", "Toolset"]
