"""Approvals are single-use, bound to exactly one call, and expire (units, on a fake clock)."""

from __future__ import annotations

import pytest

from kinsta_mcp.api.clock import FakeClock
from kinsta_mcp.server.approvals import APPROVAL_SECONDS, Approvals, Binding

pytestmark = pytest.mark.anyio

CALL = Binding("delete_site", {"site_id": "s1"}, "owner", "token-1", "conn-a")


async def test_an_approval_is_redeemed_once() -> None:
    approvals = Approvals(FakeClock())
    secret = await approvals.issue(CALL)
    assert await approvals.redeem(secret, CALL) is None
    assert "already used" in (await approvals.redeem(secret, CALL) or "")


@pytest.mark.parametrize(
    "other",
    [
        Binding("delete_site", {"site_id": "s2"}, "owner", "token-1", "conn-a"),  # another argument
        Binding("reset_site", {"site_id": "s1"}, "owner", "token-1", "conn-a"),  # another tool
        Binding("delete_site", {"site_id": "s1"}, "dev", "token-1", "conn-a"),  # another profile
        Binding("delete_site", {"site_id": "s1"}, "owner", "token-2", "conn-a"),  # another HTTP principal
        Binding("delete_site", {"site_id": "s1"}, "owner", "token-1", "conn-b"),  # another connection
        Binding("delete_site", {"site_id": "s1", "extra": 1}, "owner", "token-1", "conn-a"),  # an added argument
    ],
)
async def test_an_approval_is_void_for_any_other_call(other: Binding) -> None:
    approvals = Approvals(FakeClock())
    secret = await approvals.issue(CALL)
    assert "different call" in (await approvals.redeem(secret, other) or "")
    assert await approvals.redeem(secret, CALL) is None  # a refused attempt does not use it up


async def test_an_approval_expires() -> None:
    clock = FakeClock()
    approvals = Approvals(clock)
    secret = await approvals.issue(CALL)
    clock.advance(APPROVAL_SECONDS + 1)
    assert "expired" in (await approvals.redeem(secret, CALL) or "")


async def test_a_forged_approval_is_unknown() -> None:
    approvals = Approvals(FakeClock())
    await approvals.issue(CALL)
    assert "unknown" in (await approvals.redeem("forged-0000000000000000", CALL) or "")
