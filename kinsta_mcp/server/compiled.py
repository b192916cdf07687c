"""The catalog compiled once per process into static tool definitions.

A `ToolDef` is everything MCP needs to list a tool and everything the call pipeline
needs to run it: name, title, description, input and output schema, annotations, and
the operation(s) behind it. It is built straight from the declarations (input model,
output model, effect, risk): no generated functions, nothing the SDK derives.

Per server only two things vary, and both are cheap: which tools are shown (toolsets,
read-only, exclusions: `select_tools`) and two per-server options added to the schema
(`company` with several profiles, `confirmation_token` in token mode: `listed_schema`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from mcp_types import ToolAnnotations

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Effect, Named, Operation, Toolset, named
from kinsta_mcp.config import Confirmation, Settings
from kinsta_mcp.server.schema import compact_schema, output_schema
from kinsta_mcp.server.waiting import OperationOutcome

Special = Literal["wait", "overview", "find", "batch", "report"]


class Listed(Protocol):
    """What listing a tool needs: a compiled ToolDef, or its entry in the tool index (tool_index.py)."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def input_schema(self) -> dict[str, Any]: ...
    @property
    def options(self) -> tuple[str, ...]: ...
    @property
    def asks(self) -> str: ...
    @property
    def mentions(self) -> frozenset[str]: ...


# Tool-side options: never sent to Kinsta, handled by the pipeline.
OPTION_FULL = "full"
OPTION_WAIT = "wait"
OPTION_COMPANY = "company"
OPTION_TOKEN = "confirmation_token"

# `full` and `wait` mean the same on every tool: explained once, in the server instructions
# (app.py); each schema names them in two words.
_OPTION_SCHEMAS: dict[str, dict[str, Any]] = {
    OPTION_FULL: {"type": "boolean", "description": "Every field"},
    OPTION_WAIT: {"type": "boolean", "description": "Await outcome"},
    OPTION_TOKEN: {
        "type": "string",
        "description": "Only from a preview the human approved in this chat; never invent one",
    },
}

WAIT_TOOL_NAME = "wait_for_operation"
OVERVIEW_TOOL_NAME = "get_company_overview"
FIND_TOOL_NAME = "find"


@dataclass(frozen=True)
class ToolDef:
    """One MCP tool: a single operation, a group of operations chosen by `selector`, or a special tool."""

    name: str
    title: str
    description: str
    toolset: Toolset
    effect: Effect  # the strongest of its operations
    input_schema: dict[str, Any]  # without the per-server options
    output_schema: dict[str, Any] | None
    annotations: ToolAnnotations
    # selector value -> operation; a single-operation tool has one entry under "".
    operations: Mapping[str, Operation] = field(default_factory=dict)
    selector: str | None = None
    selector_default: str | None = None  # the member an omitted selector means (a read)
    options: tuple[str, ...] = ()  # which of full / wait / confirmation_token apply
    special: Special | None = None
    # Id arguments that also take a name (catalog.spec.Named), resolved before validation.
    named: Mapping[str, Named] = field(default_factory=dict)
    # Which calls ask the human first ("" for none): listed after the description unless confirmation is off.
    asks: str = ""
    # The MCP Apps view drawing its structured result (kinsta_mcp.views.VIEWS), or None.
    view: str | None = None

    @property
    def toolsets(self) -> frozenset[str]:
        """Enabling any of these shows the tool (a group may span toolsets, e.g. the cache clears)."""
        return frozenset(op.toolset.value for op in self.operations.values()) or frozenset({self.toolset.value})

    @property
    def guarded(self) -> bool:
        return any(op.guarded for op in self.operations.values())

    @property
    def is_async(self) -> bool:
        return any(op.is_async for op in self.operations.values())

    @property
    def mentions(self) -> frozenset[str]:
        return mentions(self.name)

    @property
    def reveals_only(self) -> bool:
        """Every operation reveals a secret (read-only mode hides it: a secret is not a harmless read)."""
        return _reveals_only(self)

    def operation(self, selected: str | None) -> Operation:
        if self.selector and selected is None:
            selected = self.selector_default
        return self.operations[selected if self.selector and selected is not None else ""]


def tool_annotations(effect: Effect, idempotent: bool) -> ToolAnnotations:
    """Only what differs from the MCP defaults (readOnlyHint false, destructiveHint true, idempotentHint
    false, openWorldHint true; the last three mean something only for a tool that is not read-only), so a
    client infers every hint exactly and the list carries no repeats. `destructiveHint` stays explicit on
    every write, true or false: it is the hint a client acts on. The title is the tool's own `title`.
    """
    if effect is Effect.READ:
        return ToolAnnotations(read_only_hint=True)
    return ToolAnnotations(destructive_hint=effect is Effect.IRREVERSIBLE, idempotent_hint=idempotent or None)


def _strongest(effects: list[Effect]) -> Effect:
    order = [Effect.READ, Effect.WRITE, Effect.IRREVERSIBLE]
    return max(effects, key=order.index)


def _named(ops: list[Operation]) -> dict[str, Named]:
    """Which arguments take a name as well as an id, over every operation of a tool."""
    return {name: kind for op in ops for name, info in op.input.model_fields.items() if (kind := named(info))}


def _input_schema(op: Operation) -> dict[str, Any]:
    return compact_schema(op.input.model_json_schema(), _named([op]))


def _output_schema(model: Any, *, nulls: bool = False) -> dict[str, Any] | None:
    """The output's schema when it describes something (a schema of `{}` tells a client nothing).

    Results leave out the fields Kinsta sent as null (shaping.without_nulls), so their schemas need not
    allow null (`nulls=True` for a tool whose result may still carry one)."""
    schema = output_schema(model.model_json_schema(mode="serialization"), nulls=nulls)
    # `{"result": null}` (Kinsta's "done") describes nothing either.
    described = [prop for prop in schema.get("properties", {}).values() if prop != {"type": "null"}]
    return schema if described else None


def _shallow(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """`schema` with its lists of objects described as such, not field by field (a smaller tool list)."""
    if schema is None:
        return None
    properties = {}
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop.get("items"), dict) and "properties" in prop["items"]:
            prop = {**prop, "items": {"type": "object"}}
        properties[name] = prop
    return {**schema, "properties": properties}


def _asks(selector: str | None, ops: Mapping[str, Operation]) -> str:
    """A few words telling the model, from tools/list alone, which calls wait for the human's yes (and which
    arguments make a call a plain read that is not asked: `Operation.reads_only`)."""
    guarded = [value for value, op in ops.items() if op.guarded]
    if not guarded:
        return ""
    exempt = "; ".join(
        f"{f'{selector}={value} ' if selector else ''}except for {op.reads_only.says}"
        for value, op in ops.items()
        if op.guarded and op.reads_only is not None
    )
    if len(guarded) == len(ops) or selector is None:
        return f"Asks the human, {exempt}." if exempt else "Asks the human."
    return f"Asks the human for {selector}={'|'.join(guarded)}" + (f" ({exempt})." if exempt else ".")


def _options(ops: list[Operation]) -> tuple[str, ...]:
    options = []
    if any(op.brief for op in ops):
        options.append(OPTION_FULL)
    if any(op.is_async for op in ops):
        options.append(OPTION_WAIT)
    if any(op.guarded for op in ops):
        options.append(OPTION_TOKEN)
    return tuple(options)


def _with_options(schema: dict[str, Any], options: tuple[str, ...]) -> dict[str, Any]:
    extra = {name: _OPTION_SCHEMAS[name] for name in options if name != OPTION_TOKEN}
    return {**schema, "properties": {**schema["properties"], **extra}}


def compile_operation(op: Operation) -> ToolDef:
    options = _options([op])
    output = OperationOutcome if op.is_async else op.output
    return ToolDef(
        name=op.name,
        title=op.title,
        description=op.description,
        toolset=op.toolset,
        effect=op.effect,
        input_schema=_with_options(_input_schema(op), options),
        output_schema=_output_schema(output),
        annotations=tool_annotations(op.effect, op.idempotent),
        operations={"": op},
        options=options,
        named=_named([op]),
        asks=_asks(None, {"": op}),
    )


def compile_group(members: list[Operation]) -> ToolDef:
    """One tool for operations that differ by a noun: the selector picks the operation."""
    group = members[0].member
    assert group is not None
    spec = group.group
    schemas = [_input_schema(op) for op in members]
    values = [op.member.value if op.member else op.name for op in members]
    properties: dict[str, Any] = {}
    for schema in schemas:
        for name, prop in schema["properties"].items():
            properties.setdefault(name, prop)
    required_everywhere = set.intersection(*(set(s.get("required", [])) for s in schemas))
    for name in properties:
        needed_by = [value for value, s in zip(values, schemas, strict=True) if name in s.get("required", [])]
        if needed_by and name not in required_everywhere:
            note = f"required for {spec.selector}={'|'.join(needed_by)}"
            described = properties[name].get("description")
            properties[name] = {**properties[name], "description": f"{described}; {note}" if described else note}
    selector: dict[str, Any] = {"type": "string", "enum": values, "description": spec.selector_description}
    # One tool has one set of annotations: its members are all reads or all writes, unless a read is the
    # default (the search and replace's preview), so that leaving the selector out never writes.
    if len({op.effect is Effect.READ for op in members}) > 1 and spec.default is None:
        raise ValueError(f"{spec.name}: mixes reads and writes without a read as the default {spec.selector}")
    if spec.default is not None:
        if spec.default not in values or members[values.index(spec.default)].effect is not Effect.READ:
            raise ValueError(f"{spec.name}: the default {spec.selector} must be one of its reads")
        selector["default"] = spec.default
    options = _options(members)
    schema = {
        "type": "object",
        "properties": {spec.selector: selector, **properties},
        "required": [*([] if spec.default else [spec.selector]), *sorted(required_everywhere)],
    }
    outputs = {OperationOutcome if op.is_async else op.output for op in members}
    effect = _strongest([op.effect for op in members])
    return ToolDef(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        toolset=members[0].toolset,
        effect=effect,
        input_schema=_with_options(schema, options),
        output_schema=_output_schema(next(iter(outputs))) if len(outputs) == 1 else None,
        annotations=tool_annotations(effect, all(op.idempotent for op in members)),
        operations=dict(zip(values, members, strict=True)),
        selector=spec.selector,
        selector_default=spec.default,
        options=options,
        named=_named(members),
        asks=_asks(spec.selector, dict(zip(values, members, strict=True))),
        view=spec.view,
    )


def _special_tools() -> list[ToolDef]:
    from kinsta_mcp.catalog.spec import ID_MAX_LENGTH, ID_PATTERN
    from kinsta_mcp.server.find import INPUT_SCHEMA, Found
    from kinsta_mcp.server.overview import INPUT_SCHEMA as OVERVIEW_SCHEMA
    from kinsta_mcp.server.overview import CompanyOverview

    wait = ToolDef(
        name=WAIT_TOOL_NAME,
        title="Wait for operation",
        description=(
            "Wait for a long Kinsta operation (operation_id) or a background job (job_id) and return its "
            "outcome; with neither, your jobs."
        ),
        toolset=Toolset.OPERATIONS,
        effect=Effect.READ,
        input_schema={
            "type": "object",
            "properties": {
                "operation_id": {
                    "type": "string",
                    "description": "From a running result",
                    "pattern": ID_PATTERN,
                    "maxLength": ID_MAX_LENGTH,
                },
                "job_id": {"type": "string", "pattern": "^job_[0-9a-f]{16}$"},
            },
        },
        output_schema=None,  # an operation's outcome, or the result of the job's tool
        annotations=tool_annotations(Effect.READ, True),
        special="wait",
    )
    overview = ToolDef(
        name=OVERVIEW_TOOL_NAME,
        title="Company overview",
        description=(
            "Every site and environment: PHP/WordPress, domains, pending updates, vulnerable plugins; "
            "needing attention first, paged, filterable."
        ),
        toolset=Toolset.SITES,
        effect=Effect.READ,
        input_schema=OVERVIEW_SCHEMA,
        output_schema=_shallow(_output_schema(CompanyOverview, nulls=True)),
        annotations=tool_annotations(Effect.READ, True),
        special="overview",
        view="overview",
    )
    find = ToolDef(
        name=FIND_TOOL_NAME,
        title="Find sites, environments, domains",
        description="Find sites, environments, domains and DNS zones by part of a name or id.",
        toolset=Toolset.SITES,
        effect=Effect.READ,
        input_schema=INPUT_SCHEMA,
        output_schema=_output_schema(Found),
        annotations=tool_annotations(Effect.READ, True),
        special="find",
    )
    from kinsta_mcp.server.fleet.schema import batch_tool
    from kinsta_mcp.server.report import INPUT_SCHEMA as REPORT_SCHEMA
    from kinsta_mcp.server.report import REPORT_TOOL_NAME, TrafficReport

    report = ToolDef(
        name=REPORT_TOOL_NAME,
        title="Traffic report",
        description=(
            "Company-wide visits, bandwidth or CDN bandwidth for a named period or from/to dates: the total and "
            "the top sites with their share, stating the period's dates and today's date."
        ),
        toolset=Toolset.ANALYTICS,
        effect=Effect.READ,
        input_schema=REPORT_SCHEMA,
        output_schema=_output_schema(TrafficReport),
        annotations=tool_annotations(Effect.READ, True),
        special="report",
    )
    return [wait, overview, find, report, batch_tool()]


@functools.cache
def compiled_tools() -> dict[str, ToolDef]:
    """Every tool the catalog offers, by name, compiled once per process (on first use)."""
    tools: dict[str, ToolDef] = {}
    groups: dict[str, list[Operation]] = {}
    for op in OPERATIONS:
        if op.member is not None:
            if op.member.group.name not in groups:
                groups[op.member.group.name] = []
                tools[op.member.group.name] = None  # type: ignore[assignment]  # keeps catalog order
            groups[op.member.group.name].append(op)
        else:
            tools[op.name] = compile_operation(op)
    for name, members in groups.items():
        tools[name] = compile_group(members)
    for special in _special_tools():
        tools[special.name] = special
    return tools


@functools.cache
def _read_only_tools() -> dict[str, ToolDef]:
    """Read-only mode's tools: a group with reads among its members offers just those (the search and
    replace keeps its preview); a read that reveals a secret (a password, a backup's download link) is a
    write's equal here and goes too; every other tool as compiled."""
    tools = dict(compiled_tools())
    for name, tool in tools.items():
        reads = [op for op in tool.operations.values() if op.effect is Effect.READ and not op.reveals_secret]
        if tool.selector and len(reads) < len(tool.operations) and reads:
            tools[name] = compile_group(reads)
    return tools


def _reveals_only(tool: ToolDef) -> bool:
    return bool(tool.operations) and all(op.reveals_secret for op in tool.operations.values())


def tools_for(settings: Settings) -> dict[str, ToolDef]:
    """The tools a server with these settings compiles from (read-only mode narrows mixed groups)."""
    return _read_only_tools() if settings.read_only else compiled_tools()


# -- per server: which tools are shown, and the per-server options --------------------------


# How a hidden toolset is switched on: named in every refusal of a tool it hides.
_ENABLE = "add it to --toolsets, or --toolsets all for every tool"


@dataclass(frozen=True)
class Selection:
    """Which tools a server shows, and why the others are hidden (read-only is a ceiling)."""

    visible: tuple[str, ...]
    hidden: Mapping[str, str]


def site_reader_hidden(settings: Settings, name: str) -> str | None:
    """Why the overview or find tool is hidden, or None: they read the site list, so the sites toolset.

    Cheap (no compiling): the server instructions ask it before `initialize` is answered.
    """
    if name in settings.exclude_tools:
        return "it is excluded (--exclude-tools)"
    if settings.toolsets is None or Toolset.SITES.value in settings.toolsets:
        return None
    return f"its toolset 'sites' is not enabled ({_ENABLE})"


def select_tools(settings: Settings) -> Selection:
    """Which tools this server shows, from the tool index: nothing is compiled to choose or list tools."""
    from kinsta_mcp.server.tool_index import entries

    tools = entries(settings.read_only)
    wanted = set(settings.toolsets) if settings.toolsets is not None else None
    visible: list[str] = []
    hidden: dict[str, str] = {}
    for tool in tools.values():
        if tool.special is not None:
            continue
        if settings.read_only and (tool.effect is not Effect.READ or tool.reveals_only):
            hidden[tool.name] = "the server runs in read-only mode"
        elif wanted is not None and not tool.toolsets & wanted:
            hidden[tool.name] = f"its toolset '{tool.toolset.value}' is not enabled ({_ENABLE})"
        elif tool.name in settings.exclude_tools:
            hidden[tool.name] = "it is excluded (--exclude-tools)"
        else:
            visible.append(tool.name)
    for name in (OVERVIEW_TOOL_NAME, FIND_TOOL_NAME):
        why = site_reader_hidden(settings, name)
        if why is None:
            visible.append(name)
        else:
            hidden[name] = why
    from kinsta_mcp.server.report import REPORT_TOOL_NAME  # an analytics read over every site

    if REPORT_TOOL_NAME in settings.exclude_tools:
        hidden[REPORT_TOOL_NAME] = "it is excluded (--exclude-tools)"
    elif settings.toolsets is not None and Toolset.ANALYTICS.value not in settings.toolsets:
        hidden[REPORT_TOOL_NAME] = f"its toolset 'analytics' is not enabled ({_ENABLE})"
    else:
        visible.append(REPORT_TOOL_NAME)
    _select_batch(settings, visible, hidden)
    # Resuming a wait belongs with long work: offered with a tool that starts a long operation or a job.
    from kinsta_mcp.server.fleet.schema import BATCH_TOOL_NAME

    if WAIT_TOOL_NAME in settings.exclude_tools:
        hidden[WAIT_TOOL_NAME] = "it is excluded (--exclude-tools)"
    elif any(tools[name].is_async or name in (OVERVIEW_TOOL_NAME, BATCH_TOOL_NAME) for name in visible):
        visible.append(WAIT_TOOL_NAME)
    else:
        hidden[WAIT_TOOL_NAME] = "no tool that starts a long operation is enabled"
    return Selection(visible=tuple(visible), hidden=hidden)


def _select_batch(settings: Settings, visible: list[str], hidden: dict[str, str]) -> None:
    """The batch tool runs only tools this server shows; read-only mode hides it (it is annotated as a write)."""
    from kinsta_mcp.server.fleet.schema import BATCH_TOOL_NAME
    from kinsta_mcp.server.tool_index import entries

    tools = entries()
    if BATCH_TOOL_NAME in settings.exclude_tools:
        hidden[BATCH_TOOL_NAME] = "it is excluded (--exclude-tools)"
    elif settings.read_only:
        hidden[BATCH_TOOL_NAME] = "the server runs in read-only mode"
    elif settings.toolsets is not None and Toolset.FLEET.value not in settings.toolsets:
        hidden[BATCH_TOOL_NAME] = f"its toolset 'fleet' is not enabled ({_ENABLE})"
    elif not any(tools[name].batchable for name in visible):
        hidden[BATCH_TOOL_NAME] = "no tool that acts on a site or environment is enabled"
    else:
        visible.append(BATCH_TOOL_NAME)


def token_mode(settings: Settings) -> bool:
    """The model may carry a confirmation token (opt-in): guarded tools take `confirmation_token`."""
    return settings.confirmation is Confirmation.ELICIT_OR_MODEL_TOKEN


# -- texts that name other tools: only the offered ones ------------------------------------------

_TOOL_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_PARENTHESIS = re.compile(r"\s*\([^()]*\)")
_CLAUSE_END = re.compile(r"((?<=\.)\s+|;\s+)")


def _names_any(text: str, hidden: Container[str]) -> bool:
    return any(word in hidden for word in _TOOL_WORD.findall(text))


def without_hidden(text: str, hidden: Container[str]) -> str:
    """`text` without the parenthesis, clause or sentence that names a tool this server does not offer, so
    the model is never sent to a tool it cannot call ("Backup id (list_backups)" -> "Backup id")."""
    if not _names_any(text, hidden):
        return text
    text = _PARENTHESIS.sub(lambda m: "" if _names_any(m.group(0), hidden) else m.group(0), text)
    parts = _CLAUSE_END.split(text)  # text, separator, text, ...
    kept: list[str] = []
    for index in range(0, len(parts), 2):
        if not _names_any(parts[index], hidden):
            kept += [parts[index - 1]] if kept and index else []
            kept.append(parts[index])
    return "".join(kept).strip()


def _schema_without_hidden(node: Any, hidden: Container[str]) -> Any:
    if isinstance(node, dict):
        out = {key: _schema_without_hidden(value, hidden) for key, value in node.items() if key != "description"}
        if isinstance(node.get("description"), str) and (text := without_hidden(node["description"], hidden)):
            out["description"] = text
        return {key: out[key] for key in node if key in out}  # the original key order
    if isinstance(node, list):
        return [_schema_without_hidden(value, hidden) for value in node]
    return node


@functools.cache
def mentions(name: str) -> frozenset[str]:
    """The other tools `name`'s description and schema name."""
    tools = compiled_tools()
    tool = tools[name]
    words = set(_TOOL_WORD.findall(tool.description)) | set(_TOOL_WORD.findall(str(tool.input_schema)))
    return frozenset(words & set(tools)) - {name}


def listed_text(tool: Listed, settings: Settings, hidden: Container[str]) -> tuple[str, dict[str, Any]]:
    """The description and input schema this server lists for `tool`: naming only offered tools, saying
    whether it asks the human, with the per-server options."""
    description, schema = tool.description, listed_schema(tool, settings)
    if any(other in hidden for other in tool.mentions):
        description = without_hidden(description, hidden)
        schema = _schema_without_hidden(schema, hidden)
    if tool.asks and settings.confirmation is not Confirmation.OFF:
        description = f"{description} {tool.asks}"
    return description, schema


def listed_schema(tool: Listed, settings: Settings) -> dict[str, Any]:
    """The input schema this server lists for `tool`: the compiled one plus per-server options."""
    extra: dict[str, Any] = {}
    if settings.multi_company:
        names = sorted(settings.profiles)
        extra[OPTION_COMPANY] = {
            "type": "string",
            "enum": names,
            "description": f"Company profile (default {settings.default_profile})",
        }
    if OPTION_TOKEN in tool.options and token_mode(settings):
        extra[OPTION_TOKEN] = _OPTION_SCHEMAS[OPTION_TOKEN]
    if not extra:
        return tool.input_schema
    return {**tool.input_schema, "properties": {**tool.input_schema["properties"], **extra}}
