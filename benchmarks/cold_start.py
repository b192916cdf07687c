"""Cold start: process spawn to `initialize` answered, over stdio, against the SDK's floor.

The floor is a bare `MCPServer` with one trivial tool, run by the same interpreter. kinsta-mcp is
measured twice: `--demo` (which also builds the in-process simulator) and with a dummy key and
company id (what a configured client starts; `initialize` makes no Kinsta request). The three are
started in turn, `--rounds` times, and the medians compared. Run: python benchmarks/cold_start.py
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.2
ROOT = Path(__file__).resolve().parents[1]

FLOOR_SERVER = '''
from mcp.server.mcpserver import MCPServer

mcp = MCPServer("floor")


@mcp.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


if __name__ == "__main__":
    mcp.run()
'''

INITIALIZE = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"},
        },
    }
)


def seconds_to_initialize(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write((INITIALIZE + "\n").encode())
    process.stdin.flush()
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.stdin.close()
    process.wait(30)
    answer = json.loads(line)
    assert answer.get("id") == 1 and "result" in answer, answer
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    # An installed package starts from its bytecode; with PYTHONDONTWRITEBYTECODE set (as on this
    # machine) every start would compile kinsta_mcp from source, which the SDK floor does not pay.
    compileall.compile_dir(ROOT / "kinsta_mcp", quiet=1)
    base = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    base["PYTHONPATH"] = str(ROOT) + os.pathsep + base.get("PYTHONPATH", "")
    base["KINSTA_MCP_AUDIT_LOG"] = "off"
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor_server.py"
        floor.write_text(FLOOR_SERVER, encoding="utf-8")
        cases = {
            "SDK floor (1 tool)": ([sys.executable, str(floor)], base),
            "kinsta-mcp (key set)": (
                [sys.executable, "-m", "kinsta_mcp"],
                dict(base, KINSTA_API_KEY="dummy-key", KINSTA_COMPANY_ID="dummy-company"),
            ),
            "kinsta-mcp --demo": ([sys.executable, "-m", "kinsta_mcp", "--demo"], base),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, (argv, env) in cases.items():
                times[name].append(seconds_to_initialize(argv, env))
    floor_median = statistics.median(times["SDK floor (1 tool)"])
    print(f"spawn to initialize answered over stdio, {args.rounds} rounds, {sys.executable}")
    print(f"{'':<24}{'median s':>9}{'min s':>8}{'x floor':>9}")
    worst = 0.0
    for name, values in times.items():
        ratio = statistics.median(values) / floor_median
        worst = max(worst, ratio)
        print(f"{name:<24}{statistics.median(values):>9.3f}{min(values):>8.3f}{ratio:>9.2f}")
    print(f"target: <= {TARGET_RATIO} x floor: {'met' if worst <= TARGET_RATIO else 'NOT met'}")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "cold_start"))
