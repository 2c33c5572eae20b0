"""Admin pages: accounts and roles."""

from flask import Blueprint, render_template

from reviewapp.access import roles_required
from reviewapp.domain.states import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """List the accounts."""
    return render_template("admin/users.html")
