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
Packing and starting are a job (tests/background.py): in the whole suite they run while the in-process
tests do. Marked `slow`: a few seconds with uv's cache warm, up to a minute cold.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import background
import pytest

from kinsta_mcp import __version__

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

MAX_BUNDLE_BYTES = 2_000_000  # "a few MB at most"; the package alone is about 0.2 MB
NEEDED = {"manifest.json", "pyproject.toml", "README.md", "LICENSE", "kinsta_mcp/__main__.py", "kinsta_mcp/cli.py"}
NEEDED |= {f"kinsta_mcp/views/{name}.html" for name in ("analytics", "overview", "batch")}  # the MCP Apps views
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


def _tool(name: str, env_var: str, env: Mapping[str, str]) -> str | None:
    return (
        env.get(env_var)
        or shutil.which(name, path=env.get("PATH"))
        or shutil.which(name, path=str(Path(sys.executable).parent))
    )


def _mcpb(env: Mapping[str, str]) -> list[str] | None:
    found = _tool("mcpb", "MCPB", env)
    if found:
        return [found]
    npx = shutil.which("npx", path=env.get("PATH"))
    return [npx, "--yes", "@anthropic-ai/mcpb@2"] if npx else None


@pytest.fixture(scope="module")
def mcpb() -> list[str]:
    found = _mcpb(os.environ)
    if not found:
        _missing("neither `mcpb` nor `npx` found: npm install -g @anthropic-ai/mcpb, or set MCPB to its path")
    return found


@pytest.fixture(scope="module")
def uv() -> str:
    found = _tool("uv", "UV", os.environ)
    if not found:
        _missing("`uv` not found: pip install -e '.[test]' installs it, or set UV to its path")
    return str(found)


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    return data


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


@dataclass(frozen=True)
class Packed:
    packed: subprocess.CompletedProcess[str]
    bundle: Path
    started: dict[str, Started]  # each Python's start; none when the pack failed or uv is missing


def _unpack_and_start(
    mcpb: list[str], uv: str, bundle: Path, where: Path, python: str, env: Mapping[str, str]
) -> Started:
    """Unpack the bundle into `where`/extension and start it as the host would, under `python`."""
    background.check()
    where.mkdir()
    extension = where / "extension"
    unpacked = subprocess.run(
        [*mcpb, "unpack", str(bundle), str(extension)], capture_output=True, text=True, cwd=where, env=env, timeout=120
    )
    if unpacked.returncode != 0:
        return Started(unpacked, None)
    config = json.loads((extension / "manifest.json").read_text(encoding="utf-8"))["server"]["mcp_config"]
    # As the host does: ${__dirname} is the bundle; user settings left empty (the demo needs none).
    args = [a.replace("${__dirname}", str(extension)) for a in config["args"]]
    host = {k: v for k, v in env.items() if not k.startswith(("KINSTA", "VIRTUAL_ENV", "UV_"))}
    host.update({k: "" if "${user_config." in v else v for k, v in config["env"].items()})
    host["KINSTA_MCP_READ_ONLY"] = "false"
    host["KINSTA_MCP_AUDIT_LOG"] = "off"
    host["UV_PYTHON_DOWNLOADS"] = "never"  # the Python under test, not one uv fetches
    if python != "uv's default":
        host["UV_PYTHON"] = python
    started = subprocess.run(
        [uv, *args, "--demo"],
        input=json.dumps(INITIALIZE) + "\n",
        capture_output=True,
        text=True,
        cwd=where,
        env=host,
        timeout=300,
    )
    return Started(unpacked, started)


@background.job(__file__, ready=lambda: _mcpb(os.environ) is not None)
def pack_and_start_the_bundle(where: Path, env: dict[str, str], alone: bool) -> Packed:
    """`mcpb pack` of the checkout, then every Python's start of it. Alone, the Pythons start at once:
    each has its own unpacked copy (uv makes its .venv there), and uv's shared cache is safe for
    concurrent use."""
    mcpb = _mcpb(env)
    assert mcpb is not None
    bundle = where / "kinsta-mcp.mcpb"
    packed = subprocess.run(
        [*mcpb, "pack", str(ROOT), str(bundle)], capture_output=True, text=True, cwd=where, env=env, timeout=300
    )
    uv = _tool("uv", "UV", env)
    if packed.returncode != 0 or uv is None:
        return Packed(packed, bundle, {})
    with ThreadPoolExecutor(max_workers=len(PYTHONS) if alone else 1) as pool:
        futures = {
            python: pool.submit(_unpack_and_start, mcpb, uv, bundle, where / f"python-{index}", python, env)
            for index, python in enumerate(PYTHONS)
        }
        return Packed(packed, bundle, {python: future.result() for python, future in futures.items()})


@pytest.fixture(scope="module")
def packed(mcpb: list[str], tmp_path_factory: pytest.TempPathFactory) -> Packed:
    done: Packed = background.result(pack_and_start_the_bundle, tmp_path_factory.mktemp("bundle"))
    return done


@pytest.fixture(scope="module")
def bundle(packed: Packed) -> Path:
    done = packed.packed
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return packed.bundle


@pytest.fixture(scope="module")
def started(uv: str, bundle: Path, packed: Packed) -> dict[str, Started]:
    return packed.started


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
