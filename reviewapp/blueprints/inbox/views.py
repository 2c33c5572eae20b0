"""Everyone's inbox: what they were told of, and which of it they also want by email."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from reviewapp.blueprints.inbox.forms import MarkReadForm, PreferencesForm, preference_fields
from reviewapp.domain.notifications import (
    email_preferences,
    mark_all_read,
    mark_read,
    set_email_preferences,
)
from reviewapp.extensions import db
from reviewapp.readmodels.inbox import inbox_page
from reviewapp.rules.limits import MAX_ID
from reviewapp.rules.notifications import NotificationKind

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        abort(400, f"?page= must be a page number, not {raw!r}.")
    return int(raw)


@bp.get("")
@login_required
def index():
    """List the signed-in person's notifications, newest first, unread ones marked."""
    page = inbox_page(current_user.id, _page_number())
    return render_template("inbox/index.html", inbox=page, form=MarkReadForm())


@bp.post("/read")
@login_required
def read():
    """Mark one notification read, or all of them when no notification is named."""
    form = MarkReadForm()
    if not form.validate():
        abort(400, "The form expired; reload the page and try again.")
    raw = form.notification_id.data or ""
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
            abort(400, "Reload the page: the notification it names is not valid.")
        marked = mark_read(current_user, [int(raw)])
    else:
        marked = mark_all_read(current_user)
    db.session.commit()
    flash(f"Marked {marked} notification{'s' if marked != 1 else ''} read.", "info")
    return redirect(url_for("inbox.index", page=request.args.get("page") or None))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Choose, per kind of notification, whether it also comes by email."""
    form = PreferencesForm()
    if not form.is_submitted():
        for kind, on in email_preferences(current_user).items():
            form[kind.value].data = on
    elif not form.validate():
        return render_template(
            "inbox/preferences.html", form=form, fields=preference_fields(form)
        ), 400
    else:
        changed = set_email_preferences(
            current_user, {kind: bool(form[kind.value].data) for kind in NotificationKind}
        )
        db.session.commit()
        flash("Email preferences saved." if changed else "Nothing changed.", "info")
        return redirect(url_for("inbox.preferences"))
    return render_template("inbox/preferences.html", form=form, fields=preference_fields(form))
