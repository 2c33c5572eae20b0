"""Accounts and the roles they hold."""

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from reviewapp.extensions import db
from reviewapp.models.types import UTCDateTime
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Role

if TYPE_CHECKING:
    from reviewapp.models.declaration import Declaration


def new_session_token() -> str:
    """Return a fresh, unguessable session token."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every session cookie names the token it was issued with; moving the token ends every
    # session of the account at once (sign-out, password change or reset, deactivation).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Set by an admin's password reset: until the person chooses a new password, every page
    # but the change-password page sends them there.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    # Newest first: the first is the declaration in force (reviewapp.domain.declarations).
    # Loaded once per request when a step asks, and read again after each commit.
    declarations: Mapped[list["Declaration"]] = relationship(
        back_populates="user",
        order_by="[Declaration.declared_at.desc(), Declaration.id.desc()]",
    )

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """Return what the session keeps: the account and the token it was issued with."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Refuse every session issued so far: each names a token this account no longer has."""
        self.session_token = new_session_token()

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return self.active and role in self.roles

    @staticmethod
    def format_printed_name(name: str, credentials: str) -> str:
        return f"{name}, {credentials}" if credentials else name

    @property
    def printed_name(self) -> str:
        """Return the name as it appears on reviews and signatures."""
        return self.format_printed_name(self.name, self.credentials)

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")
