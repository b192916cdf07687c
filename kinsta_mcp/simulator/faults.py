"""Faults injected into the simulator: failures before processing, and failed async operations."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "slow", "timeout", "drop", "malformed", "rate_limit"]


@dataclass
class Fault:
    """One injected fault.

    `path` is a route template ("/sites/{site_id}") or "*"; `method` "*" matches any.
    `times` is how many requests it hits (None: forever). A fault hits before the request
    is processed, except kind="status" with after=True: the change happens, the answer is
    the error (an "outcome unknown" failure).
    """

    method: str = "*"
    path: str = "*"
    kind: FaultKind = "status"
    status: int = 500
    seconds: float = 5.0
    times: int | None = 1
    after: bool = False
    message: str | None = None

    def matches(self, method: str, template: str) -> bool:
        method_ok = self.method == "*" or self.method.upper() == method.upper()
        path_ok = self.path == "*" or self.path == template
        return method_ok and path_ok and (self.times is None or self.times > 0)


class FaultSet:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def __len__(self) -> int:
        return len(self._faults)

    def take(self, method: str, template: str) -> Fault | None:
        """The first live fault for this request, with one use spent."""
        for fault in self._faults:
            if fault.matches(method, template):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None


@dataclass
class OperationFailure:
    """`Simulator.fail_operations`: the next async operations matching `match` fail."""

    match: str = "*"  # a glob on the template, or on "METHOD /template"
    times: int | None = 1

    def matches(self, method: str, template: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        target = f"{method.upper()} {template}" if " " in self.match else template
        return fnmatch.fnmatchcase(target, self.match)
