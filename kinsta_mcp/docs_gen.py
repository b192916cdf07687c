"""The parts of docs/ that list code, generated from the server a client would see.

Tools, resources, resource templates and prompts are read from a server built with every
toolset on, exactly as MCP clients list them; the configuration table is
`config_reference_markdown()`. Each generated part sits in a docs page between
`<!-- generated:NAME:begin -->` and `<!-- generated:NAME:end -->`; the text around it is
written by hand. tests/setup/test_setup_docs.py fails when a page is stale.

    python -m kinsta_mcp.docs_gen           # rewrite the generated parts of docs/
    python -m kinsta_mcp.docs_gen --check   # exit 1 naming each stale page
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import Toolset
from kinsta_mcp.config import config_reference_markdown

__all__ = ["PAGES", "Listing", "generated_page", "listing", "replace_generated", "stale_pages", "tool_kind"]

DOCS = Path(__file__).resolve().parent.parent / "docs"  # in a checkout; an installed package has none

KIND_LEGEND = (
    "Kind: read, write, or irreversible (the human confirms first); awaited: the tool waits for Kinsta's "
    "long operation and returns its outcome."
)


@dataclass(frozen=True)
class Listing:
    """What a client lists from a server with every toolset on (and, for a count, in read-only mode)."""

    tools: list[Any]
    read_only_tools: list[Any]
    templates: list[Any]
    resources: list[Any]
    prompts: list[Any]


async def _listed(read_only: bool) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    from mcp_types import Resource
    from pydantic import SecretStr

    from kinsta_mcp.config import Profile, Settings
    from kinsta_mcp.server.app import build_server

    settings = Settings(
        profiles={"default": Profile(name="default", api_key=SecretStr("docs"), company_id="docs")},
        default_profile="default",
        audit_log=None,
        read_only=read_only,
        toolsets="all",
    )
    server = build_server(settings, clients={})
    tools = list(await server.list_tools())
    templates = list(await server.list_resource_templates())
    # The static ones (clients also get one per site and environment, read live from Kinsta).
    resources = [Resource.model_validate(entry) for entry in server.app.resources.static_entries(server.scope_of())]
    prompts = list(await server.list_prompts())
    return tools, templates, resources, prompts


@functools.cache  # the code does not change while a process runs
def listing() -> Listing:
    import anyio

    tools, templates, resources, prompts = anyio.run(_listed, False)
    read_only_tools = anyio.run(_listed, True)[0]
    return Listing(tools, read_only_tools, templates, resources, prompts)


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


_RISK_WORDS = {
    "destroys-data": "destroys data",
    "grants-access": "grants access",
    "redirects-traffic": "redirects traffic",
    "reveals-secret": "reveals a secret",
}


def _kind(operation: Any, read: bool, destructive: bool) -> str:
    """Read or write, and for a guarded operation the risk that needs the human's yes."""
    if operation is not None and operation.guarded and operation.risk is not None:
        kind = f"{_RISK_WORDS[operation.risk.value]}: confirmed"
    elif read:
        kind = "read"
    elif destructive:
        kind = "irreversible: confirmed"
    else:
        kind = "write"
    if operation is not None and operation.is_async:
        kind += ", awaited"
    return kind


def tool_kind(tool: Any) -> str:
    """Read, write or irreversible; a grouped tool whose members differ says it per selector value."""
    from kinsta_mcp.catalog.spec import Effect
    from kinsta_mcp.server.compiled import compiled_tools

    compiled = compiled_tools().get(tool.name)
    members = compiled.operations if compiled is not None and compiled.selector else {}
    if len({(op.effect, op.risk) for op in members.values()}) > 1:
        return "; ".join(
            f"{value}: {_kind(op, op.effect is Effect.READ, op.effect is Effect.IRREVERSIBLE)}"
            for value, op in members.items()
        )
    hints = tool.annotations
    read = hints is not None and bool(hints.read_only_hint)
    single = compiled.operation(None) if compiled is not None and compiled.operations and not members else None
    return _kind(single or BY_NAME.get(tool.name), read, hints is not None and bool(hints.destructive_hint))


def _kinsta_call(tool: Any) -> str:
    """The Kinsta call behind a tool; a grouped tool's, one per selector value."""
    from kinsta_mcp.server.compiled import compiled_tools

    compiled = compiled_tools().get(tool.name)
    if compiled is None or not compiled.operations:
        return "(several calls)"
    calls = [
        f"{value + ': ' if compiled.selector else ''}`{op.method} {op.path}`"
        for value, op in compiled.operations.items()
    ]
    return "<br>".join(calls)


def _toolset(tool: Any) -> str:
    from kinsta_mcp.server.compiled import compiled_tools

    return compiled_tools()[tool.name].toolset.value


def tools_markdown(listed: Listing) -> str:
    """Every tool, grouped by toolset in the catalog's order."""
    by_set: dict[str, list[Any]] = {}
    for tool in listed.tools:
        by_set.setdefault(_toolset(tool), []).append(tool)
    order = [t.value for t in Toolset] + sorted(set(by_set) - {t.value for t in Toolset})
    lines = [
        f"{len(listed.tools)} tools in {len(by_set)} toolsets; {len(listed.read_only_tools)} of them "
        "remain with `--read-only`. " + KIND_LEGEND,
        "",
        "| Toolset | Tools | Read-only mode keeps |",
        "|---|---|---|",
    ]
    kept = {tool.name for tool in listed.read_only_tools}
    for toolset in order:
        tools = by_set.get(toolset, [])
        if tools:
            lines.append(f"| `{toolset}` | {len(tools)} | {sum(t.name in kept for t in tools)} |")
    for toolset in order:
        tools = by_set.get(toolset, [])
        if not tools:
            continue
        lines += ["", f"### `{toolset}`", "", "| Tool | What it does | Kind | Kinsta API |", "|---|---|---|---|"]
        lines += [f"| `{t.name}` | {_cell(t.title)} | {tool_kind(t)} | {_kinsta_call(t)} |" for t in tools]
    return "\n".join(lines) + "\n"


def resources_markdown(listed: Listing) -> str:
    lines = [
        f"{len(listed.resources)} resources and {len(listed.templates)} resource templates, all read-only "
        "(`resources/list` also lists the templates filled in for each of the company's sites and environments).",
        "",
        "| Resource | Name | What it holds | Type |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{r.uri}` | {_cell(r.title)} | {_cell(r.description)} | {r.mime_type} |" for r in listed.resources]
    lines += ["", "| Resource template | Name | What it holds | Type |", "|---|---|---|---|"]
    lines += [
        f"| `{t.uri_template}` | {_cell(t.title)} | {_cell(t.description)} | {t.mime_type} |" for t in listed.templates
    ]
    return "\n".join(lines) + "\n"


def prompts_markdown(listed: Listing) -> str:
    lines = [f"{len(listed.prompts)} prompts.", "", "| Prompt | What it does | Arguments |", "|---|---|---|"]
    for prompt in listed.prompts:
        arguments = "; ".join(
            f"`{a.name}`{'' if a.required else ' (optional)'}: {_cell(a.description)}" for a in prompt.arguments or []
        )
        lines.append(f"| `{prompt.name}` | {_cell(prompt.description)} | {arguments or 'none'} |")
    return "\n".join(lines) + "\n"


_RISK_WORDS = {
    "destroys-data": "destroys data",
    "grants-access": "grants access",
    "redirects-traffic": "redirects traffic",
    "reveals-secret": "reveals a secret",
    "breaks-site": "can break the site",
}


def _tool_call(op: Any) -> str:
    return f"`{op.member.group.name} {op.member.group.selector}={op.member.value}`" if op.member else f"`{op.name}`"


def consequences_markdown(_listed: Listing) -> str:
    """Per consequence class: the operations that always need the human, then the argument rules, from the catalog."""
    from kinsta_mcp.catalog import OPERATIONS
    from kinsta_mcp.catalog.spec import RISK_WARNINGS, Risk

    lines = ["| Consequence | Always asked (declared per operation) | The human reads |", "|---|---|---|"]
    for risk in Risk:
        if risk is Risk.NONE:
            continue
        ops = [op for op in OPERATIONS if op.risk is risk]
        listed = ", ".join(_tool_call(op) for op in ops) or "none by declaration (only by the rules below)"
        lines.append(f"| {_RISK_WORDS.get(risk.value, risk.value)} | {listed} | {RISK_WARNINGS[risk]} |")
    lines += [
        "",
        "Argument rules (`rules=` beside the operation): the call is judged on its arguments and, where a rule "
        "reads first, on the current state. An unguarded operation whose rule applies is asked like a guarded one; "
        "a guarded one's prompt says what the rule found. A precondition refuses before anyone is asked.",
        "",
        "| Tool | Rule | Applies when | Effect | Reads first |",
        "|---|---|---|---|---|",
    ]
    for op in OPERATIONS:
        for rule in op.rules:
            effect = "refused, nobody asked" if rule.refuse else f"asked: {_RISK_WORDS.get(rule.risk.value)}"
            reads = f"`{rule.reads}`" if rule.reads else "no"
            lines.append(f"| {_tool_call(op)} | `{rule.name}` | {_cell(rule.when)} | {effect} | {reads} |")
    from kinsta_mcp.catalog.tools import WP_CLI_READ_FLAGS, WP_CLI_READS

    lines += [
        "",
        "Arguments that make a guarded call a read (`reads_only=`), sent without asking: "
        + ", ".join(f"`{op.name}`" for op in OPERATIONS if op.reads_only)
        + " with `wp "
        + "`, `wp ".join(sorted(WP_CLI_READS))
        + "`; flags only "
        + ", ".join(f"`--{f}`" for f in sorted(WP_CLI_READ_FLAGS))
        + "; values plain words, no field or option name that looks secret. Anything else is asked.",
    ]
    return "\n".join(lines) + "\n"


def batches_markdown(_listed: Listing) -> str:
    from kinsta_mcp.server.fleet.plan import HANDFUL, MAX_RULE_READS
    from kinsta_mcp.server.fleet.report import SHOWN_TARGETS

    return (
        f"- A batch of writes on more than {HANDFUL} live targets asks the human even when each call alone would "
        "not; a batch asks once, count first, naming the first "
        f"{SHOWN_TARGETS} targets and summarising the rest. Targets whose site name mixes scripts or looks like "
        "another site's name are counted, marked and named first, so none is lost in the summary.\n"
        "- A batch that destroys data or cannot be undone needs the human to tick yes **and type the number of "
        "targets**; a plain boolean yes sends nothing.\n"
        f"- With no human who answers the form (the client cannot show one, `elicit-or-model-token`, or `off`): "
        f"batches of writes beyond {HANDFUL} targets and every batch that destroys data are refused.\n"
        f"- The rules above are applied per target; a rule that reads state reads it for at most {MAX_RULE_READS} "
        "targets, beyond that it judges as if the worst were true.\n"
    )


def example_confirmation() -> str:
    """One real confirmation: a database push over live on the demo, as a real MCP client receives it."""
    import anyio

    async def run() -> str:
        from mcp.client import Client
        from mcp_types import ElicitResult
        from pydantic import SecretStr

        from kinsta_mcp.config import Profile, Settings
        from kinsta_mcp.server.app import build_server, make_clients
        from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Simulator
        from kinsta_mcp.simulator import seed as ids
        from kinsta_mcp.simulator.clock import SimClock

        sim = Simulator(clock=SimClock(), rate_limits=False)
        profile = Profile(name="demo", api_key=SecretStr(DEMO_API_KEY), company_id=DEMO_COMPANY_ID)
        settings = Settings(
            profiles={"demo": profile}, default_profile="demo", audit_log=None, api_base_url=sim.base_url
        )
        clients = make_clients(settings, transport=sim.transport())
        asked: list[str] = []

        async def decline(ctx: Any, params: Any) -> ElicitResult:
            asked.append(params.message)
            return ElicitResult(action="decline")

        try:
            server = build_server(settings, clients)
            async with Client(server, elicitation_callback=decline) as client:  # type: ignore[arg-type]
                await client.call_tool(
                    "push_environment",
                    {
                        "site_id": ids.ACME_SITE_ID,
                        "source_env_id": ids.ACME_STAGING_ENV_ID,
                        "target_env_id": ids.ACME_LIVE_ENV_ID,
                        "push_db": True,
                    },
                )
        finally:
            for kinsta in clients.values():
                await kinsta.aclose()
        return asked[0]

    prompt = anyio.run(run)
    return "```text\n" + prompt + "\n```\n"


# page -> generated part -> its text
PAGES: dict[str, dict[str, Callable[[Listing], str]]] = {
    "configuration.md": {"options": lambda _listed: config_reference_markdown()},
    "security.md": {
        "consequences": consequences_markdown,
        "batches": batches_markdown,
        "example-confirmation": lambda _listed: example_confirmation(),
    },
    "tools.md": {"tools": tools_markdown},
    "resources-and-prompts.md": {"resources": resources_markdown, "prompts": prompts_markdown},
}


def replace_generated(text: str, name: str, body: str) -> str:
    """`text` with the part between the markers of `name` replaced by `body`."""
    begin, end = f"<!-- generated:{name}:begin -->", f"<!-- generated:{name}:end -->"
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not found or not found_end:
        raise ValueError(f"the page lacks the markers {begin} ... {end}")
    return f"{head}{begin}\n{body}{end}{tail}"


def generated_page(page: str, text: str, listed: Listing) -> str:
    for name, make in PAGES[page].items():
        text = replace_generated(text, name, make(listed))
    return text


def stale_pages(docs: Path = DOCS, write: bool = False) -> list[str]:
    """The pages whose generated parts differ from the code (rewritten when `write`)."""
    listed = listing()
    stale = []
    for page in PAGES:
        path = docs / page
        text = path.read_text(encoding="utf-8")
        fresh = generated_page(page, text, listed)
        if fresh != text:
            stale.append(page)
            if write:
                path.write_text(fresh, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kinsta_mcp.docs_gen", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a page is stale")
    parser.add_argument("--docs", type=Path, default=DOCS, help=f"the docs directory (default: {DOCS})")
    args = parser.parse_args(argv)
    if not args.docs.is_dir():
        sys.stderr.write(f"no docs directory at {args.docs}: run this in a checkout of kinsta-mcp, or pass --docs\n")
        return 2
    stale = stale_pages(args.docs, write=not args.check)
    from kinsta_mcp.server import tool_index  # the build-time tool list is generated with the docs

    index_text = tool_index.text(tool_index.build())
    if tool_index.INDEX_PATH.read_text(encoding="utf-8") != index_text:
        if not args.check:
            tool_index.INDEX_PATH.write_text(index_text, encoding="utf-8")
        sys.stderr.write(f"{'stale' if args.check else 'updated'}: {tool_index.INDEX_PATH}\n")
        if args.check:
            return 1
    for page in stale:
        sys.stderr.write(f"{'stale' if args.check else 'updated'}: {args.docs / page}\n")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
