"""Password checks, kept in the database so lockouts hold across workers and servers."""

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.rules.clock import utcnow


class PasswordCheck(db.Model):
    """One password checked for a purpose (signing in, signing a version), right or wrong."""

    __tablename__ = "password_check"
    __table_args__ = (
        Index("ix_password_check_purpose_email_at", "purpose", "email", "attempted_at"),
        Index("ix_password_check_purpose_address_at", "purpose", "remote_addr", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    remote_addr: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
