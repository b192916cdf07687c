"""What `--demo` needs before anything else: the built-in simulator's address and demo account.

A leaf module, so that start-up (config, the server) does not import the simulator itself; the
simulator takes these values from here (one source).
"""

from __future__ import annotations

import uuid

_NS = uuid.UUID("6f1c2b0e-9d3a-4e57-8b8e-2a4c1d5e7f90")


def fixed_id(name: str) -> str:
    """A stable id for a name (the simulator's seeded ids)."""
    return str(uuid.uuid5(_NS, name))


DEMO_BASE_URL = "http://kinsta.simulator/v2"
DEMO_API_KEY = "kinsta-demo-key-not-secret"
DEMO_COMPANY_ID = fixed_id("company:demo")
