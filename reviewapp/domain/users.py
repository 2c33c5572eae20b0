"""Accounts: creation and roles, with every change audited."""

import re

from flask import current_app
from sqlalchemy import select

from reviewapp.domain import audit
from reviewapp.domain.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from reviewapp.extensions import db
from reviewapp.models import User, UserRole
from reviewapp.rules.states import Role

MIN_PASSWORD_LENGTH = 12
# Holding both roles weakens the board's independent check: it must be confirmed.
DUAL_REVIEW = frozenset({Role.EDITOR, Role.BOARD})
DUAL_REVIEW_WARNING = (
    "An account that is both a medical editor and a board member can never sign what it "
    "reviewed: each version it reviews has one independent signer fewer, and a small board may "
    "then not reach its quorum. Confirm that this account needs both roles."
)


def require_dual_review_confirmation(
    roles: set[Role], before: set[Role], confirmed: bool, **context
) -> bool:
    """Refuse newly combining the editor and board roles unless confirmed; say if it is."""
    combining = roles >= DUAL_REVIEW and not before >= DUAL_REVIEW
    if combining and not confirmed:
        raise ValidationError(DUAL_REVIEW_WARNING, field="confirm_dual_review", **context)
    return combining


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    password: str,
    roles: list[Role],
    credentials: str = "",
    confirm_dual_review: bool = False,
) -> User:
    """Create an account; `actor` None means the command line, which only operators reach."""
    email = email.strip().lower()
    context = {"action": "user.create", "target": ("user", None)}
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only an admin can create accounts.", **context)
    if not _EMAIL.match(email):
        raise ValidationError(f"{email!r} is not an email address.", **context)
    if not name.strip():
        raise ValidationError("A name is required.", **context)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", **context
        )
    if not roles:
        raise ValidationError("Give the account at least one role.", **context)
    dual = require_dual_review_confirmation(set(roles), set(), confirm_dual_review, **context)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise TransitionNotAllowed(f"An account with the email {email} already exists.", **context)
    user = User(email=email, name=name.strip(), credentials=credentials.strip(), active=True)
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    user.role_rows = [UserRole(role=role.value) for role in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user.create",
        target=("user", user.id),
        after={
            "email": email,
            "name": user.name,
            "credentials": user.credentials,
            "roles": sorted(role.value for role in set(roles)),
        }
        | ({"editor_and_board_confirmed": True} if dual else {}),
    )
    return user
