"""(declarations being written)"""

from __future__ import annotations

from kinsta_mcp.catalog.spec import Operation

OPERATIONS: list[Operation] = []
