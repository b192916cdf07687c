"""Fixtures for the simulator tests: a fresh simulator on a fake clock and an httpx client into it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kinsta_mcp.simulator import DEMO_API_KEY, SimClock, Simulator


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def sim(clock: SimClock) -> Simulator:
    return Simulator(clock=clock)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url, headers=headers) as http:
        yield http
