"""The Claude Desktop extension: `mcpb pack` of this checkout is small and starts over stdio.

manifest.json (MCPB manifest 0.4) uses the `uv` server type: the bundle carries the package and
pyproject.toml, not compiled dependencies, and the host's uv installs those for whichever Python
runs it (a bundle of installed packages ran only on the Python minor it was built with).
The test packs the checkout with `mcpb` from npm (`@anthropic-ai/mcpb`), checks what went in and
its size, unpacks it with `mcpb unpack`, and starts it as the host would: the manifest's command
and arguments with `${__dirname}` set to the bundle, plus `--demo`, then sends `initialize`.

Needs `mcpb` (on PATH, or MCPB set to it; else `npx --yes @anthropic-ai/mcpb@2`, which fetches it from
npm) and `uv` (in the test extra), and uv needs PyPI the first time it installs the dependencies.
Without mcpb or npx, or uv, the test skips saying which is missing; in CI (CI=true, see .ci/run) it fails.
Marked `slow`: a few seconds with uv's cache warm (the Pythons start at once), up to a minute cold.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from kinsta_mcp import __version__

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

MAX_BUNDLE_BYTES = 2_000_000  # "a few MB at most"; the package alone is about 0.2 MB
NEEDED = {"manifest.json", "pyproject.toml", "README.md", "LICENSE", "kinsta_mcp/__main__.py", "kinsta_mcp/cli.py"}
NEVER = (".venv", ".hypothesis", "build/", "dist/", "tests/", "benchmarks/", ".git", ".ci/", "__pycache__", ".mypy")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "bundle-test", "version": "0"},
    },
}


def _missing(what: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} (CI must run the bundle test: .ci/run installs mcpb, the test extra installs uv)")
    pytest.skip(what)


def _tool(name: str, env_var: str) -> str | None:
    return os.environ.get(env_var) or shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


@pytest.fixture(scope="module")
def mcpb() -> list[str]:
    found = _tool("mcpb", "MCPB")
    if found:
        return [found]
    npx = shutil.which("npx")
    if npx:
        return [npx, "--yes", "@anthropic-ai/mcpb@2"]
    _missing("neither `mcpb` nor `npx` found: npm install -g @anthropic-ai/mcpb, or set MCPB to its path")


@pytest.fixture(scope="module")
def uv() -> str:
    found = _tool("uv", "UV")
    if not found:
        _missing("`uv` not found: pip install -e '.[test]' installs it, or set UV to its path")
    return str(found)


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def bundle(mcpb: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "kinsta-mcp.mcpb"
    done = subprocess.run([*mcpb, "pack", str(ROOT), str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_manifest_uses_the_uv_server_type_and_the_package_version() -> None:
    data = manifest()
    assert data["manifest_version"] == "0.4"
    assert data["version"] == __version__
    server = data["server"]
    assert server["type"] == "uv"
    assert (ROOT / server["entry_point"]).is_file()
    config = server["mcp_config"]
    assert config["command"] == "uv"
    args = config["args"]
    assert args[:3] == ["run", "--directory", "${__dirname}"] and args[-1] == "kinsta-mcp"
    # The console script uv runs is the package's own.
    assert 'kinsta-mcp = "kinsta_mcp.cli:main"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    user = data["user_config"]
    assert user["api_key"]["sensitive"] is True and user["api_key"]["required"] is True
    for key in user:  # every setting the user gives reaches the server
        assert f"${{user_config.{key}}}" in config["env"].values(), key
    assert "unofficial" in data["description"].lower()


def test_bundle_holds_the_package_and_nothing_it_does_not_need(bundle: Path) -> None:
    assert bundle.stat().st_size <= MAX_BUNDLE_BYTES, f"{bundle.stat().st_size} bytes"
    names = zipfile.ZipFile(bundle).namelist()
    assert set(names) >= NEEDED, sorted(NEEDED - set(names))
    strays = [n for n in names if n.startswith(NEVER) or any(f"/{part}" in n for part in NEVER)]
    assert strays == []
    assert {n.split("/")[0] for n in names} <= {"manifest.json", "pyproject.toml", "README.md", "LICENSE", "kinsta_mcp"}


def _pythons() -> list[str]:
    """Interpreters besides uv's default to start the bundle with: each supported minor found here."""
    found = []
    for minor in ("3.11", "3.12", "3.13"):
        candidates = [
            shutil.which(f"python{minor}"),
            *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{minor}.*/bin/python{minor}"))),
        ]
        for candidate in filter(None, candidates):
            if subprocess.run([candidate, "-c", "pass"], capture_output=True, timeout=60).returncode == 0:
                found.append(candidate)
                break
    return found


PYTHONS = _pythons() or ["uv's default"]


@dataclass(frozen=True)
class Started:
    unpacked: subprocess.CompletedProcess[str]
    started: subprocess.CompletedProcess[str] | None  # None when the unpack failed


def _unpack_and_start(mcpb: list[str], uv: str, bundle: Path, where: Path, python: str) -> Started:
    """Unpack the bundle into `where`/extension and start it as the host would, under `python`."""
    extension = where / "extension"
    unpacked = subprocess.run(
        [*mcpb, "unpack", str(bundle), str(extension)], capture_output=True, text=True, timeout=120
    )
    if unpacked.returncode != 0:
        return Started(unpacked, None)
    config = json.loads((extension / "manifest.json").read_text(encoding="utf-8"))["server"]["mcp_config"]
    # As the host does: ${__dirname} is the bundle; user settings left empty (the demo needs none).
    args = [a.replace("${__dirname}", str(extension)) for a in config["args"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KINSTA", "VIRTUAL_ENV", "UV_"))}
    env.update({k: "" if "${user_config." in v else v for k, v in config["env"].items()})
    env["KINSTA_MCP_READ_ONLY"] = "false"
    env["KINSTA_MCP_AUDIT_LOG"] = "off"
    env["UV_PYTHON_DOWNLOADS"] = "never"  # the Python under test, not one uv fetches
    if python != "uv's default":
        env["UV_PYTHON"] = python
    started = subprocess.run(
        [uv, *args, "--demo"],
        input=json.dumps(INITIALIZE) + "\n",
        capture_output=True,
        text=True,
        cwd=where,
        env=env,
        timeout=300,
    )
    return Started(unpacked, started)


@pytest.fixture(scope="module")
def started(mcpb: list[str], uv: str, bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Started]:
    """Every Python's start, all at once: each has its own unpacked copy (uv makes its .venv there),
    so they are independent, and uv's shared cache is safe for concurrent use. Each test checks one."""
    with ThreadPoolExecutor(max_workers=len(PYTHONS)) as pool:
        futures = {
            python: pool.submit(_unpack_and_start, mcpb, uv, bundle, tmp_path_factory.mktemp("python"), python)
            for python in PYTHONS
        }
        return {python: future.result() for python, future in futures.items()}


@pytest.mark.parametrize("python", PYTHONS)
def test_unpacked_bundle_answers_initialize_over_stdio(started: dict[str, Started], python: str) -> None:
    unpacked, run = started[python].unpacked, started[python].started
    assert unpacked.returncode == 0, unpacked.stdout + unpacked.stderr
    assert run is not None
    lines = run.stdout.splitlines()
    assert lines, run.stderr[-3000:]
    answer = json.loads(lines[0])  # stdout carries the protocol and nothing else (uv's messages go to stderr)
    assert answer["id"] == 1
    assert answer["result"]["serverInfo"]["version"] == __version__
    assert "DEMO" in run.stderr
