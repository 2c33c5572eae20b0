"""Move versions through the review workflow."""

from datetime import datetime

from sqlalchemy import func, select

from reviewapp.domain import audit
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    on_version,
)
from reviewapp.extensions import db
from reviewapp.models import Comment, User, Version, VersionTransition
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, State, allowed_actions, transition_for


def move(
    version: Version, actor: User, step: str, target: State, comment: str, now: datetime
) -> None:
    """Set a version's state and record the step: the one place a state is assigned.

    Callers have checked that the step is allowed; this only makes it and keeps its trace.
    """
    db.session.add(
        VersionTransition(
            version_id=version.id,
            actor_id=actor.id,
            action=step,
            from_state=version.state,
            to_state=target.value,
            comment=comment,
            created_at=now,
        )
    )
    version.state = target.value
    version.state_changed_at = now


def lock_version(version: Version) -> Version:
    """Reload the version under a row lock so racing requests see each other's state."""
    audit.serialize_writes()
    locked = db.session.scalar(
        select(Version)
        .where(Version.id == version.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None  # noqa: S101 - the caller loaded it in this transaction
    return locked


def unresolved_comments(version: Version) -> int:
    """Return how many comments on this exact version are still open."""
    return db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.version_id == version.id, Comment.resolved_at.is_(None)
        )
    )


def actions_for(actor: User | None, version: Version) -> list[Action]:
    """Return the actions `actor` may take on `version` now (for buttons and API hints)."""
    if actor is None or not actor.is_active or version.author_id == actor.id:
        return []
    state = version.workflow_state
    return [
        action
        for action in allowed_actions(state)
        if actor.has_role(transition_for(state, action).role)
    ]


def apply_action(actor: User, version: Version, action: Action, comment: str = "") -> Version:
    """Take one workflow step on a version, or refuse it and change nothing."""
    name = f"version.{action.value}"
    context = on_version(name, version)
    version = lock_version(version)
    state = version.workflow_state
    transition = transition_for(state, action)
    if transition is None:
        possible = ", ".join(a.value.replace("_", " ") for a in allowed_actions(state)) or "none"
        raise TransitionNotAllowed(
            f"Version {version.number} is {state.label}: it cannot be sent to "
            f"'{action.value.replace('_', ' ')}' (possible now: {possible}).",
            **context,
        )
    if not actor.has_role(transition.role):
        raise PermissionDenied(
            f"Only a {transition.role.label} can {action.value.replace('_', ' ')} a version.",
            **context,
        )
    if version.author_id == actor.id:
        raise PermissionDenied(
            "Nobody reviews, approves or signs a version they authored.", **context
        )
    comment = comment.strip()
    if action is Action.APPROVE and (open_count := unresolved_comments(version)):
        plural = open_count > 1
        raise TransitionNotAllowed(
            f"{open_count} comment{'s are' if plural else ' is'} still unresolved on version "
            f"{version.number}: resolve {'them' if plural else 'it'} before approving.",
            **context,
        )
    if transition.comment_required and not comment:
        raise ValidationError(
            f"Say why: a comment is required to {action.value.replace('_', ' ')}.", **context
        )

    now = utcnow()
    move(version, actor, action.value, transition.target, comment, now)
    if transition.target is State.APPROVED:
        publish(version, now)
    version.section.article.mark_public_change(now)
    audit.record(
        actor,
        name,
        target=("version", version.id),
        article_id=version.section.article_id,
        before={"state": state.value},
        after={
            "state": transition.target.value,
            "content_hash": version.content_hash,
            "comment": comment,
        },
        at=now,
    )
    return version


def publish(version: Version, now: datetime) -> None:
    """Make an approved version the section's published wording unless a newer one already is."""
    version.approved_at = now
    section = version.section
    attribute = (
        "published_clinician_id"
        if version.audience_enum is Audience.CLINICIAN
        else "published_patient_id"
    )
    current_id = getattr(section, attribute)
    if current_id is not None:
        current = db.session.get(Version, current_id)
        if current is not None and current.number > version.number:
            return
    setattr(section, attribute, version.id)
