"""Shared test setup: tests/ on sys.path (for `openapi`, `samples`), asyncio for anyio tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
