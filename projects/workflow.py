"""The proposal state machine: draft → submitted → under review → approved (coded), returned or rejected.

A returned proposal goes back to its applicant, who revises the site and submits again. Approved and
rejected are final.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"


class Action(StrEnum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.DRAFT: {Action.SUBMIT: State.SUBMITTED},
    State.SUBMITTED: {Action.START_REVIEW: State.UNDER_REVIEW, Action.RETURN: State.RETURNED,
                      Action.REJECT: State.REJECTED},
    State.UNDER_REVIEW: {Action.APPROVE: State.APPROVED, Action.RETURN: State.RETURNED,
                         Action.REJECT: State.REJECTED},
    State.RETURNED: {Action.SUBMIT: State.SUBMITTED},
    State.APPROVED: {},
    State.REJECTED: {},
}

EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED, State.SUBMITTED, State.UNDER_REVIEW})
"""States in which the applicant may still revise the site."""


class IllegalTransitionError(Exception):
    """The action is not allowed from the current state; says which actions are."""

    def __init__(self, state: State, action: str) -> None:
        self.state, self.action = state, action
        self.legal = [a.value for a in TRANSITIONS[state]]
        super().__init__(
            f"cannot {action} a proposal that is {state.value}; legal from {state.value}: "
            + (", ".join(self.legal) if self.legal else "nothing (final state)")
        )


def next_state(state: State, action: Action | str) -> State:
    """The state after ``action``, or :class:`IllegalTransitionError`."""
    try:
        return TRANSITIONS[state][Action(action)]
    except (KeyError, ValueError):
        raise IllegalTransitionError(state, str(action)) from None
