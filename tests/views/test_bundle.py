"""The committed views are what their sources build: `node views/build.mjs --check` rebuilds each view
in memory from views/src and the pinned npm packages (views/package-lock.json, installed by .ci/run)
and fails, naming the file, when the committed HTML differs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

VIEWS = Path(__file__).resolve().parents[2] / "views"


def test_the_committed_views_are_built_from_the_sources_in_the_repository() -> None:
    node = shutil.which("node")
    installed = (VIEWS / "node_modules" / "@modelcontextprotocol" / "ext-apps").is_dir()
    if node is None or not installed:
        why = "node is missing" if node is None else "views/node_modules is missing (npm ci in views/)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: .ci/run installs the views' pinned npm packages before the tests")
        pytest.skip(f"{why}; CI installs them")
    done = subprocess.run([node, "build.mjs", "--check"], cwd=VIEWS, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr or done.stdout
