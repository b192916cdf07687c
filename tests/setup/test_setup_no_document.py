"""Without Kinsta's OpenAPI document the suite still passes outside CI, and says why it skipped.

The README promises it: on a fresh clone without `../shared/kinsta-openapi.json`, every test that
needs the document skips, naming where to get it; with `CI=true` the same tests fail instead.
Checked in a subprocess with `KINSTA_OPENAPI_SPEC` pointing at a file that does not exist.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import background
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # two nested pytest runs, a job (tests/background.py): a few seconds
CONTRACT_TESTS = "tests/simulator/test_sim_contract.py"  # builds its parameters from the document


def _pytest(absent: Path, *args: str, ci: bool, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    background.check()
    child = {k: v for k, v in env.items() if k not in ("CI", "KINSTA_OPENAPI_SPEC", "PYTEST_ADDOPTS")}
    child["KINSTA_OPENAPI_SPEC"] = str(absent)
    if ci:
        child["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rsf", *args],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _says_where_to_get_it(output: str) -> bool:
    return all(part in output for part in ("../shared/kinsta-openapi.json", "KINSTA_OPENAPI_SPEC", "not shipped"))


def _readers() -> list[str]:
    """The modules that read the document (the only ones whose collection could depend on it)."""
    return sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("test_*.py")
        if "openapi import" in p.read_text(encoding="utf-8") or "from openapi" in p.read_text(encoding="utf-8")
    )


@background.job(__file__)
def run_without_the_document(where: Path, env: dict[str, str], alone: bool) -> dict[bool, Any]:
    """Outside CI and in CI: a nested pytest each (alone: both at once). Each collects every module that
    reads the document (collection is where a swallowed skip hides: a parameter list built from it) and
    runs the contract tests among them (`-k` deselects the rest after collection, so a collection error
    still stops the run)."""
    readers = _readers()
    assert CONTRACT_TESTS in readers
    args = [*readers, "-k", Path(CONTRACT_TESTS).stem]
    with ThreadPoolExecutor(max_workers=2 if alone else 1) as pool:
        futures = {ci: pool.submit(_pytest, where / "absent.json", *args, ci=ci, env=env) for ci in (False, True)}
        return {ci: future.result() for ci, future in futures.items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, subprocess.CompletedProcess[str]]:
    done: dict[bool, subprocess.CompletedProcess[str]] = background.result(
        run_without_the_document, tmp_path_factory.mktemp("no-document")
    )
    return done


def _summary(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-3000:]


@pytest.mark.parametrize("ci", [False, True], ids=["outside-ci", "ci"])
def test_the_whole_suite_collects_without_the_document(
    runs: dict[bool, subprocess.CompletedProcess[str]], ci: bool
) -> None:
    done = runs[ci]
    # Exit 2 and "N errors" when a module fails to collect; 0 or 1 (the contract tests' own outcome) when all do.
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    summary = _summary(done)
    assert "error" not in summary and "deselected" in summary, done.stdout[-3000:] + done.stderr[-3000:]


def test_contract_tests_skip_naming_where_to_get_the_document(
    runs: dict[bool, subprocess.CompletedProcess[str]],
) -> None:
    done = runs[False]
    assert done.returncode == 0, done.stdout[-3000:]
    summary = _summary(done)
    assert "skipped" in summary and "failed" not in summary and "passed" not in summary, summary
    assert _says_where_to_get_it(done.stdout), done.stdout[-2000:]


def test_in_ci_a_missing_document_fails_them(runs: dict[bool, subprocess.CompletedProcess[str]]) -> None:
    done = runs[True]
    assert done.returncode == 1, done.stdout[-3000:]
    summary = _summary(done)
    assert "failed" in summary and "skipped" not in summary and "passed" not in summary, summary
    assert _says_where_to_get_it(done.stdout), done.stdout[-2000:]
