"""A stateful simulator of Kinsta API v2, independent of the client in `kinsta_mcp.api`.

    sim = Simulator(clock=SimClock())
    async with httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url) as http:
        ...

Serves all 78 live operations under /v2 with Kinsta's auth, validation (400 naming the
field), 404 for unknown or foreign ids, developer-role 403s, rate limits (429 with
RateLimit-* headers), async operations that finish on the clock, injectable faults and a
log of every request. `serve()` runs it standalone with uvicorn.
"""

from __future__ import annotations

from .app import RecordedRequest, Simulator, SimulatorTransport, serve
from .clock import Clock, RealClock, SimClock
from .faults import Fault, OperationFailure
from .routing import KeyInfo
from .seed import DEMO_API_KEY, DEMO_COMPANY_ID

__all__ = [
    "DEMO_API_KEY",
    "DEMO_COMPANY_ID",
    "Clock",
    "Fault",
    "KeyInfo",
    "OperationFailure",
    "RealClock",
    "RecordedRequest",
    "SimClock",
    "Simulator",
    "SimulatorTransport",
    "serve",
]
