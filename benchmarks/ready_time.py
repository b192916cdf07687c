"""Ready time: process spawn to the first `tools/list` answered, over stdio, against the SDK's floor.

What a user waits for before the model can use a tool: the client starts the server, initializes, and
lists the tools. The floor is a bare `MCPServer` with one trivial tool, run by the same interpreter; the
three servers are started in turn, `--rounds` times, side by side in one run, and the medians compared.
kinsta-mcp serves its list from definitions compiled once (the committed tool index,
kinsta_mcp/server/tool_index.json), so its first list costs about what the floor's does.
Run: python benchmarks/ready_time.py
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

TARGET_RATIO = 1.25
ROOT = Path(__file__).resolve().parents[1]

# The bare SDK server with one tool, the same floor cold_start.py measures against.
from cold_start import FLOOR_SERVER  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}},
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def seconds_to_tools(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Spawn to the tools/list answer read in full; and how many tools it listed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write((json.dumps(INITIALIZE) + "\n").encode())
    process.stdin.flush()
    assert json.loads(process.stdout.readline()).get("id") == 1
    process.stdin.write((json.dumps(INITIALIZED) + "\n" + json.dumps(LIST) + "\n").encode())
    process.stdin.flush()
    answer = json.loads(process.stdout.readline())
    elapsed = time.perf_counter() - start
    process.stdin.close()
    process.wait(30)
    assert answer.get("id") == 2 and "result" in answer, answer
    return elapsed, len(answer["result"]["tools"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    # An installed package starts from its bytecode; with PYTHONDONTWRITEBYTECODE set (as on this
    # machine) every start would compile kinsta_mcp from source, which the SDK floor does not pay.
    compileall.compile_dir(ROOT / "kinsta_mcp", quiet=1)
    base = {k: v for k, v in os.environ.items() if not k.startswith("KINSTA")}
    base["PYTHONPATH"] = str(ROOT) + os.pathsep + base.get("PYTHONPATH", "")
    base["KINSTA_MCP_AUDIT_LOG"] = "off"
    floor_name = "SDK floor (1 tool)"
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor_server.py"
        floor.write_text(FLOOR_SERVER, encoding="utf-8")
        cases = {
            floor_name: ([sys.executable, str(floor)], base),
            "kinsta-mcp (key set)": (
                [sys.executable, "-m", "kinsta_mcp"],
                dict(base, KINSTA_API_KEY="dummy-key", KINSTA_COMPANY_ID="dummy-company"),
            ),
            "kinsta-mcp --demo": ([sys.executable, "-m", "kinsta_mcp", "--demo"], base),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        tools: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, (argv, env) in cases.items():
                seconds, tools[name] = seconds_to_tools(argv, env)
                times[name].append(seconds)
    floor_median = statistics.median(times[floor_name])
    print(f"spawn to the first tools/list answered over stdio, {args.rounds} rounds, side by side")
    print(f"{'':<24}{'tools':>6}{'median s':>10}{'min s':>8}{'x floor':>9}")
    worst = 0.0
    for name, values in times.items():
        ratio = statistics.median(values) / floor_median
        worst = max(worst, ratio)
        print(f"{name:<24}{tools[name]:>6}{statistics.median(values):>10.3f}{min(values):>8.3f}{ratio:>9.2f}")
    print(f"target: <= {TARGET_RATIO} x floor: {'met' if worst <= TARGET_RATIO else 'NOT met'}")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "ready_time"))
