"""Withdrawing published wording, retracting an article, and the board's countersignature.

The editors' forms sit beside the review screens (/review/...), the board's page of a
withdrawal beside its other pages (/board/withdrawals/...).
"""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from reviewapp.blueprints.withdrawals.forms import CountersignForm, RetractForm, WithdrawForm
from reviewapp.domain import withdrawals
from reviewapp.domain.errors import DomainError
from reviewapp.extensions import db
from reviewapp.models import Article, Section, Version, Withdrawal
from reviewapp.readmodels.countersignatures import awaiting_countersignature, withdrawn_versions
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Audience, Role
from reviewapp.rules.withdrawals import COUNTERSIGN_MEANINGS, Scope
from reviewapp.web.access import get_or_404, roles_required
from reviewapp.web.errors import show_refusal

bp = Blueprint("withdrawals", __name__)
READERS = (Role.EDITOR, Role.BOARD)


def _article_or_404(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        abort(404, f"There is no article {slug}.")
    return article


def _other_published(version: Version) -> Version | None:
    """Return the other audience's published wording of the version's section, if any."""
    other = Audience.PATIENT if version.audience_enum is Audience.CLINICIAN else Audience.CLINICIAN
    other_id = version.section.published_id(other)
    return db.session.get(Version, other_id) if other_id else None


def _withdraw_page(version: Version, form: WithdrawForm, status: int = 200):
    return (
        render_template(
            "withdrawals/withdraw.html",
            version=version,
            section=version.section,
            article=version.article,
            form=form,
            can_withdraw=withdrawals.can_withdraw(current_user, version),
            retraction=withdrawals.retraction_of(version.article),
            previous=withdrawals.previous_approved(version),
            other=_other_published(version) if version.is_wording else None,
        ),
        status,
    )


@bp.route("/review/versions/<int:version_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.EDITOR)
def withdraw(version_id: int):
    """Withdraw published wording now, with a public reason the page shows in its place."""
    found = get_or_404(Version, version_id, "version")
    if not found.is_wording:
        abort(404, f"Version {version_id} is not section wording: only wording is withdrawn.")
    form = WithdrawForm()
    if not form.is_submitted():
        return _withdraw_page(found, form)
    if not form.validate():
        return _withdraw_page(found, form, 400 if not form.csrf_token.data else 422)
    try:
        withdrawal = withdrawals.withdraw(
            current_user,
            found,
            reason=form.reason.data,
            scope=Scope(form.scope.data),
            reinstate=form.reinstate.data,
        )
    except DomainError as error:
        show_refusal(error, form)
        return _withdraw_page(db.session.get(Version, version_id), form, error.status)
    db.session.commit()
    taken = len(withdrawal.versions)
    flash(
        f"Withdrawn: {taken} version{'s' if taken != 1 else ''} taken down. Readers see the "
        "reason now; the board has been asked to countersign.",
        "info",
    )
    return redirect(url_for("editor.version", version_id=version_id))


def _retract_page(article: Article, form: RetractForm, status: int = 200):
    return (
        render_template(
            "withdrawals/retract.html",
            article=article,
            form=form,
            retraction=withdrawals.retraction_of(article),
        ),
        status,
    )


@bp.route("/review/articles/<slug>/retract", methods=["GET", "POST"])
@roles_required(Role.EDITOR)
def retract(slug: str):
    """Retract an article: its pages keep their address and show the notice alone."""
    article = _article_or_404(slug)
    form = RetractForm()
    if not form.is_submitted():
        return _retract_page(article, form)
    if not form.validate():
        return _retract_page(article, form, 400 if not form.csrf_token.data else 422)
    try:
        withdrawals.retract(current_user, article, reason=form.reason.data)
    except DomainError as error:
        show_refusal(error, form)
        return _retract_page(_article_or_404(slug), form, error.status)
    db.session.commit()
    flash("Article retracted: its pages show the notice; the board has been asked to countersign.")
    return redirect(url_for("editor.overview", slug=slug))


def _withdrawal_page(withdrawal: Withdrawal, form: CountersignForm, status: int = 200):
    why_not = withdrawals.why_cannot_countersign(current_user, withdrawal)
    return (
        render_template(
            "withdrawals/withdrawal.html",
            withdrawal=withdrawal,
            article=withdrawal.article,
            section=db.session.get(Section, withdrawal.section_id)
            if withdrawal.section_id
            else None,
            versions=withdrawn_versions(withdrawal),
            scope=Scope(withdrawal.scope),
            overdue=withdrawal.is_overdue(utcnow()),
            meaning=COUNTERSIGN_MEANINGS[withdrawal.kind_enum],
            why_not=why_not,
            can_countersign=why_not is None,
            form=form,
            wide=True,
        ),
        status,
    )


@bp.get("/board/withdrawals/<int:withdrawal_id>")
@roles_required(*READERS)
def show(withdrawal_id: int):
    """Show a withdrawal or retraction, what it took down, and the countersignature form."""
    return _withdrawal_page(get_or_404(Withdrawal, withdrawal_id, "withdrawal"), CountersignForm())


@bp.post("/board/withdrawals/<int:withdrawal_id>/countersign")
@roles_required(Role.BOARD)
def countersign(withdrawal_id: int):
    """Countersign a withdrawal or retraction with a re-entered password."""
    found = get_or_404(Withdrawal, withdrawal_id, "withdrawal")
    form = CountersignForm()
    if not form.validate_on_submit():
        return _withdrawal_page(found, form, 400 if not form.csrf_token.data else 422)
    try:
        withdrawals.countersign(current_user, found, password=form.password.data)
    except DomainError as error:
        show_refusal(error, form)
        form.password.data = ""
        return _withdrawal_page(db.session.get(Withdrawal, withdrawal_id), form, error.status)
    db.session.commit()
    flash(f"Countersigned: “{found.countersign_meaning}”.", "info")
    return redirect(url_for("withdrawals.show", withdrawal_id=withdrawal_id))


# What staff pages beside these ask of withdrawals: links and counts for the signed-in person.


@bp.app_template_global()
def withdraw_url(version: Version) -> str | None:
    """Return the withdrawal form's address when the signed-in editor may withdraw `version`."""
    if not withdrawals.can_withdraw(current_user, version):
        return None
    return url_for("withdrawals.withdraw", version_id=version.id)


@bp.app_template_global()
def retraction_of(article: Article) -> Withdrawal | None:
    """Return the article's retraction, for the staff pages that link to it."""
    return withdrawals.retraction_of(article)


@bp.app_template_global()
def countersignatures_waiting() -> int:
    """Count the withdrawals awaiting a countersignature the signed-in member may give, once
    per request (the header's count)."""
    if "countersignatures_waiting" not in g:
        g.countersignatures_waiting = withdrawals.waiting_count(current_user)
    return g.countersignatures_waiting


@bp.app_template_global()
def withdrawals_awaiting_countersignature():
    """List the withdrawals awaiting the board's countersignature (the board home)."""
    return awaiting_countersignature(current_user)
