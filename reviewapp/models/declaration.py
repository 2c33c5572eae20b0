"""Declarations of interests, and what a person with an interest records for one version.

Both are append-only: a new declaration supersedes the one before and never changes it, so
the audit can show what a person had declared on the day they approved or signed.
"""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.models.user import User
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import InterestKind, StatementKind


class Declaration(db.Model):
    """What a person declared on one date: no interests, or an interest and its specialties."""

    __tablename__ = "declaration"
    __table_args__ = (
        # A person's current declaration is their newest: one index range, newest first.
        Index("ix_declaration_user", "user_id", "declared_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    # The specialty codes (rules/specialties.py) the interest concerns, as a JSON list.
    specialties: Mapped[str] = mapped_column(Text, default="[]")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="declarations")

    @property
    def kind_enum(self) -> InterestKind:
        return InterestKind(self.kind)

    @property
    def specialty_codes(self) -> list[str]:
        return json.loads(self.specialties or "[]")


class InterestStatement(db.Model):
    """A recusal from one version, or the justification of acting on it despite an interest."""

    __tablename__ = "interest_statement"
    # One statement per person and version: a recusal stands, a justification is given once.
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The declaration in force when it was recorded.
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    declaration: Mapped[Declaration] = relationship()

    @property
    def kind_enum(self) -> StatementKind:
        return StatementKind(self.kind)

    @property
    def is_recusal(self) -> bool:
        return self.kind_enum is StatementKind.RECUSAL
