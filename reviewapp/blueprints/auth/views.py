"""Sign in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from reviewapp.blueprints.auth.forms import SignInForm
from reviewapp.domain.accounts import authenticate, record_sign_out
from reviewapp.domain.errors import TooManyAttempts
from reviewapp.extensions import db
from reviewapp.rules.states import Role
from reviewapp.web.errors import audit_refusal

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    """Return the page an account lands on after signing in."""
    if user.has_role(Role.EDITOR) or user.has_role(Role.CONTRIBUTOR):
        return url_for("editor.queue")
    if user.has_role(Role.BOARD):
        return url_for("board.home")
    if user.has_role(Role.ADMIN):
        return url_for("admin.users")
    return url_for("public.index")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    # Only paths on this site: no scheme, no host, no protocol-relative "//".
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with email and password."""
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except TooManyAttempts as error:
            audit_refusal(error)
            flash(error.message, "error")
            return render_template("auth/sign_in.html", form=form), error.status
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        flash("Wrong email or password, or the account is deactivated.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    """Sign out."""
    record_sign_out(current_user)
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("public.index"))
