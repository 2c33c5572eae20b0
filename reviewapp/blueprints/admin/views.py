"""Admin pages: accounts, their roles, deactivation, password resets."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from reviewapp.blueprints.admin.forms import ConfirmForm, CreateUserForm, RolesForm
from reviewapp.domain.accounts import reset_password, set_active, set_roles
from reviewapp.domain.errors import DomainError
from reviewapp.domain.users import create_user
from reviewapp.extensions import db
from reviewapp.models import User
from reviewapp.readmodels.tokens import token_rows
from reviewapp.rules.states import Role
from reviewapp.web.access import get_or_404, roles_required
from reviewapp.web.errors import show_refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """List the accounts with their roles."""
    accounts = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", accounts=accounts, wide=True)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    """Create an account."""
    form = CreateUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(
                current_user,
                email=form.email.data,
                name=form.name.data,
                credentials=form.credentials.data or "",
                password=form.password.data,
                roles=[Role(value) for value in form.roles.data],
                confirm_dual_review=form.confirm_dual_review.data,
            )
        except DomainError as error:
            show_refusal(error, form)
            status = error.status
        else:
            db.session.commit()
            flash(f"Created the account {user.email}.", "info")
            return redirect(url_for("admin.user", user_id=user.id))
    elif form.is_submitted():
        status = 422 if form.csrf_token.data else 400
    return render_template("admin/new_user.html", form=form), status


def _account_page(
    account: User, form: RolesForm, status: int = 200, temporary_password: str | None = None
):
    page = render_template(
        "admin/user.html",
        account=account,
        form=form,
        confirm=ConfirmForm(),
        tokens=token_rows(account),
        own_account=account.id == current_user.id,
        temporary_password=temporary_password,
    )
    return page, status


def _roles_form(account: User) -> RolesForm:
    return RolesForm(roles=sorted(role.value for role in account.roles))


@bp.get("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user(user_id: int):
    """Show one account: roles, status, API tokens."""
    account = get_or_404(User, user_id, "account")
    return _account_page(account, _roles_form(account))


@bp.post("/users/<int:user_id>/roles")
@roles_required(Role.ADMIN)
def update_roles(user_id: int):
    """Replace an account's roles."""
    account = get_or_404(User, user_id, "account")
    form = RolesForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("admin.user", user_id=user_id)), 303
    try:
        set_roles(
            current_user,
            account,
            [Role(value) for value in form.roles.data],
            confirm_dual_review=form.confirm_dual_review.data,
        )
    except DomainError as error:
        show_refusal(error, form)
        return _account_page(db.session.get(User, user_id), form, error.status)
    db.session.commit()
    flash(f"Roles of {account.email} saved.", "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate(user_id: int):
    """Deactivate an account; its history stays."""
    return _set_active(user_id, active=False)


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate(user_id: int):
    """Reactivate an account."""
    return _set_active(user_id, active=True)


def _set_active(user_id: int, *, active: bool):
    account = get_or_404(User, user_id, "account")
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("admin.user", user_id=user_id)), 303
    set_active(current_user, account, active)
    db.session.commit()
    flash(f"{account.email} is {'active again' if active else 'deactivated'}.", "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password", endpoint="reset_password")
@roles_required(Role.ADMIN)
def reset_password_page(user_id: int):
    """Give another account a temporary password, shown here once; it ends their sessions."""
    account = get_or_404(User, user_id, "account")
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("admin.user", user_id=user_id)), 303
    temporary = reset_password(current_user, account)
    db.session.commit()
    # Answered here rather than redirected: the password is in this response only, never in
    # the session cookie, the audit trail or a page that can be opened again.
    return _account_page(account, _roles_form(account), temporary_password=temporary)
