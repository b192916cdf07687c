"""The consequence of one concrete call: the operation's declared risk plus the rules its arguments trigger.

The rules are declared beside each operation in the catalog (`spec.Rule`); this module only
applies them: it reads the state a rule asks for (through the shared read cache), runs each
check on the call's validated arguments, and returns a `Judged` call for the guard, or the
text of a refusal when a precondition fails (nothing is sent, nobody is asked).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import Operation, Risk, Rule
from kinsta_mcp.config import Profile
from kinsta_mcp.server.reads import Reader


@dataclass(frozen=True)
class Finding:
    """A rule that applies to this call: what it means, in plain words, and the safer step if there is one."""

    rule: Rule
    text: str
    safer: str = ""


@dataclass(frozen=True)
class Judged:
    """One concrete call as the guard sees it (guard.Guarded): its operation and what its arguments make it."""

    op: Operation
    findings: tuple[Finding, ...] = ()
    reads_only: bool = False  # the arguments make it a read (Operation.reads_only): not asked

    @property
    def name(self) -> str:
        return self.op.member.group.name if self.op.member else self.op.name

    @property
    def title(self) -> str:
        return self.op.title

    @property
    def guarded(self) -> bool:
        return (self.op.guarded and not self.reads_only) or bool(self.findings)

    @property
    def risks(self) -> list[Risk]:
        """The declared risk (when guarded) and every risk a finding raises, in order, once each."""
        declared = Risk.NONE if self.reads_only else self.op.risk or Risk.NONE
        risks: list[Risk] = [declared, *(f.rule.risk for f in self.findings)]
        return [risk for risk in dict.fromkeys(risks) if risk is not Risk.NONE]

    @property
    def typed_count(self) -> int | None:
        return None

    @property
    def unattended_refusal(self) -> str | None:
        return None


def _fill(template: str, args: Mapping[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(args.get(m.group(1), m.group(0))), template)


async def read_state(rule: Rule, args: Mapping[str, Any], reader: Reader, profile: Profile) -> Any:
    """The read a rule asks for, with the call's arguments that read takes (None when it fails)."""
    if rule.reads is None:
        return None
    fields = BY_NAME[rule.reads].input.model_fields
    return await reader.lookup(rule.reads, {k: v for k, v in args.items() if k in fields}, profile)


def apply(op: Operation, args: Mapping[str, Any], states: Mapping[str, Any]) -> Judged | str:
    """The rules of `op` on these arguments and read states (by read name): a Judged call, or a refusal text."""
    findings = []
    for rule in op.rules:
        text = rule.check(args, states.get(rule.reads) if rule.reads else None)
        if text is None:
            continue
        if rule.refuse:
            return f"{op.title}: {text}. Nothing was sent to Kinsta and the human was not asked."
        findings.append(Finding(rule, text, _fill(rule.safer, args)))
    return Judged(op, tuple(findings), reads_only=bool(op.reads_only and op.reads_only(args)))


async def judge(
    op: Operation, args: Mapping[str, Any], reader: Reader, profile: Profile, *, asks: bool = True
) -> Judged | str:
    """Apply `op`'s declared rules to this call, reading what they need (each read once, cached).

    `asks=False` (confirmation off: nobody is asked, so nothing the rules find changes what is sent):
    the rules judge without reading, costing no request."""
    states: dict[str, Any] = {}
    for rule in op.rules if asks else ():
        if rule.reads is not None and rule.reads not in states:
            states[rule.reads] = await read_state(rule, args, reader, profile)
    return apply(op, args, states)
