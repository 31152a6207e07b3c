"""The proposal state machine: draft → submitted → under review → approved (coded), returned or rejected.

A returned proposal goes back to its applicant, who revises the site and submits again. Approved and
rejected are final.
"""

from __future__ import annotations

from enum import StrEnum

from gis.messages import Message, Text, phrases


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


STATE_NAMES = {
    State.DRAFT: Text("草稿", "draft"), State.SUBMITTED: Text("已提交", "submitted"),
    State.UNDER_REVIEW: Text("审查中", "under_review"), State.APPROVED: Text("已赋码", "approved"),
    State.RETURNED: Text("已退回", "returned"), State.REJECTED: Text("已驳回", "rejected"),
}
ACTION_NAMES = {
    "submit": Text("提交", "submit"), "start_review": Text("启动审查", "start_review"),
    "approve": Text("批准赋码", "approve"), "return": Text("退回", "return"), "reject": Text("驳回", "reject"),
    "revise_site": Text("修改选址", "revise the site of"), "give_opinion": Text("提出审查意见", "give an opinion on"),
    "mark": Text("在地图上标注", "mark the map of"), "rescreen": Text("重新检测", "re-screen"),
    "record_condition": Text("填写建设条件", "record a building condition on"),
}
"""What each action on a proposal is called; IllegalTransitionError names the one refused."""

phrases(
    "transition",
    illegal=Text("项目当前状态为“{state}”，不能{action}；此状态下可进行：{legal}",
                 "cannot {action} a proposal that is {state}; legal from {state}: {legal}"),
    final=Text("无（已是最终状态）", "nothing (final state)"),
)


class IllegalTransitionError(Exception):
    """The action is not allowed from the current state; says which actions are. ``action`` is a key of
    ACTION_NAMES, or any other text a caller sent."""

    def __init__(self, state: State, action: str) -> None:
        self.state, self.action = state, action
        self.legal = [a.value for a in TRANSITIONS[state]]
        super().__init__(Message(
            "transition.illegal", state=STATE_NAMES[state], action=ACTION_NAMES.get(action, action),
            legal=[ACTION_NAMES[a] for a in self.legal] if self.legal else Message("transition.final")))


def next_state(state: State, action: Action | str) -> State:
    """The state after ``action``, or :class:`IllegalTransitionError`."""
    try:
        return TRANSITIONS[state][Action(action)]
    except (KeyError, ValueError):
        raise IllegalTransitionError(state, str(action)) from None
