"""The audit trail: append-only events, each hashed together with the one before it."""

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.rules.clock import utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        # The browser's filters read a page newest first: each index ends with the id, so a
        # filtered page is a range of one index, however long the trail.
        Index("ix_audit_event_article_id_id", "article_id", "id"),
        Index("ix_audit_event_actor_id_id", "actor_id", "id"),
        Index("ix_audit_event_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_label: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))
    before: Mapped[str] = mapped_column(Text, default="{}")
    after: Mapped[str] = mapped_column(Text, default="{}")
    message: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditSubject(db.Model):
    """What one event concerns: its version, and that version's section and article.

    An index of the trail, not part of it: events are never updated, so the link is kept
    beside them. Events recorded since it exists also carry `version_id` (and `section_id`)
    in their hashed `after`; older ones name the version in `before`, or through the comment,
    signature or version they target. `flask audit verify` checks every row against those.
    """

    __tablename__ = "audit_subject"
    __table_args__ = (
        Index("ix_audit_subject_section_event", "section_id", "event_id"),
        Index("ix_audit_subject_version_event", "version_id", "event_id"),
    )

    # No foreign key to the trail, as for checkpoints: the trail's own triggers, not the
    # index, answer whoever cuts or truncates it, and the chain shows what was cut.
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))
    # None for a part that is not a section's wording (front matter, a reference...).
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    # None for site texts, which belong to no article.
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))


# 21 CFR 11.10(e): the trail is append-only. On PostgreSQL the database itself refuses
# UPDATE and DELETE row by row (migration 0003) and TRUNCATE of the whole table (migration
# 0012). A table's owner may still disable these triggers, so the app connects as a role
# that owns no table (README, Production), and signed checkpoints (models/checkpoint.py)
# catch what an owner rewrites anyway.
APPEND_ONLY_FUNCTION = DDL(
    """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
)
APPEND_ONLY_TRIGGER = DDL(
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
)
# One function for every append-only table's statement and row triggers, naming the table.
APPEND_ONLY_TABLE_FUNCTION = DDL(
    """
CREATE OR REPLACE FUNCTION append_only_table() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
)
NO_TRUNCATE_TRIGGER = DDL(
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION append_only_table()"
)
for ddl in (
    APPEND_ONLY_FUNCTION,
    APPEND_ONLY_TRIGGER,
    APPEND_ONLY_TABLE_FUNCTION,
    NO_TRUNCATE_TRIGGER,
):
    event.listen(AuditEvent.__table__, "after_create", ddl.execute_if(dialect="postgresql"))
