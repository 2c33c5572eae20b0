"""Assemble the public page of an article for one audience from stored fragments.

The number of queries is fixed whatever the number of sections or the depth of history:
published wording is read through the sections' pointers, pending wording through one
grouped query, reviewers through one more.
"""

import calendar
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from flask import current_app
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from reviewapp.change_signal import change_token
from reviewapp.columns import utcnow
from reviewapp.domain.states import (
    PENDING_STATES,
    Action,
    Audience,
    PublicationPolicy,
    ReviewStep,
    State,
)
from reviewapp.extensions import db
from reviewapp.history import published_as_of, signoffs_for
from reviewapp.markdown import CitationNumbering
from reviewapp.models import (
    Article,
    Reference,
    Section,
    Signoff,
    User,
    Version,
    VersionTransition,
)
from reviewapp.models.section import SUMMARY_KEY


@dataclass(frozen=True)
class Review:
    name: str
    at: datetime


@dataclass
class PageSection:
    key: str
    level: int
    heading: str
    html: Markup
    version: Version
    pending: bool
    # The patient page shows clinician wording because no patient wording is ready.
    fallback: bool
    reviews: list[Review] = field(default_factory=list)
    signoffs: list[Signoff] = field(default_factory=list)

    @property
    def is_summary(self) -> bool:
        return self.key == SUMMARY_KEY

    @property
    def approved_at(self) -> datetime | None:
        return None if self.pending else self.version.approved_at


@dataclass(frozen=True)
class PageReference:
    number: int
    reference: Reference


@dataclass
class ArticlePage:
    article: Article
    audience: Audience
    sections: list[PageSection]
    references: list[PageReference]
    step: ReviewStep
    omitted: int  # sections left out because nothing approved exists under approved-only
    last_updated: datetime | None
    next_review_due: date | None
    reviewers: list[Review]
    board: list[Review]
    as_of: datetime | None = None

    @property
    def has_pending(self) -> bool:
        return any(section.pending for section in self.sections)

    @property
    def has_fallback(self) -> bool:
        return any(section.fallback for section in self.sections)

    @property
    def review_overdue(self) -> bool:
        return self.next_review_due is not None and self.next_review_due < utcnow().date()


class PageState(NamedTuple):
    id: int
    public_revision: int
    public_changed_at: datetime


_PAGE_STATE = select(Article.id, Article.public_revision, Article.public_changed_at).where(
    Article.slug == bindparam("slug")
)


# Slugs whose states a worker keeps; beyond this (slugs readers mistyped) it starts over.
KEPT_STATES = 4096


def page_state(slug: str) -> PageState | None:
    """Return what a public page's cache key and validators depend on.

    This is every reader's hot path: while the change signal says no article changed, the
    state read last time is the answer, with no query. Otherwise one small query, on a
    plain connection rather than the ORM session.
    """
    extensions = current_app.extensions
    token = change_token(extensions["change_signal"])
    kept: dict[str, tuple[Hashable, PageState | None]] = extensions.setdefault("page_states", {})
    if token is not None and (seen := kept.get(slug)) is not None and seen[0] == token:
        return seen[1]
    # The token is read before the query: a change landing in between moves it again.
    with db.engine.connect() as connection:
        row = connection.execute(_PAGE_STATE, {"slug": slug}).first()
    state = PageState(*row) if row else None
    if token is not None:
        if len(kept) >= KEPT_STATES:
            kept.clear()
        kept[slug] = (token, state)
    return state


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _sections_with_published(
    article: Article, as_of: datetime | None = None
) -> list[tuple[Section, Version | None, Version | None]]:
    if as_of is not None:
        return _sections_published_at(article, as_of)
    clinician, patient = aliased(Version), aliased(Version)
    rows = db.session.execute(
        select(Section, clinician, patient)
        .outerjoin(clinician, clinician.id == Section.published_clinician_id)
        .outerjoin(patient, patient.id == Section.published_patient_id)
        .where(Section.article_id == article.id)
        .order_by(Section.position)
    )
    return list(rows)


def _sections_published_at(
    article: Article, moment: datetime
) -> list[tuple[Section, Version | None, Version | None]]:
    """Return each section with the wording that was published at `moment` (two queries)."""
    ids = published_as_of(article, moment)
    versions = {
        version.id: version
        for version in db.session.scalars(select(Version).where(Version.id.in_(list(ids.values()))))
    }
    sections = db.session.scalars(
        select(Section).where(Section.article_id == article.id).order_by(Section.position)
    )
    return [
        (
            section,
            versions.get(ids.get((section.id, Audience.CLINICIAN.value))),
            versions.get(ids.get((section.id, Audience.PATIENT.value))),
        )
        for section in sections
    ]


def _newest_pending(article: Article) -> dict[tuple[int, str], Version]:
    """Return the newest pending version per (section, audience): few rows, found by state."""
    pending = [state.value for state in PENDING_STATES]
    versions = db.session.scalars(
        select(Version)
        .join(Section, Section.id == Version.section_id)
        .where(Section.article_id == article.id, Version.state.in_(pending))
    )
    newest: dict[tuple[int, str], Version] = {}
    for version in versions:
        key = (version.section_id, version.audience)
        if key not in newest or version.number > newest[key].number:
            newest[key] = version
    return newest


def _approvals(version_ids: list[int]) -> dict[int, list[Review]]:
    reviews: dict[int, list[Review]] = defaultdict(list)
    if not version_ids:
        return reviews
    rows = db.session.execute(
        select(
            VersionTransition.version_id, User.name, User.credentials, VersionTransition.created_at
        )
        .join(User, User.id == VersionTransition.actor_id)
        .where(
            VersionTransition.version_id.in_(version_ids),
            VersionTransition.action == Action.APPROVE.value,
        )
        .order_by(VersionTransition.created_at)
    )
    for version_id, name, credentials, at in rows:
        reviews[version_id].append(Review(User.format_printed_name(name, credentials), at))
    return reviews


def _choose(
    audience: Audience,
    published: dict[Audience, Version | None],
    pending: dict[Audience, Version | None],
    show_pending: bool,
) -> tuple[Version | None, bool]:
    """Return the wording to show and whether it falls back to the clinician wording."""
    if published[audience] is not None:
        return published[audience], False
    if audience is Audience.PATIENT and published[Audience.CLINICIAN] is not None:
        return published[Audience.CLINICIAN], True
    if not show_pending:
        return None, False
    if pending[audience] is not None:
        return pending[audience], False
    if audience is Audience.PATIENT and pending[Audience.CLINICIAN] is not None:
        return pending[Audience.CLINICIAN], True
    return None, False


def _step(states: list[State]) -> ReviewStep:
    if states and all(state is State.APPROVED for state in states):
        return ReviewStep.APPROVED
    if any(state in (State.UNDER_REVIEW, State.AWAITING_SIGNOFF) for state in states):
        return ReviewStep.UNDER_REVIEW
    return ReviewStep.SUBMITTED


def assemble_page(
    article: Article, audience: Audience, as_of: datetime | None = None
) -> ArticlePage:
    """Build the reader's page for one audience, as it is now or as it was at `as_of`."""
    show_pending = as_of is None and article.policy is PublicationPolicy.PENDING_WITH_CAUTION
    pending_by_chain = _newest_pending(article) if as_of is None else {}
    chosen: list[tuple[Section, Version, bool]] = []
    omitted_states: list[State] = []
    for section, clinician, patient in _sections_with_published(article, as_of):
        published = {Audience.CLINICIAN: clinician, Audience.PATIENT: patient}
        pending = {a: pending_by_chain.get((section.id, a.value)) for a in Audience}
        version, fallback = _choose(audience, published, pending, show_pending)
        if version is None:
            waiting = pending[audience] or pending[Audience.CLINICIAN]
            omitted_states.append(waiting.workflow_state if waiting else State.SUBMITTED)
            continue
        chosen.append((section, version, fallback))

    approved_ids = [
        version.id for _, version, _ in chosen if version.workflow_state is State.APPROVED
    ]
    approvals = _approvals(approved_ids)
    signatures = signoffs_for(approved_ids, as_of)
    numbering = CitationNumbering()
    sections = [
        PageSection(
            key=section.key,
            level=section.level,
            heading=version.heading,
            html=numbering.apply(version.body_html),
            version=version,
            pending=version.workflow_state is not State.APPROVED,
            fallback=fallback,
            reviews=approvals.get(version.id, []),
            signoffs=signatures.get(version.id, []),
        )
        for section, version, fallback in chosen
    ]
    by_key = {reference.key: reference for reference in article.references}
    references = [
        PageReference(number, by_key[key])
        for key, number in sorted(numbering.numbers.items(), key=lambda item: item[1])
        if key in by_key
    ]
    approved_dates = [s.version.approved_at for s in sections if s.approved_at is not None]
    reviewers: dict[str, Review] = {}
    for section in sections:
        for review in section.reviews:
            if review.name not in reviewers or reviewers[review.name].at < review.at:
                reviewers[review.name] = review
    board: dict[str, Review] = {}
    for section in sections:
        for signoff in section.signoffs:
            if (
                signoff.printed_name not in board
                or board[signoff.printed_name].at < signoff.signed_at
            ):
                board[signoff.printed_name] = Review(signoff.printed_name, signoff.signed_at)
    states = [s.version.workflow_state for s in sections] + omitted_states
    return ArticlePage(
        article=article,
        audience=audience,
        sections=sections,
        references=references,
        step=_step(states),
        omitted=len(omitted_states),
        last_updated=max(approved_dates) if approved_dates else None,
        next_review_due=(
            add_months(min(approved_dates).date(), article.review_interval_months)
            if approved_dates
            else None
        ),
        reviewers=sorted(reviewers.values(), key=lambda review: review.name),
        board=sorted(board.values(), key=lambda review: review.name),
        as_of=as_of,
    )
