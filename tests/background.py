"""Other processes' work for the setup tests, started early on the core the suite leaves idle.

A few setup tests mostly wait on other processes: the MCPB bundle started under uv, the wheel
build, nested pytest runs. Meanwhile pytest runs one test at a time, on one core. A *job* is such
work: a function of a fresh directory and the environment, returning what its tests check.

conftest starts the jobs whose tests were collected, one at a time on a worker thread, once the
tests that measure real time have finished (tests/http) and only when other tests run meanwhile:
the jobs then overlap the in-process tests. A job's fixture takes its result, waiting for it if
needed, and a job's failure is raised there. A fixture whose job was not started ahead (its module
run alone, say) runs it itself: the same work and the same checks either way.

Jobs pass the environment and the working directory to every process they start: tests change
both (monkeypatch), and a job runs while they do.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Run = Callable[[Path, dict[str, str], bool], Any]
"""(a fresh directory, the environment, alone) -> the result. `alone`: nothing else runs meanwhile,
so the job may keep every core busy; started ahead it takes one at a time."""


@dataclass(frozen=True)
class Job:
    name: str
    module: Path  # the test module whose tests take its result
    run: Run
    ready: Callable[[], bool]  # whether it can run ahead (its tools are there; else its fixture skips or fails)


class Stopped(Exception):
    """The run ended before the job: nobody takes its result."""


JOBS: dict[str, Job] = {}
_ahead: dict[str, Future[Any]] = {}
_stopping = threading.Event()
_pool: ThreadPoolExecutor | None = None
_where: Path | None = None


def job(module: str, ready: Callable[[], bool] = lambda: True) -> Callable[[Run], Run]:
    """Register the decorated function as a job named after it, for the tests of `module` (its __file__)."""

    def register(run: Run) -> Run:
        JOBS[run.__name__] = Job(run.__name__, Path(module).resolve(), run, ready)
        return run

    return register


def start(names: list[str]) -> None:
    """Start these jobs ahead, in order, one at a time (call between tests: the environment is the run's own)."""
    global _pool, _where
    names = [name for name in names if name not in _ahead and JOBS[name].ready()]
    if not names:
        return
    _where = Path(tempfile.mkdtemp(prefix="kinsta-mcp-jobs-"))
    _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kinsta-mcp-job")
    env = dict(os.environ)
    for name in names:
        where = _where / name
        where.mkdir()
        _ahead[name] = _pool.submit(JOBS[name].run, where, env, False)


def result(run: Run, where: Path) -> Any:
    """The result of the job `run`: the one started ahead, else run it now in `where`."""
    future = _ahead.get(run.__name__)
    if future is not None:
        return future.result()
    return run(where, dict(os.environ), True)


def check() -> None:
    """Between a job's processes: raise Stopped when the run has ended (a failure with -x, Ctrl-C)."""
    if _stopping.is_set():
        raise Stopped


def stop() -> None:
    """At the end of the run: drop the jobs not started, let a running one stop at its next check(),
    remove their files."""
    global _pool, _where
    _stopping.set()
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    if _where is not None:
        shutil.rmtree(_where, ignore_errors=True)
    _pool, _where = None, None
    _ahead.clear()
    _stopping.clear()
