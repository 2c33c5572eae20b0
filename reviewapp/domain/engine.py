"""The workflow engine: the one way a version moves from one state to another.

Every move is a row of `reviewapp.rules.states.TRANSITIONS`. `transition()` checks the row,
the role, "not on your own version", the signer's independence and declaration of interests
(`_refusal`, which the offered buttons and the pages' reasons ask too), the required reason
and the action's own precondition;
takes the locks in the one order (domain/locks.py); assigns the state;
writes the trace row and the audit event; bumps the article's public revision; publishes on
Approved, takes wording off the page on Withdrawn and puts a reinstated version back; and
takes the system moves that follow (quorum). `Version.state` cannot be set anywhere else.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from reviewapp.domain import (
    assignments,
    audit,
    checkpoints,
    declarations,
    integrity,
    part_chains,
    review_rounds,
    signatures,
)
from reviewapp.domain.errors import (
    IntegrityRefused,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    on_version,
    require_fits,
)
from reviewapp.domain.locks import lock_version
from reviewapp.extensions import db
from reviewapp.models import Comment, User, Version, VersionTransition
from reviewapp.models.version import engine_assignment
from reviewapp.rules import limits
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import (
    TRANSITIONS,
    Action,
    Audience,
    Role,
    State,
    System,
    Transition,
    actions_from,
    transition_for,
)

PUBLISH_EVENT = TRANSITIONS[(State.AWAITING_SIGNOFF, Action.QUORUM)].event
OWN_VERSION = "Nobody reviews, approves or signs a version they authored."
SYSTEM_MOVE = "'{action}' is taken by the system, never by a person's request."


@dataclass
class Recorded:
    """What a move's own preparation adds to its audit event (a signature, an objection)."""

    target: tuple[str, int | None] | None = None
    details: dict[str, Any] = field(default_factory=dict)


# An action's preparation runs once the row is checked and the version locked: it may refuse
# (raise a DomainError) or create the rows the move records, and says what the event adds.
Prepare = Callable[[Version], Recorded]


def reason_field(action: Action) -> str:
    """Return the name of the input that carries a move's reason."""
    return "reason" if action in (Action.OBJECT, Action.WITHDRAW) else "comment"


def unresolved_comments(version: Version) -> int:
    """Return how many comments on this exact version are still open."""
    return db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.version_id == version.id, Comment.resolved_at.is_(None)
        )
    )


def _never_yours(actor: User, action: Action) -> str | None:
    """Return why `actor` may never take `action`, whatever the state, or None."""
    takers = {row.who for row in TRANSITIONS.values() if row.action is action}
    if takers == {System.ENGINE}:
        return SYSTEM_MOVE.format(action=action.label)
    if not any(actor.has_role(who) for who in takers if isinstance(who, Role)):
        roles = " or ".join(sorted(who.label for who in takers if isinstance(who, Role)))
        return f"Only a {roles} can {action.label} a version."
    return None


def _refusal(actor: User | None, version: Version, row: Transition) -> str | None:
    """Return why `actor` may not take `row` on `version`, or None if they may."""
    if isinstance(row.who, System):
        return SYSTEM_MOVE.format(action=row.action.label)
    if actor is None or not actor.is_active:
        return "Sign in with an active account first."
    if not actor.has_role(row.who):
        return f"Only a {row.who.label} can {row.action.label} a version."
    if version.author_id == actor.id and row.action not in ANY_AUTHOR_MAY:
        return OWN_VERSION
    if row.action is Action.SIGN and (why := signatures.why_not_independent(actor, version)):
        return why
    if why := review_rounds.conflict(version, row) or review_rounds.why_not_yours(
        actor, version, row
    ):
        return why
    # Approving and signing need a current declaration of interests, and a recusal or a
    # justification where it names an interest in the article's specialty.
    return declarations.why_not_declared(actor, version, row.action)


def allowed_actions(
    actor: User | None, version: Version, among: Collection[Action] | None = None
) -> list[Action]:
    """Return the moves `actor` may ask for on `version` now (of `among`), in the table's order."""
    state = version.workflow_state
    return [
        action
        for action in actions_from(state)
        if (among is None or action in among)
        and _refusal(actor, version, transition_for(state, action)) is None
    ]


def can_take(actor: User | None, version: Version, action: Action) -> bool:
    """Return whether `actor` may ask for `action` on `version` in its present state."""
    row = transition_for(version.workflow_state, action)
    return row is not None and _refusal(actor, version, row) is None


def why_not(actor: User | None, version: Version, action: Action) -> str | None:
    """Return why `actor` may not ask for `action` on `version` now, or None if they may:
    what `transition` would answer, for pages to say before anyone tries."""
    if actor is None or not actor.is_active:
        return "Sign in with an active account first."
    if (never := _never_yours(actor, action)) is not None:
        return never
    row = transition_for(version.workflow_state, action)
    if row is None:
        why = NOT_NOW.get(action) or f"it cannot be sent to '{action.label}'"
        return f"Version {version.number} is {version.workflow_state.label}: {why}."
    return _refusal(actor, version, row)


def _check_approval(version: Version, context: dict) -> None:
    if open_count := unresolved_comments(version):
        plural = open_count > 1
        raise TransitionNotAllowed(
            f"{open_count} comment{'s are' if plural else ' is'} still unresolved on version "
            f"{version.number}: resolve {'them' if plural else 'it'} before approving.",
            **context,
        )


# Moves that record a row of their own (a signature, an objection): only their operation,
# which creates that row in `prepare`, may take them.
RECORDED_BY_OPERATION = {
    Action.SIGN: "A signature is given on the sign-off form, with your password.",
    Action.OBJECT: "An objection is made on the board's objection form, with a reason.",
    Action.WITHDRAW: "Wording is withdrawn on the withdrawal form, with a public reason.",
}

# Taking published wording down reviews nothing: its own author may ask for it too, and the
# board's countersignature is the independent check (domain/withdrawals.py).
ANY_AUTHOR_MAY = frozenset({Action.WITHDRAW})

# What the board is told when a version is not at the step its move needs.
NOT_NOW = {
    Action.SIGN: "only a version a medical editor has approved can be signed",
    Action.OBJECT: "only a version awaiting board sign-off, or published wording, can be "
    "objected to",
    Action.WITHDRAW: "only published wording can be withdrawn",
}

# The precondition a move has beyond its row, checked under the lock.
PRECONDITIONS: dict[Action, Callable[[Version, dict], None]] = {Action.APPROVE: _check_approval}


def transition(
    actor: User,
    version: Version,
    action: Action,
    comment: str = "",
    *,
    prepare: Prepare | None = None,
) -> Version:
    """Take one move a person asked for on `version`, or refuse it and change nothing."""
    row = transition_for(version.workflow_state, action)
    context = on_version((row.event if row else "") or f"version.{action.value}", version)
    version = lock_version(version)
    state = version.workflow_state
    if (refused := _never_yours(actor, action)) is not None:
        raise PermissionDenied(refused, **context)
    row = transition_for(state, action)
    if row is None:
        possible = ", ".join(a.label for a in allowed_actions(actor, version)) or "none"
        why = NOT_NOW.get(action) or (
            f"it cannot be sent to '{action.label}' (possible now: {possible})"
        )
        raise TransitionNotAllowed(f"Version {version.number} is {state.label}: {why}.", **context)
    if (conflict := review_rounds.conflict(version, row)) is not None:
        raise TransitionNotAllowed(conflict, **context)
    if (refused := _refusal(actor, version, row)) is not None:
        raise PermissionDenied(refused, **context)
    if action in RECORDED_BY_OPERATION and prepare is None:
        raise TransitionNotAllowed(RECORDED_BY_OPERATION[action], **context)
    comment = comment.strip()
    require_fits(
        reason_field(action), comment, limits.FIELD_LIMITS[reason_field(action)], **context
    )
    if row.reason_required and not comment:
        raise ValidationError(
            f"Say why: a {reason_field(action)} is required to {action.label}.",
            field=reason_field(action),
            **context,
        )
    if (precondition := PRECONDITIONS.get(action)) is not None:
        precondition(version, context)
    recorded = prepare(version) if prepare else Recorded()
    now = utcnow()
    _move(actor, version, row, comment, now, recorded)
    if action is Action.SIGN and state is State.AWAITING_SIGNOFF:
        _complete_quorum(actor, version, now)
    elif action is Action.SIGN and review_rounds.is_open(version):
        _complete_re_review(actor, version, now)
    return version


def supersede(actor: User, previous: Version, successor: Version) -> None:
    """Mark a pending version Superseded by the one just submitted on top of it (system move)."""
    previous = lock_version(previous)
    row = transition_for(previous.workflow_state, Action.SUPERSEDE)
    if row is None:
        return
    _move(
        actor,
        previous,
        row,
        f"Superseded by version {successor.number}.",
        utcnow(),
        Recorded(details={"superseded_by": successor.id}),
    )


def reinstate(actor: User, previous: Version, withdrawn: Version, now: datetime) -> None:
    """Show `previous` again in place of the version just withdrawn (a system move)."""
    previous = lock_version(previous)
    row = transition_for(previous.workflow_state, Action.REINSTATE)
    if row is None:
        raise TransitionNotAllowed(
            f"Version {previous.number} is {previous.workflow_state.label}: only an approved "
            "version can be reinstated.",
            **on_version(TRANSITIONS[(State.APPROVED, Action.REINSTATE)].event, previous),
        )
    _move(
        actor,
        previous,
        row,
        f"Reinstated after version {withdrawn.number} was withdrawn.",
        now,
        Recorded(details={"withdrawn_version_id": withdrawn.id}),
    )


def _complete_quorum(actor: User, version: Version, now: datetime) -> None:
    required = part_chains.required_signoffs(version)
    counted = signatures.quorum_count(version)
    if counted < required:
        return
    reached = f"{required} board sign-off{'s' if required > 1 else ''} reached."
    row = transition_for(version.workflow_state, Action.QUORUM)
    _move(actor, version, row, reached, now, Recorded(details={"signoffs": counted}))


def _complete_re_review(actor: User, version: Version, now: datetime) -> None:
    required = part_chains.required_signoffs(version)
    counted = signatures.quorum_count(version, round_number=version.review_round)
    if counted < required:
        return
    reached = f"{required} board re-review sign-off{'s' if required > 1 else ''}: no change."
    row = transition_for(version.workflow_state, Action.RE_CERTIFY)
    _move(actor, version, row, reached, now, Recorded(details={"signoffs": counted}))


def _move(
    actor: User, version: Version, row: Transition, comment: str, now: datetime, recorded: Recorded
) -> None:
    """Make the move: state, trace row, public revision, publication and audit event."""
    before = version.state
    db.session.add(
        VersionTransition(
            version_id=version.id,
            actor_id=actor.id,
            action=row.action.value,
            from_state=before,
            to_state=row.target.value,
            comment=comment,
            created_at=now,
        )
    )
    if row.target.value != before:
        with engine_assignment():
            version.state = row.target.value
        version.state_changed_at = now
        if row.target is State.AWAITING_SIGNOFF:
            version.due_at = assignments.signoff_due(version.article, now)
    if row.target is State.APPROVED and row.source is not State.APPROVED:
        _publish(version, now)
    elif row.target is State.WITHDRAWN:
        _unpublish(version)
    elif row.action is Action.REINSTATE:
        _republish(version)
    # A re-review's round, its last-reviewed date, or review due with the reason it was sent
    # back for revision.
    recorded.details |= review_rounds.take_effect(version, row, comment, now)
    # Wording shows on the page while pending (under caution) and in the status strip; a
    # part changes the page only when it is published, which part_chains records itself.
    if version.is_wording:
        version.article.mark_public_change(now)
    db.session.flush()
    if row.action is Action.START_REVIEW:
        # The one place starting review claims unheld work for the editor who started it;
        # the claim is on the trail just before the step it came with.
        assignments.claim_on_start(actor, version, now)
    after = {"state": row.target.value, "content_hash": version.content_hash}
    if comment:
        after[reason_field(row.action)] = comment
    audit.record(
        actor,
        row.event,
        target=recorded.target or ("version", version.id),
        article_id=version.article_id,
        version=version,
        before={"state": before, "version_id": version.id},
        after=after | {"kind": version.kind} | recorded.details,
        at=now,
    )
    if row.target is State.APPROVED and row.source is not State.APPROVED:
        # Sign the chain's head, this publication's own event included.
        checkpoints.record_checkpoint(now)


def _wording_pointer(version: Version) -> str:
    """Return the section's column that names the wording readers see of this audience."""
    if version.audience_enum is Audience.CLINICIAN:
        return "published_clinician_id"
    return "published_patient_id"


def _unpublish(version: Version) -> None:
    """Take withdrawn wording off the page: its section then publishes nothing for that
    audience (the page shows the withdrawal notice) until a reinstatement or an approval."""
    attribute = _wording_pointer(version)
    if getattr(version.section, attribute) == version.id:
        setattr(version.section, attribute, None)


def _republish(version: Version) -> None:
    """Publish a reinstated version again, once its text is checked against its hash."""
    if (problem := integrity.version_problem(version)) is not None:
        raise IntegrityRefused(
            f"Version {version.number} was not reinstated: {problem}. "
            "Ask an admin to check the record.",
            **on_version(TRANSITIONS[(State.APPROVED, Action.REINSTATE)].event, version),
        )
    setattr(version.section, _wording_pointer(version), version.id)


def _publish(version: Version, now: datetime) -> None:
    """Make an approved version what readers see of its part, unless a newer one already is.

    Its stored text is checked against its content hash first: what was signed is what
    gets published, or nothing is.
    """
    if (problem := integrity.version_problem(version)) is not None:
        raise IntegrityRefused(
            f"Version {version.number} was not published: {problem}. "
            "The board's signatures stand for the text as it was signed; "
            "ask an admin to check the record.",
            **on_version(PUBLISH_EVENT, version),
        )
    version.approved_at = now
    version.last_reviewed_at = now
    if not version.is_wording:
        part_chains.publish(version, now)
        return
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
        if current is not None and review_rounds.is_open(current):
            # Replaced on the page: its re-review has nothing left to re-certify.
            review_rounds.end_re_review(current)
    setattr(section, attribute, version.id)
