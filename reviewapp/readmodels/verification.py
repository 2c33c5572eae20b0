"""What a reader needs to check a signature: the exact string that was hashed, its SHA-256,
the signatures that count on it, where it is published, and the checkpoint covering it."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from reviewapp.domain.checkpoints import vouched
from reviewapp.domain.engine import PUBLISH_EVENT
from reviewapp.domain.part_chains import part_of
from reviewapp.domain.signatures import counting_signoffs
from reviewapp.extensions import db
from reviewapp.models import AuditCheckpoint, AuditEvent, Signoff, Version
from reviewapp.rules.hashing import sha256_hex, signed_wording
from reviewapp.rules.parts import signed_part
from reviewapp.rules.states import State


@dataclass
class VerifiedVersion:
    version: Version
    place: str  # what the version is: "<slug> / <section> (<audience> wording)", a part label
    article_slug: str | None
    published: bool  # the newest approved version of its part, the one readers see
    # Its stored text still produces the hash; if not, it is unavailable pending verification.
    intact: bool = True
    signatures: list[Signoff] = field(default_factory=list)
    # The first signed checkpoint of the audit chain that covers its publication and its
    # signatures' events (as the transparency JSON shows it), or None while none does yet.
    checkpoint: dict | None = None

    @property
    def approved_at(self) -> datetime | None:
        return self.version.approved_at


@dataclass
class Verification:
    sha256: str
    # Exactly the string whose SHA-256 is `sha256`; None when the stored text no longer
    # produces it (the versions are then unavailable pending verification).
    payload: str | None
    versions: list[VerifiedVersion]

    @property
    def intact(self) -> bool:
        return self.payload is not None


def signed_payload(version: Version) -> str:
    """Return the string the version's content hash was computed over, from what is stored."""
    if version.is_wording:
        return signed_wording(
            article_slug=version.article.slug,
            section_key=version.section.key,
            audience=version.audience,
            heading=version.heading,
            body=version.body,
            public_note=version.public_note,
        )
    return signed_part(
        version.kind_enum, part_of(version).place, json.loads(version.payload or "{}")
    )


def _is_published(version: Version) -> bool:
    if version.is_wording:
        return version.section.published_id(version.audience_enum) == version.id
    return part_of(version).published_id() == version.id


def _covering_checkpoint(version: Version, signatures: list[Signoff]) -> dict | None:
    """Return the first checkpoint covering the version's publication and signature events."""
    recorded = or_(
        and_(
            AuditEvent.target_type == "version",
            AuditEvent.target_id == version.id,
            AuditEvent.action == PUBLISH_EVENT,
        ),
        and_(
            AuditEvent.target_type == "signoff",
            AuditEvent.target_id.in_([signoff.id for signoff in signatures]),
        ),
    )
    newest_event = db.session.scalar(select(func.max(AuditEvent.id)).where(recorded))
    if newest_event is None:
        return None
    checkpoint = db.session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.event_id >= newest_event)
        .order_by(AuditCheckpoint.event_id, AuditCheckpoint.id)
        .limit(1)
    )
    return vouched(checkpoint).document() if checkpoint is not None else None


def verification(content_hash: str) -> Verification | None:
    """Return the approved versions signed on `content_hash`, or None if there is none."""
    versions = db.session.scalars(
        select(Version)
        .where(
            Version.content_hash == content_hash,
            # Withdrawn wording was signed and published: a printed copy can still be checked.
            Version.state.in_([State.APPROVED.value, State.WITHDRAWN.value]),
        )
        .order_by(Version.approved_at)
    ).all()
    if not versions:
        return None
    signed = counting_signoffs([version.id for version in versions])
    payloads = {version.id: signed_payload(version) for version in versions}
    intact = {id_: sha256_hex(text) == content_hash for id_, text in payloads.items()}
    return Verification(
        sha256=content_hash,
        payload=next((payloads[id_] for id_, ok in intact.items() if ok), None),
        versions=[
            VerifiedVersion(
                version=version,
                place=version.part_label,
                article_slug=version.article.slug if version.article is not None else None,
                published=_is_published(version),
                intact=intact[version.id],
                signatures=signed.get(version.id, []) if intact[version.id] else [],
                checkpoint=_covering_checkpoint(version, signed.get(version.id, [])),
            )
            for version in versions
        ],
    )
