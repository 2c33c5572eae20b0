"""Board pages: sign-off, version history, diffs, and the audit trail."""

import io
import json
from datetime import UTC

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from reviewapp.blueprints.board.forms import AuditFilterForm, ObjectForm, SignForm
from reviewapp.cli.audit import EXPORT_FIELDS
from reviewapp.domain import signatures
from reviewapp.domain.errors import DomainError
from reviewapp.domain.signoffs import can_object, can_sign, object_to_version, sign_version
from reviewapp.extensions import db
from reviewapp.models import Article, Section, Version, VersionTransition
from reviewapp.readmodels.history import (
    AuditFilters,
    audit_page,
    audit_query,
    timeline,
)
from reviewapp.rules.states import Audience, Role, State
from reviewapp.text.diffing import inline_html, side_by_side_html, summary, word_diff
from reviewapp.text.markdown import CitationNumbering
from reviewapp.text.spreadsheet import SafeDictWriter
from reviewapp.web.access import get_or_404, query_id, roles_required
from reviewapp.web.errors import show_refusal

bp = Blueprint("board", __name__, url_prefix="/board")
AUDITORS = (Role.BOARD,)
HISTORY_READERS = (Role.BOARD, Role.EDITOR)
EXPORT_LIMIT = 100_000


@bp.get("/")
@roles_required(Role.BOARD)
def home():
    """List the versions waiting for the board, and the articles to audit."""
    awaiting = db.session.execute(
        select(Version, Section, Article)
        .join(Section, Section.id == Version.section_id)
        .join(Article, Article.id == Section.article_id)
        .where(Version.state == State.AWAITING_SIGNOFF.value)
        .order_by(Version.state_changed_at)
    ).all()
    signed = signatures.counting_signoffs([version.id for version, _, _ in awaiting])
    articles = db.session.scalars(select(Article).order_by(Article.title)).all()
    return render_template(
        "board/home.html", awaiting=awaiting, signed=signed, articles=articles, wide=True
    )


def _version_page(
    version: Version, sign_form: SignForm, object_form: ObjectForm, status: int = 200
):
    section = version.section
    article = section.article
    approvals = db.session.scalars(
        select(VersionTransition)
        .where(VersionTransition.version_id == version.id)
        .order_by(VersionTransition.created_at)
    ).all()
    entry = next(e for e in timeline(section, version.audience_enum) if e.version.id == version.id)
    html = CitationNumbering().apply(version.body_html)
    return (
        render_template(
            "board/version.html",
            version=version,
            section=section,
            article=article,
            html=html,
            transitions=approvals,
            entry=entry,
            counted=signatures.quorum_count(version),
            not_counted={
                signoff.id for signoff in entry.signoffs if not signatures.counts(signoff, version)
            },
            can_sign=can_sign(current_user, version),
            can_object=can_object(current_user, version),
            sign_form=sign_form,
            object_form=object_form,
            wide=True,
        ),
        status,
    )


@bp.get("/versions/<int:version_id>")
@roles_required(*HISTORY_READERS)
def version(version_id: int):
    """Show one version with its approvals and signatures, and the sign-off form."""
    found = get_or_404(Version, version_id, "version")
    return _version_page(found, SignForm(), ObjectForm())


@bp.post("/versions/<int:version_id>/sign")
@roles_required(Role.BOARD)
def sign(version_id: int):
    """Sign a version with a re-entered password."""
    found = get_or_404(Version, version_id, "version")
    form = SignForm()
    if not form.validate_on_submit():
        return _version_page(found, form, ObjectForm(), 400 if not form.csrf_token.data else 422)
    try:
        sign_version(current_user, found, password=form.password.data, meaning=form.meaning.data)
    except DomainError as error:
        show_refusal(error, form)
        form.password.data = ""
        return _version_page(db.session.get(Version, version_id), form, ObjectForm(), error.status)
    db.session.commit()
    flash(f"Signed version {found.number}: “{form.meaning.data}”.", "info")
    return redirect(url_for("board.version", version_id=version_id))


@bp.post("/versions/<int:version_id>/object")
@roles_required(Role.BOARD)
def object_(version_id: int):
    """Object to a version awaiting sign-off."""
    found = get_or_404(Version, version_id, "version")
    form = ObjectForm()
    if not form.validate_on_submit():
        return _version_page(found, SignForm(), form, 400 if not form.csrf_token.data else 422)
    try:
        object_to_version(current_user, found, form.reason.data)
    except DomainError as error:
        show_refusal(error, form)
        return _version_page(db.session.get(Version, version_id), SignForm(), form, error.status)
    db.session.commit()
    flash(f"Objection recorded: version {found.number} goes back for changes.", "info")
    return redirect(url_for("board.version", version_id=version_id))


@bp.get("/articles/<slug>/history")
@roles_required(*HISTORY_READERS)
def article_history(slug: str):
    """List an article's sections with links to each version history."""
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        abort(404, f"There is no article {slug}.")
    sections = db.session.scalars(
        select(Section).where(Section.article_id == article.id).order_by(Section.position)
    ).all()
    return render_template(
        "board/article_history.html", article=article, sections=sections, audiences=list(Audience)
    )


def _audience_or_404(audience: str) -> Audience:
    try:
        return Audience(audience)
    except ValueError:
        abort(404, f"Unknown audience {audience!r}: use 'clinician' or 'patient'.")


@bp.get("/sections/<int:section_id>/<audience>/history")
@roles_required(*HISTORY_READERS)
def section_history(section_id: int, audience: str):
    """Show the timeline of one section's versions for one audience."""
    section = get_or_404(Section, section_id, "section")
    chosen = _audience_or_404(audience)
    return render_template(
        "board/section_history.html",
        section=section,
        article=section.article,
        audience=chosen,
        entries=timeline(section, chosen),
        wide=True,
    )


@bp.get("/diff")
@roles_required(*HISTORY_READERS)
def diff():
    """Compare two versions word by word, inline or side by side."""
    old_id, new_id = query_id("from", "version"), query_id("to", "version")
    if old_id is None or new_id is None:
        abort(400, "Choose two versions to compare: ?from=<id>&to=<id>.")
    old = get_or_404(Version, old_id, "version")
    new = get_or_404(Version, new_id, "version")
    mode = request.args.get("mode", "inline")
    if mode not in ("inline", "side"):
        abort(400, "mode must be 'inline' or 'side'.")
    heading_changes = word_diff(old.heading, new.heading)
    body_changes = word_diff(old.body, new.body)
    return render_template(
        "board/diff.html",
        old=old,
        new=new,
        mode=mode,
        heading_inline=inline_html(heading_changes),
        body_inline=inline_html(body_changes),
        body_sides=side_by_side_html(body_changes),
        counts=summary(body_changes),
        article=new.section.article,
        wide=True,
    )


def _filters(form: AuditFilterForm) -> AuditFilters:
    def utc(value):
        return value.replace(tzinfo=UTC) if value else None

    return AuditFilters(
        article=form.article.data or "",
        section=form.section.data or "",
        actor=form.actor.data or "",
        action=form.action.data or "",
        since=utc(form.since.data),
        until=utc(form.until.data),
    )


@bp.get("/audit")
@roles_required(*AUDITORS)
def audit():
    """Browse the audit trail, newest first, filtered and paged."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template(
            "board/audit.html", form=form, events=[], next_before=None, wide=True
        ), 400
    events, next_before = audit_page(_filters(form), form.before.data)
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template(
        "board/audit.html",
        form=form,
        events=events,
        next_before=next_before,
        query=query,
        wide=True,
    )


@bp.get("/audit/export.<fmt>")
@roles_required(*AUDITORS)
def audit_export(fmt: str):
    """Download the filtered events as CSV or JSON (newest first, up to the export limit)."""
    if fmt not in ("csv", "json"):
        abort(404, "Export as .csv or .json.")
    form = AuditFilterForm(request.args)
    if not form.validate():
        abort(
            400,
            "Check the filters: "
            + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
    events = db.session.scalars(audit_query(_filters(form)).limit(EXPORT_LIMIT)).all()
    rows = [
        {name: getattr(event, name) for name in EXPORT_FIELDS}
        | {"occurred_at": event.occurred_at.isoformat()}
        for event in events
    ]
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False, indent=1)
        mimetype = "application/json"
    else:
        buffer = io.StringIO()
        writer = SafeDictWriter(buffer, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        body, mimetype = buffer.getvalue(), "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f"attachment; filename=audit-events.{fmt}",
            "Cache-Control": "no-store",
        },
    )
