"""Shared test setup: tests/ on sys.path (for `openapi`, `samples`), asyncio for anyio tests, and the
setup tests' jobs started ahead (tests/background.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

import background  # noqa: E402  (tests/ is on sys.path from here)

# These tests measure real time (deadlines, idle timeouts, a rate window): no job runs beside them.
REAL_TIME = TESTS / "http"
# A job starts ahead only with at least this many other tests to run meanwhile (a few seconds' worth):
# ahead, it takes one core; run by its fixture, it may take every core.
OVERLAP = 300
_start_after: tuple[str, list[str]] | None = None  # (the last real-time test, the jobs to start after it)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_collection_finish(session: pytest.Session) -> None:
    global _start_after
    if session.config.option.collectonly:
        return
    items = session.items
    first_use: dict[Path, int] = {}  # each module -> the index of its first collected test
    for index, item in enumerate(items):
        first_use.setdefault(item.path, index)
    jobs = background.JOBS
    needed = sorted((name for name in jobs if jobs[name].module in first_use), key=lambda n: first_use[jobs[n].module])
    if not needed:
        return
    real_time = [index for index, item in enumerate(items) if REAL_TIME in item.path.parents]
    begin = real_time[-1] + 1 if real_time else 0
    if first_use[jobs[needed[0]].module] - begin < OVERLAP:
        return  # too little to overlap: each fixture runs its job itself
    if real_time:
        _start_after = (items[real_time[-1]].nodeid, needed)
    else:
        background.start(needed)


def pytest_runtest_logfinish(nodeid: str) -> None:
    if _start_after is not None and nodeid == _start_after[0]:
        background.start(_start_after[1])


def pytest_sessionfinish(session: pytest.Session) -> None:
    background.stop()
