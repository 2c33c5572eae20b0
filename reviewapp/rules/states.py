"""The workflow of a version, declared once as data. Imports neither Flask nor the database."""

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Audience(StrEnum):
    CLINICIAN = "clinician"
    PATIENT = "patient"


class Role(StrEnum):
    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    BOARD = "board"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = MappingProxyType(
    {
        Role.CONTRIBUTOR: "contributor",
        Role.EDITOR: "medical editor",
        Role.BOARD: "Medical Advisory Board member",
        Role.ADMIN: "admin",
    }
)


class State(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    AWAITING_SIGNOFF = "awaiting_signoff"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = MappingProxyType(
    {
        State.SUBMITTED: "Submitted",
        State.UNDER_REVIEW: "Under Review",
        State.AWAITING_SIGNOFF: "Awaiting board sign-off",
        State.CHANGES_REQUESTED: "Changes requested",
        State.REJECTED: "Rejected",
        State.APPROVED: "Approved",
        State.SUPERSEDED: "Superseded",
    }
)

# A newer submission replaces a version still waiting in one of these states.
PENDING_STATES = frozenset({State.SUBMITTED, State.UNDER_REVIEW, State.AWAITING_SIGNOFF})


class Action(StrEnum):
    START_REVIEW = "start_review"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    APPROVE = "approve"


@dataclass(frozen=True)
class Transition:
    action: Action
    source: State
    target: State
    role: Role
    comment_required: bool


TRANSITIONS = MappingProxyType(
    {
        (t.source, t.action): t
        for t in (
            Transition(
                Action.START_REVIEW, State.SUBMITTED, State.UNDER_REVIEW, Role.EDITOR, False
            ),
            Transition(
                Action.REQUEST_CHANGES,
                State.UNDER_REVIEW,
                State.CHANGES_REQUESTED,
                Role.EDITOR,
                True,
            ),
            Transition(Action.REJECT, State.UNDER_REVIEW, State.REJECTED, Role.EDITOR, True),
            # The editor's approval hands the version to the board; signatures approve it.
            Transition(
                Action.APPROVE, State.UNDER_REVIEW, State.AWAITING_SIGNOFF, Role.EDITOR, False
            ),
        )
    }
)


class PublicationPolicy(StrEnum):
    APPROVED_ONLY = "approved-only"
    PENDING_WITH_CAUTION = "pending-with-caution"


class ReviewStep(StrEnum):
    """The step an article has reached, as the public status strip shows it."""

    SUBMITTED = "Submitted"
    UNDER_REVIEW = "Under Review"
    APPROVED = "Approved"


def transition_for(state: State, action: Action) -> Transition | None:
    """Return the transition that `action` makes from `state`, or None if there is none."""
    return TRANSITIONS.get((state, action))


def allowed_actions(state: State) -> list[Action]:
    """Return the actions the workflow allows from `state`, in declaration order."""
    return [t.action for (source, _), t in TRANSITIONS.items() if source == state]
