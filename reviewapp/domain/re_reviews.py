"""Re-review of published wording without a change, and wording that becomes review due.

An editor opens a re-review of the wording readers see; board members sign its same content
hash with the meaning "Re-reviewed, no change", under the approval's quorum and separation
of duties; at quorum the engine re-certifies it: its last-reviewed date moves, and so its
next review, and no version is made. Instead an editor or a board member sends it for
revision: it stays published, review due with their reason. Every move is a row of the
workflow's table, taken by the engine (domain/engine.py, domain/review_rounds.py).
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from reviewapp.domain import audit, engine, signoffs
from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Section, User, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.re_reviews import DATE_REACHED, review_due_on
from reviewapp.rules.states import Action, Role, State

REVIEW_DUE = "version.review_due"


def open_re_review(actor: User, version: Version) -> Version:
    """Open a re-review of published wording: the board is asked to re-certify it unchanged."""
    return engine.transition(actor, version, Action.OPEN_RE_REVIEW)


def send_for_revision(actor: User, version: Version, reason: str) -> Version:
    """Send published wording for revision with a reason, closing any open re-review: an
    editor's move, or a board member's objection to re-certifying it."""
    if not actor.has_role(Role.EDITOR) and actor.has_role(Role.BOARD):
        signoffs.object_to_version(actor, version, reason)
        return version
    return engine.transition(actor, version, Action.SEND_FOR_REVISION, reason)


def review_due_day(version: Version, article: Article):
    """Return the day `version`'s next review is due by its date alone, or None."""
    reviewed = version.last_reviewed_at or version.approved_at
    if reviewed is None:
        return None
    return review_due_on(reviewed.date(), article.review_interval_months)


@dataclass(frozen=True)
class BecameDue:
    version: Version
    due_on: str  # ISO date


def _published_wording() -> list[tuple[Version, Article]]:
    """Return every published wording version with its article (one query)."""
    published = or_(
        Section.published_clinician_id == Version.id,
        Section.published_patient_id == Version.id,
    )
    rows = db.session.execute(
        select(Version, Article)
        .join(Section, published)
        .join(Article, Article.id == Version.article_id)
        .where(Version.state == State.APPROVED.value)
        .order_by(Version.id)
    )
    return [(version, article) for version, article in rows]


def newly_due(now: datetime) -> list[BecameDue]:
    """Return the published wording whose review date has come and whose editors and board
    have not been told of that date yet (two queries)."""
    today = now.date()
    due = []
    for version, article in _published_wording():
        day = review_due_day(version, article)
        if day is not None and day <= today:
            due.append(BecameDue(version, day.isoformat()))
    if not due:
        return []
    told = set()
    for target_id, after in db.session.execute(
        select(AuditEvent.target_id, AuditEvent.after).where(
            AuditEvent.action == REVIEW_DUE,
            AuditEvent.target_type == "version",
            AuditEvent.target_id.in_([found.version.id for found in due]),
        )
    ):
        recorded = json.loads(after)
        if recorded.get("reason") == DATE_REACHED:
            told.add((target_id, recorded.get("due_on")))
    return [found for found in due if (found.version.id, found.due_on) not in told]


def record_review_due(version: Version, due_on: str, reason: str, now: datetime, **details):
    """Record that published wording became review due; the rule for the event tells the
    editors and the board."""
    audit.record(
        None,
        REVIEW_DUE,
        target=("version", version.id),
        article_id=version.article_id,
        after={"due_on": due_on, "reason": reason, **details},
        at=now,
    )


def notify_due_wording(now: datetime | None = None) -> list[BecameDue]:
    """Tell the editors and the board of each published wording whose review date has come,
    once per review date; return what became due."""
    now = now or utcnow()
    found = newly_due(now)
    for due in found:
        record_review_due(due.version, due.due_on, DATE_REACHED, now)
    return found
