"""Confirmation tokens: unguessable, single-use, 5 minutes, bound to the tool and exact arguments."""

from __future__ import annotations

from kinsta_mcp.api.clock import FakeClock
from kinsta_mcp.server.guard import TokenStore

ARGS = {"site_id": "s-1", "wait": True}


def test_a_token_works_once_for_exactly_its_call() -> None:
    store = TokenStore(FakeClock())
    token = store.issue("delete_site", ARGS)
    assert len(token) >= 32
    assert store.redeem(token, "delete_site", dict(ARGS)) is None
    assert store.redeem(token, "delete_site", dict(ARGS)) is not None  # used up


def test_any_change_voids_it() -> None:
    store = TokenStore(FakeClock())
    token = store.issue("delete_site", ARGS)
    assert "different arguments" in (store.check(token, "delete_site", {**ARGS, "site_id": "s-2"}) or "")
    assert store.check(token, "reset_site", ARGS) is not None
    assert store.check(token, "delete_site", {**ARGS, "wait": False}) is not None
    assert store.check(token, "delete_site", ARGS) is None  # still valid for the exact call


def test_tokens_expire_after_five_minutes() -> None:
    clock = FakeClock()
    store = TokenStore(clock)
    token = store.issue("delete_site", ARGS)
    clock.advance(299)
    assert store.check(token, "delete_site", ARGS) is None
    clock.advance(2)
    assert store.check(token, "delete_site", ARGS) is not None


def test_tokens_are_unguessable_and_distinct() -> None:
    store = TokenStore(FakeClock())
    tokens = {store.issue("delete_site", ARGS) for _ in range(200)}
    assert len(tokens) == 200
    assert store.check("made-up-token", "delete_site", ARGS) is not None
