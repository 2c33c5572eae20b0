"""Contributor and editor pages: the review queue, editing, the review screen."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from reviewapp.blueprints.editor import pages
from reviewapp.blueprints.editor.forms import ActionForm, CommentForm, ConfirmForm, EditForm
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import DomainError
from reviewapp.domain.versions import HUMAN, can_submit, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, Comment, Section, Version
from reviewapp.readmodels.review_queue import article_overview, queue_for
from reviewapp.rules.states import Action, Audience, Role, State
from reviewapp.web.access import get_or_404, roles_required
from reviewapp.web.errors import audit_refusal, show_refusal

bp = Blueprint("editor", __name__, url_prefix="/review")

READERS = (Role.EDITOR, Role.CONTRIBUTOR)
DONE_MESSAGES = {
    Action.START_REVIEW: "Review started on version {number}: it is in your queue.",
    Action.REQUEST_CHANGES: "Changes requested on version {number}; the author has your comment.",
    Action.REJECT: "Version {number} rejected.",
    Action.APPROVE: "Version {number} approved: it is now {state}.",
}


def _article_or_404(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        abort(404, f"There is no article {slug}.")
    return article


def _chain_or_404(slug: str, key: str, audience: str) -> tuple[Section, Audience]:
    article = _article_or_404(slug)
    section = db.session.scalar(
        select(Section).where(Section.article_id == article.id, Section.key == key)
    )
    if section is None:
        abort(404, f"The article {slug} has no section {key}.")
    try:
        return section, Audience(audience)
    except ValueError:
        abort(404, f"Unknown audience {audience!r}: use 'clinician' or 'patient'.")


@bp.get("/")
@roles_required(*READERS)
def queue():
    """Show the review queue."""
    data = queue_for(
        current_user,
        editor=current_user.has_role(Role.EDITOR),
        contributor=current_user.has_role(Role.CONTRIBUTOR),
    )
    return render_template(
        "editor/queue.html",
        queue=data,
        is_editor=current_user.has_role(Role.EDITOR),
        is_contributor=current_user.has_role(Role.CONTRIBUTOR),
        State=State,
        wide=True,
    )


@bp.get("/articles/<slug>")
@roles_required(*READERS)
def overview(slug: str):
    """Show every section and audience of an article with its published and newest wording."""
    article = _article_or_404(slug)
    return render_template(
        "editor/overview.html",
        overview=article_overview(article),
        article=article,
        audiences=list(Audience),
        can_edit=can_submit(current_user),
        is_editor=current_user.has_role(Role.EDITOR),
        State=State,
        wide=True,
    )


@bp.route("/articles/<slug>/sections/<key>/<audience>/edit", methods=["GET", "POST"])
@roles_required(Role.CONTRIBUTOR)
def edit(slug: str, key: str, audience: str):
    """Edit a section's wording for one audience; preview it or submit it as a new version."""
    section, chosen = _chain_or_404(slug, key, audience)
    form = EditForm()
    if not form.is_submitted():
        return pages.edit_page(section, chosen, pages.prefilled(form, section, chosen))
    if not form.validate():
        return pages.edit_page(section, chosen, form, status=422)
    if pages.intent() == "preview":
        return pages.edit_page(section, chosen, form, preview=True)
    base = form.version_id(
        form.seen_version.data if form.build_on_seen.data else form.base_version.data
    )
    try:
        version = submit_version(
            current_user,
            section,
            chosen,
            heading=form.heading.data or "",
            body=form.body.data or "",
            base_version_id=base,
            provenance=HUMAN,
            change_summary=form.change_summary.data or "",
        )
    except DomainError as error:
        audit_refusal(error)
        return pages.edit_page(section, chosen, form, error=error, status=error.status)
    db.session.commit()
    flash(f"Submitted version {version.number} for review.", "info")
    return redirect(url_for("editor.version", version_id=version.id))


@bp.post("/articles/<slug>/sections/<key>/<audience>/preview")
@roles_required(Role.CONTRIBUTOR)
def preview(slug: str, key: str, audience: str):
    """Render the typed wording as a fragment for the live preview; nothing is stored."""
    section, chosen = _chain_or_404(slug, key, audience)
    form = EditForm()
    if not form.validate():
        abort(422, "The preview could not be made from this form.")
    return render_template(
        "editor/_preview.html",
        article=section.article,
        preview=pages.make_preview(section, chosen, form),
    )


@bp.get("/versions/<int:version_id>")
@roles_required(*READERS)
def version(version_id: int):
    """Show a version for review: wording, diffs, references, comments and actions."""
    return pages.review_page(get_or_404(Version, version_id, "version"))


@bp.post("/versions/<int:version_id>/actions")
@roles_required(*READERS)
def act(version_id: int):
    """Take one workflow step on a version."""
    found = get_or_404(Version, version_id, "version")
    form = ActionForm()
    if not form.validate():
        return pages.review_page(found, action_form=form, status=422)
    action = Action(form.action.data)
    try:
        moved = transition(current_user, found, action, form.comment.data or "")
    except DomainError as error:
        show_refusal(error, form)
        found = db.session.get(Version, version_id)
        return pages.review_page(found, action_form=form, status=error.status)
    db.session.commit()
    flash(
        DONE_MESSAGES[action].format(number=moved.number, state=moved.workflow_state.label), "info"
    )
    return redirect(url_for("editor.version", version_id=version_id))


@bp.post("/versions/<int:version_id>/comments")
@roles_required(*READERS)
def comment(version_id: int):
    """Comment on a version."""
    found = get_or_404(Version, version_id, "version")
    form = CommentForm()
    if not form.validate():
        return pages.review_page(found, comment_form=form, status=422)
    try:
        added = add_comment(current_user, found, form.body.data or "")
    except DomainError as error:
        show_refusal(error, form)
        found = db.session.get(Version, version_id)
        return pages.review_page(found, comment_form=form, status=error.status)
    db.session.commit()
    flash("Comment added.", "info")
    return redirect(url_for("editor.version", version_id=version_id, _anchor=f"comment-{added.id}"))


@bp.post("/comments/<int:comment_id>/resolve")
@roles_required(*READERS)
def resolve(comment_id: int):
    """Mark a comment resolved."""
    found = get_or_404(Comment, comment_id, "comment")
    if not ConfirmForm().validate():
        abort(400, "The form expired; reload the page and try again.")
    resolve_comment(current_user, found)
    db.session.commit()
    flash("Comment marked resolved.", "info")
    return redirect(
        url_for("editor.version", version_id=found.version_id, _anchor=f"comment-{found.id}")
    )
