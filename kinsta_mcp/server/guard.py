"""The guard's one decision: may this call be sent, and on whose yes?

A call is guarded when its operation declares a risk (catalog.spec.Risk): it destroys
data, grants access, redirects traffic or reveals a secret. Nothing the model can do by
itself counts as the human's yes:
- `elicit` (the default): the human answers the client's confirmation form (MCP form
  elicitation, both protocol versions). A client that cannot ask gets a refusal that says
  how to proceed; no token is offered.
- `elicit-or-model-token` (opt-in, named for what it is): where the client cannot ask,
  the preview comes with a single-use token the model may carry back. A client that can
  ask is always asked: a token never stands in for a human who could answer.
- `off`: nothing is asked (announced to the model in the instructions).

What is guarded is the concrete call, not just its operation: `consequences.judge` applies the
rules the catalog declares beside the operation (a deny-all IP list, a downgrade, a push over
live) and a batch adds its scale (`fleet.plan.Plan`). A guarded call whose target cannot be found
is refused before the human is asked. A batch that destroys data asks the human to type the
number of targets, not just tick a box; with no human to ask, batches of writes beyond a handful
of targets are refused.

Every approval (a 2026-07-28 answer's nonce, a token) is single-use and bound to the tool,
its exact arguments, the profile, the HTTP principal and the connection (`approvals.py`).
The pipeline acts on the `Decision` in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kinsta_mcp.config import Confirmation
from kinsta_mcp.server.approvals import ApprovalStore, Binding

CONFIRM_FIELD = "confirm"
COUNT_FIELD = "count"
# The form the human sees: one strictly boolean field.
CONFIRM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {CONFIRM_FIELD: {"type": "boolean", "title": "Yes, do it"}},
    "required": [CONFIRM_FIELD],
}
# The form for a batch that destroys data: the human also types how many targets it hits.
COUNT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        CONFIRM_FIELD: {"type": "boolean", "title": "Yes, do it"},
        COUNT_FIELD: {
            "type": "integer",
            "title": "Type the number of targets (it is stated at the top of the message)",
            "minimum": 0,
        },
    },
    "required": [CONFIRM_FIELD, COUNT_FIELD],
}


def schema_for(typed_count: int | None) -> dict[str, Any]:
    return CONFIRM_SCHEMA if typed_count is None else COUNT_SCHEMA


class Guarded(Protocol):
    """What the guard needs to know about what it guards: an operation, or a batch of them."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def guarded(self) -> bool: ...

    @property
    def typed_count(self) -> int | None:
        """The number the human must type besides ticking yes (a batch that destroys data), or None."""
        ...

    @property
    def unattended_refusal(self) -> str | None:
        """Why this may not run without a human who answers the form (policy off, token mode, no form)."""
        ...


@dataclass(frozen=True)
class Preview:
    """What the human is shown, and the targets named in the call that could not be found."""

    text: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proceed:
    """Send it. `confirmed_by`: not-required, policy-off, elicitation or model-token."""

    confirmed_by: str


@dataclass(frozen=True)
class Refuse:
    """Do not send it; `text` is the whole answer for the model (and the human reading along)."""

    text: str


@dataclass(frozen=True)
class Ask:
    """Ask the human in a 2026-07-28 round: the client shows `message`, then retries with the answer."""

    message: str
    state: str  # our request state (the SDK seals it on the wire)
    schema: dict[str, Any] = field(default_factory=lambda: CONFIRM_SCHEMA)


Decision = Proceed | Refuse | Ask


@dataclass(frozen=True)
class HumanAnswer:
    action: str  # accept, decline, cancel
    confirmed: bool  # accept with confirm == true (strictly a JSON boolean)
    count: int | None = None  # the number typed, when the form asked for one (strictly an integer)

    def agrees(self, typed_count: int | None) -> bool:
        return self.confirmed and (typed_count is None or self.count == typed_count)


class Confirmer(Protocol):
    """What the guard needs from the MCP call (implemented by the SDK adapter)."""

    @property
    def can_elicit(self) -> bool: ...

    @property
    def asks_in_rounds(self) -> bool:
        """2026-07-28: elicitation by InputRequiredResult rounds; else one server-to-client request."""
        ...

    async def elicit(self, message: str, schema: dict[str, Any]) -> HumanAnswer: ...

    def round_answer(self) -> tuple[str | None, HumanAnswer | None]:
        """(our request state, the human's answer) when this is the retry of an asked round."""
        ...


def answer_from(action: str, content: Mapping[str, Any] | None) -> HumanAnswer:
    """A form answer counts as yes only when accepted with `confirm` exactly `true`."""
    confirmed = action == "accept" and content is not None and content.get(CONFIRM_FIELD) is True
    typed = content.get(COUNT_FIELD) if content is not None else None
    count = typed if isinstance(typed, int) and not isinstance(typed, bool) else None
    return HumanAnswer(action=action, confirmed=confirmed, count=count)


def _not_agreed(op: Guarded, answer: HumanAnswer) -> Refuse:
    how = {"decline": "declined", "cancel": "cancelled"}.get(answer.action, "did not confirm")
    if answer.action == "accept":
        how = "did not confirm"
        if answer.confirmed and op.typed_count is not None:
            typed = "nothing" if answer.count is None else str(answer.count)
            how = f"typed {typed} as the number of targets, not {op.typed_count}"
    return Refuse(f"{op.title}: the human {how}. Nothing was sent to Kinsta.")


def _not_found(op: Guarded, preview: Preview) -> Refuse:
    return Refuse(
        f"{op.title}: not found: {'; '.join(preview.missing)}. Nothing was sent to Kinsta and the human was not "
        "asked. Check the id (list_sites, list_environments) and call again."
    )


def _no_prompt(op: Guarded) -> Refuse:
    return Refuse(
        f"{op.title} needs the human's yes, and this client cannot show a confirmation prompt (MCP form "
        "elicitation). Nothing was sent to Kinsta. Tell the user; to go ahead they can use a client that shows "
        "confirmation prompts, or the server's operator can opt in to confirmation=elicit-or-model-token (the "
        "model then carries the human's yes back as a token) or, at their own risk, confirmation=off."
    )


async def decide(
    op: Guarded,
    binding: Binding,
    policy: Confirmation,
    confirmer: Confirmer,
    approvals: ApprovalStore,
    token: str | None,
    preview: Any,
) -> Decision:
    """The decision for one call. `preview()` builds the human's `Preview` (lookups run only when asked)."""
    refusal = op.unattended_refusal
    if refusal is not None and (policy is Confirmation.OFF or not confirmer.can_elicit):
        return Refuse(refusal)
    if not op.guarded:
        return Proceed("not-required")
    if policy is Confirmation.OFF:
        return Proceed("policy-off")
    down = await approvals.unavailable()  # replicas: without the shared store no yes can be kept once
    if down is not None:
        return Refuse(down)
    if confirmer.can_elicit:
        if confirmer.asks_in_rounds:
            return await _decide_in_rounds(op, binding, confirmer, approvals, preview)
        shown = await preview()
        if shown.missing:
            return _not_found(op, shown)
        answer = await confirmer.elicit(_question(op, shown), schema_for(op.typed_count))
        return Proceed("elicitation") if answer.agrees(op.typed_count) else _not_agreed(op, answer)
    if policy is not Confirmation.ELICIT_OR_MODEL_TOKEN:
        return _no_prompt(op)
    # The opt-in token mode trusts the model to ask the human in the chat: by design the model can
    # confirm by itself here (the operator chose this; the instructions and docs say so).
    problem = await approvals.redeem(token, binding) if token else None
    if token and problem is None:
        return Proceed("model-token")
    shown = await preview()
    if shown.missing:
        return _not_found(op, shown)
    new_token = await approvals.issue(binding)
    why = f"\n(The token given was not accepted: {problem}.)" if problem else ""
    return Refuse(
        f"Not done yet: this needs the human's yes. Nothing was sent to Kinsta.{why}\n\n{shown.text}\n\n"
        f"Show this to the user and ask. Only if they agree, call {op.name} again with the same arguments plus "
        f'confirmation_token="{new_token}" (single use, valid 5 minutes, void if anything changes).'
    )


def _question(op: Guarded, shown: Preview) -> str:
    if op.typed_count is None:
        return f"{shown.text}\n\nDo you want to go ahead?"
    return f"{shown.text}\n\nTo go ahead, tick yes and type the number of targets ({op.typed_count})."


async def _decide_in_rounds(
    op: Guarded, binding: Binding, confirmer: Confirmer, approvals: ApprovalStore, preview: Any
) -> Decision:
    state, answer = confirmer.round_answer()
    if state is not None and answer is not None:
        nonce = _nonce_of(state)
        problem = await approvals.redeem(nonce, binding) if nonce else "the request state is not this server's"
        if problem is not None:
            return Refuse(f"{op.title}: this answer cannot be used: {problem}. Nothing was sent to Kinsta.")
        return Proceed("elicitation") if answer.agrees(op.typed_count) else _not_agreed(op, answer)
    shown = await preview()
    if shown.missing:
        return _not_found(op, shown)
    nonce = await approvals.issue(binding)
    return Ask(_question(op, shown), json.dumps({"approval": nonce}), schema_for(op.typed_count))


def _nonce_of(state: str) -> str | None:
    try:
        parsed = json.loads(state)
    except ValueError:
        return None
    nonce = parsed.get("approval") if isinstance(parsed, dict) else None
    return nonce if isinstance(nonce, str) else None
