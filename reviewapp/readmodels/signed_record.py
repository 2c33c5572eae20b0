"""The signed record of one version as people read it (21 CFR 11.50): what was signed, as it
was rendered and cited, every signature's printed name, UTC time and meaning, the content
hash, and the version's trail."""

import json
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import and_, or_, select

from reviewapp.domain.signatures import counting_signoffs
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Objection, Reference, Signoff, Version, VersionTransition
from reviewapp.text.markdown import CitationNumbering


@dataclass(frozen=True)
class CitedReference:
    number: int
    key: str
    text: str  # the reference's details in one line
    version_number: int | None  # the reference version the signers saw, when recorded
    content_hash: str | None
    approved: bool


@dataclass
class SignedRecord:
    version: Version
    html: Markup
    references: list[CitedReference]
    signatures: list[Signoff]
    counting_ids: set[int]
    objections: list[Objection]
    transitions: list[VersionTransition]
    events: list[AuditEvent] = field(default_factory=list)


def _one_line(values: dict) -> str:
    parts = [values.get("authors"), values.get("title"), values.get("publisher")]
    text = ". ".join(str(part) for part in parts if part)
    for label, name in (("", "year"), ("DOI ", "doi"), ("PMID ", "pmid"), ("", "url")):
        if values.get(name):
            text += f". {label}{values[name]}"
    return text or "Source not identified"


def _cited(version: Version, signatures: list[Signoff]) -> list[CitedReference]:
    """Return the references the wording cites, as the first signer recorded seeing them."""
    seen: dict[str, dict] = {}
    for signoff in signatures:
        for entry in json.loads(signoff.cited_references or "[]"):
            seen.setdefault(entry["key"], entry)
    shown_ids = [entry["version_id"] for entry in seen.values() if entry.get("version_id")]
    payloads = {
        row.id: json.loads(row.payload or "{}")
        for row in db.session.scalars(select(Version).where(Version.id.in_(shown_ids)))
    }
    cited = []
    for number, citation in enumerate(version.citations, start=1):
        reference: Reference = citation.reference
        entry = seen.get(reference.key, {})
        values = payloads.get(entry.get("version_id")) or {
            "authors": reference.authors,
            "title": reference.title,
            "publisher": reference.publisher,
            "year": reference.year,
            "doi": reference.doi,
            "pmid": reference.pmid,
            "url": reference.url,
        }
        cited.append(
            CitedReference(
                number=number,
                key=reference.key,
                text=_one_line(values),
                version_number=entry.get("number"),
                content_hash=entry.get("content_hash"),
                approved=bool(entry.get("approved", reference.is_reviewed)),
            )
        )
    return cited


def signed_record(version: Version) -> SignedRecord:
    """Gather the record of one version: a fixed number of queries."""
    signatures = db.session.scalars(
        select(Signoff).where(Signoff.version_id == version.id).order_by(Signoff.signed_at)
    ).all()
    counting = {signoff.id for signoff in counting_signoffs([version.id]).get(version.id, [])}
    objections = db.session.scalars(
        select(Objection).where(Objection.version_id == version.id).order_by(Objection.id)
    ).all()
    transitions = db.session.scalars(
        select(VersionTransition)
        .where(VersionTransition.version_id == version.id)
        .order_by(VersionTransition.id)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                and_(AuditEvent.target_type == "version", AuditEvent.target_id == version.id),
                and_(
                    AuditEvent.target_type == "signoff",
                    AuditEvent.target_id.in_([signoff.id for signoff in signatures]),
                ),
            )
        )
        .order_by(AuditEvent.id)
    ).all()
    html = (
        CitationNumbering().apply(version.body_html)
        if version.is_wording
        else Markup(version.body_html)  # noqa: S704 - rendered from escaped values at submission
    )
    return SignedRecord(
        version=version,
        html=html,
        references=_cited(version, signatures) if version.is_wording else [],
        signatures=signatures,
        counting_ids=counting,
        objections=objections,
        transitions=transitions,
        events=events,
    )
