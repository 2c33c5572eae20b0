"""Read models for auditors: version timelines and the article as published at a past moment.

Filtered pages of the audit trail are in readmodels/audit_trail.py."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    Comment,
    Objection,
    Section,
    Signoff,
    Version,
    VersionTransition,
    Withdrawal,
    WithdrawnVersion,
)
from reviewapp.models.version import site_text_chain, wording_chain
from reviewapp.rules.states import Audience, Kind, State

# Versions that were approved and so were published once, whatever became of them since.
PUBLISHED_ONCE = (State.APPROVED.value, State.WITHDRAWN.value)


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
        select(Version)
        .where(Version.chain == chain)
        .order_by(Version.number.desc())
        .options(joinedload(Version.author))
    ).all()
    entries = {version.id: TimelineEntry(version) for version in versions}
    ids = list(entries)
    if not ids:
        return []
    # The people are loaded with their rows: a page lists them without a query per row.
    for model, attribute, order, people in (
        (
            VersionTransition,
            "transitions",
            VersionTransition.created_at,
            (VersionTransition.actor,),
        ),
        (Comment, "comments", Comment.created_at, (Comment.author, Comment.resolved_by)),
        (Signoff, "signoffs", Signoff.signed_at, (Signoff.signer,)),
        (Objection, "objections", Objection.objected_at, ()),
    ):
        for row in db.session.scalars(
            select(model)
            .where(model.version_id.in_(ids))
            .order_by(order, model.id)
            .options(*(joinedload(person) for person in people))
        ):
            getattr(entries[row.version_id], attribute).append(row)
    return list(entries.values())


def published_as_of(article: Article, moment: datetime) -> dict[tuple[int, str], int]:
    """Return, per (section, audience), the id of the version that was published at `moment`.

    That is the newest version approved by then, unless it was withdrawn by then: then the
    version its withdrawal reinstated (itself perhaps withdrawn later), or none.
    """
    newest = (
        select(Version.section_id, Version.audience, func.max(Version.number).label("number"))
        .join(Section, Section.id == Version.section_id)
        .where(
            Section.article_id == article.id,
            Version.state.in_(PUBLISHED_ONCE),
            Version.approved_at <= moment,
        )
        .group_by(Version.section_id, Version.audience)
        .subquery()
    )
    rows = db.session.execute(
        select(Version.id, Version.section_id, Version.audience, Version.state).join(
            newest,
            and_(
                Version.section_id == newest.c.section_id,
                Version.audience == newest.c.audience,
                Version.number == newest.c.number,
            ),
        )
    ).all()
    published = {(row.section_id, row.audience): row.id for row in rows}
    if any(row.state == State.WITHDRAWN.value for row in rows):
        _follow_withdrawals(article, moment, published)
    return published


def _follow_withdrawals(
    article: Article, moment: datetime, published: dict[tuple[int, str], int]
) -> None:
    """Replace, in `published`, each version withdrawn by `moment` with what its withdrawal
    reinstated, or drop it (one query)."""
    replaced = dict(
        db.session.execute(
            select(WithdrawnVersion.version_id, WithdrawnVersion.reinstated_version_id)
            .join(Withdrawal, Withdrawal.id == WithdrawnVersion.withdrawal_id)
            .where(Withdrawal.article_id == article.id, Withdrawal.withdrawn_at <= moment)
        ).all()
    )
    for chain, version_id in list(published.items()):
        while version_id in replaced:
            version_id = replaced[version_id]
        if version_id is None:
            del published[chain]
        else:
            published[chain] = version_id


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
