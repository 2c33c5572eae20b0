"""The workflow of a version, declared once as data. Imports neither Flask nor the database."""

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Audience(StrEnum):
    CLINICIAN = "clinician"
    PATIENT = "patient"


class Kind(StrEnum):
    """What a version is a version of: every part of a page readers see has its own chain."""

    WORDING = "wording"
    FRONT_MATTER = "front_matter"
    REFERENCE = "reference"
    SETTINGS = "settings"
    OUTLINE = "outline"
    SITE_TEXT = "site_text"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = MappingProxyType(
    {
        Kind.WORDING: "wording",
        Kind.FRONT_MATTER: "front matter",
        Kind.REFERENCE: "reference",
        Kind.SETTINGS: "review settings",
        Kind.OUTLINE: "outline",
        Kind.SITE_TEXT: "site text",
    }
)


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
    # Taken down from the page after approval, with a public reason (domain/withdrawals.py).
    WITHDRAWN = "withdrawn"

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
        State.WITHDRAWN: "Withdrawn",
    }
)

# A newer submission replaces a version still waiting in one of these states.
PENDING_STATES = frozenset({State.SUBMITTED, State.UNDER_REVIEW, State.AWAITING_SIGNOFF})


class Action(StrEnum):
    """Every move a version can make. The values are what trace rows and the API record."""

    START_REVIEW = "start_review"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    APPROVE = "approve"
    SIGN = "sign"
    QUORUM = "signoff_quorum"
    OBJECT = "object"
    SUPERSEDE = "supersede"
    WITHDRAW = "withdraw"
    REINSTATE = "reinstate"
    # Re-review of published wording without a change (domain/re_reviews.py).
    OPEN_RE_REVIEW = "open_re_review"
    RE_CERTIFY = "re_review_quorum"
    SEND_FOR_REVISION = "send_for_revision"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = MappingProxyType(
    {
        Action.START_REVIEW: "start review",
        Action.REQUEST_CHANGES: "request changes",
        Action.REJECT: "reject",
        Action.APPROVE: "approve",
        Action.SIGN: "sign",
        Action.QUORUM: "reach the board's quorum",
        Action.OBJECT: "object",
        Action.SUPERSEDE: "supersede",
        Action.WITHDRAW: "withdraw",
        Action.REINSTATE: "reinstate",
        Action.OPEN_RE_REVIEW: "open a re-review of",
        Action.RE_CERTIFY: "re-certify at the board's quorum",
        Action.SEND_FOR_REVISION: "send for revision",
    }
)


class System(StrEnum):
    """Who takes a move that follows from another one, never from a person's request."""

    ENGINE = "system"


@dataclass(frozen=True)
class Transition:
    """One row of the workflow: `who` takes `action` from `source` to `target`."""

    action: Action
    source: State
    target: State
    who: Role | System
    reason_required: bool = False
    # The audit trail's name for this move.
    event: str = ""

    @property
    def by_system(self) -> bool:
        return isinstance(self.who, System)


def _rows() -> tuple[Transition, ...]:
    editor, board, system = Role.EDITOR, Role.BOARD, System.ENGINE
    supersede = tuple(
        Transition(Action.SUPERSEDE, state, State.SUPERSEDED, system, event="version.supersede")
        for state in (State.SUBMITTED, State.UNDER_REVIEW, State.AWAITING_SIGNOFF)
    )
    return (
        Transition(
            Action.START_REVIEW,
            State.SUBMITTED,
            State.UNDER_REVIEW,
            editor,
            event="version.start_review",
        ),
        Transition(
            Action.REQUEST_CHANGES,
            State.UNDER_REVIEW,
            State.CHANGES_REQUESTED,
            editor,
            reason_required=True,
            event="version.request_changes",
        ),
        Transition(
            Action.REJECT,
            State.UNDER_REVIEW,
            State.REJECTED,
            editor,
            reason_required=True,
            event="version.reject",
        ),
        # The editor's approval hands the version to the board; signatures approve it.
        Transition(
            Action.APPROVE,
            State.UNDER_REVIEW,
            State.AWAITING_SIGNOFF,
            editor,
            event="version.approve",
        ),
        Transition(
            Action.SIGN,
            State.AWAITING_SIGNOFF,
            State.AWAITING_SIGNOFF,
            board,
            event="signoff.sign",
        ),
        # A signature after quorum is still a signature: it is added to the record.
        Transition(Action.SIGN, State.APPROVED, State.APPROVED, board, event="signoff.sign"),
        # Taken by the engine when a signature completes the article's quorum.
        Transition(
            Action.QUORUM,
            State.AWAITING_SIGNOFF,
            State.APPROVED,
            system,
            event="version.publish",
        ),
        Transition(
            Action.OBJECT,
            State.AWAITING_SIGNOFF,
            State.CHANGES_REQUESTED,
            board,
            reason_required=True,
            event="signoff.object",
        ),
        *supersede,
        # Published wording taken down at once, with a public reason; it never comes back
        # but as a new submission reviewed like any other.
        Transition(
            Action.WITHDRAW,
            State.APPROVED,
            State.WITHDRAWN,
            editor,
            reason_required=True,
            event="version.withdraw",
        ),
        # Taken by the engine when a withdrawal puts the previous approved version back.
        Transition(
            Action.REINSTATE,
            State.APPROVED,
            State.APPROVED,
            system,
            event="version.reinstate",
        ),
        # Re-review: published wording stays Approved and published throughout. An editor
        # opens it; the board signs the same content hash in a new round (Sign above); at
        # quorum the engine re-certifies it, moving its last-reviewed date. Instead, an
        # editor or a board member sends it for revision: it stays published, review due.
        Transition(
            Action.OPEN_RE_REVIEW,
            State.APPROVED,
            State.APPROVED,
            editor,
            event="version.re_review_open",
        ),
        Transition(
            Action.RE_CERTIFY,
            State.APPROVED,
            State.APPROVED,
            system,
            event="version.re_reviewed",
        ),
        Transition(
            Action.SEND_FOR_REVISION,
            State.APPROVED,
            State.APPROVED,
            editor,
            reason_required=True,
            event="version.send_for_revision",
        ),
        Transition(
            Action.OBJECT,
            State.APPROVED,
            State.APPROVED,
            board,
            reason_required=True,
            event="version.send_for_revision",
        ),
    )


TRANSITIONS = MappingProxyType({(row.source, row.action): row for row in _rows()})

# Editors' moves that are no review of the version: taking it down is not reviewing it, so
# it neither takes a board member off the version nor is offered among the review steps.
NOT_REVIEW_ACTIONS = frozenset({Action.WITHDRAW})

# The moves a medical editor takes on the review screen and through /transitions.
REVIEW_ACTIONS = tuple(
    dict.fromkeys(
        row.action
        for row in TRANSITIONS.values()
        if row.who is Role.EDITOR and row.action not in NOT_REVIEW_ACTIONS
    )
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
    """Return the row that `action` takes from `state`, or None if there is none."""
    return TRANSITIONS.get((state, action))


def actions_from(state: State, who: Role | System | None = None) -> list[Action]:
    """Return the actions the table allows from `state` (for `who`), in declaration order."""
    return [
        row.action
        for (source, _), row in TRANSITIONS.items()
        if source == state and (who is None or row.who == who)
    ]
