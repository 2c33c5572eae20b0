"""What a re-review move checks and changes on a version, for the engine to apply.

A re-review is no state: the wording stays Approved, and published, throughout. The version
records its signing round (`review_round`: 0 for the approval, N for the Nth re-review) and
whether that re-review is open (`re_review_opened_at`); its moves are trace rows like every
other. This module moves nothing itself: the engine (domain/engine.py) asks it why a move
may not be taken now and applies the move's effects inside the one transition.
"""

from datetime import datetime

from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Signoff, User, Version
from reviewapp.rules.re_reviews import APPROVAL_ROUND
from reviewapp.rules.states import Action, Role, State, Transition

# Moves that touch a published version's review, not its workflow state.
GUARDED = frozenset({Action.OPEN_RE_REVIEW, Action.SEND_FOR_REVISION, Action.OBJECT})
# Taken by an editor, who then counts as a reviewer of the version (domain/signatures.py).
EDITORS_MOVES = frozenset({Action.OPEN_RE_REVIEW, Action.SEND_FOR_REVISION})
SENT_FOR_REVISION = "sent for revision"


def is_open(version: Version) -> bool:
    """Return whether a re-review of `version` waits for the board's signatures."""
    return version.re_review_opened_at is not None


def signing_round(version: Version) -> int:
    """Return the round a signature on `version` is given in now."""
    return version.review_round if is_open(version) else APPROVAL_ROUND


def _guarded(row: Transition) -> bool:
    return row.source is State.APPROVED and row.action in GUARDED


def conflict(version: Version, row: Transition) -> str | None:
    """Return why the re-review move `row` cannot be taken on `version` now, or None."""
    if not _guarded(row):
        return None
    if not version.is_wording:
        return (
            f"Only published wording is re-reviewed or sent for revision; version "
            f"{version.number} is the {version.kind_enum.label}: propose a new version instead."
        )
    if version.section.published_id(version.audience_enum) != version.id:
        return (
            f"Version {version.number} is no longer the published wording: only what readers "
            "see now is re-reviewed or sent for revision."
        )
    if row.action is Action.OPEN_RE_REVIEW and is_open(version):
        return (
            f"A re-review of version {version.number} is already open: the board signs it, "
            "or it is sent for revision."
        )
    return None


def why_not_yours(actor: User, version: Version, row: Transition) -> str | None:
    """Return why `actor` may not take the editor's re-review move `row`, or None: whoever
    signed the version as a board member cannot also stand as its re-reviewing editor."""
    if not _guarded(row) or row.action not in EDITORS_MOVES or not actor.has_role(Role.BOARD):
        return None
    signed = db.session.scalar(
        select(Signoff.id)
        .where(Signoff.version_id == version.id, Signoff.signer_id == actor.id)
        .limit(1)
    )
    if signed is None:
        return None
    return (
        f"You signed version {version.number} as a board member: its re-review needs an "
        "editor independent of its signatures."
    )


def flag_review_due(version: Version, reason: str, now: datetime) -> None:
    """Make published wording review due now, whatever its date, saying why."""
    if version.review_due_since is None:
        version.review_due_since = now
    version.review_due_reason = reason


def end_re_review(version: Version) -> dict:
    """Close an open re-review that can no longer be signed: the version is no longer what
    readers see (replaced by a newer approval, or taken down)."""
    closed = version.review_round
    version.re_review_opened_at = None
    return {"closed_round": closed}


def take_effect(version: Version, row: Transition, comment: str, now: datetime) -> dict:
    """Apply what a re-review move changes on `version`; return what its event records."""
    if row.source is State.APPROVED and row.target is not State.APPROVED and is_open(version):
        # Taken down (withdrawn): nothing is left to re-certify.
        return end_re_review(version)
    if row.action is Action.OPEN_RE_REVIEW:
        version.review_round += 1
        version.re_review_opened_at = now
        return {"round": version.review_round}
    if row.action is Action.RE_CERTIFY:
        version.re_review_opened_at = None
        version.last_reviewed_at = now
        version.review_due_since = None
        version.review_due_reason = None
        return {"round": version.review_round, "last_reviewed_at": now.isoformat()}
    if _guarded(row):  # sent for revision, by an editor or a board member
        closed = version.review_round if is_open(version) else None
        version.re_review_opened_at = None
        flag_review_due(version, f"{SENT_FOR_REVISION}: {comment}", now)
        return {"closed_round": closed, "review_due_reason": version.review_due_reason}
    return {}
