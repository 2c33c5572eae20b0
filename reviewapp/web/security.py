"""Response headers that lock the pages down, the session's user loader, and the forced
password change after an admin's reset."""

import secrets

from flask import Flask, Response, redirect, request, url_for
from flask_login import current_user

from reviewapp.extensions import db, login_manager
from reviewapp.models import User
from reviewapp.rules.limits import MAX_ID

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


# What a person whose password was reset may still reach before choosing a new one.
BEFORE_PASSWORD_CHANGE = frozenset({"auth.change_password", "auth.sign_out", "static"})
# The API authenticates by bearer token and the probes by nothing: neither reads the session.
SESSIONLESS_BLUEPRINTS = frozenset({"api", "ops", "transparency"})


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the active account a session names, or None once its sessions were ended."""
    # User.get_id(): "<id>:<session token>". A session issued before the account's token
    # moved (sign-out, new password, deactivation) names an old token and opens nothing.
    user_id, _, token = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and token) or int(user_id) > MAX_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return user if secrets.compare_digest(user.session_token.encode(), token.encode()) else None


def _require_password_change() -> Response | None:
    """Send a person whose password an admin reset to the change page, from any other page."""
    if request.blueprint in SESSIONLESS_BLUEPRINTS or request.endpoint in BEFORE_PASSWORD_CHANGE:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


def _harden(response: Response) -> Response:
    if current_user.is_authenticated:
        # A signed-in page is that person's: no shared cache may keep or serve it.
        response.headers.setdefault("Cache-Control", "private, no-store")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.before_request(_require_password_change)
    app.after_request(_harden)
