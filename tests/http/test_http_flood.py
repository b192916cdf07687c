"""The flood benchmark in small (issue 16, findings 7 and 8): one principal floods the HTTP endpoint
on loopback (session openings, idle and slow connections, Kinsta calls) and another is still
served. Counts and times are bounded; the figures are printed (benchmarks/flood.py has the full run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.anyio
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "flood.py"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kinsta_flood_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


flood = load_benchmark()


async def test_another_principal_is_served_through_a_flood() -> None:
    scale = 20.0  # a Kinsta minute lasts 3 s: long enough for the flooder to spend its share within one
    window = 60.0 / scale
    report = await flood.run_flood(
        initialize=60,
        concurrency=8,
        idle=80,
        slow=4,
        max_connections=64,
        request_timeout=0.5,
        calls=130,  # more than a window's 120: the budget runs out
        callers=8,
        scale=scale,
        other_per_minute=8,
        time_limit=90.0,
    )
    print("\n" + report.table())
    assert report.other_failures == []
    # 1. A flood of initialize: the flooder keeps at most its cap; the other connects and calls every time.
    assert report.initialize_sent == 60 and set(report.initialize_statuses) <= {200, 503}
    assert report.flooder_sessions_after <= 16
    assert report.other_connect_and_call and max(report.other_connect_and_call) < 10.0
    # 2. Idle and slow connections: the count stays at the limit, the server closes them, others get in.
    assert report.open_during_flood <= report.max_connections
    assert report.closed_by_server >= report.idle_opened + report.slow_opened - report.max_connections
    assert len(report.healthz_during) == 5 and len(report.other_call_during_connections) == 2
    assert report.slow_lifetimes and max(report.slow_lifetimes) < report.request_timeout + 3.0
    # 3. Kinsta's budget: the flooder ran out of it and waited; the other, calling 8 times a minute, did not.
    flooder_waits, other_waits = report.limiter_waits["flooder"], report.limiter_waits["other"]
    # (paced: many short waits, one every window/108 s, rather than one long wait for the window to pass)
    assert report.flooder_calls == 130 and sum(flooder_waits) > window / 5
    assert other_waits and max(other_waits) < window / 10
