"""docs/ lists code only through generated parts, and they match the code.

Regenerate after changing a declaration, an option, a resource or a prompt:
python -m kinsta_mcp.docs_gen
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kinsta_mcp import docs_gen
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import Effect
from kinsta_mcp.config import OPTIONS
from kinsta_mcp.server.overview import OVERVIEW_URI
from kinsta_mcp.server.prompts import PROMPTS
from kinsta_mcp.server.resources import resource_specs, tool_of

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def listed() -> docs_gen.Listing:
    return docs_gen.listing()


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_generated_parts_of_docs_match_the_code() -> None:
    assert docs_gen.stale_pages(DOCS) == [], "docs/ is out of date: run python -m kinsta_mcp.docs_gen"


def test_tools_page_lists_every_offered_tool_once(listed: docs_gen.Listing) -> None:
    table = docs_gen.tools_markdown(listed)
    for tool in listed.tools:
        assert table.count(f"| `{tool.name}` |") == 1, tool.name
    for operation in BY_NAME.values():  # every declaration, by the Kinsta call it makes
        assert f"`{operation.method} {operation.path}`" in table, operation.name
    assert f"{len(listed.tools)} tools in " in table


def test_irreversible_tools_are_marked_confirmed(listed: docs_gen.Listing) -> None:
    rows = {
        row.split(" | ")[0].strip("| `"): row for row in docs_gen.tools_markdown(listed).splitlines() if "| `" in row
    }
    for name, operation in BY_NAME.items():
        row = rows[tool_of(operation)]
        if operation.effect is Effect.IRREVERSIBLE or operation.reveals_secret:
            assert "confirmed" in row, name
        elif operation.effect is Effect.READ:
            assert "| read" in row or f"{operation.member.value if operation.member else ''}: read" in row, name


def test_read_only_mode_keeps_only_tools_that_change_nothing(listed: docs_gen.Listing) -> None:
    kept = {tool.name for tool in listed.read_only_tools}
    assert kept and kept < {tool.name for tool in listed.tools}
    assert all(tool.annotations.read_only_hint for tool in listed.read_only_tools)


def test_resources_page_names_every_declared_resource_and_the_overview() -> None:
    page = _page("resources-and-prompts.md")
    for spec in resource_specs():  # the catalog's `resource=` declarations, families merged
        assert f"`{spec.template}`" in page, spec.template
    assert f"`{OVERVIEW_URI}`" in page


def test_prompts_page_names_every_prompt_and_its_arguments() -> None:
    page = _page("resources-and-prompts.md")
    for fn, _title in PROMPTS:
        assert f"| `{fn.__name__}` |" in page, fn.__name__
        for argument in fn.__annotations__:
            if argument != "return":
                assert f"`{argument}`" in page, (fn.__name__, argument)


def test_configuration_page_has_every_option() -> None:
    page = _page("configuration.md")
    for option in OPTIONS:
        assert (f"`{option.env}`" if option.env else f"`{option.key}`") in page, option.key


def test_check_reports_a_stale_page_and_rewriting_fixes_it(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    tools = docs / "tools.md"
    tools.write_text(tools.read_text(encoding="utf-8").replace("| `list_sites` |", "| `list_sights` |"), "utf-8")
    stale = tools.read_text(encoding="utf-8")
    assert docs_gen.main(["--check", "--docs", str(docs)]) == 1
    assert tools.read_text(encoding="utf-8") == stale  # --check changes nothing
    assert docs_gen.main(["--docs", str(docs)]) == 0
    assert tools.read_text(encoding="utf-8") == _page("tools.md")


def test_markers_missing_is_an_error() -> None:
    with pytest.raises(ValueError, match="markers"):
        docs_gen.replace_generated("# no markers\n", "tools", "x\n")


def test_links_between_pages_lead_somewhere() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"


# ---------------------------------------------------------------------------- benchmarks


def _docs_writer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_writer", ROOT / "benchmarks" / "docs_writer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_benchmark_writes_its_own_section() -> None:
    page = _page("benchmarks.md")
    scripts = [p for p in sorted((ROOT / "benchmarks").glob("*.py")) if p.name != "docs_writer.py"]
    assert scripts
    for script in scripts:
        assert f'docs_writer.run(main, "{script.stem}")' in script.read_text(encoding="utf-8"), script.name
        assert f"<!-- bench:{script.stem}:begin -->" in page and f"<!-- bench:{script.stem}:end -->" in page


def test_tool_list_size_section_is_the_scripts_current_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one benchmark whose figures do not depend on the machine: stale when a tool changes.
    # Its main() run here, as `python benchmarks/tool_list_size.py` runs it (no arguments).
    script = ROOT / "benchmarks" / "tool_list_size.py"
    spec = importlib.util.spec_from_file_location("tool_list_size_benchmark", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", [str(script)])
    capsys.readouterr()
    module.main()
    printed = capsys.readouterr().out
    assert printed.strip()
    assert _docs_writer().recorded_output("tool_list_size") == printed, (
        "docs/benchmarks.md is stale: run python benchmarks/tool_list_size.py --write-docs"
    )
