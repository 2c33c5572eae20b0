"""API tokens: issue, authenticate, revoke; each with an optional expiry and its last use."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from reviewapp.domain import audit
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    require_fits,
)
from reviewapp.extensions import db
from reviewapp.models import ApiToken, User
from reviewapp.rules import limits
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Role

TOKEN_PREFIX = "rvw_"  # noqa: S105 - a marker, not a secret
# A token that leaks keeps working until it expires: a year at most, chosen when issued.
MAX_TOKEN_DAYS = 365
# The lifetimes the account page offers; an operator's CLI may choose any up to the maximum.
TOKEN_LIFETIMES_DAYS = (30, 90, 365)
# The last use is written at most this often per token, not on every request.
LAST_USE_PRECISION = timedelta(minutes=1)


class TokenRefused(Exception):
    """A bearer token that opens nothing, and why, in words its holder can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _moment(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


def issue_token(
    actor: User | None, user: User, name: str = "", expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return the row and the only copy of the secret.

    Without `expires_in_days` the token never expires: only an operator (no actor) may ask
    for that; a person issuing a token on the account page always picks an expiry.
    """
    context = {"action": "token.issue", "target": ("user", user.id)}
    if actor is not None and not (actor.has_role(Role.ADMIN) or actor.id == user.id):
        raise PermissionDenied("Only an admin can issue a token for someone else.", **context)
    if not user.active:
        raise TransitionNotAllowed(f"{user.email} is deactivated.", **context)
    name = name.strip()
    require_fits("name", name, limits.TOKEN_NAME, **context)
    if expires_in_days is None and actor is not None:
        raise ValidationError("Choose when the token expires.", field="expires_in_days", **context)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            f"A token expires after 1 to {MAX_TOKEN_DAYS} days.",
            field="expires_in_days",
            **context,
        )
    now = utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:12],
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "token.issue",
        target=("api_token", token.id),
        after={
            "user_id": user.id,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, secret


def authenticate_token(secret: str) -> User:
    """Return the active user a live token belongs to, noting its use; else raise TokenRefused."""
    token = (
        db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
        if secret.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None:
        raise TokenRefused("The token is unknown: check that it was copied whole.")
    if token.is_revoked:
        raise TokenRefused(f"The token was revoked on {_moment(token.revoked_at)}.")
    now = utcnow()
    if token.is_expired(now):
        raise TokenRefused(
            f"The token expired on {_moment(token.expires_at)}: issue a new one on your "
            "account page."
        )
    if not token.user.active:
        raise TokenRefused("The token's account is deactivated.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        token.last_used_at = now
    return token.user


def revoke_token(actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token; it stops working at once."""
    context = {"action": "token.revoke", "target": ("api_token", token.id)}
    if actor is not None and not (actor.has_role(Role.ADMIN) or actor.id == token.user_id):
        raise PermissionDenied("Only an admin can revoke someone else's token.", **context)
    if token.is_revoked:
        raise TransitionNotAllowed("This token is already revoked.", **context)
    token.revoked_at = utcnow()
    audit.record(
        actor,
        "token.revoke",
        target=("api_token", token.id),
        before={"revoked": False},
        after={
            "revoked": True,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """List a person's tokens, newest first, revoked and expired ones included."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
