"""Board pages: sign-off, version history, diffs, and the audit trail."""

import io
import json
from datetime import UTC

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from reviewapp.blueprints.board.forms import (
    AuditFilterForm,
    InterestStatementForm,
    ObjectForm,
    SignForm,
)
from reviewapp.cli.audit import EXPORT_FIELDS
from reviewapp.domain import declarations, part_chains, signatures
from reviewapp.domain.errors import DomainError
from reviewapp.domain.part_chains import Part
from reviewapp.domain.signoffs import (
    can_object,
    meanings_for,
    object_to_version,
    sign_version,
    why_cannot_sign,
)
from reviewapp.extensions import db
from reviewapp.models import Article, Reference, Section, Version
from reviewapp.readmodels.audit_trail import (
    AuditFilters,
    audit_page,
    audit_query,
    choose_section,
    event_views,
)
from reviewapp.readmodels.history import chain_timeline, timeline
from reviewapp.readmodels.re_reviews import open_re_reviews, re_review_view
from reviewapp.readmodels.review_queue import article_parts, site_text_parts
from reviewapp.readmodels.signed_record import signed_record
from reviewapp.readmodels.signoff_page import board_home, conversation, reference_changes
from reviewapp.rules import limits
from reviewapp.rules import parts as part_rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import StatementKind
from reviewapp.rules.states import Action, Audience, Kind, Role, State
from reviewapp.text.diffing import TextDiff, compare
from reviewapp.text.markdown import CitationNumbering
from reviewapp.text.spreadsheet import SafeDictWriter
from reviewapp.web.access import get_or_404, query_id, roles_required
from reviewapp.web.errors import show_refusal
from reviewapp.web.pdf import PdfUnavailable, html_to_pdf
from reviewapp.web.templating import counted_awaiting_signature

bp = Blueprint("board", __name__, url_prefix="/board")
AUDITORS = (Role.BOARD,)
HISTORY_READERS = (Role.BOARD, Role.EDITOR)
EXPORT_LIMIT = 100_000
# The board home lists the catalogue a page at a time.
ARTICLES_PER_PAGE = 50


@bp.get("/")
@roles_required(Role.BOARD)
def home():
    """List what waits for this member's signature, what they signed that waits for others,
    and what there is to audit."""
    articles = db.paginate(
        select(Article).order_by(Article.title, Article.id),
        per_page=ARTICLES_PER_PAGE,
        max_per_page=ARTICLES_PER_PAGE,
        error_out=False,
    )
    waiting = board_home(current_user)
    re_reviews, re_review_total = open_re_reviews()
    # The header's "awaiting your signature" is this page's first list, counted once.
    counted_awaiting_signature(waiting.needs_you.total)
    return render_template(
        "board/home.html",
        waiting=waiting,
        re_reviews=re_reviews,
        re_review_total=re_review_total,
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


def _published_id(version: Version) -> int | None:
    """Return the id of the chain's version readers see now, if any."""
    if version.is_wording:
        return version.section.published_id(version.audience_enum)
    return part_chains.part_of(version).published_id()


def _against(version: Version, versions: dict[int, Version], published_id: int | None):
    """Choose what the page compares `version` with: the version asked for (?against=), or
    the published one, or else its parent; and say why it is that one."""
    requested = query_id("against", "version")
    if requested is not None:
        if requested == version.id or requested not in versions:
            abort(400, f"?against= must name another version of this chain than {version.number}.")
        return versions[requested], "chosen"
    if published_id is not None and published_id != version.id and published_id in versions:
        return versions[published_id], "published"
    if version.parent_id is not None and version.parent_id in versions:
        return versions[version.parent_id], "parent"
    return None, None


def _version_page(
    version: Version,
    sign_form: SignForm,
    object_form: ObjectForm,
    status: int = 200,
    interest_form: InterestStatementForm | None = None,
):
    entries = chain_timeline(version.chain)
    entry = next(e for e in entries if e.version.id == version.id)
    versions = {e.version.id: e.version for e in entries}
    published_id = _published_id(version)
    published = versions.get(published_id) if published_id is not None else None
    against, against_reason = _against(version, versions, published_id)
    counting = {s.id for s in signatures.counting_signoffs([version.id])[version.id]}
    published_entry = next((e for e in entries if e.version.id == published_id), None)
    why_not_sign = why_cannot_sign(current_user, version)
    return (
        render_template(
            "board/version.html",
            version=version,
            section=version.section,
            article=version.article,
            html=CitationNumbering().apply(version.body_html),
            entry=entry,
            counted=len({s.signer_id for s in entry.signoffs if s.id in counting}),
            required=part_chains.required_signoffs(version),
            not_counted={signoff.id for signoff in entry.signoffs if signoff.id not in counting},
            published=published,
            against=against,
            against_reason=against_reason,
            others=[e.version for e in entries if e.version.id != version.id],
            changes=_changes(against, version) if against is not None else None,
            mode=_diff_mode(),
            conversation=conversation(entries),
            reference_changes=reference_changes(
                version, published, published_entry.signoffs if published_entry else []
            )
            if version.is_wording
            else [],
            citing=part_chains.citing_sections(version.reference)
            if version.kind_enum is Kind.REFERENCE
            else [],
            history_url=_history_url(version),
            why_not_sign=why_not_sign,
            can_sign=why_not_sign is None,
            can_object=can_object(current_user, version),
            re_review=re_review_view(version),
            sign_form=sign_form,
            object_form=object_form,
            interest=declarations.interest_for(current_user, version, Action.SIGN),
            interest_form=interest_form or InterestStatementForm(formdata=None),
            interest_url=url_for("board.interest", version_id=version.id),
            interest_step="sign",
            statements={
                statement.user_id: statement
                for statement in declarations.statements_on([version.id])[version.id]
            },
            wide=True,
        ),
        status,
    )


def _sign_form(version: Version) -> SignForm:
    """Return the sign-off form offering what a signature on `version` may mean now: during
    a re-review, "Re-reviewed, no change" alone, preset."""
    form = SignForm()
    meanings = meanings_for(version)
    form.meaning.choices = [(meaning, meaning) for meaning in meanings]
    if len(meanings) == 1 and not form.meaning.data:
        form.meaning.data = meanings[0]
    return form


def _changes(old: Version, new: Version) -> TextDiff:
    return compare(old.heading, old.body, new.heading, new.body)


def _diff_mode() -> str:
    mode = request.args.get("mode", "inline")
    if mode not in ("inline", "side"):
        abort(400, "mode must be 'inline' or 'side'.")
    return mode


@bp.get("/versions/<int:version_id>")
@roles_required(*HISTORY_READERS)
def version(version_id: int):
    """Show one version with its approvals and signatures, and the sign-off form."""
    found = get_or_404(Version, version_id, "version")
    return _version_page(found, _sign_form(found), ObjectForm())


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
    form = _sign_form(found)
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


@bp.post("/versions/<int:version_id>/interest")
@roles_required(Role.BOARD)
def interest(version_id: int):
    """Record one's recusal from a version, or why a declared interest does not bear on it."""
    found = get_or_404(Version, version_id, "version")
    form = InterestStatementForm()
    if not form.validate_on_submit():
        status = 400 if not form.csrf_token.data else 422
        return _version_page(found, SignForm(), ObjectForm(), status, interest_form=form)
    try:
        recorded = declarations.record_statement(
            current_user, found, kind=form.kind.data, text=form.text.data or ""
        )
    except DomainError as error:
        show_refusal(error, form)
        found = db.session.get(Version, version_id)
        return _version_page(found, SignForm(), ObjectForm(), error.status, interest_form=form)
    db.session.commit()
    flash(_STATEMENT_DONE[recorded.kind_enum].format(number=found.number), "info")
    return redirect(url_for("board.version", version_id=version_id, _anchor="interest"))


_STATEMENT_DONE = {
    StatementKind.RECUSAL: "Recusal recorded: you will neither approve nor sign version {number}.",
    StatementKind.JUSTIFICATION: "Justification recorded for version {number}: it is shown "
    "next to your signature.",
}


@bp.post("/versions/<int:version_id>/object")
@roles_required(Role.BOARD)
def object_(version_id: int):
    """Object to a version awaiting sign-off."""
    found = get_or_404(Version, version_id, "version")
    form = ObjectForm()
    if not form.validate_on_submit():
        return _version_page(
            found, _sign_form(found), form, 400 if not form.csrf_token.data else 422
        )
    try:
        object_to_version(current_user, found, form.reason.data)
    except DomainError as error:
        show_refusal(error, form)
        again = db.session.get(Version, version_id)
        return _version_page(again, _sign_form(again), form, error.status)
    db.session.commit()
    if found.workflow_state is State.APPROVED:
        flash(
            f"Version {found.number} sent for revision: it stays published, review due; its "
            "author and the editors are told.",
            "info",
        )
    else:
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
    """Compare two versions line by line, then word by word, inline or side by side."""
    old_id, new_id = query_id("from", "version"), query_id("to", "version")
    if old_id is None or new_id is None:
        abort(400, "Choose two versions to compare: ?from=<id>&to=<id>.")
    old = get_or_404(Version, old_id, "version")
    new = get_or_404(Version, new_id, "version")
    return render_template(
        "board/diff.html",
        old=old,
        new=new,
        mode=_diff_mode(),
        changes=_changes(old, new),
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
        return _audit_refused(form)
    filters = _filters(form)
    section = choose_section(filters)
    if section.problem is not None:
        form.section.errors = [section.problem]
        return _audit_refused(form)
    events, next_before = audit_page(filters, form.before.data, section.ids)
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template(
        "board/audit.html",
        form=form,
        events=events,
        next_before=next_before,
        query=query,
        wide=True,
    )


def _audit_refused(form: AuditFilterForm):
    return render_template(
        "board/audit.html", form=form, events=[], next_before=None, wide=True
    ), 400


# The resolved names each exported event gains beside its recorded columns.
RESOLVED_EXPORT_FIELDS = [
    "action_label",
    "article_slug",
    "section_key",
    "version_id",
    "version_number",
    "subject",
]


@bp.get("/audit/export.<fmt>")
@roles_required(*AUDITORS)
def audit_export(fmt: str):
    """Download the filtered events as CSV or JSON (newest first, up to the export limit)."""
    if fmt not in ("csv", "json"):
        abort(404, "Export as .csv or .json.")
    form = AuditFilterForm(request.args)
    valid = form.validate()
    filters = _filters(form)
    section = choose_section(filters) if valid else None
    if section is not None and section.problem is not None:
        form.section.errors = [section.problem]
        valid = False
    if not valid:
        abort(
            400,
            "Check the filters: "
            + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
    views = event_views(
        db.session.execute(audit_query(filters, section.ids).limit(EXPORT_LIMIT)).all()
    )
    rows = [
        {name: getattr(view.event, name) for name in EXPORT_FIELDS}
        | {"occurred_at": view.event.occurred_at.isoformat()}
        | {name: getattr(view, name) for name in RESOLVED_EXPORT_FIELDS}
        for view in views
    ]
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False, indent=1)
        mimetype = "application/json"
    else:
        buffer = io.StringIO()
        writer = SafeDictWriter(buffer, fieldnames=EXPORT_FIELDS + RESOLVED_EXPORT_FIELDS)
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
