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

Every approval (a 2026-07-28 answer's nonce, a token) is single-use and bound to the tool,
its exact arguments, the profile, the HTTP principal and the connection (`approvals.py`).
The pipeline acts on the `Decision` in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kinsta_mcp.config import Confirmation
from kinsta_mcp.server.approvals import Approvals, Binding

CONFIRM_FIELD = "confirm"
# The form the human sees: one strictly boolean field.
CONFIRM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {CONFIRM_FIELD: {"type": "boolean", "title": "Yes, do it"}},
    "required": [CONFIRM_FIELD],
}


class Guarded(Protocol):
    """What the guard needs to know about what it guards: an operation, or a batch of them."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def guarded(self) -> bool: ...


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


Decision = Proceed | Refuse | Ask


@dataclass(frozen=True)
class HumanAnswer:
    action: str  # accept, decline, cancel
    confirmed: bool  # accept with confirm == true (strictly a JSON boolean)


class Confirmer(Protocol):
    """What the guard needs from the MCP call (implemented by the SDK adapter)."""

    @property
    def can_elicit(self) -> bool: ...

    @property
    def asks_in_rounds(self) -> bool:
        """2026-07-28: elicitation by InputRequiredResult rounds; else one server-to-client request."""
        ...

    async def elicit(self, message: str) -> HumanAnswer: ...

    def round_answer(self) -> tuple[str | None, HumanAnswer | None]:
        """(our request state, the human's answer) when this is the retry of an asked round."""
        ...


def answer_from(action: str, content: Mapping[str, Any] | None) -> HumanAnswer:
    """A form answer counts as yes only when accepted with `confirm` exactly `true`."""
    confirmed = action == "accept" and content is not None and content.get(CONFIRM_FIELD) is True
    return HumanAnswer(action=action, confirmed=confirmed)


def _not_agreed(op: Guarded, answer: HumanAnswer) -> Refuse:
    how = {"decline": "declined", "cancel": "cancelled"}.get(answer.action, "did not confirm")
    if answer.action == "accept":
        how = "did not confirm"
    return Refuse(f"{op.title}: the human {how}. Nothing was sent to Kinsta.")


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
    approvals: Approvals,
    token: str | None,
    preview: Any,
) -> Decision:
    """The decision for one call. `preview()` builds the human's text (lookups run only when asked)."""
    if not op.guarded:
        return Proceed("not-required")
    if policy is Confirmation.OFF:
        return Proceed("policy-off")
    if confirmer.can_elicit:
        if confirmer.asks_in_rounds:
            return await _decide_in_rounds(op, binding, confirmer, approvals, preview)
        answer = await confirmer.elicit(f"{await preview()}\n\nDo you want to go ahead?")
        return Proceed("elicitation") if answer.confirmed else _not_agreed(op, answer)
    if policy is not Confirmation.ELICIT_OR_MODEL_TOKEN:
        return _no_prompt(op)
    problem = approvals.redeem(token, binding) if token else None
    if token and problem is None:
        return Proceed("model-token")
    new_token = approvals.issue(binding)
    why = f"\n(The token given was not accepted: {problem}.)" if problem else ""
    return Refuse(
        f"Not done yet: this needs the human's yes. Nothing was sent to Kinsta.{why}\n\n{await preview()}\n\n"
        f"Show this to the user and ask. Only if they agree, call {op.name} again with the same arguments plus "
        f'confirmation_token="{new_token}" (single use, valid 5 minutes, void if anything changes).'
    )


async def _decide_in_rounds(
    op: Guarded, binding: Binding, confirmer: Confirmer, approvals: Approvals, preview: Any
) -> Decision:
    state, answer = confirmer.round_answer()
    if state is not None and answer is not None:
        nonce = _nonce_of(state)
        problem = approvals.redeem(nonce, binding) if nonce else "the request state is not this server's"
        if problem is not None:
            return Refuse(f"{op.title}: this answer cannot be used: {problem}. Nothing was sent to Kinsta.")
        return Proceed("elicitation") if answer.confirmed else _not_agreed(op, answer)
    nonce = approvals.issue(binding)
    return Ask(f"{await preview()}\n\nDo you want to go ahead?", json.dumps({"approval": nonce}))


def _nonce_of(state: str) -> str | None:
    try:
        parsed = json.loads(state)
    except ValueError:
        return None
    nonce = parsed.get("approval") if isinstance(parsed, dict) else None
    return nonce if isinstance(nonce, str) else None
