"""Record audit events, each chained by SHA-256 to the one before it."""

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring  # json.dumps' escaper (C), ensure_ascii=False
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Row,
    Select,
    and_,
    case,
    cast,
    func,
    insert,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSON

from reviewapp.domain.errors import DomainError
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Comment, Signoff, User, Version
from reviewapp.models.audit import GENESIS_HASH, AuditSubject
from reviewapp.rules.clock import utcnow

DONE = "done"
REFUSED = "refused"


def _canonical(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _event_text(
    action: str,
    actor_id: int | None,
    actor_label: str,
    after: str,
    article_id: int | None,
    before: str,
    message: str,
    occurred_at: str,
    outcome: str,
    prev_hash: str,
    target_id: int | None,
    target_type: str,
    escape: Callable[[str], str] = encode_basestring,
) -> str:
    """Return the text an event's hash is taken over.

    It is what `_canonical` makes of the fields (keys sorted, no spaces, strings escaped by
    the function json.dumps itself uses), spelled out so that hashing an event costs one
    string build: the same bytes as ever, so every stored hash still verifies.
    """
    return (
        f'{{"action":{escape(action)},'
        f'"actor_id":{"null" if actor_id is None else actor_id},'
        f'"actor_label":{escape(actor_label)},'
        f'"after":{escape(after)},'
        f'"article_id":{"null" if article_id is None else article_id},'
        f'"before":{escape(before)},'
        f'"message":{escape(message)},'
        f'"occurred_at":{escape(occurred_at)},'
        f'"outcome":{escape(outcome)},'
        f'"prev_hash":{escape(prev_hash)},'
        f'"target_id":{"null" if target_id is None else target_id},'
        f'"target_type":{escape(target_type)}}}'
    )


def event_hash(event: AuditEvent) -> str:
    """Return the SHA-256 of an event's recorded fields and the hash of the event before it."""
    # occurred_at is aware UTC here: its isoformat() ends "+00:00", as the walk spells it.
    text = _event_text(
        event.action,
        event.actor_id,
        event.actor_label,
        event.after,
        event.article_id,
        event.before,
        event.message,
        event.occurred_at.isoformat(),
        event.outcome,
        event.prev_hash,
        event.target_id,
        event.target_type,
    )
    return hashlib.sha256(text.encode()).hexdigest()


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
    version: Version | None = None,
) -> AuditEvent:
    """Append one event to the trail and flush it.

    `version` is the version the event concerns, when its target is not that version itself
    (a signature, a comment): the event is then tied to it, and to its section and article,
    so filtering the trail by section finds it. Without it, the version is the one the
    target is or belongs to (a version, a comment, a signature), as for refusals.
    """
    subject = version if version is not None else _targeted_version(target)
    if subject is not None:
        # In the hashed fields, so the chain covers the link as well as the event.
        after = (after or {}) | {"version_id": subject.id}
        if subject.section_id is not None:
            after["section_id"] = subject.section_id
    event = AuditEvent(
        # In UTC, as stored: the hash spells the time the way the walk reads it back.
        occurred_at=(at or utcnow()).astimezone(UTC),
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
    if subject is not None:
        db.session.add(
            AuditSubject(
                event_id=event.id,
                version_id=subject.id,
                section_id=subject.section_id,
                article_id=subject.article_id,
            )
        )
        db.session.flush()
    if outcome == DONE:
        # Who hears of a change is decided from its event, in the change's own transaction.
        from reviewapp.domain import notifications

        notifications.follow(event)
    return event


def _targeted_version(target: tuple[str, int | None]) -> Version | None:
    """Return the version a target is, or belongs to (a refusal names only its target)."""
    kind, target_id = target
    if target_id is None:
        return None
    if kind == "version":
        return db.session.get(Version, target_id)
    if kind in ("comment", "signoff"):
        row = db.session.get(Comment if kind == "comment" else Signoff, target_id)
        return db.session.get(Version, row.version_id) if row is not None else None
    return None


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


@dataclass
class ChainWalk:
    """What one walk of the trail found."""

    checked: int = 0
    broken: ChainBreak | None = None
    # For each position asked about (1 = the first event): the id and hash found there.
    at_position: dict[int, tuple[int, str]] = field(default_factory=dict)


# The columns a walk reads, in the order walk_chain unpacks them.
_WALKED = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "outcome",
    "target_type",
    "target_id",
    "article_id",
    "before",
    "after",
    "message",
    "prev_hash",
    "hash",
)


def _streamed_events(batch_size: int) -> Iterator[Sequence[tuple]]:
    """Yield the whole trail in id order as plain tuples, `batch_size` at a time.

    On PostgreSQL a server-side cursor of the driver's own, inside the session's transaction:
    a million rows never sit in memory, and no per-row result objects are built (they cost
    more than hashing the event). `occurred_at` comes as the stored naive UTC value.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        columns = ", ".join(_WALKED)
        driver = connection.connection.driver_connection
        with driver.cursor(name="audit_walk") as cursor:
            cursor.itersize = batch_size
            cursor.execute(f"SELECT {columns} FROM audit_event ORDER BY id")  # noqa: S608
            while rows := cursor.fetchmany(batch_size):
                yield rows
        return
    table = AuditEvent.__table__.c
    walked = [table[name] for name in _WALKED]
    # Read as a plain DateTime, without UTCDateTime's zone: the hashed text adds "+00:00".
    walked[1] = type_coerce(table.occurred_at, DateTime())
    statement = select(*walked).order_by(table.id)
    result = db.session.execute(statement, execution_options={"yield_per": batch_size})
    yield from result.partitions()


def walk_chain(
    batch_size: int = 20_000,
    progress: Callable[[int], object] | None = None,
    positions: Collection[int] = (),
) -> ChainWalk:
    """Walk the trail in order, checking each link and hash; stop at the first break.

    `positions` names places in the chain (the n-th event) whose id and hash the caller wants,
    such as those signed checkpoints vouch for.
    """
    walk = ChainWalk()
    wanted = sorted(set(positions), reverse=True)
    next_wanted = wanted.pop() if wanted else -1
    expected_prev = GENESIS_HASH
    checked = 0
    sha256 = hashlib.sha256
    event_text = _event_text
    # One tight loop: this runs once per event, a million times on a large trail.
    for rows in _streamed_events(batch_size):
        for (
            event_id,
            occurred_at,
            actor_id,
            actor_label,
            action,
            outcome,
            target_type,
            target_id,
            article_id,
            before,
            after,
            message,
            prev_hash,
            stored_hash,
        ) in rows:
            if prev_hash != expected_prev:
                walk.checked = checked
                walk.broken = ChainBreak(
                    event_id,
                    "its link to the previous event does not match "
                    "(an event was removed, inserted or reordered)",
                )
                return walk
            text = event_text(
                action,
                actor_id,
                actor_label,
                after,
                article_id,
                before,
                message,
                # The stored naive UTC time, as an aware UTC one's isoformat() spells it.
                occurred_at.isoformat() + "+00:00",
                outcome,
                prev_hash,
                target_id,
                target_type,
            )
            if sha256(text.encode()).hexdigest() != stored_hash:
                walk.checked = checked
                walk.broken = ChainBreak(event_id, "its content does not match its hash")
                return walk
            expected_prev = stored_hash
            checked += 1
            if checked == next_wanted:
                walk.at_position[checked] = (event_id, stored_hash)
                next_wanted = wanted.pop() if wanted else -1
        if progress is not None:
            progress(len(rows))
    walk.checked = checked
    return walk


def verify_chain(
    batch_size: int = 20_000, progress: Callable[[int], object] | None = None
) -> tuple[int, ChainBreak | None]:
    """Walk the trail in order; return how many events were checked and the first break."""
    walk = walk_chain(batch_size, progress)
    return walk.checked, walk.broken


def _json_int(column: ColumnElement[str], key: str) -> ColumnElement[int]:
    """Return the integer stored under `key` in a JSON text column, or NULL.

    Only text that holds the key is parsed: a substring test costs far less than parsing.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        value = cast(cast(column, JSON)[key].astext, Integer)
    else:
        value = cast(func.json_extract(column, f"$.{key}"), Integer)
    return case((column.contains(f'"{key}"', autoescape=True), value))


def _with_derived_subject(query: Select) -> Select:
    """Join, to a query over audit_event, the version each event records it concerns.

    That is the `version_id` its hashed `after` names, or for events recorded before the
    subject index existed the one its `before` names, the version it targets, or the version
    of the comment or signature it targets (migration 0015 derives the index the same way).
    """
    event = AuditEvent.__table__.c
    version_id = func.coalesce(
        _json_int(event.after, "version_id"),
        _json_int(event.before, "version_id"),
        case((event.target_type == "version", event.target_id)),
        Comment.version_id,
        Signoff.version_id,
    )
    return (
        query.select_from(AuditEvent.__table__)
        .outerjoin(Comment, and_(event.target_type == "comment", Comment.id == event.target_id))
        .outerjoin(Signoff, and_(event.target_type == "signoff", Signoff.id == event.target_id))
        .outerjoin(Version, Version.id == version_id)
    )


def index_subjects(after_id: int = 0) -> None:
    """Tie the events after `after_id` that have no subject row to the versions they record.

    For events appended in bulk, outside `record` (benchmarks, imports of a trail); one
    statement, whatever their number.
    """
    event = AuditEvent.__table__.c
    unindexed = (
        _with_derived_subject(select(event.id, Version.id, Version.section_id, Version.article_id))
        .outerjoin(AuditSubject.__table__, AuditSubject.event_id == event.id)
        .where(event.id > after_id, Version.id.is_not(None), AuditSubject.event_id.is_(None))
    )
    db.session.execute(
        insert(AuditSubject).from_select(
            ["event_id", "version_id", "section_id", "article_id"], unindexed
        )
    )


def subject_problems(limit: int = 10) -> tuple[int, list[ChainBreak]]:
    """Check the subject index against what the events themselves record, in one query.

    Each event that records a version (`_with_derived_subject`) must have exactly the row
    that version gives, and no other event a row: a row rewritten, removed or added to hide
    an event from a section's trail is found. Returns how many rows there are, and the
    first events whose row is wrong.
    """
    event = AuditEvent.__table__.c
    subject = AuditSubject.__table__.c
    found = (
        _with_derived_subject(
            select(
                event.id,
                Version.id.label("version_id"),
                Version.section_id,
                Version.article_id,
                _json_int(event.after, "section_id").label("claimed_section"),
                subject.event_id.label("subject_event"),
                subject.version_id.label("subject_version"),
                subject.section_id.label("subject_section"),
                subject.article_id.label("subject_article"),
            )
        ).outerjoin(AuditSubject.__table__, subject.event_id == event.id)
    ).subquery()
    missing = and_(found.c.version_id.is_not(None), found.c.subject_event.is_(None))
    extra = and_(found.c.version_id.is_(None), found.c.subject_event.is_not(None))
    differs = and_(
        found.c.version_id.is_not(None),
        found.c.subject_event.is_not(None),
        or_(
            found.c.subject_version != found.c.version_id,
            found.c.subject_section.is_distinct_from(found.c.section_id),
            found.c.subject_article.is_distinct_from(found.c.article_id),
        ),
    )
    # The version row itself no longer in the section the event recorded.
    moved = and_(
        found.c.claimed_section.is_not(None),
        found.c.claimed_section.is_distinct_from(found.c.section_id),
    )
    # Materialised, so the whole trail is joined by hashing, as without the LIMIT: with it,
    # PostgreSQL would probe the indexes once per event.
    broken = (
        select(found.c.id, missing.label("missing"), extra.label("extra"), differs.label("differs"))
        .where(or_(missing, extra, differs, moved))
        .cte("broken_subjects")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    rows = db.session.execute(
        select(broken.c.id, broken.c.missing, broken.c.extra, broken.c.differs)
        .order_by(broken.c.id)
        .limit(limit)
    ).all()
    breaks = [
        ChainBreak(
            row[0],
            "it concerns a version but has no subject row"
            if row[1]
            else "it concerns no version but has a subject row"
            if row[2]
            else "its subject row names another version, section or article than it records"
            if row[3]
            else "its version is no longer in the section it recorded",
        )
        for row in rows
    ]
    # A row naming an event no longer on the trail hides nothing: the walk names the cut.
    checked = db.session.scalar(select(func.count()).select_from(AuditSubject.__table__))
    return checked, breaks
