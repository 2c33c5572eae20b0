"""Withdrawals of published wording and retractions of articles, with the board's countersignature.

A withdrawal is one editor's act: its reason is public, shown where the wording was. Each
version it took down has its own row here and its own move in the workflow (WITHDRAWN).
"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.extensions import db
from reviewapp.models.article import Article
from reviewapp.models.types import UTCDateTime
from reviewapp.models.user import User
from reviewapp.rules.clock import utcnow
from reviewapp.rules.withdrawals import WithdrawalKind


class Withdrawal(db.Model):
    """An editor's withdrawal of published wording, or retraction of an article."""

    __tablename__ = "withdrawal"
    __table_args__ = (
        # The board's list and `flask notify due`: what still waits for a countersignature.
        Index("ix_withdrawal_countersigned_due", "countersigned_at", "countersign_due_at"),
        Index("ix_withdrawal_article_kind", "article_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    kind: Mapped[str] = mapped_column(String(20), default=WithdrawalKind.WITHDRAWAL.value)
    # rules/withdrawals.py Scope: one audience's wording, both audiences', or the article's.
    scope: Mapped[str] = mapped_column(String(20))
    # The section the editor withdrew from (None for a whole article).
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    reason: Mapped[str] = mapped_column(Text)
    # Whether the editor asked for the previous approved version to be shown again.
    reinstate: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # Copied as the notice prints them, never looked up again (like a signature).
    printed_name: Mapped[str] = mapped_column(String(400))
    role: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    countersign_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The board member's countersignature, as signed.
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    countersigned_name: Mapped[str] = mapped_column(String(400), default="")
    countersigned_role: Mapped[str] = mapped_column(String(100), default="")
    countersign_meaning: Mapped[str] = mapped_column(String(200), default="")
    countersigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When every board member was told the countersignature is overdue: told once.
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped[Article] = relationship()
    withdrawn_by: Mapped[User] = relationship(foreign_keys=[withdrawn_by_id])
    countersigned_by: Mapped[User | None] = relationship(foreign_keys=[countersigned_by_id])
    versions: Mapped[list["WithdrawnVersion"]] = relationship(
        back_populates="withdrawal", order_by="WithdrawnVersion.version_id"
    )

    @property
    def kind_enum(self) -> WithdrawalKind:
        return WithdrawalKind(self.kind)

    @property
    def is_retraction(self) -> bool:
        return self.kind == WithdrawalKind.RETRACTION.value

    @property
    def is_countersigned(self) -> bool:
        return self.countersigned_at is not None

    def is_overdue(self, now: datetime) -> bool:
        return not self.is_countersigned and self.countersign_due_at < now

    def __repr__(self) -> str:
        return f"<Withdrawal {self.id} {self.kind} {self.scope}>"


class WithdrawnVersion(db.Model):
    """One version a withdrawal took down, and the older one it put back, if any."""

    __tablename__ = "withdrawn_version"
    __table_args__ = (
        # The public page reads a section's withdrawals with its wording.
        Index("ix_withdrawn_version_section", "section_id", "audience"),
    )

    # A version is withdrawn once: WITHDRAWN has no way out.
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)
    withdrawal_id: Mapped[int] = mapped_column(ForeignKey("withdrawal.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))
    audience: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    reinstated_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))

    withdrawal: Mapped[Withdrawal] = relationship(back_populates="versions")
