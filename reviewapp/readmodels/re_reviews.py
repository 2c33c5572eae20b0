"""What pages show of re-reviews, review due dates and retracted sources (read only)."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload

from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    Objection,
    Reference,
    ReferenceRetraction,
    Section,
    Signoff,
    User,
    Version,
    VersionTransition,
)
from reviewapp.readmodels.changelog import ChangelogRow
from reviewapp.rules.re_reviews import review_due_on
from reviewapp.rules.states import Action, Audience, Kind, State

# --- Retracted sources --------------------------------------------------------------------


def _mark(column) -> ColumnElement:
    return (
        select(column)
        .where(ReferenceRetraction.reference_id == Reference.id)
        .correlate(Reference)
        .scalar_subquery()
    )


def retraction_columns() -> dict[str, ColumnElement]:
    """Return the columns that carry a reference's retraction mark in the public page's one
    query of its references."""
    return {
        "retraction_list": _mark(ReferenceRetraction.list_name),
        "retraction_notice": _mark(ReferenceRetraction.notice_doi),
    }


def detached_reference(row: dict) -> Reference:
    """Build a display-only reference, with its retraction mark, from the page's query."""
    listed, notice = row.pop("retraction_list", None), row.pop("retraction_notice", None)
    mark = ReferenceRetraction(list_name=listed, notice_doi=notice or "") if listed else None
    return Reference(**row, retraction=mark)


# --- Review dates -------------------------------------------------------------------------


def next_review(version, months: int) -> date | None:
    """Return the day published `version` is next due for review: at once if it was made
    review due (its reason), else an interval after it was last reviewed."""
    if version is None:
        return None
    if getattr(version, "review_due_since", None) is not None:
        return version.review_due_since.date()
    reviewed = getattr(version, "last_reviewed_at", None) or version.approved_at
    return review_due_on(reviewed.date(), months) if reviewed is not None else None


# --- A version's re-review, for the review and sign-off screens --------------------------


@dataclass(frozen=True)
class ReReviewView:
    """A published version's re-review as the review and sign-off screens show it."""

    is_open: bool
    round: int
    opened_at: datetime | None
    opened_by: str | None
    approved_at: datetime | None
    last_reviewed_at: datetime | None
    next_review: date | None
    # Signatures given before the open round (the approval's and earlier re-reviews').
    previous_signatures: list[Signoff]
    round_signatures: list[Signoff]
    objections: list[Objection]
    review_due_since: datetime | None
    review_due_reason: str | None
    re_certified: int  # how many re-reviews reached quorum

    @property
    def first_signed_at(self) -> datetime | None:
        first = [s.signed_at for s in self.previous_signatures if s.round == 0]
        return min(first) if first else self.approved_at


def re_review_view(version: Version) -> ReReviewView | None:
    """Gather the re-review of published wording (three queries), or None for a version
    that is not the wording readers see."""
    if not version.is_wording or version.workflow_state is not State.APPROVED:
        return None
    if version.section.published_id(version.audience_enum) != version.id:
        return None
    is_open = version.re_review_opened_at is not None
    steps = db.session.execute(
        select(VersionTransition.action, User.name)
        .join(User, User.id == VersionTransition.actor_id)
        .where(
            VersionTransition.version_id == version.id,
            VersionTransition.action.in_([Action.OPEN_RE_REVIEW.value, Action.RE_CERTIFY.value]),
        )
        .order_by(VersionTransition.id)
    ).all()
    opened_by = next(
        (name for action, name in reversed(steps) if action == Action.OPEN_RE_REVIEW.value), None
    )
    signed = db.session.scalars(
        select(Signoff)
        .where(Signoff.version_id == version.id)
        .order_by(Signoff.signed_at, Signoff.id)
    ).all()
    current = version.review_round if is_open else None
    objections = (
        db.session.scalars(
            select(Objection)
            .where(
                Objection.version_id == version.id,
                Objection.objected_at >= version.re_review_opened_at,
            )
            .order_by(Objection.objected_at)
        ).all()
        if is_open
        else []
    )
    return ReReviewView(
        is_open=is_open,
        round=version.review_round,
        opened_at=version.re_review_opened_at,
        opened_by=opened_by if is_open else None,
        approved_at=version.approved_at,
        last_reviewed_at=version.last_reviewed_at,
        next_review=next_review(version, version.article.review_interval_months),
        previous_signatures=[s for s in signed if s.round != current],
        round_signatures=[s for s in signed if s.round == current],
        objections=list(objections),
        review_due_since=version.review_due_since,
        review_due_reason=version.review_due_reason,
        re_certified=sum(action == Action.RE_CERTIFY.value for action, _ in steps),
    )


# --- The public changelog's re-reviews ----------------------------------------------------


def re_reviewed_rows(article: Article) -> list[ChangelogRow]:
    """Return the article's re-certified wording, newest first (one query)."""
    rows = db.session.execute(
        select(
            VersionTransition.created_at,
            Version.number,
            Version.heading,
            Version.audience,
            Section.key,
            Section.in_outline,
        )
        .join(Version, Version.id == VersionTransition.version_id)
        .join(Section, Section.id == Version.section_id)
        .where(
            Version.article_id == article.id,
            VersionTransition.action == Action.RE_CERTIFY.value,
        )
        .order_by(VersionTransition.created_at.desc(), VersionTransition.id.desc())
    ).all()
    return [
        ChangelogRow(
            approved_at=at,
            kind=Kind.WORDING,
            number=number,
            heading=heading,
            public_note=None,
            first=False,
            audience=Audience(audience),
            section_key=key,
            on_page=bool(in_outline),
            re_reviewed=True,
        )
        for at, number, heading, audience, key, in_outline in rows
    ]


def with_re_reviews(rows: list[ChangelogRow], re_reviewed: list[ChangelogRow]):
    """Return the changelog's rows with its re-reviews among them, newest first."""
    return sorted([*rows, *re_reviewed], key=lambda row: row.approved_at, reverse=True)


# --- The board's open re-reviews ----------------------------------------------------------

SHOWN_RE_REVIEWS = 50


@dataclass(frozen=True)
class OpenReReview:
    version: Version
    article: Article
    signatures: int
    required: int


def open_re_reviews() -> tuple[list[OpenReReview], int]:
    """Return the open re-reviews of published wording, oldest first (at most
    SHOWN_RE_REVIEWS), and how many there are: two queries."""
    published = or_(
        Section.published_clinician_id == Version.id,
        Section.published_patient_id == Version.id,
    )
    conditions = (
        Version.state == State.APPROVED.value,
        Version.re_review_opened_at.is_not(None),
    )
    signed = (
        select(func.count(func.distinct(Signoff.signer_id)))
        .where(
            Signoff.version_id == Version.id,
            Signoff.round == Version.review_round,
            Signoff.content_hash == Version.content_hash,
        )
        .correlate(Version)
        .scalar_subquery()
    )
    total = db.session.scalar(
        select(func.count(Version.id)).join(Section, published).where(*conditions)
    )
    rows = db.session.execute(
        select(Version, Article, signed)
        .join(Section, published)
        .join(Article, Article.id == Version.article_id)
        .where(*conditions)
        .options(joinedload(Version.section))
        .order_by(Version.re_review_opened_at, Version.id)
        .limit(SHOWN_RE_REVIEWS)
    ).all()
    return [
        OpenReReview(version, article, count, article.required_signoffs)
        for version, article, count in rows
    ], total
