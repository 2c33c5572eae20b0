"""Who hears of what: notifications derived from audit events (issue #15, part 2).

`audit.record` calls `follow` for every change it records, in the change's own transaction:
a change rolled back notifies no one. Each rule below names who hears of one kind of event;
`follow` writes their notifications and, for everyone who keeps email on for that kind, the
outbox message a worker sends later (domain/outbox.py). A rule costs a few queries whatever
the size of the catalogue, and an action with no rule costs none.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from reviewapp.domain import audit
from reviewapp.domain.signatures import reviewed_by
from reviewapp.extensions import db
from reviewapp.models import (
    AuditEvent,
    Comment,
    Notification,
    NotificationPreference,
    OutboxMessage,
    User,
    UserRole,
    Version,
    VersionTransition,
)
from reviewapp.models.notification import PENDING
from reviewapp.rules.clock import utcnow
from reviewapp.rules.notifications import NotificationKind, version_link, withdrawal_link
from reviewapp.rules.re_reviews import SOURCE_RETRACTED, review_due_on
from reviewapp.rules.states import PENDING_STATES, REVIEW_ACTIONS, Action, Audience, Role, State

PREFERENCES_CHANGED = "notification.preferences"
REVIEW_DUE = "version.due"
MESSAGE_LIMIT = 600
SUBJECT_LIMIT = 300
QUOTE_LIMIT = 200
_EDITORIAL_STEPS = [action.value for action in REVIEW_ACTIONS]
# A chain's previous version in these states was still an editor's work when it was followed.
RESUBMITTED = frozenset({State.CHANGES_REQUESTED, State.SUPERSEDED})


@dataclass(frozen=True)
class Notice:
    """One kind of notification, what it says, and who receives it."""

    kind: NotificationKind
    recipients: frozenset[int]
    message: str
    # The page it opens, when that is not its version's (a withdrawal's own page).
    link: str = ""


@dataclass(frozen=True)
class Happening:
    """An event as the rules read it: the version it is about and its recorded details."""

    event: AuditEvent
    # None only for the events of ABOUT_NO_VERSION.
    version: Version | None
    actor: User | None
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def actor_name(self) -> str:
        return self.actor.printed_name if self.actor is not None else "The system"


def describe(version: Version) -> str:
    """Name a version as every page does: its part's title and "Version N"."""
    if version.is_wording:
        part = f"“{version.heading}” ({version.audience} wording)"
    else:
        part = f"“{version.heading}” ({version.kind_enum.label})"
    return f"{part}, Version {version.number}"


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1] + "…"
    return f"“{text}”"


def _people(*ids: int | None) -> frozenset[int]:
    return frozenset(person for person in ids if person is not None)


def active_editors() -> frozenset[int]:
    """Return the ids of every active medical editor (one query)."""
    # There is no per-article list of editors: every editor shares one queue.
    return frozenset(
        db.session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.EDITOR.value, User.active.is_(True))
        )
    )


def _approver(version: Version) -> int | None:
    """Return the editor whose approval sent `version` to the board (one query)."""
    return db.session.scalar(
        select(VersionTransition.actor_id)
        .where(
            VersionTransition.version_id == version.id,
            VersionTransition.action == Action.APPROVE.value,
        )
        .order_by(VersionTransition.id.desc())
        .limit(1)
    )


def _reviewers(version: Version) -> frozenset[int]:
    """Return who reviewed this version or the one it replaced: editors' steps, the holder,
    and every commenter but the author (two queries)."""
    versions = [version.id] if version.parent_id is None else [version.id, version.parent_id]
    stepped = db.session.scalars(
        select(VersionTransition.actor_id).where(
            VersionTransition.version_id.in_(versions),
            VersionTransition.action.in_(_EDITORIAL_STEPS),
        )
    )
    commented = db.session.scalars(
        select(Comment.author_id).where(Comment.version_id.in_(versions))
    )
    people = {*stepped, *commented, version.assignee_id}
    people.discard(version.author_id)
    return _people(*people)


def _signers(version: Version) -> frozenset[int]:
    """Return the active board members independent enough to sign `version` (one query).

    The condition is the one `signatures.why_not_independent` and the quorum count apply:
    not its author, and no editor's step or comment in its editorial review.
    """
    query = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.BOARD.value,
            User.active.is_(True),
            ~reviewed_by(User.id, version.id),
        )
    )
    if version.author_id is not None:
        query = query.where(User.id != version.author_id)
    return frozenset(db.session.scalars(query))


# --- The rules: one per action that notifies anyone --------------------------------------


def _submitted(happening: Happening) -> list[Notice]:
    version = happening.version
    holder = version.assignee
    parent = version.parent
    if holder is None and parent is not None and parent.workflow_state in RESUBMITTED:
        # The editor who held the version this one answers, or replaces, waits for it.
        holder = parent.assignee
    held = holder is not None and holder.is_active
    recipients = _people(holder.id) if held else active_editors()
    return [
        Notice(
            NotificationKind.SUBMITTED,
            recipients,
            f"Submitted for review by {happening.actor_name}: {describe(version)}.",
        )
    ]


def _assigned(happening: Happening) -> list[Notice]:
    return [
        Notice(
            NotificationKind.ASSIGNED,
            _people(happening.after.get("assignee_id")),
            f"{happening.actor_name} assigned you {describe(happening.version)}.",
        )
    ]


def _decided(kind: NotificationKind, verb: str) -> Callable[[Happening], list[Notice]]:
    def rule(happening: Happening) -> list[Notice]:
        reason = happening.after.get("comment", "")
        message = f"{happening.actor_name} {verb} {describe(happening.version)}"
        return [
            Notice(
                kind,
                _people(happening.version.author_id),
                f"{message}: {_quoted(reason)}" if reason else f"{message}.",
            )
        ]

    return rule


def _approved_by_editor(happening: Happening) -> list[Notice]:
    version = happening.version
    return [
        Notice(
            NotificationKind.AWAITING_SIGNATURE,
            _signers(version),
            f"Awaiting your signature: {describe(version)}, approved by {happening.actor_name}.",
        )
    ]


def _quorum_reached(happening: Happening) -> list[Notice]:
    version = happening.version
    notices = [
        Notice(
            NotificationKind.QUORUM_REACHED,
            _people(version.author_id, _approver(version)),
            f"The board's quorum is reached: {describe(version)} is approved and published.",
        )
    ]
    if version.is_wording and version.audience_enum is Audience.CLINICIAN:
        notices += _patient_wording_lagging(version)
    return notices


def _patient_wording_lagging(clinician: Version) -> list[Notice]:
    """Tell whoever wrote the section's newest patient wording, and the editors, when it was
    written from a clinician version older than the one just approved (two queries)."""
    patient = db.session.scalar(
        select(Version)
        .where(
            Version.section_id == clinician.section_id,
            Version.audience == Audience.PATIENT.value,
            # A rejected or replaced draft is no one's wording any more.
            Version.state.notin_([State.REJECTED.value, State.SUPERSEDED.value]),
        )
        .order_by(Version.number.desc())
        .limit(1)
    )
    if patient is None or patient.source_clinician_id == clinician.id:
        return []
    source = (
        db.session.get(Version, patient.source_clinician_id)
        if patient.source_clinician_id is not None
        else None
    )
    if source is not None and source.number > clinician.number:
        return []
    written_from = f"clinician Version {source.number}" if source else "no clinician version"
    return [
        Notice(
            NotificationKind.PATIENT_WORDING_STALE,
            _people(patient.author_id) | active_editors(),
            f"Patient wording may be stale: {describe(patient)} was written from "
            f"{written_from}; clinician Version {clinician.number} is now published.",
        )
    ]


def _objected(happening: Happening) -> list[Notice]:
    version = happening.version
    reason = happening.after.get("reason", "")
    return [
        Notice(
            NotificationKind.OBJECTION,
            _people(version.author_id, _approver(version)),
            f"{happening.actor_name} objected to {describe(version)}: {_quoted(reason)}",
        )
    ]


def _commented(happening: Happening) -> list[Notice]:
    version = happening.version
    if happening.actor is not None and happening.actor.id == version.author_id:
        recipients = _reviewers(version)
    else:
        recipients = _people(version.author_id)
    return [
        Notice(
            NotificationKind.COMMENT,
            recipients,
            f"{happening.actor_name} commented on {describe(version)}: "
            f"{_quoted(happening.after.get('body', ''))}",
        )
    ]


def _due(happening: Happening) -> list[Notice]:
    version = happening.version
    due = happening.after.get("due_at", "")
    return [
        Notice(
            NotificationKind.REVIEW_DUE,
            active_editors(),
            f"Past its due date ({due[:10]}): {describe(version)}, "
            f"{version.workflow_state.label.lower()}.",
        )
    ]


def active_board_members() -> frozenset[int]:
    """Return the ids of every active Medical Advisory Board member (one query)."""
    return frozenset(
        db.session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.BOARD.value, User.active.is_(True))
        )
    )


def _withdrawn(happening: Happening) -> list[Notice]:
    after = happening.after
    what = after.get("what", "published wording")
    due = after.get("countersign_due_at", "")
    return [
        Notice(
            NotificationKind.WITHDRAWAL,
            active_board_members(),
            f"{happening.actor_name} {what}: {_quoted(after.get('reason', ''))}. "
            f"The board countersigns by {due[:10]}.",
            link=withdrawal_link(happening.event.target_id),
        )
    ]


def _countersign_overdue(happening: Happening) -> list[Notice]:
    after = happening.after
    return [
        Notice(
            NotificationKind.COUNTERSIGN_OVERDUE,
            active_board_members(),
            f"No board member has countersigned yet (due {after.get('countersign_due_at', '')[:10]}"
            f"): {after.get('what', 'a withdrawal')}.",
            link=withdrawal_link(happening.event.target_id),
        )
    ]


# --- Re-review and published wording review due (issue #16, parts 1, 5 and 6) ------------


def _re_review_opened(happening: Happening) -> list[Notice]:
    version = happening.version
    signed = f"{version.approved_at:%Y-%m-%d}" if version.approved_at else "its approval"
    return [
        Notice(
            NotificationKind.RE_REVIEW,
            _signers(version),
            f"Re-review awaiting your signature: {describe(version)}, unchanged since it was "
            f"signed on {signed}; opened by {happening.actor_name}.",
        )
    ]


def _re_reviewed(happening: Happening) -> list[Notice]:
    version = happening.version
    openers = db.session.scalars(
        select(VersionTransition.actor_id).where(
            VersionTransition.version_id == version.id,
            VersionTransition.action == Action.OPEN_RE_REVIEW.value,
        )
    )
    due = review_due_on(version.last_reviewed_at.date(), version.article.review_interval_months)
    return [
        Notice(
            NotificationKind.RE_REVIEWED,
            _people(version.author_id, *openers),
            f"Re-reviewed, no change: {describe(version)}; next review due {due:%Y-%m-%d}.",
        )
    ]


def _sent_for_revision(happening: Happening) -> list[Notice]:
    version = happening.version
    reason = happening.after.get("comment") or happening.after.get("reason", "")
    return [
        Notice(
            NotificationKind.SENT_FOR_REVISION,
            _people(version.author_id) | active_editors(),
            f"{happening.actor_name} sent {describe(version)} for revision: {_quoted(reason)}. "
            "It stays published, review due, until a new version is approved.",
        )
    ]


def _wording_review_due(happening: Happening) -> list[Notice]:
    version, after = happening.version, happening.after
    if after.get("reason") == SOURCE_RETRACTED:
        message = (
            f"Review due now: {describe(version)} cites a source marked retracted "
            f"([{after.get('reference_key', '')}])."
        )
    else:
        message = f"Review due since {after.get('due_on', '')}: {describe(version)}, published."
    return [
        Notice(
            NotificationKind.WORDING_REVIEW_DUE,
            active_editors() | active_board_members(),
            message,
        )
    ]


RULES: dict[str, Callable[[Happening], list[Notice]]] = {
    "version.submit": _submitted,
    "version.assign": _assigned,
    "version.request_changes": _decided(NotificationKind.CHANGES_REQUESTED, "requested changes on"),
    "version.reject": _decided(NotificationKind.REJECTED, "rejected"),
    "version.approve": _approved_by_editor,
    "version.publish": _quorum_reached,
    "signoff.object": _objected,
    "comment.create": _commented,
    REVIEW_DUE: _due,
    "withdrawal.create": _withdrawn,
    "article.retract": _withdrawn,
    "withdrawal.countersign_overdue": _countersign_overdue,
    "version.re_review_open": _re_review_opened,
    "version.re_reviewed": _re_reviewed,
    "version.send_for_revision": _sent_for_revision,
    "version.review_due": _wording_review_due,
}
# Events about a whole withdrawal or retraction, which may take down many versions or none.
ABOUT_NO_VERSION = frozenset(
    {"withdrawal.create", "article.retract", "withdrawal.countersign_overdue"}
)


# --- Writing the notifications and their mail --------------------------------------------


def _version_of(event: AuditEvent, before: dict, after: dict) -> Version | None:
    if event.target_type == "version":
        version_id = event.target_id
    else:
        version_id = before.get("version_id") or after.get("version_id")
    return db.session.get(Version, version_id) if isinstance(version_id, int) else None


def follow(event: AuditEvent) -> None:
    """Write the notifications (and outbox mail) that a recorded change calls for."""
    rule = RULES.get(event.action)
    if rule is None:
        return
    before, after = json.loads(event.before), json.loads(event.after)
    version = _version_of(event, before, after)
    if version is None and event.action not in ABOUT_NO_VERSION:
        return
    actor = db.session.get(User, event.actor_id) if event.actor_id is not None else None
    notices = rule(Happening(event, version, actor, before, after))
    # Nobody is told of what they did themselves.
    notices = [
        Notice(
            notice.kind, notice.recipients - _people(event.actor_id), notice.message, notice.link
        )
        for notice in notices
    ]
    _write(event, version, [notice for notice in notices if notice.recipients])


def _write(event: AuditEvent, version: Version | None, notices: list[Notice]) -> None:
    if not notices:
        return
    everyone = set().union(*(notice.recipients for notice in notices))
    emails = dict(
        db.session.execute(
            select(User.id, User.email).where(User.id.in_(everyone), User.active.is_(True))
        ).all()
    )
    no_email = {
        (user_id, kind)
        for user_id, kind in db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.kind).where(
                NotificationPreference.user_id.in_(emails),
                NotificationPreference.email.is_(False),
            )
        )
    }
    rows, mail = [], []
    for notice in notices:
        message = _fit(notice.message, MESSAGE_LIMIT)
        link = notice.link or version_link(notice.kind, version.id)
        for person_id in sorted(notice.recipients & emails.keys()):
            rows.append(
                {
                    "recipient_id": person_id,
                    "kind": notice.kind.value,
                    "event_id": event.id,
                    "version_id": version.id if version is not None else None,
                    "article_id": version.article_id if version is not None else event.article_id,
                    "message": message,
                    "link": link,
                    "created_at": event.occurred_at,
                }
            )
            if (person_id, notice.kind.value) not in no_email:
                mail.append(_outbox_row(notice.kind, message, link, emails[person_id], event))
    # One statement per table however many are told.
    if rows:
        db.session.execute(insert(Notification), rows)
    if mail:
        db.session.execute(insert(OutboxMessage), mail)


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _outbox_row(
    kind: NotificationKind, message: str, link: str, email: str, event: AuditEvent
) -> dict[str, Any]:
    config = current_app.config
    site = config["SITE_URL"].rstrip("/")
    body = (
        f"{message}\n\n"
        f"Open it: {site}{link}\n"
        f"Your inbox: {site}/inbox\n\n"
        f"You receive this email because “{kind.label}” is on in your email preferences; "
        f"turn it off at {site}/inbox/preferences\n"
    )
    return {
        "recipient_email": email,
        "subject": _fit(f"[{config['SITE_NAME']}] {message}", SUBJECT_LIMIT),
        "body": body,
        "created_at": event.occurred_at,
        "next_attempt_at": event.occurred_at,
        "status": PENDING,
        "attempts": 0,
        "last_error": "",
    }


# --- The inbox and preferences -------------------------------------------------------------


def mark_read(actor: User, notification_ids: Iterable[int]) -> int:
    """Mark the actor's own notifications among `notification_ids` read; return how many."""
    ids = list(notification_ids)
    if not ids:
        return 0
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id.in_(ids),
            Notification.recipient_id == actor.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def mark_all_read(actor: User) -> int:
    """Mark every unread notification of the actor read; return how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def email_preferences(user: User) -> dict[NotificationKind, bool]:
    """Return, per kind, whether `user` receives email for it (on unless turned off)."""
    off = set(
        db.session.scalars(
            select(NotificationPreference.kind).where(
                NotificationPreference.user_id == user.id,
                NotificationPreference.email.is_(False),
            )
        )
    )
    return {kind: kind.value not in off for kind in NotificationKind}


def set_email_preferences(actor: User, wanted: dict[NotificationKind, bool]) -> bool:
    """Turn email on or off per kind for the actor; return whether anything changed."""
    current = email_preferences(actor)
    changed = {kind: on for kind, on in wanted.items() if current[kind] != on}
    if not changed:
        return False
    stored = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id == actor.id,
                NotificationPreference.kind.in_([kind.value for kind in changed]),
            )
        )
    }
    for kind, on in changed.items():
        row = stored.get(kind.value)
        if row is None:
            db.session.add(NotificationPreference(user_id=actor.id, kind=kind.value, email=on))
        else:
            row.email = on
    db.session.flush()
    audit.record(
        actor,
        PREFERENCES_CHANGED,
        target=("user", actor.id),
        before={"email_off": sorted(k.value for k, on in current.items() if not on)},
        after={"email_off": sorted(k.value for k, on in (current | changed).items() if not on)},
    )
    return True


# --- Review due ------------------------------------------------------------------------------


def due_versions(now: datetime) -> list[Version]:
    """Return the pending versions past their due date whose editors have not been told of
    that due date yet (two queries)."""
    pending = sorted(state.value for state in PENDING_STATES)
    overdue = db.session.scalars(
        select(Version)
        .where(Version.state.in_(pending), Version.due_at.is_not(None), Version.due_at < now)
        .order_by(Version.due_at, Version.id)
    ).all()
    if not overdue:
        return []
    told = {
        (target_id, json.loads(after).get("due_at"))
        for target_id, after in db.session.execute(
            select(AuditEvent.target_id, AuditEvent.after).where(
                AuditEvent.action == REVIEW_DUE,
                AuditEvent.target_type == "version",
                AuditEvent.target_id.in_([version.id for version in overdue]),
            )
        )
    }
    return [version for version in overdue if (version.id, version.due_at.isoformat()) not in told]


def notify_due(now: datetime | None = None) -> list[Version]:
    """Record that each pending version is past its due date, once per due date; the rule
    for that event tells the editors. Return the versions notified."""
    now = now or utcnow()
    found = due_versions(now)
    for version in found:
        audit.record(
            None,
            REVIEW_DUE,
            target=("version", version.id),
            article_id=version.article_id,
            after={"due_at": version.due_at.isoformat(), "state": version.state},
            at=now,
        )
    return found
