"""Board pages: sign-off, version history, diffs, and the audit trail."""

import io
import json
from datetime import UTC

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reviewapp.blueprints.board.forms import AuditFilterForm, ObjectForm, SignForm
from reviewapp.cli.audit import EXPORT_FIELDS
from reviewapp.domain import part_chains, signatures
from reviewapp.domain.errors import DomainError
from reviewapp.domain.part_chains import Part
from reviewapp.domain.signoffs import can_object, can_sign, object_to_version, sign_version
from reviewapp.extensions import db
from reviewapp.models import Article, Reference, Section, Version, VersionTransition
from reviewapp.readmodels.history import (
    AuditFilters,
    audit_page,
    audit_query,
    chain_timeline,
    timeline,
)
from reviewapp.readmodels.review_queue import article_parts, site_text_parts
from reviewapp.readmodels.signed_record import signed_record
from reviewapp.rules import limits
from reviewapp.rules import parts as part_rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Audience, Kind, Role, State
from reviewapp.text.diffing import inline_html, side_by_side_html, summary, word_diff
from reviewapp.text.markdown import CitationNumbering
from reviewapp.text.spreadsheet import SafeDictWriter
from reviewapp.web.access import get_or_404, query_id, roles_required
from reviewapp.web.errors import show_refusal
from reviewapp.web.pdf import PdfUnavailable, html_to_pdf

bp = Blueprint("board", __name__, url_prefix="/board")
AUDITORS = (Role.BOARD,)
HISTORY_READERS = (Role.BOARD, Role.EDITOR)
EXPORT_LIMIT = 100_000


@bp.get("/")
@roles_required(Role.BOARD)
def home():
    """List the versions of every kind waiting for the board, and what there is to audit."""
    awaiting = db.session.execute(
        select(Version, Article)
        .outerjoin(Article, Article.id == Version.article_id)
        .where(Version.state == State.AWAITING_SIGNOFF.value)
        # Wording names its section: loaded in the same query, not one query per row.
        .options(joinedload(Version.section))
        .order_by(Version.state_changed_at, Version.id)
    ).all()
    signed = signatures.counting_signoffs([version.id for version, _ in awaiting])
    articles = db.session.scalars(select(Article).order_by(Article.title)).all()
    return render_template(
        "board/home.html",
        awaiting=[
            (version, article, part_chains.required_signoffs(version))
            for version, article in awaiting
        ],
        signed=signed,
        articles=articles,
        site_texts=[status for status in site_text_parts() if status.newest is not None],
        wide=True,
    )


def _history_url(version: Version) -> str:
    if version.is_wording:
        return url_for(
            "board.section_history", section_id=version.section_id, audience=version.audience
        )
    return url_for("board.chain_history", chain=version.chain)


def _version_page(
    version: Version, sign_form: SignForm, object_form: ObjectForm, status: int = 200
):
    approvals = db.session.scalars(
        select(VersionTransition)
        .where(VersionTransition.version_id == version.id)
        .order_by(VersionTransition.created_at)
    ).all()
    entry = next(e for e in chain_timeline(version.chain) if e.version.id == version.id)
    parent = version.parent
    changes = None
    if parent is not None:
        changes = _changes(parent, version)
    return (
        render_template(
            "board/version.html",
            version=version,
            section=version.section,
            article=version.article,
            html=CitationNumbering().apply(version.body_html),
            transitions=approvals,
            entry=entry,
            counted=signatures.quorum_count(version),
            required=part_chains.required_signoffs(version),
            not_counted={
                signoff.id for signoff in entry.signoffs if not signatures.counts(signoff, version)
            },
            parent=parent,
            changes=changes,
            citing=part_chains.citing_sections(version.reference)
            if version.kind_enum is Kind.REFERENCE
            else [],
            history_url=_history_url(version),
            can_sign=can_sign(current_user, version),
            can_object=can_object(current_user, version),
            sign_form=sign_form,
            object_form=object_form,
            wide=True,
        ),
        status,
    )


def _changes(old: Version, new: Version) -> dict:
    heading_changes = word_diff(old.heading, new.heading)
    body_changes = word_diff(old.body, new.body)
    return {
        "heading_changed": any(change.op != "equal" for change in heading_changes),
        "heading_inline": inline_html(heading_changes),
        "body_inline": inline_html(body_changes),
        "body_sides": side_by_side_html(body_changes),
        "counts": summary(body_changes),
    }


@bp.get("/versions/<int:version_id>")
@roles_required(*HISTORY_READERS)
def version(version_id: int):
    """Show one version with its approvals and signatures, and the sign-off form."""
    found = get_or_404(Version, version_id, "version")
    return _version_page(found, SignForm(), ObjectForm())


@bp.get("/versions/<int:version_id>/record.pdf")
@roles_required(*AUDITORS)
def signed_record_pdf(version_id: int):
    """The version's signed record as a PDF: what was signed, by whom, when, and its trail."""
    found = get_or_404(Version, version_id, "version")
    html = render_template("board/record.html", record=signed_record(found), produced=utcnow())
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable as error:
        abort(503, str(error))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="signed-record-version-{found.id}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
        "board/article_history.html",
        article=article,
        sections=sections,
        audiences=list(Audience),
        parts=article_parts(article),
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


def _part_of_chain_or_404(chain: str) -> Part:
    """Return the part a chain name (as in `Version.chain`) is the chain of, or answer 404."""
    pieces = chain.split(":")
    missing = f"There is no part {chain!r}."
    if pieces[0] == "site_text" and len(pieces) == 2:
        if part_rules.site_text_key_problem(pieces[1]) is not None:
            abort(404, missing)
        return part_chains.site_text_part(pieces[1])
    row_id = _chain_id(pieces[1]) if len(pieces) > 1 else None
    if pieces[0] == "reference" and len(pieces) == 2 and row_id is not None:
        reference = db.session.get(Reference, row_id)
        if reference is not None:
            return part_chains.reference_part(reference)
    if pieces[0] == "article" and len(pieces) == 3 and row_id is not None:
        article = db.session.get(Article, row_id)
        build = {
            Kind.FRONT_MATTER.value: part_chains.front_matter_part,
            Kind.SETTINGS.value: part_chains.settings_part,
            Kind.OUTLINE.value: part_chains.outline_part,
        }.get(pieces[2])
        if article is not None and build is not None:
            return build(article)
    abort(404, missing)


def _chain_id(text: str) -> int | None:
    # Digits only, within the id column's range: anything else names no row.
    if text.isascii() and text.isdigit() and len(text) <= len(str(limits.MAX_ID)):
        number = int(text)
        return number if 1 <= number <= limits.MAX_ID else None
    return None


@bp.get("/chains/<chain>/history")
@roles_required(*HISTORY_READERS)
def chain_history(chain: str):
    """Show the timeline of one part's versions: front matter, settings, outline, a reference
    or a site text."""
    if chain.startswith("section:"):
        pieces = chain.split(":")
        section_id = _chain_id(pieces[1]) if len(pieces) == 3 else None
        if section_id is None:
            abort(404, f"There is no part {chain!r}.")
        return redirect(url_for("board.section_history", section_id=section_id, audience=pieces[2]))
    part = _part_of_chain_or_404(chain)
    return render_template(
        "board/part_history.html",
        part=part,
        article=part.article,
        entries=chain_timeline(part.chain),
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
    changes = _changes(old, new)
    return render_template(
        "board/diff.html",
        old=old,
        new=new,
        mode=mode,
        heading_inline=changes["heading_inline"],
        body_inline=changes["body_inline"],
        body_sides=changes["body_sides"],
        counts=changes["counts"],
        article=new.article,
        history_url=_history_url(new),
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
