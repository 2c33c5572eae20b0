"""Read models for the review queue and an article's overview.

Each function runs a fixed number of queries whatever the number of sections or the depth
of history: rows come from joins and grouped subqueries, never one query per section.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from reviewapp.domain import part_chains
from reviewapp.domain.part_chains import Part
from reviewapp.extensions import db
from reviewapp.models import Article, Reference, Section, SiteText, User, Version, VersionTransition
from reviewapp.readmodels.publication import add_months
from reviewapp.rules import parts as part_rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Kind, State

# The states that still need an editor or the author, counted per article.
OPEN_STATES = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.CHANGES_REQUESTED,
    State.AWAITING_SIGNOFF,
)
OWN_VERSIONS_SHOWN = 50


@dataclass(frozen=True)
class QueueRow:
    version: Version
    section: Section | None  # None for every kind but wording
    article: Article | None  # None for site texts
    author: User
    # The editor whose "start review" step is on the version.
    reviewer: User | None = None
    stale: str | None = None
    is_newest: bool = True

    @property
    def due(self) -> date:
        return add_months(self.version.approved_at.date(), self.article.review_interval_months)

    @property
    def group(self) -> tuple[bool, int]:
        """Return what the queue groups rows by: each article in turn, then the site texts."""
        return (self.article is None, self.article.id if self.article is not None else 0)

    @property
    def kind_label(self) -> str:
        """Return what kind of version this is: whose wording, or which part of the page."""
        version = self.version
        if version.is_wording:
            return f"{version.audience.capitalize()} wording"
        return version.kind_enum.label.capitalize()


@dataclass
class ArticleCounts:
    article: Article
    by_state: Counter = field(default_factory=Counter)
    review_due: int = 0

    def count(self, state: State) -> int:
        return self.by_state[state.value]

    @property
    def total(self) -> int:
        return sum(self.by_state.values()) + self.review_due


@dataclass
class Queue:
    submitted: list[QueueRow]
    mine: list[QueueRow]
    others: list[QueueRow]
    changes_requested: list[QueueRow]
    awaiting_signoff: list[QueueRow]
    review_due: list[QueueRow]
    articles: list[ArticleCounts]
    own: list[QueueRow]


@dataclass(frozen=True)
class ClinicianHead:
    """Where a section's clinician wording stands: published, and newest still alive."""

    published_id: int | None
    published_number: int | None
    newest_id: int | None
    newest_number: int | None
    newest_state: State | None


def is_newest(newest) -> ColumnElement[bool]:
    """Return the join condition picking, from `newest_numbers()`, each chain's newest version."""
    return and_(
        newest.c.section_id == Version.section_id,
        newest.c.audience == Version.audience,
        newest.c.number == Version.number,
    )


def newest_numbers(*conditions) -> Select:
    """Return a subquery of the highest version number per (section, audience) chain."""
    return (
        select(Version.section_id, Version.audience, func.max(Version.number).label("number"))
        .where(*conditions)
        .group_by(Version.section_id, Version.audience)
        .subquery()
    )


def newest_in_chains(*conditions) -> Select:
    """Return a subquery of the highest version number per chain, of every kind."""
    return (
        select(Version.chain, func.max(Version.number).label("number"))
        .where(*conditions)
        .group_by(Version.chain)
        .subquery()
    )


def is_newest_in_chain(newest) -> ColumnElement[bool]:
    """Return the join condition picking, from `newest_in_chains()`, each chain's newest."""
    return and_(newest.c.chain == Version.chain, newest.c.number == Version.number)


def _with_places(query: Select) -> Select:
    # Only wording has a section, and site texts have no article: both are outer joins.
    return (
        query.outerjoin(Section, Section.id == Version.section_id)
        .outerjoin(Article, Article.id == Version.article_id)
        .join(User, User.id == Version.author_id)
        # The pages show names, not roles: no extra query for each batch of accounts.
        .options(lazyload(User.role_rows))
    )


def _open_rows(article_id: int | None = None) -> list[QueueRow]:
    """Return the newest version of every chain that waits on someone, with its reviewer."""
    newest = newest_in_chains()
    step = aliased(VersionTransition)
    reviewer = aliased(User)
    query = (
        _with_places(select(Version, Section, Article, User, reviewer))
        .join(newest, is_newest_in_chain(newest))
        .outerjoin(
            step,
            and_(step.version_id == Version.id, step.action == Action.START_REVIEW.value),
        )
        .outerjoin(reviewer, reviewer.id == step.actor_id)
        .options(lazyload(reviewer.role_rows))
        .where(Version.state.in_([state.value for state in OPEN_STATES]))
        .order_by(Version.state_changed_at, Version.id)
    )
    if article_id is not None:
        query = query.where(Version.article_id == article_id)
    rows = db.session.execute(query).all()
    stale = staleness([row[0] for row in rows])
    return [
        QueueRow(version, section, article, author, reviewer, stale.get(version.id))
        for version, section, article, author, reviewer in rows
    ]


def _review_due_rows(today: date) -> list[QueueRow]:
    """Return the published versions whose article's review interval has run out."""
    published = Version.id.in_(
        select(Section.published_clinician_id).where(Section.published_clinician_id.isnot(None))
    ) | Version.id.in_(
        select(Section.published_patient_id).where(Section.published_patient_id.isnot(None))
    )
    rows = db.session.execute(
        _with_places(select(Version, Section, Article, User))
        .where(published, Version.approved_at.isnot(None))
        .order_by(Version.approved_at, Version.id)
    ).all()
    return [
        row
        for row in (QueueRow(*columns) for columns in rows)
        # Interval arithmetic in months differs between databases; the rows are one per chain.
        if row.due <= today
    ]


def _own_rows(user: User) -> list[QueueRow]:
    newest = newest_in_chains()
    rows = db.session.execute(
        _with_places(
            select(
                Version,
                Section,
                Article,
                User,
                (Version.number == newest.c.number).label("is_newest"),
            )
        )
        .join(newest, newest.c.chain == Version.chain)
        .where(Version.author_id == user.id)
        .order_by(Version.created_at.desc(), Version.id.desc())
        .limit(OWN_VERSIONS_SHOWN)
    ).all()
    return [
        QueueRow(version, section, article, author, is_newest=bool(is_newest))
        for version, section, article, author, is_newest in rows
    ]


def article_counts(
    review_due: Iterable[QueueRow] = (), article_id: int | None = None
) -> list[ArticleCounts]:
    """Count the open versions (newest of their chain, of every kind) per article and state."""
    articles_query = select(Article).order_by(Article.title)
    if article_id is not None:
        articles_query = articles_query.where(Article.id == article_id)
    counts = {article.id: ArticleCounts(article) for article in db.session.scalars(articles_query)}
    newest = newest_in_chains()
    query = (
        select(Version.article_id, Version.state, func.count(Version.id))
        .join(newest, is_newest_in_chain(newest))
        .where(
            Version.article_id.isnot(None),
            Version.state.in_([state.value for state in OPEN_STATES]),
        )
        .group_by(Version.article_id, Version.state)
    )
    if article_id is not None:
        query = query.where(Version.article_id == article_id)
    for found_id, state, number in db.session.execute(query):
        counts[found_id].by_state[state] = number
    for row in review_due:
        if row.article.id in counts:
            counts[row.article.id].review_due += 1
    return list(counts.values())


def queue_for(user: User, *, editor: bool, contributor: bool) -> Queue:
    """Gather what waits for an editor, and a contributor's own versions."""
    open_rows = _open_rows() if editor else []
    review_due = _review_due_rows(utcnow().date()) if editor else []
    by_state: dict[State, list[QueueRow]] = defaultdict(list)
    for row in open_rows:
        by_state[row.version.workflow_state].append(row)
    under_review = by_state[State.UNDER_REVIEW]
    return Queue(
        submitted=by_state[State.SUBMITTED],
        mine=[row for row in under_review if row.reviewer and row.reviewer.id == user.id],
        others=[row for row in under_review if not row.reviewer or row.reviewer.id != user.id],
        changes_requested=by_state[State.CHANGES_REQUESTED],
        awaiting_signoff=by_state[State.AWAITING_SIGNOFF],
        review_due=review_due,
        articles=article_counts(review_due),
        own=_own_rows(user) if contributor else [],
    )


def clinician_heads(section_ids: Iterable[int]) -> dict[int, ClinicianHead]:
    """Return, per section, its published clinician version and its newest live one."""
    ids = sorted(set(section_ids))
    if not ids:
        return {}
    # A rejected draft goes nowhere: it does not make patient wording stale.
    newest = newest_numbers(
        Version.audience == Audience.CLINICIAN.value,
        Version.section_id.in_(ids),
        Version.state.notin_([State.REJECTED.value, State.SUPERSEDED.value]),
    )
    published, latest = aliased(Version), aliased(Version)
    rows = db.session.execute(
        select(
            Section.id,
            published.id,
            published.number,
            latest.id,
            latest.number,
            latest.state,
        )
        .select_from(Section)
        .outerjoin(published, published.id == Section.published_clinician_id)
        .outerjoin(newest, newest.c.section_id == Section.id)
        .outerjoin(
            latest,
            and_(
                latest.section_id == Section.id,
                latest.audience == Audience.CLINICIAN.value,
                latest.number == newest.c.number,
            ),
        )
        .where(Section.id.in_(ids))
    )
    return {
        section_id: ClinicianHead(
            pub_id, pub_number, new_id, new_number, State(new_state) if new_state else None
        )
        for section_id, pub_id, pub_number, new_id, new_number, new_state in rows
    }


def stale_reason(
    version: Version, head: ClinicianHead | None, source_number: int | None
) -> str | None:
    """Say why patient wording may no longer match the clinician wording, or return None."""
    if not version.is_wording or version.audience_enum is not Audience.PATIENT or head is None:
        return None
    source = (
        f"clinician version {source_number}"
        if source_number is not None
        else "no clinician version"
    )
    if head.published_id is not None and version.source_clinician_id != head.published_id:
        return (
            f"Written from {source}; the published clinician wording is now "
            f"version {head.published_number}."
        )
    if (
        head.newest_id is not None
        and version.source_clinician_id != head.newest_id
        and (source_number is None or head.newest_number > source_number)
    ):
        return (
            f"Written from {source}; clinician version {head.newest_number} "
            f"({head.newest_state.label}) has been submitted since."
        )
    return None


def staleness(versions: Iterable[Version]) -> dict[int, str]:
    """Return the possibly-stale reason of each patient version that has one, by version id."""
    patient = [v for v in versions if v.is_wording and v.audience == Audience.PATIENT.value]
    if not patient:
        return {}
    heads = clinician_heads(v.section_id for v in patient)
    source_ids = {v.source_clinician_id for v in patient if v.source_clinician_id is not None}
    numbers = (
        dict(
            db.session.execute(
                select(Version.id, Version.number).where(Version.id.in_(source_ids))
            ).all()
        )
        if source_ids
        else {}
    )
    reasons = {}
    for version in patient:
        reason = stale_reason(
            version, heads.get(version.section_id), numbers.get(version.source_clinician_id)
        )
        if reason:
            reasons[version.id] = reason
    return reasons


@dataclass
class ChainStatus:
    audience: Audience
    published: Version | None = None
    newest: Version | None = None
    newest_author: User | None = None
    published_stale: str | None = None
    newest_stale: str | None = None
    # When the published wording is next due for review, and whether that day has come.
    due: date | None = None
    review_due: bool = False

    @property
    def newest_is_published(self) -> bool:
        return (
            self.newest is not None
            and self.published is not None
            and (self.newest.id == self.published.id)
        )


@dataclass
class SectionOverview:
    section: Section
    chains: dict[Audience, ChainStatus]

    @property
    def patient_falls_back(self) -> bool:
        """Return whether patient readers see the clinician wording of this section."""
        return (
            self.chains[Audience.PATIENT].published is None
            and self.chains[Audience.CLINICIAN].published is not None
        )

    @property
    def heading(self) -> str:
        for audience in (Audience.CLINICIAN, Audience.PATIENT):
            chain = self.chains[audience]
            version = chain.newest or chain.published
            if version is not None and version.heading:
                return version.heading
        return ""


@dataclass
class Overview:
    article: Article
    sections: list[SectionOverview]
    counts: ArticleCounts


def article_overview(article: Article) -> Overview:
    """Return every section of an article with its published and newest wording per audience."""
    clinician, patient = aliased(Version), aliased(Version)
    section_rows = db.session.execute(
        select(Section, clinician, patient)
        .outerjoin(clinician, clinician.id == Section.published_clinician_id)
        .outerjoin(patient, patient.id == Section.published_patient_id)
        .where(Section.article_id == article.id)
        .order_by(Section.position)
    ).all()
    newest = newest_numbers()
    newest_rows = db.session.execute(
        select(Version, User)
        .join(User, User.id == Version.author_id)
        .options(lazyload(User.role_rows))
        .join(Section, Section.id == Version.section_id)
        .join(
            newest,
            is_newest(newest),
        )
        .where(Section.article_id == article.id)
    ).all()
    newest_by_chain = {(v.section_id, v.audience): (v, author) for v, author in newest_rows}

    sections = []
    for section, published_clinician, published_patient in section_rows:
        published = {Audience.CLINICIAN: published_clinician, Audience.PATIENT: published_patient}
        chains = {}
        for audience in Audience:
            version, author = newest_by_chain.get((section.id, audience.value), (None, None))
            chains[audience] = ChainStatus(audience, published[audience], version, author)
        sections.append(SectionOverview(section, chains))

    patient_versions = [
        version
        for entry in sections
        for version in (
            entry.chains[Audience.PATIENT].published,
            entry.chains[Audience.PATIENT].newest,
        )
        if version is not None
    ]
    reasons = staleness(patient_versions)
    for entry in sections:
        chain = entry.chains[Audience.PATIENT]
        chain.published_stale = reasons.get(chain.published.id) if chain.published else None
        chain.newest_stale = reasons.get(chain.newest.id) if chain.newest else None

    today = utcnow().date()
    due = 0
    for entry in sections:
        for chain in entry.chains.values():
            if chain.published is not None and chain.published.approved_at is not None:
                chain.due = add_months(
                    chain.published.approved_at.date(), article.review_interval_months
                )
                chain.review_due = chain.due <= today
                due += chain.review_due
    [counts] = article_counts(article_id=article.id)
    counts.review_due = due
    return Overview(article, sections, counts)


# --- The parts of a page besides wording ------------------------------------------------------


@dataclass
class PartStatus:
    """Where one part's chain stands: its newest version, and the approved one readers see."""

    part: Part
    newest: Version | None = None
    published: Version | None = None

    @property
    def newest_is_published(self) -> bool:
        return (
            self.newest is not None
            and self.published is not None
            and self.newest.id == self.published.id
        )


def _statuses(
    parts: list[Part], newest: list[Version], pointers: dict[str, int | None]
) -> list[PartStatus]:
    """Pair each part with its newest version and its published one (`pointers`, by chain)."""
    by_chain = {version.chain: version for version in newest}
    known = {version.id: version for version in newest}
    missing = [found for found in pointers.values() if found is not None and found not in known]
    if missing:
        known |= {
            v.id: v for v in db.session.scalars(select(Version).where(Version.id.in_(missing)))
        }
    return [
        PartStatus(part, by_chain.get(part.chain), known.get(pointers.get(part.chain) or 0))
        for part in parts
    ]


def article_parts(article: Article) -> list[PartStatus]:
    """Return the front matter, review settings, outline and each reference of an article,
    with the newest and the published version of each, whatever the number of references."""
    references = db.session.scalars(
        select(Reference).where(Reference.article_id == article.id).order_by(Reference.position)
    ).all()
    parts = [
        part_chains.front_matter_part(article),
        part_chains.settings_part(article),
        part_chains.outline_part(article),
        *(part_chains.reference_part(reference) for reference in references),
    ]
    newest = newest_in_chains(Version.article_id == article.id, Version.kind != Kind.WORDING.value)
    versions = _with_authors(select(Version).join(newest, is_newest_in_chain(newest)))
    # The article's and the references' pointers are on rows loaded above: no query each.
    return _statuses(parts, versions, {part.chain: part.published_id() for part in parts})


def _with_authors(query: Select) -> list[Version]:
    """Run a query of versions, each with its author (the pages name them) in the same query."""
    return list(
        db.session.scalars(
            query.options(joinedload(Version.author).lazyload(User.role_rows))
        ).unique()
    )


def site_text_parts() -> list[PartStatus]:
    """Return every site text (the standard ones, and each language's disclaimer that has a
    row or a version) with its newest and published version."""
    newest = newest_in_chains(Version.kind == Kind.SITE_TEXT.value)
    versions = _with_authors(select(Version).join(newest, is_newest_in_chain(newest)))
    rows = {row.key: row for row in db.session.scalars(select(SiteText))}
    found = {version.site_text_key for version in versions} | set(rows)
    others = sorted(
        key
        for key in found - set(part_rules.SITE_TEXT_KEYS)
        if part_rules.site_text_key_problem(key) is None
    )
    parts = [part_chains.site_text_part(key) for key in (*part_rules.SITE_TEXT_KEYS, *others)]
    # A site text's pointer is on its row, read above: ask the rows, not one query per part.
    pointers = {
        part.chain: getattr(rows.get(part.site_text_key), "published_version_id", None)
        for part in parts
    }
    return _statuses(parts, versions, pointers)
