"""Signing in and out, passwords, and the admin's changes to accounts.

Signing out, a changed or reset password and deactivation move the account's session token,
which ends every session issued before (`User.end_sessions`).
"""

import functools
import secrets

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from reviewapp.domain import audit, lockout
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    require_fits,
)
from reviewapp.domain.users import MIN_PASSWORD_LENGTH, require_dual_review_confirmation
from reviewapp.extensions import db
from reviewapp.models import User, UserRole
from reviewapp.rules import limits
from reviewapp.rules.states import Role

SIGN_IN = "auth.sign_in"
SIGN_OUT = "auth.sign_out"
CHANGE_PASSWORD = "user.change_password"  # noqa: S105 - an action name
RESET_PASSWORD = "user.reset_password"  # noqa: S105 - an action name
WRONG_CURRENT_PASSWORD = "Wrong current password: the password was not changed."  # noqa: S105
# Read aloud or copied by hand: no 0/O, 1/l/I. 16 of 31 symbols are about 79 bits.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_GROUPS, TEMPORARY_GROUP_LENGTH = 4, 4


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
    lockout.record_check(lockout.SIGN_IN, email, user is not None, remote_addr, action=SIGN_IN)
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
    """End every session of `user`, so a copied cookie opens nothing after signing out."""
    user.end_sessions()
    audit.record(user, SIGN_OUT, target=("user", user.id), message="sessions ended")


class WrongCurrentPassword(PermissionDenied):
    """A wrong current password. Its check and refusal are recorded by the domain itself."""

    # The handler commits this refusal instead of rolling it back: the failed check counts
    # toward the sign-in lockout, and nothing else was written before the password was checked.
    keep_records = True


def _require_new_password(new_password: str, current_password: str, **context) -> None:
    require_fits("new_password", new_password, limits.PASSWORD, **context)
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The new password must have at least {MIN_PASSWORD_LENGTH} characters.",
            field="new_password",
            **context,
        )
    if new_password == current_password:
        raise ValidationError(
            "Choose a new password that differs from the current one.",
            field="new_password",
            **context,
        )


def change_password(
    actor: User, *, current_password: str, new_password: str, remote_addr: str = ""
) -> User:
    """Give `actor` a new password after checking the current one; end their sessions.

    A wrong current password counts toward the sign-in lockout, and while it is locked the
    password is not even checked. The caller keeps its own session by signing in again.
    """
    context = {"action": CHANGE_PASSWORD, "target": ("user", actor.id)}
    if not actor.active:
        raise PermissionDenied("A deactivated account cannot change its password.", **context)
    lockout.refuse_if_locked(lockout.SIGN_IN, actor.email, remote_addr, **context)
    require_fits("current_password", current_password, limits.PASSWORD, **context)
    _require_new_password(new_password, current_password, **context)
    right = actor.check_password(current_password)
    lockout.record_check(lockout.SIGN_IN, actor.email, right, remote_addr, **context)
    if not right:
        error = WrongCurrentPassword(WRONG_CURRENT_PASSWORD, field="current_password", **context)
        audit.record_refusal(actor, error)
        raise error
    _replace_password(
        actor, actor, new_password, temporary=False, action=CHANGE_PASSWORD, why="password changed"
    )
    return actor


def temporary_password() -> str:
    """Return a random password meant to be used once, grouped for reading: abcd-efgh-…."""
    groups = (
        "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_GROUP_LENGTH))
        for _ in range(TEMPORARY_GROUPS)
    )
    return "-".join(groups)


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
    if not active:
        # An inactive account is refused by every session already; a reactivated one must
        # still sign in again, whatever cookie was kept.
        user.end_sessions()
    audit.record(
        actor,
        action,
        target=("user", user.id),
        before={"active": not active},
        after={"active": active},
    )
    return user


def reset_password(actor: User, user: User) -> str:
    """Give another account a temporary password it must change at its next sign-in.

    Ends that account's sessions and returns the temporary password, for the admin to pass
    on: it is stored only hashed and never audited.
    """
    context = {"action": RESET_PASSWORD, "target": ("user", user.id)}
    _require_admin(actor, RESET_PASSWORD, user)
    if actor.id == user.id:
        raise TransitionNotAllowed(
            "An admin does not reset their own password: change it on the password page.",
            **context,
        )
    password = temporary_password()
    _replace_password(
        actor,
        user,
        password,
        temporary=True,
        action=RESET_PASSWORD,
        why="temporary password issued",
    )
    return password


def _replace_password(
    actor: User, user: User, password: str, *, temporary: bool, action: str, why: str
) -> None:
    """Set `user`'s password, end their sessions, and audit it (never the password)."""
    was_temporary = user.must_change_password
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    user.must_change_password = temporary
    user.end_sessions()
    db.session.flush()
    audit.record(
        actor,
        action,
        target=("user", user.id),
        before={"must_change_password": was_temporary},
        after={"must_change_password": temporary},
        message=f"{why}; sessions ended",
    )
