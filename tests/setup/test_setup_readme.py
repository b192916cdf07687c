"""The README's first screen: what this is, the two commands a fresh clone runs, what to do next.

Everything that lists code (tools, options, resources, prompts, figures) lives in docs/, generated
and checked by test_setup_docs.py; the README carries no counts that could go stale.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from kinsta_mcp.config import OPTIONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FIRST_SCREEN = "\n".join(README.splitlines()[:60])

DEMO = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/kinsta-mcp --demo"
TESTS = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest -q"


def _shell_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_the_two_commands_come_first_exactly_as_a_fresh_clone_runs_them() -> None:
    blocks = _shell_blocks(README)
    assert blocks[0] == DEMO
    assert TESTS in blocks[1:3]
    assert FIRST_SCREEN.index(DEMO) < FIRST_SCREEN.index(TESTS)


def test_the_commands_name_what_the_package_provides() -> None:
    assert PYPROJECT["project"]["scripts"]["kinsta-mcp"] == "kinsta_mcp.cli:main"
    assert any(dep.startswith("pytest") for dep in PYPROJECT["project"]["optional-dependencies"]["test"])
    assert "--demo" in {option.flag for option in OPTIONS}
    assert PYPROJECT["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]


def test_first_screen_says_what_it_is_and_what_to_do_next() -> None:
    lowered = " ".join(FIRST_SCREEN.lower().split())
    assert "unofficial" in lowered and "not affiliated with, endorsed or supported by kinsta" in lowered
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert f"Python {minimum} or newer" in FIRST_SCREEN
    # After --demo: it waits for a client; connecting one is the next step.
    assert "waits" in FIRST_SCREEN and "MCP client" in FIRST_SCREEN
    assert ".venv/bin/kinsta-mcp config claude-desktop --demo" in FIRST_SCREEN
    assert ".venv/bin/kinsta-mcp config claude-code --demo" in FIRST_SCREEN
    # Where the contract tests' document comes from, and what happens without it.
    assert "../shared/kinsta-openapi.json" in FIRST_SCREEN and "KINSTA_OPENAPI_SPEC" in FIRST_SCREEN
    assert "not shipped" in FIRST_SCREEN and "skip" in FIRST_SCREEN
    # A real account: key and company id from the environment, checked before use.
    assert "KINSTA_API_KEY" in FIRST_SCREEN and "KINSTA_COMPANY_ID" in FIRST_SCREEN
    assert ".venv/bin/kinsta-mcp check" in FIRST_SCREEN


def test_shell_commands_use_the_venv_they_created() -> None:
    # `kinsta-mcp` is on PATH only inside the virtual environment the first command makes.
    for block in _shell_blocks(README):
        for line in block.splitlines():
            assert not line.startswith("kinsta-mcp"), line


def test_no_hand_written_counts_or_figures() -> None:
    counted = re.findall(r"\b\d+ (?:tools|operations|resources|templates|prompts|toolsets)\b", README)
    assert counted == [], "counts belong in docs/, generated: " + ", ".join(counted)
    assert not re.search(r"\d+(?:\.\d+)? ?(?:ms|bytes|×)", README)


def test_registry_commands_are_offered_only_as_after_publishing() -> None:
    # The package is not on PyPI: `uvx kinsta-mcp` and `pipx run kinsta-mcp` fail today.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        if page.name == "releasing.md":
            continue
        for paragraph in page.read_text(encoding="utf-8").split("\n\n"):
            if re.search(r"uvx kinsta-mcp|pipx run kinsta-mcp", paragraph):
                assert "published" in paragraph, f"{page.name}: {paragraph}"
    assert "not on PyPI yet" in README
    assert "uv tool install ." in README and "pipx install ." in README
