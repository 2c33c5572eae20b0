"""Read models for the review queue and an article's overview.

Each function runs a fixed number of queries whatever the number of sections, articles or
the depth of history: rows come from joins and grouped subqueries, never one query per
section. The queue reads only what waits, through an index holding nothing else
(ix_version_waiting: a few thousand rows whatever the history), and one page of it; the
overview reads only its own article's versions.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import aliased, defer, joinedload, lazyload

from reviewapp.domain import part_chains
from reviewapp.domain.assignments import ASSIGNABLE_STATES
from reviewapp.domain.part_chains import Part
from reviewapp.domain.signatures import independent_of, signed_by
from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    Reference,
    Section,
    SiteText,
    User,
    UserRole,
    Version,
)
from reviewapp.models.version import WAITING_STATES, is_waiting
from reviewapp.readmodels.publication import add_months
from reviewapp.readmodels.re_reviews import next_review
from reviewapp.rules import parts as part_rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.re_reviews import DATE_REACHED
from reviewapp.rules.states import PENDING_STATES, Audience, Kind, Role, State

# The states that still need an editor, the board or the author.
OPEN_STATES = tuple(State(value) for value in WAITING_STATES)
PAGE_SIZE = 50
OWN_VERSIONS_SHOWN = 50
REVIEW_DUE_SHOWN = 50
SLACK = timedelta(days=3)
# How much of the version table waits, as told to SQLite's planner (see `waiting_in`).
WAITING_SHARE = 0.05
# The assignee filter's words besides an editor's id.
ASSIGNED_TO_ME = "me"
UNASSIGNED = "unassigned"


def without_texts(*entities) -> list:
    """Return the options leaving the versions' long columns unread, for pages that list
    versions and their states, never their text."""
    return [
        defer(getattr(entity, name))
        for entity in entities or (Version,)
        for name in ("body", "body_html", "payload")
    ]


@dataclass(frozen=True)
class QueueRow:
    version: Version
    section: Section | None  # None for every kind but wording
    article: Article | None  # None for site texts
    author: User | None  # None for a version carried over with no author
    # The editor holding the version (claimed or assigned).
    assignee: User | None = None
    stale: str | None = None
    is_newest: bool = True
    overdue: bool = False

    @property
    def due(self) -> date:
        return next_review(self.version, self.article.review_interval_months)

    @property
    def due_reason(self) -> str:
        """Say why published wording is review due: its reason, or its date come."""
        return self.version.review_due_reason or DATE_REACHED

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


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: every value empty or False shows everything open."""

    article: str = ""  # an article's slug
    kind: str = ""
    audience: str = ""
    state: str = ""
    assignee: str = ""  # ASSIGNED_TO_ME, UNASSIGNED or an editor's id
    mine: bool = False  # versions the person wrote
    overdue: bool = False
    newest_first: bool = False
    page: int = 1


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


@dataclass(frozen=True)
class ActionNeeded:
    """What waits on one person, by role; None where the person does not hold the role."""

    assigned_to_me: int | None = None
    unclaimed: int | None = None
    overdue: int | None = None
    changes_requested: int | None = None
    awaiting_signature: int | None = None

    @property
    def queue_count(self) -> int:
        """Return the number the navigation shows beside the review queue."""
        return (self.assigned_to_me or 0) + (self.unclaimed or 0) + (self.changes_requested or 0)


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


def has_no_successor() -> ColumnElement[bool]:
    """Return the condition that no later version exists in the version's chain: a column
    the domain sets when it submits the next one, never a search of the chain."""
    return Version.successor_id.is_(None)


def _open_conditions(user: User, filters: QueueFilters, *, editor: bool) -> list:
    # Every filter narrows waiting work, read through its own index (ix_version_waiting):
    # a version with changes requested stops waiting once its author submits the next.
    conditions = [is_waiting()]
    if filters.state:
        conditions.append(Version.state == filters.state)
    if not editor or filters.mine:
        conditions.append(Version.author_id == user.id)
    if filters.article:
        conditions.append(
            Version.article_id
            == select(Article.id).where(Article.slug == filters.article).scalar_subquery()
        )
    if filters.kind:
        conditions.append(Version.kind == filters.kind)
    if filters.audience:
        conditions.append(Version.audience == filters.audience)
    if filters.assignee == ASSIGNED_TO_ME:
        conditions.append(Version.assignee_id == user.id)
    elif filters.assignee == UNASSIGNED:
        conditions.append(Version.assignee_id.is_(None))
    elif filters.assignee:
        conditions.append(Version.assignee_id == int(filters.assignee))
    if filters.overdue:
        conditions += overdue_conditions(utcnow())
    return conditions


def waiting_in(states: Iterable[str]) -> ColumnElement[bool]:
    """Return the condition that a version is in one of these waiting states.

    Waiting versions are few beside the approved history, which SQLite's statistics cannot
    tell (they keep only the average rows per state): without the hint it reads the whole
    table for four states instead of their index ranges. PostgreSQL's statistics know.
    """
    condition = Version.state.in_(list(states))
    if db.session.get_bind().dialect.name == "sqlite":
        return func.likelihood(condition, literal_column(repr(WAITING_SHARE)))
    return condition


def overdue_conditions(now: datetime) -> list:
    """Return the conditions of pending work past its due date (index: state, due_at)."""
    return [waiting_in(state.value for state in PENDING_STATES), Version.due_at < now]


def queue_page(user: User, filters: QueueFilters, *, editor: bool) -> QueuePage:
    """Return one page of the open versions the filters pick, oldest first unless asked.

    Two queries for the rows and the total, plus at most three for patient wording's
    staleness, whatever the page, the filters or the size of the catalogue.
    """
    conditions = _open_conditions(user, filters, editor=editor)
    total = db.session.scalar(select(func.count(Version.id)).where(*conditions))
    assignee = aliased(User)
    waited = Version.state_changed_at.desc() if filters.newest_first else Version.state_changed_at
    tie = Version.id.desc() if filters.newest_first else Version.id
    page = min(max(filters.page, 1), max(1, -(-total // PAGE_SIZE)))
    # The page's ids first, sorted on the (state, state_changed_at) index alone; the rows
    # and their long texts are read for those fifty only.
    page_ids = (
        select(Version.id)
        .where(*conditions)
        .order_by(waited, tie)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = db.session.execute(
        select(Version, Section, Article, User, assignee)
        .outerjoin(Section, Section.id == Version.section_id)
        .outerjoin(Article, Article.id == Version.article_id)
        .outerjoin(User, User.id == Version.author_id)
        .outerjoin(assignee, assignee.id == Version.assignee_id)
        # The page shows names, not roles: no extra query for each batch of accounts.
        .options(lazyload(User.role_rows), lazyload(assignee.role_rows), *without_texts())
        .where(Version.id.in_(page_ids.scalar_subquery()))
        .order_by(waited, tie)
    ).all()
    stale = staleness([row[0] for row in rows])
    now = utcnow()
    return QueuePage(
        [
            QueueRow(
                version,
                section,
                article,
                author,
                holder,
                stale.get(version.id),
                overdue=_is_overdue(version, now),
            )
            for version, section, article, author, holder in rows
        ],
        total,
        page,
    )


def _is_overdue(version: Version, now: datetime) -> bool:
    return (
        version.due_at is not None
        and version.workflow_state in PENDING_STATES
        and version.due_at < now
    )


def action_needed(user: User, *, editor: bool, contributor: bool, board: bool) -> ActionNeeded:
    """Count what waits on `user` in each role they hold, in one query."""
    if not (editor or contributor or board):
        return ActionNeeded()
    now = utcnow()
    assignable = [state.value for state in ASSIGNABLE_STATES]

    def count(*conditions) -> ColumnElement[int]:
        # count(*), not of a column: PostgreSQL can then count from the index alone.
        return select(func.count()).select_from(Version).where(*conditions).scalar_subquery()

    none = literal(None)
    counts = db.session.execute(
        select(
            count(Version.assignee_id == user.id, waiting_in(assignable)) if editor else none,
            count(waiting_in([State.SUBMITTED.value]), Version.assignee_id.is_(None))
            if editor
            else none,
            count(*overdue_conditions(now)) if editor else none,
            count(
                is_waiting(),
                Version.state == State.CHANGES_REQUESTED.value,
                Version.author_id == user.id,
            )
            if contributor
            else none,
            count(*awaiting_signature_of(user)) if board else none,
        )
    ).one()
    return ActionNeeded(*counts)


def awaiting_signoff() -> ColumnElement[bool]:
    """Return the condition that a version awaits the board's signatures (read through
    ix_version_waiting, which holds what the board's independence asks of it)."""
    return and_(is_waiting(), Version.state == State.AWAITING_SIGNOFF.value)


def awaiting_signature_of(user: User) -> list:
    """Return the conditions of versions waiting for this board member's signature: not
    theirs, not reviewed by them, and not signed by them on this content hash yet."""
    return [awaiting_signoff(), independent_of(user.id), ~signed_by(user.id)]


def review_due_rows(today: date) -> list[QueueRow]:
    """Return the published wording longest past its article's review interval since it was
    last reviewed, or made review due before its date (sent for revision, a cited source
    retracted): at most REVIEW_DUE_SHOWN + 1, so a page can say there are more, in two
    queries."""
    intervals = db.session.scalars(select(Article.review_interval_months).distinct()).all()
    if not intervals:
        return []
    # Months differ in length between databases' interval arithmetic: each interval in use
    # gets its own cutoff day, computed here the way the pages compute due dates.
    due = or_(
        *(
            and_(
                Article.review_interval_months == months,
                # A few days' slack for month ends; the exact date is checked below.
                Version.last_reviewed_at < _day_start(add_months(today, -months) + SLACK),
            )
            for months in intervals
        )
    )
    published = or_(
        Section.published_clinician_id == Version.id,
        Section.published_patient_id == Version.id,
    )
    rows = db.session.execute(
        select(Version, Section, Article, User)
        .join(Section, Section.id == Version.section_id)
        .join(Article, Article.id == Version.article_id)
        .outerjoin(User, User.id == Version.author_id)
        .options(lazyload(User.role_rows), *without_texts())
        .where(
            Version.state == State.APPROVED.value,
            or_(
                Version.review_due_since.is_not(None),
                and_(
                    Version.last_reviewed_at
                    < _day_start(add_months(today, -min(intervals)) + SLACK),
                    due,
                ),
            ),
            published,
        )
        .order_by(func.coalesce(Version.review_due_since, Version.last_reviewed_at), Version.id)
        .limit(REVIEW_DUE_SHOWN + 1)
    ).all()
    return [row for row in (QueueRow(*columns) for columns in rows) if row.due <= today]


def _day_start(day: date) -> datetime:
    # Due on a day means due from its first moment: approved before the next day began.
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def own_rows(user: User) -> list[QueueRow]:
    """Return the person's most recent versions, each saying whether a newer one exists."""
    rows = db.session.execute(
        select(Version, Section, Article, User, has_no_successor().label("is_newest"))
        .outerjoin(Section, Section.id == Version.section_id)
        .outerjoin(Article, Article.id == Version.article_id)
        .join(User, User.id == Version.author_id)
        .options(lazyload(User.role_rows), *without_texts())
        .where(Version.author_id == user.id)
        .order_by(Version.created_at.desc(), Version.id.desc())
        .limit(OWN_VERSIONS_SHOWN)
    ).all()
    return [
        QueueRow(version, section, article, author, is_newest=bool(newest))
        for version, section, article, author, newest in rows
    ]


def editor_accounts() -> list[User]:
    """Return the active medical editors, by name (one query)."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.EDITOR.value, User.active.is_(True))
            .options(lazyload(User.role_rows))
            .order_by(User.name, User.id)
        )
    )


def article_counts(article_id: int) -> ArticleCounts:
    """Count one article's open versions (newest of their chain, of every kind) by state."""
    article = db.session.get(Article, article_id)
    counts = ArticleCounts(article)
    newest = newest_in_chains(Version.article_id == article_id)
    query = (
        select(Version.state, func.count(Version.id))
        .join(newest, is_newest_in_chain(newest))
        .where(
            Version.article_id == article_id,
            Version.state.in_([state.value for state in OPEN_STATES]),
        )
        .group_by(Version.state)
    )
    for state, number in db.session.execute(query):
        counts.by_state[state] = number
    return counts


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
        .options(*without_texts(clinician, patient))
        .where(Section.article_id == article.id)
        .order_by(Section.position)
    ).all()
    # Only this article's versions are grouped (index: article_id, chain, number): the page
    # costs the same however many other articles there are.
    wording = (Version.article_id == article.id, Version.kind == Kind.WORDING.value)
    newest = newest_in_chains(*wording)
    newest_rows = db.session.execute(
        select(Version, User)
        .join(User, User.id == Version.author_id)
        .options(lazyload(User.role_rows), *without_texts())
        .join(newest, is_newest_in_chain(newest))
        .where(*wording)
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
                chain.due = next_review(chain.published, article.review_interval_months)
                chain.review_due = chain.due <= today
                due += chain.review_due
    counts = article_counts(article.id)
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
