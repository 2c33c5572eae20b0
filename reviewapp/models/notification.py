"""Notifications in a person's inbox, the mail outbox, and who wants which email."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.rules.clock import utcnow


class Notification(db.Model):
    """One thing a person was told, derived from one audit event."""

    __tablename__ = "notification"
    __table_args__ = (
        # The header's unread count on every staff page, and the inbox's own listing.
        Index("ix_notification_recipient_read", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # The event the notification follows from: what happened, by whom, is on the trail. No
    # foreign key: the trail answers for itself (triggers, checkpoints) even to its owner,
    # and a key would refuse an owner's DELETE before the trail's own triggers could.
    event_id: Mapped[int | None] = mapped_column(Integer)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class OutboxMessage(db.Model):
    """An email written in the same transaction as the change it tells of, sent later."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # A worker looks for due pending mail only.
        Index("ix_outbox_message_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A claim is a lease: a worker that dies mid-send leaves one that expires, and the
    # message is tried again instead of being lost.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NotificationPreference(db.Model):
    """Whether a person wants email for one kind of notification; no row means yes."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
