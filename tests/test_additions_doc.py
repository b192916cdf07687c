"""docs/kinsta-api-additions.md's table is generated from the catalog and the additions document.

The test fails when they differ (a new declaration, a changed risk, a new x-confidence).
Regenerate: python tests/test_additions_doc.py --write
"""

from __future__ import annotations

import sys
from pathlib import Path

from openapi import additions_keys, contract

from kinsta_mcp.catalog import OPERATIONS
from kinsta_mcp.catalog.spec import Operation

DOC = Path(__file__).resolve().parents[1] / "docs" / "kinsta-api-additions.md"
BEGIN = "<!-- additions:begin -->"
END = "<!-- additions:end -->"


def _tool(op: Operation) -> str:
    if op.member is not None:
        return f"`{op.member.group.name}` ({op.member.group.selector}={op.member.value}; `{op.name}`)"
    return f"`{op.name}`"


def additions_table() -> str:
    c = contract()
    keys = additions_keys()
    lines = [
        "| Kinsta operation | tool | risk | x-confidence | unverified |",
        "|---|---|---|---|---|",
    ]
    for key in sorted(keys, key=lambda k: (k.split(" ", 1)[1], k)):
        spec = c.operation(*key.split(" ", 1)).spec
        tools = [op for op in OPERATIONS if op.key == key]
        named = "<br>".join(_tool(op) for op in tools) or "(none)"
        risks = "<br>".join(str(op.risk) for op in tools) or "-"
        replaced = " (replaces 1.87.0)" if spec.get("x-replaces") else ""
        unverified = "yes" if spec.get("x-unverified") else "no"
        lines.append(f"| `{key}`{replaced} | {named} | {risks} | {spec.get('x-confidence', '?')} | {unverified} |")
    return "\n".join(lines) + "\n"


def with_table(text: str, table: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def test_the_doc_table_matches_the_catalog_and_the_document() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert with_table(text, additions_table()) == text, "regenerate: python tests/test_additions_doc.py --write"


def test_the_doc_names_every_additions_operation() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in additions_keys():
        assert f"`{key}`" in text, key


if __name__ == "__main__" and "--write" in sys.argv:
    DOC.write_text(with_table(DOC.read_text(encoding="utf-8"), additions_table()), encoding="utf-8")
