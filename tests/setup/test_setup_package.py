"""The release artifacts: the sdist and the wheel built from it, as `python -m build` makes them.

The sdist carries the package, LICENSE, README.md and config.example.json, and no tests (they need
Kinsta's OpenAPI document and the checkout's layout); the wheel is built from the sdist, which proves
the sdist is complete. The wheel holds the package and nothing else; installed into a fresh virtual
environment its `kinsta-mcp` prints the version and `--demo` answers initialize over stdio. The license
is an SPDX expression, so setuptools builds without deprecation warnings, and `twine check` passes.

Built in a temporary copy of the checkout (setuptools writes build/ and *.egg-info beside the source).
The isolated build environments and the fresh one are filled by uv when it is installed (the test
extra has it), which installs the same requirements several times faster than pip. The build is a job
(tests/background.py): in the whole suite it runs while the in-process tests do.
Marked `slow` (a few seconds): it still runs by default and in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import background
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


# What a developer's checkout holds besides the source: never part of a build's input here.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "node_modules", "*.mcpb"
)


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    log: str


def _uv(path: str | None = None) -> str | None:
    """uv (in the test extra): it fills build's isolated environments and the test venv several times
    faster than pip, installing the same requirements; without it, pip does."""
    return shutil.which("uv", path=path) or shutil.which("uv", path=str(Path(sys.executable).parent))


@background.job(__file__)
def build_the_release(where: Path, env: dict[str, str], alone: bool) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`python -m build` of a copy of the checkout: (its run, the output directory)."""
    source = where / "kinsta-mcp"
    # The whole checkout, tests and benchmarks included: the test proves they are left out, not merely absent.
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist = source / "dist"
    installer = "uv" if _uv(env.get("PATH")) else "pip"
    done = subprocess.run(  # sdist first, then the wheel from the unpacked sdist, each in an isolated environment
        [sys.executable, "-m", "build", "--installer", installer, "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        cwd=where,
        env=env,
        timeout=600,
    )
    return done, dist


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    done, dist = background.result(build_the_release, tmp_path_factory.mktemp("checkout"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = dist.glob("kinsta_mcp-*.tar.gz")
    (wheel,) = dist.glob("kinsta_mcp-*.whl")
    return Built(sdist, wheel, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def wheel(built: Built) -> Path:
    return built.wheel


def _sdist_names(built: Built) -> list[str]:
    with tarfile.open(built.sdist) as archive:
        prefix = f"kinsta_mcp-{__version__}/"
        return [m.name.removeprefix(prefix) for m in archive.getmembers() if m.isfile()]


def test_sdist_holds_the_package_license_readme_and_example_config(built: Built) -> None:
    names = set(_sdist_names(built))
    assert {"LICENSE", "README.md", "config.example.json", "pyproject.toml", "PKG-INFO"} <= names
    source = {p.relative_to(ROOT).as_posix() for p in (ROOT / "kinsta_mcp").rglob("*.py")}
    source |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "kinsta_mcp" / "views").glob("*.html")}
    assert source <= names, sorted(source - names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", ".ci/", "views/")) or "__pycache__" in n]


def test_license_is_an_spdx_expression_with_its_file(built: Built) -> None:
    with tarfile.open(built.sdist) as archive:
        member = archive.extractfile(f"kinsta_mcp-{__version__}/PKG-INFO")
        assert member is not None
        metadata = member.read().decode()
    assert "License-Expression: MIT" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
    assert f"kinsta_mcp-{__version__}.dist-info/licenses/LICENSE" in zipfile.ZipFile(built.wheel).namelist()
    # The deprecated license table made setuptools warn on every build.
    assert not [line for line in built.log.splitlines() if "deprecat" in line.lower()], built.log[-3000:]


def test_twine_check_passes(built: Built) -> None:
    try:
        import twine  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("twine is missing: CI installs '.[dev]', which includes it", pytrace=False)
        pytest.skip("twine is not installed: pip install -e '.[dev]' (docs/releasing.md runs twine check)")
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(built.sdist), str(built.wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


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
    uv = _uv()
    installer = [uv, "pip"] if uv else [sys.executable, "-m", "pip"]
    subprocess.run(
        [*installer, "install", "--python", str(python), "--no-deps", "--quiet", str(wheel)], check=True, timeout=300
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
    # The MCP Apps views, built from views/ and committed: the wheel carries them (no Node needed).
    views = {p.relative_to(ROOT).as_posix() for p in (ROOT / "kinsta_mcp" / "views").glob("*.html")}
    assert views and views <= set(names), sorted(views - set(names))
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
