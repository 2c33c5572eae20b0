"""API tokens: stored only as a SHA-256 hash, revocable."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.models.user import User
from reviewapp.rules.clock import utcnow


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # The first characters, shown so a person can tell tokens apart; not enough to use one.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None: the token never expires (every token issued before expiries existed).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written at most once a minute, so that authenticating is not a write per request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        """Return whether the token's expiry has passed at `now`."""
        return self.expires_at is not None and self.expires_at <= now
