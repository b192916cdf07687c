"""`--write-docs` for the benchmark scripts: their printed table goes into docs/benchmarks.md.

Each script ends with `sys.exit(docs_writer.run(main, "NAME"))`. Without `--write-docs` that is
`main()`; with it, what `main()` prints is also written between `<!-- bench:NAME:begin -->` and
`<!-- bench:NAME:end -->` in docs/benchmarks.md, with the command and the machine it ran on, so
the figures in the docs are the scripts' own output, never typed in.
"""

from __future__ import annotations

import datetime
import io
import os
import platform
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
FLAG = "--write-docs"


class _Tee(io.TextIOBase):
    def __init__(self, *streams: io.TextIOBase) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def machine() -> str:
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end), mcp {version('mcp')}, "
        f"{datetime.date.today().isoformat()}"
    )


def section(command: str, output: str) -> str:
    return f"`{command}` on {machine()}:\n\n```\n{output.rstrip()}\n```\n"


def replace_section(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not found or not found_end:
        raise SystemExit(f"{PAGE} lacks the markers {begin} ... {end}")
    return f"{head}{begin}\n{body}{end}{tail}"


def recorded_output(name: str, page: Path = PAGE) -> str:
    """The table last written for `name` (what is inside the code fence)."""
    text = page.read_text(encoding="utf-8")
    body = text.split(f"<!-- bench:{name}:begin -->", 1)[1].split(f"<!-- bench:{name}:end -->", 1)[0]
    return body.split("```\n", 1)[1].rsplit("\n```", 1)[0] + "\n"


def run(main: Callable[[], int], name: str) -> int:
    if FLAG not in sys.argv:
        return main()
    sys.argv.remove(FLAG)
    command = " ".join(["python", f"benchmarks/{name}.py", *sys.argv[1:]])
    captured = io.StringIO()
    real = sys.stdout
    sys.stdout = _Tee(real, captured)  # type: ignore[assignment]
    try:
        status = main()
    finally:
        sys.stdout = real
    text = replace_section(PAGE.read_text(encoding="utf-8"), name, section(command, captured.getvalue()))
    PAGE.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote the {name} table into {PAGE}\n")
    return status
