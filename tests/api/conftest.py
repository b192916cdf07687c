"""Fixtures of the client tests: a fake clock, and clients wired to a recording mock transport."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from client_support import FAKE_KEY, Handler, MakeClient, Recorder
from pydantic import SecretStr

from kinsta_mcp.api.client import KinstaClient
from kinsta_mcp.api.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[MakeClient]:
    """make_client(handler, **client_options) -> (client, recorder); clients share the fake clock."""

    def make(handler: Handler, **options: Any) -> tuple[KinstaClient, Recorder]:
        recorder = Recorder(handler)
        options.setdefault("clock", clock)
        options.setdefault("api_key", SecretStr(FAKE_KEY))
        return KinstaClient(transport=recorder.transport, **options), recorder

    yield make
