"""The catalog against Kinsta's OpenAPI document: every live operation declared, every request exact."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi import contract
from samples import valid_arguments

from kinsta_mcp.api.request import build_request
from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Effect, location

COMPANY = "11111111-2222-3333-4444-555555555555"


def test_every_live_operation_has_a_tool() -> None:
    declared = {op.key for op in OPERATIONS}
    live = {op.key for op in contract().operations}
    assert sorted(live - declared) == []
    assert sorted(declared - live) == []


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_request_is_accepted_by_the_document(op) -> None:  # type: ignore[no-untyped-def]
    args = valid_arguments(op)
    request = build_request(op, op.input.model_validate(args).model_dump(), COMPANY)
    hit, problems = contract().check_request(request.method, request.path, request.query, request.body)
    assert hit is not None and hit.key == op.key, f"{op.name} hits {hit and hit.key}, declared {op.key}"
    assert problems == []


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_declaration_is_well_formed(op) -> None:  # type: ignore[no-untyped-def]
    assert re.fullmatch(r"[a-z0-9_]{1,64}", op.name)
    assert op.title and op.description
    template_vars = set(re.findall(r"{([^}]+)}", op.path))
    path_args = {
        (location(f).name or n) for n, f in op.input.model_fields.items() if location(f) and location(f).where == "path"
    }
    company_path = {op.company.name} if op.company and op.company.where == "path" else set()
    assert template_vars == path_args | company_path
    if op.method == "GET":
        assert op.effect is Effect.READ
    spec_op = contract().operation(op.method, op.path)
    documented, unknown = _operation_id_in_answers(spec_op)
    if documented:  # Kinsta's success answer carries an operation_id: the tool must await it
        assert op.is_async, f"{op.name}: Kinsta answers with an operation_id; declare is_async"
    elif op.is_async:  # only where the answer is undocumented (an open 202) may one be expected
        assert unknown, f"{op.name}: no success answer carries an operation_id; is_async should be False"


def _operation_id_in_answers(spec_op) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """(some 2xx answer documents operation_id, some 202 answer is an open, undocumented object)."""
    documented = unknown = False
    for code in spec_op.success_codes:
        content = spec_op.spec["responses"][str(code)].get("content", {})
        resolved = contract().resolve(content.get("application/json", {}).get("schema", {}))
        props = dict(resolved.get("properties", {}))
        for part in resolved.get("allOf", []):
            props.update(contract().resolve(part).get("properties", {}))
        documented = documented or "operation_id" in props
        unknown = unknown or (code == 202 and not props and resolved.get("additionalProperties") is True)
    return documented, unknown


def test_irreversible_operations_match_the_notes() -> None:
    """The guarded set is the list in kinsta-api-notes.md (delete site, reset site, push, ...)."""
    irreversible = {op.name for op in OPERATIONS if op.effect is Effect.IRREVERSIBLE}
    keys = {op.key for op in OPERATIONS if op.effect is Effect.IRREVERSIBLE}
    expected_keys = {
        "DELETE /sites/{site_id}",
        "POST /sites/{site_id}/reset-site",
        "PUT /sites/{site_id}/environments",
        "DELETE /sites/environments/{env_id}",
        "POST /sites/environments/{target_env_id}/backups/restore",
        "DELETE /sites/environments/backups/{backup_id}",
        "DELETE /sites/environments/{env_id}/domains",
        "DELETE /domains/{domain_id}/dns-records",
        "DELETE /sites/environments/additional-sftp-accounts/{sftp_account_id}",
        "POST /sites/environments/{env_id}/redirect-rules",
        "POST /sites/environments/{env_id}/ssh/generate-password",
        "POST /sites/environments/{env_id}/run-wp-cli-command",
        # from the additions document: a performed search and replace (its preview is a read)
        "POST /sites/tools/search-and-replace",
    }
    assert keys == expected_keys, irreversible


def test_a_group_mixing_reads_and_writes_needs_a_read_as_its_default() -> None:
    """One tool has one set of annotations: a group is all reads or all writes, unless leaving its
    selector out lands on a read (database_search_replace's preview)."""
    import dataclasses

    from kinsta_mcp.catalog import BY_NAME
    from kinsta_mcp.catalog.spec import Member, ToolGroup
    from kinsta_mcp.server.compiled import compile_group

    def grouped(default: str | None) -> list[Any]:
        group = ToolGroup("bot_protection", "t", "d", selector="do", selector_description="s", default=default)
        read, write = BY_NAME["get_bot_protection"], BY_NAME["set_bot_protection"]
        return [
            dataclasses.replace(read, member=Member(group, "get")),
            dataclasses.replace(write, member=Member(group, "set")),
        ]

    with pytest.raises(ValueError, match="mixes reads and writes"):
        compile_group(grouped(None))
    tool = compile_group(grouped("get"))
    assert tool.selector_default == "get" and tool.input_schema["properties"]["do"]["default"] == "get"
