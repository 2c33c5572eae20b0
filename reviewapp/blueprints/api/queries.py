"""Read queries of the API, each a fixed number of statements whatever the history's depth."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from reviewapp.extensions import db
from reviewapp.models import (
    Comment,
    Section,
    Signoff,
    User,
    Version,
    VersionCitation,
    VersionTransition,
)
from reviewapp.rules.states import PENDING_STATES, Audience, Kind

# Everything a version's answer shows: the session may no longer hold the article, section
# or reference the view looked up by the time the response schema reads it.
_VERSION_LOADING = (
    joinedload(Version.author),
    # Who holds it: names only, no roles.
    joinedload(Version.assignee).lazyload(User.role_rows),
    joinedload(Version.article),
    joinedload(Version.section),
    joinedload(Version.reference),
    selectinload(Version.citations).joinedload(VersionCitation.reference),
)
_PENDING = [state.value for state in PENDING_STATES]


def load_version(version_id: int) -> Version | None:
    """Return a version with its author, place and citations loaded."""
    return db.session.scalar(
        select(Version).where(Version.id == version_id).options(*_VERSION_LOADING)
    )


def chain(section: Section, audience: Audience) -> list[Version]:
    """Return every version of one (section, audience) chain, newest first."""
    return list(
        db.session.scalars(
            select(Version)
            .where(Version.section_id == section.id, Version.audience == audience.value)
            .order_by(Version.number.desc())
            .options(*_VERSION_LOADING)
        ).unique()
    )


def part_chain(chain_name: str) -> list[Version]:
    """Return every version of one chain of any kind (see `Version.chain`), newest first."""
    return list(
        db.session.scalars(
            select(Version)
            .where(Version.chain == chain_name)
            .order_by(Version.number.desc())
            .options(*_VERSION_LOADING)
        ).unique()
    )


def pending_in_article(article_id: int) -> list[Version]:
    """Return an article's versions of every kind waiting for review, oldest first, at once."""
    return _pending(Version.article_id == article_id)


def pending_site_texts() -> list[Version]:
    """Return the site texts' versions waiting for review, oldest first, at once."""
    return _pending(Version.kind == Kind.SITE_TEXT.value)


def _pending(where) -> list[Version]:
    # The section is joined in the same statement: a wording version's label names its key.
    return list(
        db.session.scalars(
            select(Version)
            .where(where, Version.state.in_(_PENDING))
            .order_by(Version.created_at, Version.id)
            .options(joinedload(Version.section))
        )
    )


def history(version: Version) -> list[VersionTransition]:
    """Return the workflow steps taken on a version, oldest first."""
    return list(
        db.session.scalars(
            select(VersionTransition)
            .where(VersionTransition.version_id == version.id)
            .order_by(VersionTransition.created_at, VersionTransition.id)
            .options(joinedload(VersionTransition.actor))
        )
    )


def comments(version: Version) -> list[Comment]:
    """Return the comments on one exact version, oldest first."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.version_id == version.id)
            .order_by(Comment.created_at, Comment.id)
            .options(joinedload(Comment.author), joinedload(Comment.resolved_by))
        )
    )


def signoffs(version: Version) -> list[Signoff]:
    """Return every signature on one version, as signed, oldest first."""
    return list(
        db.session.scalars(
            select(Signoff)
            .where(Signoff.version_id == version.id)
            .order_by(Signoff.signed_at, Signoff.id)
            .options(joinedload(Signoff.signer))
        )
    )


def _summary(version_id: int | None, number: int | None, state: str | None) -> dict | None:
    if version_id is None:
        return None
    return {"id": version_id, "kind": Kind.WORDING.value, "number": number, "state": state}


def section_statuses(article_id: int) -> list[dict[str, Any]]:
    """Return each section with its published and newest version per audience, in two queries."""
    clinician, patient = aliased(Version), aliased(Version)
    sections = db.session.execute(
        select(
            Section.id,
            Section.key,
            Section.level,
            Section.position,
            Section.in_outline,
            clinician.id.label("clinician_id"),
            clinician.number.label("clinician_number"),
            clinician.state.label("clinician_state"),
            patient.id.label("patient_id"),
            patient.number.label("patient_number"),
            patient.state.label("patient_state"),
        )
        .select_from(Section)
        .outerjoin(clinician, clinician.id == Section.published_clinician_id)
        .outerjoin(patient, patient.id == Section.published_patient_id)
        .where(Section.article_id == article_id)
        .order_by(Section.position)
    ).all()
    newest_numbers = (
        select(Version.section_id, Version.audience, func.max(Version.number).label("number"))
        .join(Section, Section.id == Version.section_id)
        .where(Section.article_id == article_id)
        .group_by(Version.section_id, Version.audience)
        .subquery()
    )
    newest = {
        (row.section_id, row.audience): _summary(row.id, row.number, row.state)
        for row in db.session.execute(
            select(
                Version.section_id, Version.audience, Version.id, Version.number, Version.state
            ).join(
                newest_numbers,
                (Version.section_id == newest_numbers.c.section_id)
                & (Version.audience == newest_numbers.c.audience)
                & (Version.number == newest_numbers.c.number),
            )
        )
    }
    statuses = []
    for row in sections:
        published = {
            Audience.CLINICIAN: (row.clinician_id, row.clinician_number, row.clinician_state),
            Audience.PATIENT: (row.patient_id, row.patient_number, row.patient_state),
        }
        audiences = {
            audience.value: {
                "published": _summary(*published[audience]),
                "newest": newest.get((row.id, audience.value)),
            }
            for audience in Audience
        }
        statuses.append(
            {
                "key": row.key,
                "level": row.level,
                "position": row.position,
                "in_outline": row.in_outline,
                "audiences": audiences,
            }
        )
    return statuses
