"""The kinds of notification people receive, declared once. Imports neither Flask nor the DB."""

from enum import StrEnum
from types import MappingProxyType


class NotificationKind(StrEnum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    AWAITING_SIGNATURE = "awaiting_signature"
    QUORUM_REACHED = "quorum_reached"
    OBJECTION = "objection"
    COMMENT = "comment"
    PATIENT_WORDING_STALE = "patient_wording_stale"
    REVIEW_DUE = "review_due"
    WITHDRAWAL = "withdrawal"
    COUNTERSIGN_OVERDUE = "countersign_overdue"
    RE_REVIEW = "re_review"
    RE_REVIEWED = "re_reviewed"
    SENT_FOR_REVISION = "sent_for_revision"
    WORDING_REVIEW_DUE = "wording_review_due"

    @property
    def label(self) -> str:
        """Say what this kind tells a person, as the preferences page lists it."""
        return KIND_LABELS[self]

    @property
    def board_page(self) -> bool:
        """Return whether the notification opens the board's page of the version."""
        return self in BOARD_KINDS


KIND_LABELS = MappingProxyType(
    {
        NotificationKind.SUBMITTED: "A version is submitted for review",
        NotificationKind.ASSIGNED: "A version is assigned to you",
        NotificationKind.CHANGES_REQUESTED: "Changes are requested on your version",
        NotificationKind.REJECTED: "Your version is rejected",
        NotificationKind.AWAITING_SIGNATURE: "A version awaits your signature",
        NotificationKind.QUORUM_REACHED: "A version you wrote or approved reaches quorum",
        NotificationKind.OBJECTION: "A board member objects to a version you wrote or approved",
        NotificationKind.COMMENT: "Someone comments on a version you wrote or review",
        NotificationKind.PATIENT_WORDING_STALE: "Patient wording may lag new clinician wording",
        NotificationKind.REVIEW_DUE: "A pending version is past its due date",
        NotificationKind.WITHDRAWAL: "Published wording is withdrawn or an article retracted",
        NotificationKind.COUNTERSIGN_OVERDUE: "A withdrawal still waits for the board's "
        "countersignature past its deadline",
        NotificationKind.RE_REVIEW: "Published wording awaits your re-review signature",
        NotificationKind.RE_REVIEWED: "Wording you wrote or re-reviewed is re-certified",
        NotificationKind.SENT_FOR_REVISION: "Published wording is sent for revision",
        NotificationKind.WORDING_REVIEW_DUE: "Published wording becomes review due",
    }
)

# The board signs and objects on its own page of a version; everyone else reviews on the
# review screen.
BOARD_KINDS = frozenset({NotificationKind.AWAITING_SIGNATURE, NotificationKind.RE_REVIEW})

# How many notifications one page of the inbox lists.
INBOX_PAGE_SIZE = 30


def version_link(kind: NotificationKind, version_id: int) -> str:
    """Return the path of the page a notification about `version_id` opens."""
    if kind.board_page:
        return f"/board/versions/{version_id}"
    return f"/review/versions/{version_id}"


def withdrawal_link(withdrawal_id: int) -> str:
    """Return the path of the board's page of one withdrawal or retraction."""
    return f"/board/withdrawals/{withdrawal_id}"
