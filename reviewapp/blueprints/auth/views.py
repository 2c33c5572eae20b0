"""Sign in and out, and one's own account: password and API tokens."""

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from reviewapp.blueprints.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    DeclarationForm,
    SignInForm,
    TokenForm,
)
from reviewapp.domain import declarations
from reviewapp.domain.accounts import authenticate, change_password, record_sign_out
from reviewapp.domain.errors import DomainError, TooManyAttempts
from reviewapp.domain.tokens import issue_token, revoke_token
from reviewapp.domain.users import MIN_PASSWORD_LENGTH
from reviewapp.extensions import db
from reviewapp.models import ApiToken, User
from reviewapp.readmodels.tokens import token_rows
from reviewapp.rules.specialties import SPECIALTIES
from reviewapp.rules.states import Role
from reviewapp.web.access import get_or_404
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
            # The page's error summary shows the refusal, at the top and focused.
            audit_refusal(error)
            page = render_template("auth/sign_in.html", form=form)
            return page, error.status, retry_headers(error)
        db.session.commit()
        if user is not None:
            login_user(user)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        form.form_errors.append("Wrong email or password, or the account is deactivated.")
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


# The session's key for the request id of the token form it was last shown.
TOKEN_REQUEST = "token_request"  # noqa: S105 - a session key, not a secret
ALREADY_ISSUED = (
    "This form was already sent, and its token issued: its secret was shown once, on that "
    "page. Nothing new was issued. If you did not copy it, revoke it below and issue another."
)


def _account_page(account: User, form: TokenForm, *, status: int = 200, issued=None):
    if not form.request_id.data:
        # A blank form: the one the next token will be issued from, once.
        form.request_id.data = session[TOKEN_REQUEST] = secrets.token_urlsafe(16)
    page = render_template(
        "auth/account.html",
        account=account,
        tokens=token_rows(account),
        form=form,
        confirm=ConfirmForm(),
        issued=issued,
        declaration=declarations.standing_of(account),
    )
    return page, status


@bp.get("/account")
@login_required
def account():
    """Show one's account: the password link, one's API tokens, and a form to issue one."""
    return _account_page(db.session.get(User, current_user.id), TokenForm())


@bp.post("/account/tokens")
@login_required
def issue_api_token():
    """Issue a named API token with an expiry; its secret is shown on this answer only."""
    account_row = db.session.get(User, current_user.id)
    form = TokenForm()
    if not form.validate():
        return _account_page(account_row, form, status=422)
    if not form.request_id.data or form.request_id.data != session.get(TOKEN_REQUEST):
        blank = TokenForm(formdata=None)
        blank.form_errors.append(ALREADY_ISSUED)
        return _account_page(account_row, blank, status=409)
    try:
        token, secret = issue_token(
            account_row, account_row, form.name.data or "", form.expires_in_days.data
        )
    except DomainError as error:
        show_refusal(error, form)
        return _account_page(account_row, form, status=error.status)
    db.session.commit()
    session.pop(TOKEN_REQUEST, None)
    # Shown in this page only: not flashed (the session cookie would carry it), never cached.
    # A blank form below: the one just sent is done with.
    page, status = _account_page(account_row, TokenForm(formdata=None), issued=(token, secret))
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    """Revoke one of one's own API tokens; it stops working at once."""
    token = get_or_404(ApiToken, token_id, "API token")
    # Someone else's token is not there for this person, as a token that never existed.
    if token.user_id != current_user.id:
        abort(404, f"There is no API token {token_id}.")
    account_row = db.session.get(User, current_user.id)
    if not ConfirmForm().validate():
        abort(400, "The form expired; reload the page and try again.")
    try:
        revoke_token(account_row, token)
    except DomainError as error:
        audit_refusal(error)
        return _account_page(account_row, TokenForm(formdata=None), status=error.status)
    db.session.commit()
    flash(f"Token “{token.name or token.prefix}” revoked: it no longer opens the API.", "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/declaration", methods=["GET", "POST"], endpoint="declaration")
@login_required
def declaration_page():
    """Show one's declaration of interests in force and those before it, and make a new one."""
    account = db.session.get(User, current_user.id)
    current = declarations.current_declaration(account)
    # A new declaration starts from the one in force: declaring again unchanged is one click.
    start = (
        {"kind": current.kind, "text": current.text, "specialties": current.specialty_codes}
        if current is not None
        else None
    )
    form = DeclarationForm(data=start)
    status = 200
    if form.validate_on_submit():
        try:
            declarations.declare(
                account,
                account,
                kind=form.kind.data,
                text=form.text.data or "",
                specialty_codes=form.specialties.data or [],
            )
        except DomainError as error:
            show_refusal(error, form)
            status = error.status
        else:
            db.session.commit()
            until = declarations.standing_of(account).valid_until
            flash(
                f"Your declaration of interests is recorded: it is in force until "
                f"{until:%Y-%m-%d}, and public next to your approvals and signatures.",
                "info",
            )
            return redirect(url_for("auth.declaration"))
    elif form.is_submitted():
        status = 422 if form.csrf_token.data else 400
    page = render_template(
        "auth/declaration.html",
        account=account,
        form=form,
        standing=declarations.standing_of(account),
        history=declarations.history(account),
        labels=SPECIALTIES,
    )
    return page, status
