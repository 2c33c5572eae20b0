"""Electronic signatures of board members on one exact version (21 CFR 11.50, 11.70)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.models.user import User
from reviewapp.rules.clock import utcnow


class Signoff(db.Model):
    """A signature as it was made: the printed name and role are copied, never looked up."""

    __tablename__ = "signoff"
    # One signature per member per signing round: the approval is round 0, each re-review of
    # the same content hash a round of its own.
    __table_args__ = (UniqueConstraint("version_id", "signer_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    printed_name: Mapped[str] = mapped_column(String(400))
    role: Mapped[str] = mapped_column(String(100))
    meaning: Mapped[str] = mapped_column(String(200))
    # The signature is bound to this hash; it counts only while the version has it.
    content_hash: Mapped[str] = mapped_column(String(64))
    # For wording: the reference versions it cites as the signer saw them, JSON
    # [{"key", "version_id", "content_hash"}]; "[]" for other kinds.
    cited_references: Mapped[str] = mapped_column(Text, default="[]")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The signing round it belongs to (Version.review_round when it was made).
    round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    signer: Mapped[User] = relationship()


class Objection(db.Model):
    """A board member's veto of a version, with the reason."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    objector_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    printed_name: Mapped[str] = mapped_column(String(400))
    reason: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    objected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    objector: Mapped[User] = relationship()
