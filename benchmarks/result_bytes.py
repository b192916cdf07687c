"""How many bytes each read tool's result costs a model, per channel, and how complete the text is.

Every read operation is called on the in-process simulator (demo data, or with `--big` a
200-site account with 400-item lists, 20,000 log lines and a year of analytics) and its
answer shaped as the server returns it. Printed per tool: text bytes, structured bytes
(compact JSON), the share of the structured result's values that the text shows, cuts, and
the time `shape` took. Run: python benchmarks/result_bytes.py [--big] [--budget N]
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / "tests" / p) for p in ("", "server")]

from kinsta_direct import Direct, direct, grow, start_operation  # noqa: E402

from kinsta_mcp.catalog import BY_NAME, OPERATIONS  # noqa: E402
from kinsta_mcp.catalog.spec import Effect  # noqa: E402
from kinsta_mcp.server.shaping import DEFAULT_BUDGET, TRUNCATED_KEY, UNTRUSTED_KEY, shape  # noqa: E402


def arguments(name: str, big: bool) -> dict[str, Any]:
    year = {"from_date": (date(2026, 1, 15) - timedelta(days=364)).isoformat(), "to_date": "2026-01-15"}
    series = year if big else {}
    return {
        "get_logs": {"file_name": "access" if big else "error", "lines": 20_000 if big else 100},
        "get_disk_space": {"time_zone": "00:00", **series},
        "get_visits": series,
        "get_bandwidth": series,
        "get_cdn_bandwidth": series,
        "list_sites": {"include_environments": True},
    }.get(name, {})


def scalars(value: Any, top: bool = True) -> list[Any]:
    if isinstance(value, dict):
        return [s for k, v in value.items() if not (top and k == UNTRUSTED_KEY) for s in scalars(v, False)]
    if isinstance(value, list):
        return [s for v in value for s in scalars(v, False)]
    return [] if value is None else [value]


def shown(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return ("true" if value else "false") in text
    if isinstance(value, int) and 10**11 <= value < 10**14 and str(value) not in text:  # epoch ms as ISO-8601
        return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S") in text
    return str(value) in text


async def measure(big: bool, budget: int) -> list[tuple[str, int, int, float, int, float]]:
    rows = []
    async with direct() as d:
        if big:
            grow(d.sim)
        for name in sorted(op.name for op in OPERATIONS if op.effect is Effect.READ):
            extra = arguments(name, big)
            if name == "get_operation":
                extra = {"operation_id": await start_operation(d)}
            args, data = await Direct.fetch(d, name, **extra)
            started = time.perf_counter()
            shaped = shape(BY_NAME[name], data, args=args, budget=budget)
            took = (time.perf_counter() - started) * 1000
            values = scalars(shaped.structured)
            complete = 100.0 * sum(shown(v, shaped.text) for v in values) / len(values) if values else 100.0
            structured = len(json.dumps(shaped.structured, ensure_ascii=False, separators=(",", ":")).encode())
            cuts = len(shaped.structured.get(TRUNCATED_KEY, []))
            rows.append((name, len(shaped.text.encode()), structured, complete, cuts, took))
    return rows


def main() -> int:
    big = "--big" in sys.argv
    budget = int(sys.argv[sys.argv.index("--budget") + 1]) if "--budget" in sys.argv else DEFAULT_BUDGET
    rows = anyio.run(measure, big, budget)
    print(f"{'read operation':<34}{'text B':>8}{'struct B':>10}{'in text':>9}{'cuts':>6}{'shape ms':>10}")
    for name, text, structured, complete, cuts, took in rows:
        print(f"{name:<34}{text:>8}{structured:>10}{complete:>8.0f}%{cuts:>6}{took:>10.1f}")
    total_text, total_structured = sum(r[1] for r in rows), sum(r[2] for r in rows)
    worst = min(r[3] for r in rows)
    label = f"all {len(rows)} read operations"
    print(f"{label:<34}{total_text:>8}{total_structured:>10}{worst:>8.0f}% (least)")
    over = [r[0] for r in rows if r[1] > budget or r[2] > budget]
    verdict = f"EXCEEDED by {', '.join(over)}" if over else "every result within"
    print(f"budget {budget} bytes per channel: {verdict}")
    return 1 if over or worst < 100 else 0


if __name__ == "__main__":
    import docs_writer  # benchmarks/ is on sys.path when a script runs

    sys.exit(docs_writer.run(main, "result_bytes"))
