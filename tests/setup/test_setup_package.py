"""The built wheel: `kinsta-mcp` console script, `--version`, `--demo` answering initialize over stdio,
and nothing but the package inside (no tests, no benchmarks).

This is what `uvx kinsta-mcp` and `pipx run kinsta-mcp` install and run; it is checked offline by
building the wheel in a temporary copy of the source and installing it into a fresh virtual
environment. Marked `slow` (about 15 s): it still runs by default and in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from kinsta_mcp import __version__

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "setup-test", "version": "0"},
    },
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy: setuptools writes build/ and *.egg-info beside the source.
    source = tmp_path_factory.mktemp("source")
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(ROOT / "kinsta_mcp", source / "kinsta_mcp", ignore=shutil.ignore_patterns("__pycache__"))
    # Tests and benchmarks are copied too, so that the test proves they are left out, not merely absent.
    shutil.copytree(ROOT / "benchmarks", source / "benchmarks", ignore=shutil.ignore_patterns("__pycache__"))
    (source / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "harness.py", source / "tests")
    dist = source / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", str(dist)],
        cwd=source,
        check=True,
        timeout=300,
    )
    (built,) = dist.glob("kinsta_mcp-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its scripts directory."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    scripts = home / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    # Dependencies come from this interpreter's site-packages (offline); the package itself only from the wheel.
    target = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (target / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        timeout=300,
    )
    return scripts


def _script(scripts: Path) -> Path:
    return scripts / ("kinsta-mcp.exe" if os.name == "nt" else "kinsta-mcp")


def test_wheel_holds_the_package_and_nothing_else(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"kinsta_mcp", f"kinsta_mcp-{__version__}.dist-info"}
    assert not [n for n in names if "/tests/" in n or n.startswith(("tests/", "benchmarks/")) or "__pycache__" in n]
    assert "kinsta_mcp/simulator/seed.py" in names  # --demo needs the simulator
    entry_points = zipfile.ZipFile(wheel).read(f"kinsta_mcp-{__version__}.dist-info/entry_points.txt").decode()
    assert "kinsta-mcp = kinsta_mcp.cli:main" in entry_points


def test_console_script_prints_the_version(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run([_script(installed), "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"kinsta-mcp {__version__}"


def test_demo_answers_initialize_over_stdio(installed: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    env["KINSTA_MCP_AUDIT_LOG"] = "off"
    probe = "import kinsta_mcp, sys; sys.stdout.write(kinsta_mcp.__file__)"
    python = installed / ("python.exe" if os.name == "nt" else "python")
    where = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert not Path(where.stdout).is_relative_to(ROOT)  # the installed copy, not this checkout
    done = subprocess.run(
        [_script(installed), "--demo"],
        input=json.dumps(INITIALIZE) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    assert lines, done.stderr
    answer = json.loads(lines[0])  # stdout carries the protocol and nothing else
    assert answer["id"] == 1
    assert answer["result"]["serverInfo"]["version"] == __version__
    assert "DEMO" in done.stderr
