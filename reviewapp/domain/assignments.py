"""Who holds a pending version, and when the step it waits for is due.

An editor claims a submitted or under-review version, or assigns it to another editor;
reassigning someone else's claim and releasing one are audited with the previous holder.
Starting review on an unassigned version claims it (the engine calls `claim_on_start`).
A version is due `days_to_first_review` after it is submitted and `days_to_signoff` after it
reaches the board, from the article's approved review settings (site texts: the defaults).
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from reviewapp.domain import audit, part_chains
from reviewapp.domain.errors import PermissionDenied, TransitionNotAllowed, on_version
from reviewapp.domain.locks import lock_version
from reviewapp.extensions import db
from reviewapp.models import Article, User, UserRole, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import PENDING_STATES, Role, State

CLAIM = "version.claim"
ASSIGN = "version.assign"
RELEASE = "version.release"
# Only an editor's work is held: once approved, the version waits on the board as a whole.
ASSIGNABLE_STATES = frozenset({State.SUBMITTED, State.UNDER_REVIEW})


def first_review_due(article: Article | None, now: datetime) -> datetime:
    """Return when an editor's first decision on a version submitted `now` is due."""
    return now + timedelta(days=part_chains.review_days(article)[0])


def signoff_due(article: Article | None, now: datetime) -> datetime:
    """Return when the board's sign-off of a version approved by an editor `now` is due."""
    return now + timedelta(days=part_chains.review_days(article)[1])


def is_overdue(version: Version, now: datetime | None = None) -> bool:
    """Return whether a pending version's due date has passed."""
    return (
        version.due_at is not None
        and version.workflow_state in PENDING_STATES
        and version.due_at < (now or utcnow())
    )


def can_hold(user: User | None, version: Version) -> bool:
    """Return whether `user` may hold `version`: an active editor who did not write it."""
    return (
        user is not None
        and user.is_active
        and user.has_role(Role.EDITOR)
        and version.author_id != user.id
    )


def assignable_editors(version: Version) -> list[User]:
    """Return every account that may hold `version`, by name (one query)."""
    editors = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EDITOR.value, User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()
    return [user for user in editors if user.id != version.author_id]


def claim(actor: User, version: Version) -> Version:
    """Take a pending, unheld version as the acting editor's own work."""
    context = on_version(CLAIM, version)
    _require_editor(actor, "claim", context)
    version = _lock_assignable(version, context)
    if version.author_id == actor.id:
        raise PermissionDenied("Nobody reviews a version they authored.", **context)
    if version.assignee_id == actor.id:
        raise TransitionNotAllowed(
            f"Version {version.number} is already yours to review.", **context
        )
    if version.assignee_id is not None:
        raise TransitionNotAllowed(
            f"Version {version.number} is held by {version.assignee.printed_name}: "
            "to take it over, assign it to yourself.",
            **context,
        )
    _hold(actor, version, actor, CLAIM, utcnow())
    return version


def assign(actor: User, version: Version, assignee: User | None) -> Version:
    """Give a pending version to an editor, taking it from whoever holds it."""
    context = on_version(ASSIGN, version)
    _require_editor(actor, "assign", context)
    version = _lock_assignable(version, context)
    if assignee is None or not assignee.is_active or not assignee.has_role(Role.EDITOR):
        raise TransitionNotAllowed(
            "A version can be assigned only to an active medical editor.", **context
        )
    if version.author_id == assignee.id:
        raise TransitionNotAllowed(
            f"{assignee.printed_name} wrote version {version.number}: "
            "nobody reviews a version they authored.",
            **context,
        )
    if version.assignee_id == assignee.id:
        raise TransitionNotAllowed(
            f"Version {version.number} is already assigned to {assignee.printed_name}.",
            **context,
        )
    _hold(actor, version, assignee, ASSIGN, utcnow())
    return version


def release(actor: User, version: Version) -> Version:
    """Give up the hold on a pending version, so that any editor may claim it."""
    context = on_version(RELEASE, version)
    _require_editor(actor, "release", context)
    version = _lock_assignable(version, context)
    if version.assignee_id is None:
        raise TransitionNotAllowed(
            f"Version {version.number} is not assigned to anyone.", **context
        )
    _hold(actor, version, None, RELEASE, utcnow())
    return version


def claim_on_start(actor: User, version: Version, now: datetime) -> None:
    """Claim an unheld version for the editor starting its review (called by the engine)."""
    if version.assignee_id is None:
        _hold(actor, version, actor, CLAIM, now)


def _require_editor(actor: User | None, verb: str, context: dict) -> None:
    if actor is None or not actor.is_active:
        raise PermissionDenied("Sign in with an active account first.", **context)
    if not actor.has_role(Role.EDITOR):
        raise PermissionDenied(f"Only a medical editor can {verb} a version.", **context)


def _lock_assignable(version: Version, context: dict) -> Version:
    version = lock_version(version)
    if version.workflow_state not in ASSIGNABLE_STATES:
        raise TransitionNotAllowed(
            f"Version {version.number} is {version.workflow_state.label}: only a submitted "
            "version or one under review is held by an editor.",
            **context,
        )
    return version


def _holder(user: User | None) -> dict[str, Any]:
    return {
        "assignee_id": user.id if user is not None else None,
        "assignee": user.printed_name if user is not None else None,
    }


def _hold(actor: User, version: Version, holder: User | None, action: str, now: datetime) -> None:
    previous = version.assignee
    version.assignee = holder
    version.assigned_at = now if holder is not None else None
    db.session.flush()
    audit.record(
        actor,
        action,
        target=("version", version.id),
        article_id=version.article_id,
        before={"version_id": version.id, **_holder(previous)},
        after={"number": version.number, "kind": version.kind, **_holder(holder)},
        at=now,
    )
