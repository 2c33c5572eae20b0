"""API tokens: issue, authenticate, revoke."""

import hashlib
import secrets

from sqlalchemy import select

from reviewapp.domain import audit
from reviewapp.domain.errors import PermissionDenied, TransitionNotAllowed
from reviewapp.extensions import db
from reviewapp.models import ApiToken, User
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Role

TOKEN_PREFIX = "rvw_"  # noqa: S105 - a marker, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; return the row and the only copy of the secret."""
    context = {"action": "token.issue", "target": ("user", user.id)}
    if actor is not None and not (actor.has_role(Role.ADMIN) or actor.id == user.id):
        raise PermissionDenied("Only an admin can issue a token for someone else.", **context)
    if not user.active:
        raise TransitionNotAllowed(f"{user.email} is deactivated.", **context)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip(), prefix=secret[:12], token_hash=_digest(secret)
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "token.issue",
        target=("api_token", token.id),
        after={"user_id": user.id, "name": token.name, "prefix": token.prefix},
    )
    return token, secret


def authenticate_token(secret: str) -> User | None:
    """Return the active user a live token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.is_revoked or not token.user.active:
        return None
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
        after={"revoked": True},
    )
    return token
