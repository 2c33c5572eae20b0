"""Contributor and editor pages: the review queue, editing, the review screen."""

from flask import Blueprint, render_template

from reviewapp.access import roles_required
from reviewapp.domain.states import Role

bp = Blueprint("editor", __name__, url_prefix="/review")


@bp.get("/")
@roles_required(Role.EDITOR, Role.CONTRIBUTOR)
def queue():
    """Show the review queue."""
    return render_template("editor/queue.html")
