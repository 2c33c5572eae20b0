"""Read models for auditors: version timelines, the article as published at a past moment,
and filtered pages of the audit trail."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select

from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    AuditEvent,
    Comment,
    Objection,
    Section,
    Signoff,
    User,
    Version,
    VersionTransition,
)
from reviewapp.models.version import site_text_chain, wording_chain
from reviewapp.rules.states import Audience, Kind, State

AUDIT_PAGE_SIZE = 50


@dataclass
class TimelineEntry:
    version: Version
    transitions: list[VersionTransition] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    signoffs: list[Signoff] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)


def timeline(section: Section, audience: Audience) -> list[TimelineEntry]:
    """Return every version of one wording chain, newest first, with what happened to each."""
    return chain_timeline(wording_chain(section.id, audience.value))


def chain_timeline(chain: str) -> list[TimelineEntry]:
    """Return every version of one chain, of any kind, newest first, with what happened."""
    versions = db.session.scalars(
        select(Version).where(Version.chain == chain).order_by(Version.number.desc())
    ).all()
    entries = {version.id: TimelineEntry(version) for version in versions}
    ids = list(entries)
    if not ids:
        return []
    for model, attribute, order in (
        (VersionTransition, "transitions", VersionTransition.created_at),
        (Comment, "comments", Comment.created_at),
        (Signoff, "signoffs", Signoff.signed_at),
        (Objection, "objections", Objection.objected_at),
    ):
        for row in db.session.scalars(
            select(model).where(model.version_id.in_(ids)).order_by(order)
        ):
            getattr(entries[row.version_id], attribute).append(row)
    return list(entries.values())


def published_as_of(article: Article, moment: datetime) -> dict[tuple[int, str], int]:
    """Return, per (section, audience), the id of the version that was published at `moment`."""
    newest = (
        select(Version.section_id, Version.audience, func.max(Version.number).label("number"))
        .join(Section, Section.id == Version.section_id)
        .where(
            Section.article_id == article.id,
            Version.state == State.APPROVED.value,
            Version.approved_at <= moment,
        )
        .group_by(Version.section_id, Version.audience)
        .subquery()
    )
    rows = db.session.execute(
        select(Version.id, Version.section_id, Version.audience).join(
            newest,
            and_(
                Version.section_id == newest.c.section_id,
                Version.audience == newest.c.audience,
                Version.number == newest.c.number,
            ),
        )
    ).all()
    return {(row.section_id, row.audience): row.id for row in rows}


def parts_published_as_of(
    article: Article, moment: datetime, site_text_keys: list[str]
) -> dict[str, Version]:
    """Return, per chain, the part version (not wording) that was published at `moment`.

    The article's front matter, settings, outline and references, and the named site texts.
    """
    site_chains = [site_text_chain(key) for key in site_text_keys]
    in_scope = or_(
        and_(Version.article_id == article.id, Version.kind != Kind.WORDING.value),
        Version.chain.in_(site_chains),
    )
    newest = (
        select(Version.chain, func.max(Version.number).label("number"))
        .where(in_scope, Version.state == State.APPROVED.value, Version.approved_at <= moment)
        .group_by(Version.chain)
        .subquery()
    )
    versions = db.session.scalars(
        select(Version).join(
            newest, and_(Version.chain == newest.c.chain, Version.number == newest.c.number)
        )
    )
    return {version.chain: version for version in versions}


@dataclass(frozen=True)
class AuditFilters:
    article: str = ""
    section: str = ""
    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def audit_query(filters: AuditFilters) -> Select:
    """Return the filtered events query, newest first (keyset paging on the id)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters.article:
        article_id = select(Article.id).where(Article.slug == filters.article).scalar_subquery()
        query = query.where(AuditEvent.article_id == article_id)
    if filters.section:
        sections = (
            select(Section.id)
            .join(Article, Article.id == Section.article_id)
            .where(Section.key == filters.section)
        )
        if filters.article:
            sections = sections.where(Article.slug == filters.article)
        versions = select(Version.id).where(Version.section_id.in_(sections))
        query = query.where(
            or_(
                and_(AuditEvent.target_type == "section", AuditEvent.target_id.in_(sections)),
                and_(AuditEvent.target_type == "version", AuditEvent.target_id.in_(versions)),
            )
        )
    if filters.actor:
        actor_id = select(User.id).where(User.email == filters.actor.strip().lower())
        query = query.where(AuditEvent.actor_id.in_(actor_id))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action.strip())
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.occurred_at <= filters.until)
    return query


def audit_page(filters: AuditFilters, before: int | None) -> tuple[list[AuditEvent], int | None]:
    """Return one page of events and the cursor for the next (older) page, if any."""
    query = audit_query(filters)
    if before:
        query = query.where(AuditEvent.id < before)
    events = db.session.scalars(query.limit(AUDIT_PAGE_SIZE + 1)).all()
    more = len(events) > AUDIT_PAGE_SIZE
    events = events[:AUDIT_PAGE_SIZE]
    return events, (events[-1].id if more and events else None)
