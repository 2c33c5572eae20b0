"""Record audit events, each chained by SHA-256 to the one before it."""

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, text

from reviewapp.domain.errors import DomainError
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, User
from reviewapp.models.audit import GENESIS_HASH
from reviewapp.rules.clock import utcnow

DONE = "done"
REFUSED = "refused"


def _canonical(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(event: AuditEvent) -> str:
    """Return the SHA-256 of an event's recorded fields and the hash of the event before it."""
    fields = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "outcome": event.outcome,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "article_id": event.article_id,
        "before": event.before,
        "after": event.after,
        "message": event.message,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(fields).encode()).hexdigest()


# Any constant: it names the one PostgreSQL advisory lock that serialises appends.
CHAIN_LOCK_KEY = 7_231_450_118


def serialize_writes() -> None:
    """Take the audit chain's lock for the rest of this transaction (PostgreSQL).

    Two transactions appending at once would both link to the same predecessor and fork the
    chain. Every audited write takes this lock before any row lock, so locks are always taken
    in the same order and writers cannot deadlock on each other.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def _last_hash() -> str:
    serialize_writes()
    # Pending events in this session count: several can be recorded before a flush.
    db.session.flush()
    last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS_HASH


def record(
    actor: User | None,
    action: str,
    *,
    target: tuple[str, int | None] = ("", None),
    article_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = DONE,
    message: str = "",
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the trail and flush it."""
    event = AuditEvent(
        occurred_at=at or utcnow(),
        actor_id=actor.id if actor else None,
        actor_label=f"{actor.name} <{actor.email}>" if actor else "system",
        action=action,
        outcome=outcome,
        target_type=target[0],
        target_id=target[1],
        article_id=article_id,
        before=_canonical(before or {}),
        after=_canonical(after or {}),
        message=message,
        prev_hash=_last_hash(),
    )
    event.hash = event_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


def record_refusal(actor: User | None, error: DomainError) -> AuditEvent:
    """Append the refused attempt that `error` describes; call after rolling back the attempt."""
    return record(
        actor,
        error.action or "unknown",
        target=error.target,
        article_id=error.article_id,
        outcome=REFUSED,
        message=error.message,
    )


def settle_refusal(actor: User | None, error: DomainError) -> None:
    """Undo a refused attempt and append its refusal, unless the domain kept its own records.

    The caller commits afterwards, so the refusal is on the trail whoever called.
    """
    if error.keep_records:
        return
    db.session.rollback()
    record_refusal(actor, error)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def event_batches(after: int = 0, batch_size: int = 5000) -> Iterator[list[Row]]:
    """Yield the trail in id order, in batches of plain rows (a million must not fill memory)."""
    columns = list(AuditEvent.__table__.columns)
    last_id = after
    while True:
        rows = db.session.execute(
            select(*columns)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def verify_chain(
    batch_size: int = 5000, progress: Callable[[int], object] | None = None
) -> tuple[int, ChainBreak | None]:
    """Walk the trail in order; return how many events were checked and the first break."""
    expected_prev = GENESIS_HASH
    checked = 0
    for rows in event_batches(batch_size=batch_size):
        for row in rows:
            if row.prev_hash != expected_prev:
                return checked, ChainBreak(
                    row.id,
                    "its link to the previous event does not match "
                    "(an event was removed, inserted or reordered)",
                )
            if event_hash(row) != row.hash:
                return checked, ChainBreak(row.id, "its content does not match its hash")
            expected_prev = row.hash
            checked += 1
        if progress is not None:
            progress(len(rows))
    return checked, None
