"""Assemble the public page of an article for one audience from stored fragments.

Three queries whatever the number of sections or the depth of history: the article with
its authors, references and disclaimer; the sections with the wording their pointers
publish and their pending versions (found by the state index); the editors' approvals and
the counting board signatures. Markdown was rendered at submission; citations are numbered
here by string substitution.
"""

import calendar
import json
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from flask import Flask
from markupsafe import Markup
from sqlalchemy import bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import aliased

from reviewapp.domain.integrity import Mismatch, wording_problem
from reviewapp.domain.signatures import counting as counting_signature
from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    ArticleAuthor,
    InterestStatement,
    Reference,
    Section,
    Signoff,
    SiteText,
    User,
    Version,
    VersionTransition,
)
from reviewapp.models.section import SUMMARY_KEY
from reviewapp.readmodels.history import parts_published_as_of, published_as_of
from reviewapp.readmodels.re_reviews import (
    detached_reference,
    next_review,
    retraction_columns,
)
from reviewapp.readmodels.site_texts import default_text, shipped_languages
from reviewapp.readmodels.sql_json import json_rows, parse_rows
from reviewapp.readmodels.withdrawn_wording import (
    Retraction,
    ShownWithdrawal,
    article_retraction,
    in_effect,
    parse_retraction,
    parse_withdrawals,
    section_withdrawals,
)
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import StatementKind
from reviewapp.rules.parts import FRONT_MATTER_FIELDS
from reviewapp.rules.states import (
    PENDING_STATES,
    Action,
    Audience,
    Kind,
    PublicationPolicy,
    ReviewStep,
    State,
)
from reviewapp.text.markdown import CitationNumbering
from reviewapp.web.change_signal import change_token


@dataclass(frozen=True)
class Review:
    name: str
    at: datetime
    # Whose: their name links to their declaration of interests (/people/<id>/declaration).
    person_id: int | None = None
    # Why they acted despite a declared interest in the article's specialty, if they did.
    justification: str = ""


@dataclass(frozen=True)
class Signature:
    """A board member's signature as the page prints it."""

    printed_name: str
    role: str
    meaning: str
    signed_at: datetime
    signer_id: int | None = None
    justification: str = ""


@dataclass
class PageSection:
    key: str
    level: int
    heading: str
    html: Markup
    # None where withdrawn wording left nothing to show: the page shows `withdrawal` instead.
    version: Version | None
    pending: bool
    # The patient page shows clinician wording because no patient wording is ready.
    fallback: bool
    reviews: list[Review] = field(default_factory=list)
    signoffs: list[Signature] = field(default_factory=list)
    # Its stored text failed the check against its content hash: not served.
    unavailable: bool = False
    # The withdrawal shown in the wording's place, or above the version it reinstated.
    withdrawal: ShownWithdrawal | None = None

    @property
    def is_summary(self) -> bool:
        return self.key == SUMMARY_KEY

    @property
    def withdrawn(self) -> bool:
        """Whether the section shows a withdrawal notice and no wording."""
        return self.version is None

    @property
    def approved_at(self) -> datetime | None:
        return None if self.pending or self.version is None else self.version.approved_at

    @property
    def re_reviewed_at(self) -> datetime | None:
        """Return when the board last re-certified this wording unchanged, if it has."""
        approved = self.approved_at
        last = getattr(self.version, "last_reviewed_at", None) if approved else None
        return last if last is not None and last > approved else None


@dataclass(frozen=True)
class PageReference:
    number: int
    reference: Reference
    # Never approved: shown marked as pending review, or withheld under approved-only.
    pending: bool = False
    withheld: bool = False


@dataclass
class ArticlePage:
    article: Article
    audience: Audience
    authors: list[ArticleAuthor]
    disclaimer: str
    sections: list[PageSection]
    references: list[PageReference]
    step: ReviewStep
    omitted: int  # sections left out because nothing approved exists under approved-only
    last_updated: datetime | None
    next_review_due: date | None
    reviewers: list[Review]
    board: list[Review]
    as_of: datetime | None = None
    # The title, language and authors were never approved: shown marked as pending review.
    front_matter_pending: bool = False
    # Versions whose stored text failed its check while this page was assembled.
    integrity_failures: list[Mismatch] = field(default_factory=list)
    # The article's review status, the same on both audiences' pages: sections whose
    # clinician wording is approved (both audiences then read approved wording), of all the
    # outline's sections, and the newest approval of either audience's wording.
    reviewed_count: int = 0
    section_count: int = 0
    newest_approval: datetime | None = None
    # Sections whose clinician wording is withdrawn with nothing reinstated.
    withdrawn_count: int = 0
    # When the board last certified any wording shown: an approval or a re-review.
    last_reviewed: datetime | None = None
    # The article is retracted: its page is the notice alone.
    retraction: Retraction | None = None

    @property
    def pending_count(self) -> int:
        return self.section_count - self.reviewed_count - self.withdrawn_count

    # An archived view of a moment before any part of the article was approved.
    nothing_published: bool = False

    @property
    def has_pending(self) -> bool:
        return (
            self.front_matter_pending
            or any(section.pending for section in self.sections)
            or any(reference.pending for reference in self.references)
        )

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


def page_state(slug: str, app: Flask) -> PageState | None:
    """Return what a public page's cache key and validators depend on.

    This is every reader's hot path: while the change signal says no article changed, the
    state read last time is the answer, with no query. Otherwise one small query, on a
    plain connection rather than the ORM session.
    """
    extensions = app.extensions
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


def _article_front_matter(
    article_id: int, audience: Audience
) -> tuple[Article, list[ArticleAuthor], list[Reference], str, Retraction | None] | None:
    """Return the article with its authors, references and disclaimer: one query."""
    dialect = db.engine.dialect.name
    authors = select(
        json_rows(
            dialect,
            position=ArticleAuthor.position,
            name=ArticleAuthor.name,
            credentials=ArticleAuthor.credentials,
            disclosures=ArticleAuthor.disclosures,
        )
    ).where(ArticleAuthor.article_id == Article.id)
    references = select(
        json_rows(
            dialect,
            key=Reference.key,
            position=Reference.position,
            kind=Reference.kind,
            title=Reference.title,
            authors=Reference.authors,
            year=Reference.year,
            publisher=Reference.publisher,
            url=Reference.url,
            doi=Reference.doi,
            pmid=Reference.pmid,
            accessed=Reference.accessed,
            note=Reference.note,
            published_version_id=Reference.published_version_id,
            **retraction_columns(),
        )
    ).where(Reference.article_id == Article.id)
    disclaimer_key = f"disclaimer.{audience.value}"
    # The disclaimer in the article's language if the site has one approved; else, in a
    # language the site ships one in, that shipped text; else the audience's own.
    shipped = shipped_languages(disclaimer_key)
    disclaimer = (
        select(SiteText.body)
        .where(
            (SiteText.key == disclaimer_key + "." + Article.language)
            | ((SiteText.key == disclaimer_key) & Article.language.not_in(shipped)),
            SiteText.published_version_id.is_not(None),
        )
        .order_by(func.length(SiteText.key).desc())
        .limit(1)
    )
    row = db.session.execute(
        select(
            Article,
            authors.scalar_subquery(),
            references.scalar_subquery(),
            disclaimer.scalar_subquery(),
            article_retraction(dialect),
        ).where(Article.id == article_id)
    ).one_or_none()
    if row is None:
        return None
    article, author_rows, reference_rows, stored_disclaimer, retraction_rows = row
    # Detached copies for display only: never added to the session, never written.
    return (
        article,
        [ArticleAuthor(**author) for author in _by_position(parse_rows(author_rows))],
        [detached_reference(reference) for reference in _by_position(parse_rows(reference_rows))],
        (
            stored_disclaimer
            if stored_disclaimer is not None
            else default_text(f"{disclaimer_key}.{article.language}")
        ),
        parse_retraction(retraction_rows),
    )


def _by_position(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: row["position"])


@dataclass(frozen=True)
class PendingVersion:
    """A pending version's wording as the public page shows it: read only, never in a session."""

    id: int
    section_id: int
    audience: str
    number: int
    state: str
    heading: str
    body: str
    body_html: str
    content_hash: str
    created_at: datetime
    public_note: str | None = None
    approved_at: None = None

    @property
    def workflow_state(self) -> State:
        return State(self.state)

    @property
    def audience_enum(self) -> Audience:
        return Audience(self.audience)


SectionWording = tuple[
    "Section | OutlineEntry",
    Version | None,
    Version | None,
    list[PendingVersion],
    list[ShownWithdrawal],
]


def _sections_with_wording(article: Article) -> list[SectionWording]:
    """Return each section with its published wordings and its pending versions: one query.

    Published wording is reached through the section's pointers and pending wording through
    the (state, section) index, so neither depends on the depth of history.
    """
    clinician, patient = aliased(Version), aliased(Version)
    pending = select(
        json_rows(
            db.engine.dialect.name,
            id=Version.id,
            section_id=Version.section_id,
            audience=Version.audience,
            number=Version.number,
            state=Version.state,
            heading=Version.heading,
            body=Version.body,
            body_html=Version.body_html,
            content_hash=Version.content_hash,
            created_at=Version.created_at,
            public_note=Version.public_note,
        )
    ).where(
        Version.section_id == Section.id,
        Version.state.in_([state.value for state in PENDING_STATES]),
    )
    rows = db.session.execute(
        select(
            Section,
            clinician,
            patient,
            pending.scalar_subquery(),
            section_withdrawals(db.engine.dialect.name),
        )
        .outerjoin(clinician, clinician.id == Section.published_clinician_id)
        .outerjoin(patient, patient.id == Section.published_patient_id)
        .where(Section.article_id == article.id, Section.in_outline)
        .order_by(Section.position)
    )
    return [
        (
            section,
            published_clinician,
            published_patient,
            [PendingVersion(**row) for row in parse_rows(pending_rows, times=("created_at",))],
            parse_withdrawals(withdrawal_rows),
        )
        for section, published_clinician, published_patient, pending_rows, withdrawal_rows in rows
    ]


class OutlineEntry(NamedTuple):
    """A section as an outline placed it (the page reads nothing else of a section)."""

    id: int
    key: str
    level: int


@dataclass
class PublishedParts:
    """The article's parts as they were published at a past moment."""

    article: Article
    authors: list[ArticleAuthor]
    references: list[Reference]
    disclaimer: str
    outline: list[tuple[str, int]] | None


def _parts_published_at(
    article: Article, audience: Audience, moment: datetime, disclaimer: str
) -> PublishedParts:
    """Return the front matter, references, outline and disclaimer published at `moment`."""
    disclaimer_key = f"disclaimer.{audience.value}"
    language_key = f"{disclaimer_key}.{article.language}"
    versions = parts_published_as_of(article, moment, [disclaimer_key, language_key])
    by_kind: dict[str, list[Version]] = defaultdict(list)
    for version in versions.values():
        by_kind[version.kind].append(version)
    shown = article
    authors: list[ArticleAuthor] = []
    if front := by_kind.get(Kind.FRONT_MATTER.value):
        values = json.loads(front[0].payload)
        # A detached copy for display only: never added to the session, never written.
        shown = Article(
            id=article.id,
            slug=article.slug,
            publication=article.publication,
            required_signoffs=article.required_signoffs,
            review_interval_months=article.review_interval_months,
            public_revision=article.public_revision,
            public_changed_at=article.public_changed_at,
            created_at=article.created_at,
            front_matter_version_id=front[0].id,
            **{name: values[name] for name in FRONT_MATTER_FIELDS},
        )
        authors = [
            ArticleAuthor(position=index, **author)
            for index, author in enumerate(values["authors"])
        ]
    if settings := by_kind.get(Kind.SETTINGS.value):
        shown.review_interval_months = json.loads(settings[0].payload)["review_interval_months"]
    references = []
    for version in by_kind.get(Kind.REFERENCE.value, []):
        values = json.loads(version.payload)
        references.append(Reference(position=0, published_version_id=version.id, **values))
    texts = {version.site_text_key: version for version in by_kind.get(Kind.SITE_TEXT.value, [])}
    chosen = texts.get(language_key)
    if chosen is None and article.language not in shipped_languages(disclaimer_key):
        chosen = texts.get(disclaimer_key)
    if chosen is None:
        disclaimer = default_text(language_key)
    outline = by_kind.get(Kind.OUTLINE.value)
    return PublishedParts(
        article=shown,
        authors=authors,
        references=references,
        disclaimer=json.loads(chosen.payload)["text"] if chosen is not None else disclaimer,
        outline=(
            [(entry["key"], entry["level"]) for entry in json.loads(outline[0].payload)["sections"]]
            if outline
            else None
        ),
    )


def _sections_published_at(
    article: Article, moment: datetime, outline: list[tuple[str, int]] | None
) -> list[SectionWording]:
    """Return each section of the outline published at `moment`, with its wording then."""
    ids = published_as_of(article, moment)
    versions = {
        version.id: version
        for version in db.session.scalars(select(Version).where(Version.id.in_(list(ids.values()))))
    }
    sections = {
        section.key: section
        for section in db.session.scalars(
            select(Section).where(Section.article_id == article.id).order_by(Section.position)
        )
    }
    if outline is None:  # before any outline was approved: the sections in their order now
        outline = [(section.key, section.level) for section in sections.values()]
    placed = [
        OutlineEntry(sections[key].id, key, level) for key, level in outline if key in sections
    ]
    return [
        (
            section,
            versions.get(ids.get((section.id, Audience.CLINICIAN.value))),
            versions.get(ids.get((section.id, Audience.PATIENT.value))),
            [],  # an archived page shows only what was published
            [],
        )
        for section in placed
    ]


def _newest_by_audience(versions: list[Version]) -> dict[Audience, Version | None]:
    newest: dict[Audience, Version | None] = dict.fromkeys(Audience)
    for version in versions:
        audience = Audience(version.audience)
        if newest[audience] is None or version.number > newest[audience].number:
            newest[audience] = version
    return newest


def _reviews_and_signatures(
    version_ids: list[int], as_of: datetime | None
) -> tuple[dict[int, list[Review]], dict[int, list[Signature]]]:
    """Return the editors' approvals and the counting board signatures per version: one query.

    A signature counts only on the content hash it signed, and for an archived view only if
    it was given by `as_of`.
    """
    reviews: dict[int, list[Review]] = defaultdict(list)
    signatures: dict[int, list[Signature]] = defaultdict(list)
    if not version_ids:
        return reviews, signatures
    approvals = (
        select(
            VersionTransition.version_id.label("version_id"),
            literal_column("'approval'").label("kind"),
            User.name.label("name"),
            User.credentials.label("detail"),
            literal_column("''").label("meaning"),
            VersionTransition.created_at.label("at"),
            User.id.label("person_id"),
            _justification(VersionTransition.version_id, VersionTransition.actor_id).label(
                "justification"
            ),
        )
        .join(User, User.id == VersionTransition.actor_id)
        .where(
            VersionTransition.version_id.in_(version_ids),
            VersionTransition.action == Action.APPROVE.value,
        )
    )
    signed = (
        select(
            Signoff.version_id,
            literal_column("'signature'"),
            Signoff.printed_name,
            Signoff.role,
            Signoff.meaning,
            Signoff.signed_at,
            Signoff.signer_id,
            _justification(Signoff.version_id, Signoff.signer_id),
        )
        .join(Version, Version.id == Signoff.version_id)
        .where(Signoff.version_id.in_(version_ids), counting_signature(as_of))
    )
    rows = sorted(db.session.execute(union_all(approvals, signed)), key=lambda row: row.at)
    for version_id, kind, name, detail, meaning, at, person_id, justification in rows:
        if kind == "approval":
            reviews[version_id].append(
                Review(User.format_printed_name(name, detail), at, person_id, justification)
            )
        else:
            signatures[version_id].append(
                Signature(name, detail, meaning, at, person_id, justification)
            )
    return reviews, signatures


def _justification(version_id, person_id):
    """Return the justification the person recorded for the row's version, '' if none: the
    reason a reader is given for their acting despite a declared interest."""
    return func.coalesce(
        select(InterestStatement.text)
        .where(
            InterestStatement.version_id == version_id,
            InterestStatement.user_id == person_id,
            InterestStatement.kind == StatementKind.JUSTIFICATION.value,
        )
        .correlate_except(InterestStatement)
        .scalar_subquery(),
        "",
    )


def _failing_checks(
    article: Article,
    chosen: list[tuple["Section | OutlineEntry", "Version | PendingVersion", bool]],
    signatures: dict[int, list[Signature]],
) -> dict[int, Mismatch]:
    """Return, by version id, the chosen versions whose stored text fails its check.

    The source must hash to the content hash, the HTML must be what the source renders to,
    and approved wording must carry a board signature that counts on that hash.
    """
    failures: dict[int, Mismatch] = {}
    for section, version, _ in chosen:
        problem = wording_problem(
            article_slug=article.slug,
            section_key=section.key,
            audience=version.audience,
            heading=version.heading,
            body=version.body,
            body_html=version.body_html,
            stored_hash=version.content_hash,
            public_note=version.public_note,
        )
        if (
            problem is None
            and version.workflow_state is State.APPROVED
            and not signatures.get(version.id)
        ):
            problem = "no board signature counts for its content hash"
        if problem is not None:
            failures[version.id] = Mismatch(version.id, article.id, problem)
    return failures


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


def _withdrawal_shown(
    audience: Audience,
    published: dict[Audience, Version | None],
    withdrawals: list[ShownWithdrawal],
) -> tuple[ShownWithdrawal | None, bool]:
    """Return the withdrawal this audience's page shows for a section, and whether it is the
    clinician wording's, shown to patients for want of their own wording."""
    own = in_effect(withdrawals, audience, published[audience])
    if own is not None or audience is Audience.CLINICIAN or published[audience] is not None:
        return own, False
    clinician = in_effect(withdrawals, Audience.CLINICIAN, published[Audience.CLINICIAN])
    return clinician, clinician is not None


def _retracted_page(
    article: Article,
    audience: Audience,
    authors: list[ArticleAuthor],
    disclaimer: str,
    retraction: Retraction,
    as_of: datetime | None,
) -> ArticlePage:
    """Return the page of a retracted article: the notice, and none of its content."""
    return ArticlePage(
        article=article,
        audience=audience,
        authors=authors,
        disclaimer=disclaimer,
        sections=[],
        references=[],
        step=ReviewStep.APPROVED,
        omitted=0,
        last_updated=None,
        next_review_due=None,
        reviewers=[],
        board=[],
        as_of=as_of,
        retraction=retraction,
    )


def _step(states: list[State]) -> ReviewStep:
    if states and all(state is State.APPROVED for state in states):
        return ReviewStep.APPROVED
    if any(state in (State.UNDER_REVIEW, State.AWAITING_SIGNOFF) for state in states):
        return ReviewStep.UNDER_REVIEW
    return ReviewStep.SUBMITTED


def assemble_page(
    article_id: int, audience: Audience, as_of: datetime | None = None
) -> ArticlePage | None:
    """Build the reader's page for one audience, as it is now or as it was at `as_of`.

    Three queries for the live page whatever its size or history: the article with its
    front matter, the sections with their wording, the approvals and signatures.
    """
    found = _article_front_matter(article_id, audience)
    if found is None:
        return None
    article, authors, article_references, disclaimer, retraction = found
    if retraction is not None and (as_of is None or retraction.retracted_at <= as_of):
        return _retracted_page(article, audience, authors, disclaimer, retraction, as_of)
    show_pending = as_of is None and article.policy is PublicationPolicy.PENDING_WITH_CAUTION
    if as_of is None:
        if not article.front_matter_reviewed and not show_pending:
            return None  # nothing of it was approved: not public under approved-only
        wording = _sections_with_wording(article)
    else:
        published = _parts_published_at(article, audience, as_of, disclaimer)
        # No front matter then leaves the live article in place.
        no_front_matter_then = published.article is article
        article, authors, disclaimer = published.article, published.authors, published.disclaimer
        article_references = published.references
        wording = _sections_published_at(article, as_of, published.outline)
    chosen: list[tuple[Section | OutlineEntry, Version | None, bool, ShownWithdrawal | None]] = []
    omitted_states: list[State] = []
    reviewed_count = withdrawn_count = 0
    approval_dates: list[datetime] = []
    for section, clinician, patient, pending_versions, withdrawals in wording:
        reviewed_count += clinician is not None
        withdrawn_count += (
            clinician is None and in_effect(withdrawals, Audience.CLINICIAN, None) is not None
        )
        approval_dates += [v.approved_at for v in (clinician, patient) if v and v.approved_at]
        published = {Audience.CLINICIAN: clinician, Audience.PATIENT: patient}
        notice, fallback = _withdrawal_shown(audience, published, withdrawals)
        if notice is not None:
            # The version it reinstated, or nothing: never pending wording in its place.
            chosen.append((section, published[Audience(notice.audience)], fallback, notice))
            continue
        pending = _newest_by_audience(pending_versions)
        version, fallback = _choose(audience, published, pending, show_pending)
        if version is None:
            waiting = pending[audience] or pending[Audience.CLINICIAN]
            omitted_states.append(waiting.workflow_state if waiting else State.SUBMITTED)
            continue
        chosen.append((section, version, fallback, None))

    shown = [(section, version, fallback) for section, version, fallback, _ in chosen if version]
    approved_ids = [
        version.id for _, version, _ in shown if version.workflow_state is State.APPROVED
    ]
    approvals, signatures = _reviews_and_signatures(approved_ids, as_of)
    failures = _failing_checks(article, shown, signatures)
    numbering = CitationNumbering()
    sections = [
        PageSection(
            key=section.key,
            level=section.level,
            heading=version.heading if version is not None else notice.heading,
            html=Markup("")
            if version is None or version.id in failures
            else numbering.apply(version.body_html),
            version=version,
            pending=version is not None and version.workflow_state is not State.APPROVED,
            fallback=fallback,
            reviews=[]
            if version is None or version.id in failures
            else approvals.get(version.id, []),
            signoffs=[]
            if version is None or version.id in failures
            else signatures.get(version.id, []),
            unavailable=version is not None and version.id in failures,
            withdrawal=notice,
        )
        for section, version, fallback, notice in chosen
    ]
    by_key = {reference.key: reference for reference in article_references}
    references = [
        PageReference(
            number,
            by_key[key],
            pending=show_pending and not by_key[key].is_reviewed,
            withheld=not show_pending and not by_key[key].is_reviewed,
        )
        for key, number in sorted(numbering.numbers.items(), key=lambda item: item[1])
        if key in by_key
    ]
    approved_dates = [s.version.approved_at for s in sections if s.approved_at is not None]
    # The live page dates each section's next review from its last review (an approval or a
    # re-review), or from when it was made review due; an archived one from its approvals.
    shown = [s.version for s in sections if s.approved_at is not None]
    if as_of is None:
        reviewed_dates = [v.last_reviewed_at or v.approved_at for v in shown]
        due_days = [next_review(v, article.review_interval_months) for v in shown]
    else:
        reviewed_dates = approved_dates
        first = min(approved_dates).date() if approved_dates else None
        due_days = [add_months(first, article.review_interval_months)] if first else []
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
                board[signoff.printed_name] = Review(
                    signoff.printed_name, signoff.signed_at, signoff.signer_id
                )
    states = [s.version.workflow_state for s in sections if s.version] + omitted_states
    front_matter_pending = not article.front_matter_reviewed
    if front_matter_pending or any(reference.pending for reference in references):
        states.append(State.SUBMITTED)
    return ArticlePage(
        article=article,
        audience=audience,
        authors=authors,
        disclaimer=disclaimer,
        sections=sections,
        references=references,
        step=_step(states),
        omitted=len(omitted_states),
        last_updated=max(approved_dates) if approved_dates else None,
        next_review_due=min(due_days) if due_days else None,
        last_reviewed=max(reviewed_dates) if reviewed_dates else None,
        reviewers=sorted(reviewers.values(), key=lambda review: review.name),
        board=sorted(board.values(), key=lambda review: review.name),
        as_of=as_of,
        front_matter_pending=front_matter_pending,
        integrity_failures=list(failures.values()),
        reviewed_count=reviewed_count,
        section_count=len(wording),
        newest_approval=max(approval_dates) if approval_dates else None,
        withdrawn_count=withdrawn_count,
        nothing_published=(
            as_of is not None
            and no_front_matter_then
            and not approval_dates
            and not article_references
        ),
    )
