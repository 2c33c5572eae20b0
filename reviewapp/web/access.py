"""Who may reach a view, and loading rows or answering 404."""

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, request
from flask_login import current_user, login_required

from reviewapp.extensions import db
from reviewapp.rules.limits import MAX_ID
from reviewapp.rules.states import Role

Model = TypeVar("Model")


def roles_required(*roles: Role) -> Callable:
    """Let a signed-in, active account with any of `roles` through; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                names = " or ".join(role.value for role in roles)
                abort(403, f"This page is for accounts with the {names} role.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_or_404(model: type[Model], row_id: int, what: str) -> Model:
    """Load one row by primary key or answer 404 naming what was missing."""
    # Beyond the id column's range no row can exist, and the database would refuse the query.
    row = db.session.get(model, row_id) if 1 <= row_id <= MAX_ID else None
    if row is None:
        abort(404, f"There is no {what} {row_id}.")
    return row


def query_id(name: str, what: str) -> int | None:
    """Read the id of a `what` from the query string: None when absent, 400 when not a number."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        abort(400, f"?{name}= must be the number of a {what}, not {raw!r}.")
