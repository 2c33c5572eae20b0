"""Signing in, and the admin's changes to accounts: roles and deactivation."""

import functools
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from reviewapp.domain import audit
from reviewapp.domain.errors import (
    PermissionDenied,
    TooManyAttempts,
    TransitionNotAllowed,
    ValidationError,
)
from reviewapp.extensions import db
from reviewapp.models import SignInAttempt, User, UserRole
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Role

SIGN_IN = "auth.sign_in"
# Failed attempts allowed in the window, per account and per network address.
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)


def _recent_failures(column, value: str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(SignInAttempt.id)).where(
            column == value,
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.attempted_at > since,
        )
    )


def _check_rate(email: str, remote_addr: str, now: datetime) -> None:
    since = now - FAILURE_WINDOW
    if (
        _recent_failures(SignInAttempt.email, email, since) >= FAILURES_PER_ACCOUNT
        or _recent_failures(SignInAttempt.remote_addr, remote_addr, since) >= FAILURES_PER_ADDRESS
    ):
        raise TooManyAttempts(
            "Too many failed sign-ins: wait 15 minutes before trying again, or ask an admin.",
            action=SIGN_IN,
        )


@functools.cache
def _dummy_hash() -> str:
    """Return a hash to check unknown accounts against, so timing does not reveal emails."""
    return generate_password_hash(secrets.token_hex(16))


def authenticate(email: str, password: str, remote_addr: str = "") -> User | None:
    """Return the active account these credentials open, auditing success and failure.

    Refuses with TooManyAttempts, before looking at the password, once the account or the
    address has failed too often lately.
    """
    email = email.strip().lower()
    now = utcnow()
    _check_rate(email, remote_addr, now)
    user = _verify(email, password)
    db.session.add(
        SignInAttempt(
            email=email, remote_addr=remote_addr, succeeded=user is not None, attempted_at=now
        )
    )
    return user


def _verify(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        audit.record(None, SIGN_IN, outcome=audit.REFUSED, message=f"unknown account {email}")
        return None
    if not user.check_password(password):
        audit.record(
            user, SIGN_IN, target=("user", user.id), outcome=audit.REFUSED, message="wrong password"
        )
        return None
    if not user.active:
        audit.record(
            user,
            SIGN_IN,
            target=("user", user.id),
            outcome=audit.REFUSED,
            message="account deactivated",
        )
        return None
    audit.record(user, SIGN_IN, target=("user", user.id))
    return user


def record_sign_out(user: User) -> None:
    audit.record(user, "auth.sign_out", target=("user", user.id))


def _require_admin(actor: User, action: str, user: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(
            "Only an admin can change accounts.", action=action, target=("user", user.id)
        )


def set_roles(actor: User, user: User, roles: list[Role]) -> User:
    """Replace an account's roles."""
    context = {"action": "user.set_roles", "target": ("user", user.id)}
    _require_admin(actor, context["action"], user)
    if not roles:
        raise ValidationError(
            "An account needs at least one role; deactivate it instead.", **context
        )
    if actor.id == user.id and Role.ADMIN not in roles:
        raise TransitionNotAllowed("You cannot remove your own admin role.", **context)
    before = sorted(role.value for role in user.roles)
    after = sorted({role.value for role in roles})
    if before == after:
        return user
    user.role_rows = [UserRole(role=role) for role in after]
    db.session.flush()
    audit.record(
        actor,
        "user.set_roles",
        target=("user", user.id),
        before={"roles": before},
        after={"roles": after},
    )
    return user


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivate or reactivate an account; its history stays."""
    action = "user.activate" if active else "user.deactivate"
    context = {"action": action, "target": ("user", user.id)}
    _require_admin(actor, action, user)
    if actor.id == user.id and not active:
        raise TransitionNotAllowed("You cannot deactivate your own account.", **context)
    if user.active == active:
        raise TransitionNotAllowed(
            f"{user.email} is already {'active' if active else 'deactivated'}.", **context
        )
    user.active = active
    audit.record(
        actor,
        action,
        target=("user", user.id),
        before={"active": not active},
        after={"active": active},
    )
    return user
