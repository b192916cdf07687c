"""The test suite's wall time: `python -m pytest -q` in a fresh process, as the README runs it.

Run: python benchmarks/suite_time.py [--compare /path/to/other/checkout]. Each checkout runs its own
tests with this interpreter (a compared one with its code first on PYTHONPATH); the passed/failed
line is shown.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 90.0  # seconds, on the project's 2-core machine (issue 11)


def run(checkout: Path) -> tuple[float, str]:
    env = dict(os.environ)
    if checkout != ROOT:  # another checkout's code first (this one's is what the interpreter has installed)
        env["PYTHONPATH"] = str(checkout) + os.pathsep + os.environ.get("PYTHONPATH", "")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if " passed" in line or " failed" in line]
    return elapsed, (lines[-1].strip("= ") if lines else f"pytest exit {done.returncode}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="another checkout, e.g. a worktree of the previous release")
    args = parser.parse_args()
    checkouts = {"this checkout": ROOT}
    if args.compare:
        checkouts = {"compared": args.compare.resolve(), **checkouts}
    print(f"{'':<16}{'wall s':>8}  pytest")
    worst = 0.0
    for name, path in checkouts.items():
        elapsed, summary = run(path)
        if path == ROOT:
            worst = elapsed
        print(f"{name:<16}{elapsed:>8.1f}  {summary}")
    print(f"target: this checkout under {TARGET:.0f} s: {'met' if worst < TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "suite_time"))
