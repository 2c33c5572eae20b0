"""Retracted sources: a list of retracted or withdrawn works marks the references it names.

Each reference whose DOI or PMID the list names is marked retracted once (which list, when,
the notice's DOI), apart from its versions: the reviewed reference text says what the source
is, not what has since become of it. Every published wording that cites it becomes review
due at once, with the reason "cited source retracted", and the editors and the board are
told. A list read again, or another naming the same works, changes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from reviewapp.domain import audit, re_reviews, review_rounds
from reviewapp.domain.errors import ValidationError
from reviewapp.domain.locks import lock_chain, lock_version
from reviewapp.extensions import db
from reviewapp.models import Article, Reference, ReferenceRetraction, Section, VersionCitation
from reviewapp.models.version import Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.re_reviews import (
    DOI_COLUMNS,
    NOTICE_COLUMNS,
    PMID_COLUMNS,
    SOURCE_RETRACTED,
    column_for,
    normalise_doi,
    normalise_pmid,
)
from reviewapp.rules.states import State

RETRACTED = "reference.retracted"
LIST_NAME_LIMIT = 200


@dataclass(frozen=True)
class Listed:
    """One retracted work as the list names it."""

    doi: str
    pmid: str
    notice_doi: str


@dataclass
class RetractionReport:
    rows: int = 0
    marked: list[ReferenceRetraction] = field(default_factory=list)
    already_marked: int = 0
    made_due: list[Version] = field(default_factory=list)


def read_list(headers: list[str], rows: Iterable[dict[str, str]]) -> list[Listed]:
    """Return the works a list names, from its `doi` and/or `pmid` columns (any case, or
    Retraction Watch's OriginalPaperDOI and OriginalPaperPubMedID)."""
    doi_column = column_for(headers, DOI_COLUMNS)
    pmid_column = column_for(headers, PMID_COLUMNS)
    if doi_column is None and pmid_column is None:
        raise ValidationError(
            "The list has no doi or pmid column: name one in its header row "
            f"(found: {', '.join(h for h in headers if h) or 'no header'}).",
            field="file",
        )
    notice_column = column_for(headers, NOTICE_COLUMNS)
    listed = []
    for row in rows:
        doi = normalise_doi(row.get(doi_column) or "") if doi_column else ""
        pmid = normalise_pmid(row.get(pmid_column) or "") if pmid_column else ""
        if doi or pmid:
            notice = normalise_doi(row.get(notice_column) or "") if notice_column else ""
            listed.append(Listed(doi, pmid, notice))
    return listed


def _match(reference: Reference, by_doi: dict, by_pmid: dict) -> tuple[str, str, Listed] | None:
    doi = normalise_doi(reference.doi or "")
    if doi and doi in by_doi:
        return "doi", doi, by_doi[doi]
    pmid = normalise_pmid(reference.pmid or "")
    if pmid and pmid in by_pmid:
        return "pmid", pmid, by_pmid[pmid]
    return None


def _citing_published(reference_ids: list[int]) -> dict[int, list[Version]]:
    """Return, per reference, the published wording versions that cite it (one query)."""
    published = or_(
        Section.published_clinician_id == Version.id,
        Section.published_patient_id == Version.id,
    )
    found: dict[int, list[Version]] = {}
    for reference_id, version in db.session.execute(
        select(VersionCitation.reference_id, Version)
        .join(Version, Version.id == VersionCitation.version_id)
        .join(Section, published)
        .where(
            VersionCitation.reference_id.in_(reference_ids),
            Version.state == State.APPROVED.value,
        )
        .order_by(Version.id)
    ):
        found.setdefault(reference_id, []).append(version)
    return found


def import_retractions(list_name: str, listed: list[Listed]) -> RetractionReport:
    """Mark every reference the list names retracted, once, and make the published wording
    citing it review due; return what changed."""
    report = RetractionReport(rows=len(listed))
    list_name = list_name.strip()[:LIST_NAME_LIMIT] or "retraction list"
    by_doi = {work.doi: work for work in listed if work.doi}
    by_pmid = {work.pmid: work for work in listed if work.pmid}
    if not by_doi and not by_pmid:
        return report
    lock_chain()
    candidates = db.session.scalars(
        select(Reference)
        .where(or_(Reference.doi != "", Reference.pmid != ""))
        .order_by(Reference.article_id, Reference.position)
    ).all()
    matches = [
        (reference, found)
        for reference in candidates
        if (found := _match(reference, by_doi, by_pmid)) is not None
    ]
    if not matches:
        return report
    marked_ids = set(
        db.session.scalars(
            select(ReferenceRetraction.reference_id).where(
                ReferenceRetraction.reference_id.in_([ref.id for ref, _ in matches])
            )
        )
    )
    new = [(ref, found) for ref, found in matches if ref.id not in marked_ids]
    report.already_marked = len(matches) - len(new)
    if not new:
        return report
    now = utcnow()
    citing = _citing_published([ref.id for ref, _ in new])
    for reference, (matched_on, identifier, work) in new:
        retraction = ReferenceRetraction(
            reference_id=reference.id,
            list_name=list_name,
            matched_on=matched_on,
            identifier=identifier,
            notice_doi=work.notice_doi,
            recorded_at=now,
        )
        db.session.add(retraction)
        db.session.flush()
        report.marked.append(retraction)
        versions = citing.get(reference.id, [])
        audit.record(
            None,
            RETRACTED,
            target=("reference", reference.id),
            article_id=reference.article_id,
            after={
                "reference_key": reference.key,
                "list": list_name,
                "matched_on": matched_on,
                "identifier": identifier,
                "notice_doi": work.notice_doi,
                "made_review_due": [version.id for version in versions],
            },
            at=now,
        )
        for version in versions:
            locked = lock_version(version)
            review_rounds.flag_review_due(locked, SOURCE_RETRACTED, now)
            re_reviews.record_review_due(
                locked,
                now.date().isoformat(),
                SOURCE_RETRACTED,
                now,
                reference_key=reference.key,
                reference_id=reference.id,
            )
            report.made_due.append(locked)
        # The page marks the reference retracted: caches and ETags move on.
        article = db.session.get(Article, reference.article_id)
        article.mark_public_change(now)
    db.session.flush()
    return report
