"""What a role of the role map may use: the server's tool selection, narrowed (never widened)."""

from __future__ import annotations

from typing import Any

from kinsta_mcp.catalog.spec import Effect
from kinsta_mcp.config import load_settings
from kinsta_mcp.server.auth import role_view
from kinsta_mcp.server.compiled import compiled_tools, select_tools, tools_for


def settings(**flags: Any) -> Any:
    return load_settings({"demo": True, **flags}, {}, None)


def test_no_narrowing_is_the_whole_server() -> None:
    assert role_view(settings(), None, False) is None


def test_a_read_only_role_gets_only_tools_that_cannot_write_as_the_server_offers_them() -> None:
    served = settings(toolsets="all")
    view = role_view(served, None, True)
    assert view
    tools = tools_for(served)
    assert all(tools[name].effect is Effect.READ for name in view)
    # A group the read-only server narrows to its reads is offered here with its writes: left out whole.
    mixed = [
        n
        for n, t in compiled_tools().items()
        if t.effect is not Effect.READ and any(op.effect is Effect.READ for op in t.operations.values()) and t.selector
    ]
    assert mixed and not set(mixed) & view
    assert view < set(select_tools(served).visible)


def test_toolsets_narrow_within_the_servers_and_never_widen_it() -> None:
    served = settings(toolsets="sites,logs")
    assert role_view(served, ("logs", "dns"), False) == role_view(served, ("logs",), False)
    assert "list_dns_records" not in (role_view(served, ("logs", "dns"), False) or set())
    assert role_view(served, ("dns",), False) == frozenset()
    assert (role_view(served, ("sites",), False) or set()) <= set(select_tools(served).visible)


def test_a_read_only_server_stays_read_only_whatever_the_role() -> None:
    served = settings(toolsets="all", read_only=True)
    view = role_view(served, ("sites",), False)
    assert view and all(tools_for(served)[n].effect is Effect.READ for n in view)
