"""Signed checkpoints of the audit chain's head: evidence about the trail kept beside it."""

from datetime import datetime

from sqlalchemy import DDL, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.extensions import db
from reviewapp.models.audit import APPEND_ONLY_TABLE_FUNCTION
from reviewapp.models.types import UTCDateTime


class AuditCheckpoint(db.Model):
    """One signature over the chain as it stood: its newest event, that event's hash, how many.

    No foreign key to `audit_event`: a checkpoint must outlive the rows it vouches for, so a
    trail cut below it is reported rather than refused or cascaded away.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    event_hash: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the raw Ed25519 public key, in hex.
    key_id: Mapped[str] = mapped_column(String(64))
    # Ed25519 signature of the canonical statement (domain/checkpoints.py), in hex.
    signature: Mapped[str] = mapped_column(String(128))


# Append-only like the trail itself (models/audit.py); migration 0012 installs the same.
CHECKPOINT_APPEND_ONLY = DDL(
    "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION append_only_table()"
)
CHECKPOINT_NO_TRUNCATE = DDL(
    "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
    "FOR EACH STATEMENT EXECUTE FUNCTION append_only_table()"
)
for ddl in (APPEND_ONLY_TABLE_FUNCTION, CHECKPOINT_APPEND_ONLY, CHECKPOINT_NO_TRUNCATE):
    event.listen(AuditCheckpoint.__table__, "after_create", ddl.execute_if(dialect="postgresql"))
