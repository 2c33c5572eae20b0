"""Sign in and out, and change one's own password."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from reviewapp.blueprints.auth.forms import ChangePasswordForm, SignInForm
from reviewapp.domain.accounts import authenticate, change_password, record_sign_out
from reviewapp.domain.errors import DomainError, TooManyAttempts
from reviewapp.domain.users import MIN_PASSWORD_LENGTH
from reviewapp.extensions import db
from reviewapp.models import User
from reviewapp.rules.states import Role
from reviewapp.web.errors import audit_refusal, retry_headers, show_refusal

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
            page = render_template("auth/sign_in.html", form=form)
            return page, error.status, retry_headers(error)
        db.session.commit()
        if user is not None:
            login_user(user)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
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


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_page():
    """Change one's own password; every other session of the account ends."""
    account = db.session.get(User, current_user.id)
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(
                account,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                remote_addr=request.remote_addr or "",
            )
        except DomainError as error:
            show_refusal(error, form)
            status = error.status
        else:
            db.session.commit()
            # The change ended every session; this one carries the new token and stays.
            login_user(account)
            flash("Your password is changed. Your other sessions are signed out.", "info")
            return redirect(home_for(account))
    elif form.is_submitted():
        status = 422 if form.csrf_token.data else 400
    page = render_template(
        "auth/change_password.html",
        form=form,
        forced=account.must_change_password,
        min_length=MIN_PASSWORD_LENGTH,
    )
    return page, status
