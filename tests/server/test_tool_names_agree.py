"""Everything the model reads names tools the server offers.

Operations offered as a value of a grouped tool (e.g. list_regions is `get_company` what=regions) keep
their operation names in the catalog; the model never sees those names as tools. So a description, the
instructions, a prompt or a resource that tells the model to call `list_regions` would send it to a tool
that does not exist. Read every text a client shows the model and check each tool it names, and each
`tool selector=value` it names, against the tool list.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from harness import client, world

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.server.prompts import PROMPTS

pytestmark = pytest.mark.anyio

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# "get_company what=regions", "list_backups kind=downloadable", `clear_cache` (cache="site")
SELECTED = re.compile(r"\b([a-z][a-z0-9_]+)`?\s*\(?\s*([a-z_]+)=\"?([a-z0-9_-]+)")
OPERATION_NAMES = {op.name for op in OPERATIONS}


def _descriptions(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["description"]] if isinstance(schema.get("description"), str) else []
        return own + [text for value in schema.values() for text in _descriptions(value)]
    if isinstance(schema, list):
        return [text for value in schema for text in _descriptions(value)]
    return []


async def _texts_the_model_reads() -> tuple[dict[str, str], dict[str, Any]]:
    """Where each text came from -> text, and the tools by name (every toolset)."""
    texts: dict[str, str] = {}
    async with world() as w, client(w.server, "auto") as c:
        texts["instructions"] = c.instructions or ""
        tools = {t.name: t for t in (await c.list_tools()).tools}
        for tool in tools.values():
            texts[f"tool {tool.name}"] = " ".join([tool.description or "", *_descriptions(tool.input_schema)])
        for prompt in (await c.list_prompts()).prompts:
            arguments = {a.name: "x" for a in prompt.arguments or []}
            rendered = await c.get_prompt(prompt.name, arguments)
            body = " ".join(getattr(m.content, "text", "") for m in rendered.messages)
            args = " ".join(a.description or "" for a in prompt.arguments or [])
            texts[f"prompt {prompt.name}"] = f"{prompt.description} {args} {body}"
        for resource in (await c.list_resources()).resources:
            texts[f"resource {resource.uri}"] = resource.description or ""
        for template in (await c.list_resource_templates()).resource_templates:
            texts[f"template {template.uri_template}"] = template.description or ""
    return texts, tools


async def test_every_tool_a_text_names_is_offered_and_every_selector_value_exists() -> None:
    texts, tools = await _texts_the_model_reads()
    assert len(texts) > len(tools) >= 60 and len(PROMPTS) == sum(k.startswith("prompt ") for k in texts)
    wrong: list[str] = []
    for where, text in texts.items():
        for name in set(SNAKE.findall(text)):
            if name in OPERATION_NAMES and name not in tools:
                wrong.append(f"{where}: names operation {name}, which is not a tool")
        for name, selector, value in SELECTED.findall(text):
            schema = tools[name].input_schema if name in tools else None
            allowed = (schema or {}).get("properties", {}).get(selector, {}).get("enum")
            if allowed is not None and value not in allowed:
                wrong.append(f"{where}: {name} {selector}={value}, but {selector} is one of {allowed}")
    assert not wrong, "\n".join(wrong)


async def test_the_check_catches_an_operation_named_as_a_tool() -> None:
    """The check itself: a grouped member's operation name is not a tool, a selector value must exist."""
    _, tools = await _texts_the_model_reads()
    grouped = [op for op in OPERATIONS if op.member is not None and op.name not in tools]
    assert grouped, "no grouped operations: the check above proves nothing"
    group = grouped[0].member
    assert group is not None
    enum = tools[group.group.name].input_schema["properties"][group.group.selector]["enum"]
    assert group.value in enum and "no-such-value" not in enum
