"""Contributor and editor pages: the review queue, editing, the review screen."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from reviewapp.blueprints.board.forms import InterestStatementForm
from reviewapp.blueprints.editor import pages, part_pages
from reviewapp.blueprints.editor.assignment import AssignForm, HoldForm
from reviewapp.blueprints.editor.forms import ActionForm, CommentForm, EditForm
from reviewapp.blueprints.editor.part_forms import (
    FrontMatterForm,
    NewReferenceForm,
    OutlineForm,
    PartForm,
    ReferenceForm,
    SettingsForm,
    SiteTextForm,
    SiteTextKeyForm,
)
from reviewapp.blueprints.editor.queue_filters import QueueFilterForm, page_number, page_url
from reviewapp.domain import assignments, part_chains
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.declarations import record_statement
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import DomainError
from reviewapp.domain.parts import can_propose, new_reference, submit_part
from reviewapp.domain.versions import HUMAN, can_submit, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, Comment, Reference, Section, User, Version
from reviewapp.readmodels.review_queue import (
    OWN_VERSIONS_SHOWN,
    REVIEW_DUE_SHOWN,
    QueueFilters,
    article_overview,
    article_parts,
    editor_accounts,
    own_rows,
    queue_page,
    review_due_rows,
    site_text_parts,
)
from reviewapp.rules import parts as part_rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Role, State
from reviewapp.web.access import get_or_404, roles_required
from reviewapp.web.errors import audit_refusal, show_refusal
from reviewapp.web.templating import action_counts

bp = Blueprint("editor", __name__, url_prefix="/review")

READERS = (Role.EDITOR, Role.CONTRIBUTOR)
DONE_MESSAGES = {
    Action.START_REVIEW: "Review started on version {number}: it is in your queue.",
    Action.REQUEST_CHANGES: "Changes requested on version {number}; the author has your comment.",
    Action.REJECT: "Version {number} rejected.",
    Action.APPROVE: "Version {number} approved: it is now {state}.",
    Action.OPEN_RE_REVIEW: "Re-review of version {number} opened: the board is asked to "
    "re-certify it unchanged.",
    Action.SEND_FOR_REVISION: "Version {number} sent for revision: it stays published, review "
    "due, and its author and the editors are told.",
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
    """Show one page of the review queue, filtered, with what needs the person at the top."""
    is_editor = current_user.has_role(Role.EDITOR)
    is_contributor = current_user.has_role(Role.CONTRIBUTOR)
    editors = editor_accounts() if is_editor else []
    form = QueueFilterForm(request.args, editors, editor=is_editor)
    valid = form.validate()
    page = page_number(request.args.get("page"))
    data = queue_page(
        current_user, form.filters(page) if valid else QueueFilters(), editor=is_editor
    )
    return (
        render_template(
            "editor/queue.html",
            queue=data,
            filters=form,
            needed=action_counts(),
            review_due=review_due_rows(utcnow().date()) if is_editor else [],
            own=own_rows(current_user) if is_contributor else [],
            page_url=lambda number: page_url(request.args, number),
            is_editor=is_editor,
            is_contributor=is_contributor,
            is_board=current_user.has_role(Role.BOARD),
            review_due_shown=REVIEW_DUE_SHOWN,
            own_shown=OWN_VERSIONS_SHOWN,
            wide=True,
        ),
        200 if valid else 422,
    )


@bp.get("/articles/<slug>")
@roles_required(*READERS)
def overview(slug: str):
    """Show every section and audience of an article with its published and newest wording."""
    article = _article_or_404(slug)
    return render_template(
        "editor/overview.html",
        overview=article_overview(article),
        parts=article_parts(article),
        review_days=part_chains.review_days(article),
        article=article,
        audiences=list(Audience),
        can_edit=can_submit(current_user),
        can_propose=can_propose(current_user),
        propose_url=part_pages.propose_url,
        history_url=part_pages.history_url,
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
            public_note=form.public_note.data or "",
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
    """Show a version for review: its text or values, diffs, comments and actions."""
    return _review_page(get_or_404(Version, version_id, "version"))


def _review_page(found: Version, **forms_and_status):
    if found.is_wording:
        return pages.review_page(found, **forms_and_status)
    return part_pages.part_review_page(found, **forms_and_status)


@bp.post("/versions/<int:version_id>/actions")
@roles_required(*READERS)
def act(version_id: int):
    """Take one workflow step on a version, with the comment typed in the page's one box."""
    found = get_or_404(Version, version_id, "version")
    form = ActionForm()
    if not form.validate():
        return _review_page(found, action_form=form, status=422)
    action = Action(form.action.data)
    try:
        moved = transition(current_user, found, action, form.comment.data or "")
    except DomainError as error:
        show_refusal(error, form)
        found = db.session.get(Version, version_id)
        return _review_page(found, action_form=form, status=error.status)
    db.session.commit()
    flash(
        DONE_MESSAGES[action].format(number=moved.number, state=moved.workflow_state.label), "info"
    )
    return redirect(url_for("editor.version", version_id=version_id))


@bp.post("/versions/<int:version_id>/interest")
@roles_required(*READERS)
def interest(version_id: int):
    """Record one's recusal from a version, or why a declared interest does not bear on it."""
    found = get_or_404(Version, version_id, "version")
    form = InterestStatementForm()
    if not form.validate_on_submit():
        status = 400 if not form.csrf_token.data else 422
        return _review_page(found, interest_form=form, status=status)
    try:
        recorded = record_statement(
            current_user, found, kind=form.kind.data, text=form.text.data or ""
        )
    except DomainError as error:
        show_refusal(error, form)
        found = db.session.get(Version, version_id)
        return _review_page(found, interest_form=form, status=error.status)
    db.session.commit()
    flash(
        f"Recusal recorded: you will neither approve nor sign version {found.number}."
        if recorded.is_recusal
        else f"Justification recorded for version {found.number}: it is shown next to your "
        "approval.",
        "info",
    )
    return redirect(url_for("editor.version", version_id=version_id, _anchor="interest"))


# The domain names the comment's text "body" (as the API does); the page's box is "comment".
COMMENT_FIELDS = {"body": "comment"}


@bp.post("/versions/<int:version_id>/comments")
@roles_required(*READERS)
def comment(version_id: int):
    """Comment on a version."""
    found = get_or_404(Version, version_id, "version")
    form = CommentForm()
    if not form.validate():
        return _review_page(found, comment_form=form, status=422)
    try:
        added = add_comment(current_user, found, form.comment.data or "")
    except DomainError as error:
        show_refusal(error, form, renamed=COMMENT_FIELDS)
        found = db.session.get(Version, version_id)
        return _review_page(found, comment_form=form, status=error.status)
    db.session.commit()
    flash("Comment added.", "info")
    return redirect(url_for("editor.version", version_id=version_id, _anchor=f"comment-{added.id}"))


def _hold_step(version_id: int, step: Callable[[Version], Version], done: str):
    """Claim, assign or release a version: refusals re-render its page with their status."""
    found = get_or_404(Version, version_id, "version")
    if not HoldForm().validate():
        abort(400, "The form expired; reload the page and try again.")
    try:
        held = step(found)
    except DomainError as error:
        audit_refusal(error)
        return _review_page(db.session.get(Version, version_id), status=error.status)
    db.session.commit()
    holder = held.assignee.printed_name if held.assignee is not None else ""
    flash(done.format(number=held.number, holder=holder), "info")
    return redirect(url_for("editor.version", version_id=version_id, _anchor="assignment-heading"))


@bp.post("/versions/<int:version_id>/claim")
@roles_required(*READERS)
def claim(version_id: int):
    """Claim a pending version as your own work."""
    return _hold_step(
        version_id,
        lambda found: assignments.claim(current_user, found),
        "Version {number} is yours to review.",
    )


@bp.post("/versions/<int:version_id>/assign")
@roles_required(*READERS)
def assign(version_id: int):
    """Assign a pending version to an editor, or reassign it."""
    form = AssignForm()
    chosen = form.assignee_id.data if form.validate() else None
    return _hold_step(
        version_id,
        lambda found: assignments.assign(
            current_user, found, db.session.get(User, chosen) if chosen else None
        ),
        "Version {number} is assigned to {holder}.",
    )


@bp.post("/versions/<int:version_id>/release")
@roles_required(*READERS)
def release(version_id: int):
    """Release your hold, or another editor's, on a pending version."""
    return _hold_step(
        version_id,
        lambda found: assignments.release(current_user, found),
        "Version {number} is released: any editor may claim it.",
    )


@bp.post("/comments/<int:comment_id>/resolve")
@roles_required(*READERS)
def resolve(comment_id: int):
    """Mark a comment resolved, keeping any comment the person was typing in the box."""
    found = get_or_404(Comment, comment_id, "comment")
    # The resolve buttons belong to the review form: they carry the box's text along.
    form = CommentForm()
    if not form.validate():
        version = db.session.get(Version, found.version_id)
        return _review_page(version, comment_form=form, status=422)
    version_id = found.version_id
    try:
        resolve_comment(current_user, found)
    except DomainError as error:
        show_refusal(error, form)
        return _review_page(
            db.session.get(Version, version_id), comment_form=form, status=error.status
        )
    db.session.commit()
    flash("Comment marked resolved.", "info")
    if (form.comment.data or "").strip():
        # Redirecting would empty the box: show the page again with the text still in it.
        return _review_page(db.session.get(Version, version_id), comment_form=form)
    return redirect(url_for("editor.version", version_id=version_id, _anchor=f"comment-{found.id}"))


# --- Proposing the parts of a page besides wording ------------------------------------------


def _may_propose() -> None:
    if not can_propose(current_user):
        abort(403, "Only contributors and medical editors can propose a change.")


def _propose(part: part_chains.Part, form: PartForm, payload: Callable[[], dict[str, Any]]):
    """Show, preview or submit a proposal form for an existing part."""
    _may_propose()
    proposal = part_pages.proposal_for(part)
    if not form.is_submitted():
        return part_pages.propose_page(proposal, part_pages.start(form, part))
    if not form.validate():
        return part_pages.propose_page(proposal, form, status=422)
    values = payload()
    if pages.intent() == "preview":
        return part_pages.propose_page(proposal, form, payload=values, previewed=True)
    try:
        version = submit_part(
            current_user,
            part,
            values,
            base_version_id=form.base_id(),
            change_summary=form.change_summary.data or "",
            provenance=HUMAN,
        )
    except DomainError as error:
        audit_refusal(error)
        part_pages.mark_field(form, error)
        return part_pages.propose_page(
            proposal, form, payload=values, error=error, status=error.status
        )
    db.session.commit()
    flash(f"Submitted version {version.number} of the {part.kind.label} for review.", "info")
    return redirect(url_for("editor.version", version_id=version.id))


def _reference_or_404(article: Article, key: str) -> Reference:
    reference = db.session.scalar(
        select(Reference).where(Reference.article_id == article.id, Reference.key == key)
    )
    if reference is None:
        abort(404, f"The article {article.slug} has no reference {key}.")
    return reference


@bp.route("/articles/<slug>/front-matter", methods=["GET", "POST"])
@roles_required(*READERS)
def propose_front_matter(slug: str):
    """Propose a version of an article's title, language, specialty and authors."""
    form = FrontMatterForm()
    if form.is_submitted():
        form.add_blank_rows()
    return _propose(part_chains.front_matter_part(_article_or_404(slug)), form, form.payload)


@bp.route("/articles/<slug>/settings", methods=["GET", "POST"])
@roles_required(*READERS)
def propose_settings(slug: str):
    """Propose a version of an article's review settings."""
    form = SettingsForm()
    return _propose(part_chains.settings_part(_article_or_404(slug)), form, form.payload)


@bp.route("/articles/<slug>/outline", methods=["GET", "POST"])
@roles_required(*READERS)
def propose_outline(slug: str):
    """Propose a version of an article's outline: order, levels, new and retired sections."""
    form = OutlineForm()
    return _propose(part_chains.outline_part(_article_or_404(slug)), form, form.payload)


@bp.route("/articles/<slug>/references/<key>", methods=["GET", "POST"])
@roles_required(*READERS)
def propose_reference(slug: str, key: str):
    """Propose a version of one reference of an article."""
    article = _article_or_404(slug)
    reference = _reference_or_404(article, key)
    form = ReferenceForm()
    return _propose(part_chains.reference_part(reference), form, lambda: form.payload(key))


@bp.route("/articles/<slug>/new-reference", methods=["GET", "POST"])
@roles_required(*READERS)
def propose_new_reference(slug: str):
    """Propose a reference the article does not have yet."""
    _may_propose()
    article = _article_or_404(slug)
    proposal = part_pages.new_reference_proposal(article)
    form = NewReferenceForm()
    if not form.is_submitted():
        form.kind.data = "article"
        return part_pages.propose_page(proposal, form)
    if not form.validate():
        return part_pages.propose_page(proposal, form, status=422)
    key = (form.key.data or "").strip()
    values = form.payload(key)
    if pages.intent() == "preview":
        return part_pages.propose_page(proposal, form, payload=values, previewed=True)
    try:
        reference = new_reference(current_user, article, key)
        version = submit_part(
            current_user,
            part_chains.reference_part(reference),
            values,
            base_version_id=None,
            change_summary=form.change_summary.data or "",
            provenance=HUMAN,
        )
    except DomainError as error:
        audit_refusal(error)
        part_pages.mark_field(form, error)
        return part_pages.propose_page(
            proposal, form, payload=values, error=error, status=error.status
        )
    db.session.commit()
    flash(f"Submitted reference {key} for review.", "info")
    return redirect(url_for("editor.version", version_id=version.id))


@bp.get("/site-texts")
@roles_required(*READERS)
def site_texts():
    """List the site's texts with their newest and published versions; open one by its key."""
    form = SiteTextKeyForm(request.args)
    status = 200
    if "key" in request.args:
        key = (form.key.data or "").strip()
        problem = part_rules.site_text_key_problem(key)
        if problem is None:
            return redirect(url_for("editor.propose_site_text", key=key))
        form.key.errors = [problem]
        status = 422
    return (
        render_template(
            "editor/site_texts.html",
            texts=site_text_parts(),
            form=form,
            can_propose=can_propose(current_user),
            propose_url=part_pages.propose_url,
            history_url=part_pages.history_url,
            is_editor=current_user.has_role(Role.EDITOR),
            wide=True,
        ),
        status,
    )


@bp.route("/site-texts/<key>", methods=["GET", "POST"])
@roles_required(*READERS)
def propose_site_text(key: str):
    """Propose a version of one site text: a disclaimer or the editorial policy."""
    problem = part_rules.site_text_key_problem(key)
    if problem is not None:
        abort(404, problem)
    form = SiteTextForm()
    return _propose(part_chains.site_text_part(key), form, lambda: form.payload(key))
