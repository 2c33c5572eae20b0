"""Board sign-off: electronic signatures with password re-entry, quorum, and objections."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from reviewapp.domain import audit
from reviewapp.domain.errors import (
    PermissionDenied,
    TooManyAttempts,
    TransitionNotAllowed,
    ValidationError,
    on_version,
)
from reviewapp.domain.workflow import lock_version, move, publish
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Objection, Signoff, User, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Role, State

MEANINGS = ("Approved for publication", "Reviewed, no objection")
SIGNER_ROLE = "Medical Advisory Board member"
SIGN = "signoff.sign"
OBJECT = "signoff.object"
WRONG_PASSWORD = "Wrong password: the signature was not recorded."  # noqa: S105 - a message
LOCK_AFTER_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)
# An extra signature after quorum is still a signature; nothing else can be signed.
SIGNABLE_STATES = frozenset({State.AWAITING_SIGNOFF, State.APPROVED})


def signing_locked_until(actor: User, now: datetime | None = None) -> datetime | None:
    """Return when signing unlocks after repeated wrong passwords, or None if it is open."""
    now = now or utcnow()
    failures = db.session.scalars(
        select(AuditEvent.occurred_at)
        .where(
            AuditEvent.actor_id == actor.id,
            AuditEvent.action == SIGN,
            AuditEvent.outcome == audit.REFUSED,
            AuditEvent.message == WRONG_PASSWORD,
            AuditEvent.occurred_at > now - LOCK_WINDOW,
        )
        .order_by(AuditEvent.occurred_at.desc())
        .limit(LOCK_AFTER_FAILURES)
    ).all()
    if len(failures) < LOCK_AFTER_FAILURES:
        return None
    return failures[-1] + LOCK_WINDOW


def quorum_count(version: Version) -> int:
    """Return how many distinct board members signed this version's exact content hash."""
    return db.session.scalar(
        select(func.count(func.distinct(Signoff.signer_id))).where(
            Signoff.version_id == version.id, Signoff.content_hash == version.content_hash
        )
    )


def can_sign(actor: User | None, version: Version) -> bool:
    """Return whether the sign-off form should be offered to `actor` (the domain still checks)."""
    if actor is None or not actor.has_role(Role.BOARD) or version.author_id == actor.id:
        return False
    if version.workflow_state not in SIGNABLE_STATES:
        return False
    already = db.session.scalar(
        select(Signoff.id).where(Signoff.version_id == version.id, Signoff.signer_id == actor.id)
    )
    return already is None


def sign_version(actor: User, version: Version, *, password: str, meaning: str) -> Signoff:
    """Record `actor`'s signature on the version's content hash; approve it at quorum."""
    context = on_version(SIGN, version)
    if not actor.has_role(Role.BOARD):
        raise PermissionDenied("Only Medical Advisory Board members can sign.", **context)
    locked_until = signing_locked_until(actor)
    if locked_until is not None:
        raise TooManyAttempts(
            "Signing is locked after repeated wrong passwords; try again after "
            f"{locked_until:%H:%M} UTC.",
            **context,
        )
    if not actor.check_password(password):
        raise PermissionDenied(WRONG_PASSWORD, **context)
    version = lock_version(version)
    if version.author_id == actor.id:
        raise PermissionDenied(
            "Nobody reviews, approves or signs a version they authored.", **context
        )
    state = version.workflow_state
    if state not in SIGNABLE_STATES:
        raise TransitionNotAllowed(
            f"Version {version.number} is {state.label}: only a version a medical editor has "
            "approved can be signed.",
            **context,
        )
    if meaning not in MEANINGS:
        raise ValidationError(f"Choose what the signature means: {', '.join(MEANINGS)}.", **context)
    if db.session.scalar(
        select(Signoff.id).where(Signoff.version_id == version.id, Signoff.signer_id == actor.id)
    ):
        raise TransitionNotAllowed(f"You have already signed version {version.number}.", **context)

    now = utcnow()
    signoff = Signoff(
        version_id=version.id,
        signer_id=actor.id,
        printed_name=actor.printed_name,
        role=SIGNER_ROLE,
        meaning=meaning,
        content_hash=version.content_hash,
        signed_at=now,
    )
    db.session.add(signoff)
    db.session.flush()
    audit.record(
        actor,
        SIGN,
        target=("signoff", signoff.id),
        article_id=version.section.article_id,
        after={
            "version_id": version.id,
            "printed_name": signoff.printed_name,
            "role": signoff.role,
            "meaning": meaning,
            "content_hash": signoff.content_hash,
            "signed_at": now.isoformat(),
        },
        at=now,
    )
    required = version.section.article.required_signoffs
    if state is State.AWAITING_SIGNOFF and quorum_count(version) >= required:
        reached = f"{required} board sign-off{'s' if required > 1 else ''} reached."
        move(version, actor, "signoff_quorum", State.APPROVED, reached, now)
        publish(version, now)
        version.section.article.mark_public_change(now)
        audit.record(
            actor,
            "version.publish",
            target=("version", version.id),
            article_id=version.section.article_id,
            before={"state": state.value},
            after={
                "state": State.APPROVED.value,
                "content_hash": version.content_hash,
                "signoffs": quorum_count(version),
            },
            at=now,
        )
    return signoff


def object_to_version(actor: User, version: Version, reason: str) -> Objection:
    """Veto a version awaiting sign-off: it goes back to Changes requested."""
    context = on_version(OBJECT, version)
    if not actor.has_role(Role.BOARD):
        raise PermissionDenied("Only Medical Advisory Board members can object.", **context)
    version = lock_version(version)
    if version.author_id == actor.id:
        raise PermissionDenied(
            "Nobody reviews, approves or signs a version they authored.", **context
        )
    state = version.workflow_state
    if state is not State.AWAITING_SIGNOFF:
        raise TransitionNotAllowed(
            f"Version {version.number} is {state.label}: only a version awaiting board sign-off "
            "can be objected to.",
            **context,
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why: a reason is required to object.", **context)
    now = utcnow()
    objection = Objection(
        version_id=version.id,
        objector_id=actor.id,
        printed_name=actor.printed_name,
        reason=reason,
        content_hash=version.content_hash,
        objected_at=now,
    )
    db.session.add(objection)
    move(version, actor, "object", State.CHANGES_REQUESTED, reason, now)
    version.section.article.mark_public_change(now)
    db.session.flush()
    audit.record(
        actor,
        OBJECT,
        target=("version", version.id),
        article_id=version.section.article_id,
        before={"state": state.value, "signoffs": quorum_count(version)},
        after={"state": State.CHANGES_REQUESTED.value, "reason": reason},
        at=now,
    )
    return objection
