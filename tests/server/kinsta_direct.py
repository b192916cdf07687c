"""Real simulator answers for shaping tests: KinstaClient on the in-process simulator, no MCP in between.

The tool layer is being rebuilt; these tests feed `shape()` what Kinsta (the simulator)
really returns for an operation called with validated arguments, as the pipeline will.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from harness import known_ids
from pydantic import SecretStr

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
from kinsta_mcp.simulator.clock import SimClock


@dataclass
class Direct:
    sim: Simulator
    client: KinstaClient

    async def fetch(self, name: str, **overrides: Any) -> tuple[dict[str, Any], Any]:
        """(validated arguments, Kinsta's answer) for operation `name` on the seeded ids plus `overrides`."""
        op = BY_NAME[name]
        ids = known_ids()
        raw = {k: ids[k] for k in op.input.model_fields if k in ids} | overrides
        validated = op.input.model_validate(raw)
        args = {field: getattr(validated, field) for field in op.input.model_fields}
        response = await self.client.call(op, args, company_id=DEMO_COMPANY_ID)
        return args, response.data

    def last_query(self) -> Mapping[str, str]:
        return dict(self.sim.requests[-1].query)


@asynccontextmanager
async def direct(**sim_options: Any) -> AsyncIterator[Direct]:
    sim = Simulator(clock=SimClock(), **{"rate_limits": False, **sim_options})
    async with KinstaClient(api_key=SecretStr(DEMO_API_KEY), base_url=sim.base_url, transport=sim.transport()) as c:
        yield Direct(sim, c)
