"""Ways in to the simulator: httpx in process (`SimulatorTransport`), or uvicorn standalone (`serve`).

In process, "drop" and "timeout" faults cannot be acted out over a socket: the app marks
its answer with a header and the transport raises httpx's own error instead.
"""

from __future__ import annotations

import contextvars
import sys
from typing import TYPE_CHECKING, Any

import httpx

from .seed import DEMO_API_KEY, DEMO_COMPANY_ID

if TYPE_CHECKING:
    from .app import Simulator

# Set by the in-process transport: the app then signals drop/timeout faults instead of acting them out.
IN_PROCESS: contextvars.ContextVar[bool] = contextvars.ContextVar("kinsta_simulator_in_process", default=False)
FAULT_HEADER = "x-kinsta-simulator-fault"


class SimulatorTransport(httpx.AsyncBaseTransport):
    """httpx straight into the app; "drop" and "timeout" faults become httpx's own errors."""

    def __init__(self, simulator: Simulator) -> None:
        self._inner = httpx.ASGITransport(app=simulator.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        token = IN_PROCESS.set(True)
        try:
            response = await self._inner.handle_async_request(request)
        finally:
            IN_PROCESS.reset(token)
        fault = response.headers.get(FAULT_HEADER)
        if fault == "drop":
            await response.aclose()
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        if fault == "timeout":
            await response.aclose()
            raise httpx.ReadTimeout("Timed out waiting for the simulator (injected)", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def serve(host: str = "127.0.0.1", port: int = 8090, **options: Any) -> None:
    """Run the simulator standalone with uvicorn (blocks). `options` go to `Simulator`."""
    import uvicorn

    from .app import BASE_PATH, Simulator

    simulator = Simulator(**options)
    base = f"http://{host}:{port}{BASE_PATH}"
    sys.stderr.write(
        f"Kinsta API simulator at {base}\n  demo API key: {DEMO_API_KEY}\n  demo company id: {DEMO_COMPANY_ID}\n"
    )
    uvicorn.run(simulator.app, host=host, port=port, log_level="warning", interface="asgi3")
