"""Signing in, and the admin's changes to accounts: roles and deactivation."""

import functools
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from reviewapp.domain import audit, lockout
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
)
from reviewapp.domain.users import require_dual_review_confirmation
from reviewapp.extensions import db
from reviewapp.models import User, UserRole
from reviewapp.rules.states import Role

SIGN_IN = "auth.sign_in"


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
    lockout.refuse_if_locked(lockout.SIGN_IN, email, remote_addr, action=SIGN_IN)
    user = _verify(email, password)
    lockout.record_check(lockout.SIGN_IN, email, user is not None, remote_addr)
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


def set_roles(
    actor: User, user: User, roles: list[Role], *, confirm_dual_review: bool = False
) -> User:
    """Replace another account's roles; nobody changes their own."""
    context = {"action": "user.set_roles", "target": ("user", user.id)}
    _require_admin(actor, context["action"], user)
    if actor.id == user.id:
        raise TransitionNotAllowed(
            "Nobody changes their own roles: ask another admin.", field="roles", **context
        )
    if not roles:
        raise ValidationError(
            "An account needs at least one role; deactivate it instead.", field="roles", **context
        )
    dual = require_dual_review_confirmation(
        set(roles), set(user.roles), confirm_dual_review, **context
    )
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
        after={"roles": after} | ({"editor_and_board_confirmed": True} if dual else {}),
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
