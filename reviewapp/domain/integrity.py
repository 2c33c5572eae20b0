"""Re-checking stored text against the content hash reviews and signatures are bound to.

A version's stored source must still hash to its content hash, and the HTML served for it
must still be what that source renders to. The check runs when a version is published, when
the public page is assembled, when a backup is restored, and in `flask audit verify`; a
version that fails it is never served.
"""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from reviewapp.domain import audit, part_chains
from reviewapp.domain.part_chains import part_of
from reviewapp.extensions import db
from reviewapp.models import Article, Reference, Section, SiteText, Version
from reviewapp.rules import parts as part_rules
from reviewapp.rules.hashing import content_hash
from reviewapp.rules.states import Kind
from reviewapp.text import markdown

log = logging.getLogger(__name__)

FAILURE = "integrity.failure"
UNAVAILABLE = "unavailable pending verification"


@dataclass(frozen=True)
class Mismatch:
    version_id: int
    article_id: int | None
    reason: str

    @property
    def message(self) -> str:
        return f"Version {self.version_id}: {self.reason}."


def wording_problem(
    *,
    article_slug: str,
    section_key: str,
    audience: str,
    heading: str,
    body: str,
    body_html: str,
    stored_hash: str,
    public_note: str | None = None,
) -> str | None:
    """Return why a wording version's stored text fails its check, or None when it holds."""
    expected = content_hash(
        article_slug=article_slug,
        section_key=section_key,
        audience=audience,
        heading=heading,
        body=body,
        public_note=public_note,
    )
    if expected != stored_hash:
        return "its stored heading or body does not match its content hash"
    if markdown.render(body).html != body_html:
        return "its stored HTML is not what its hashed text renders to"
    return None


def part_problem(*, kind: str, place: str, payload: str | None, stored_hash: str) -> str | None:
    """Return why a part version's stored values fail their check, or None when they hold."""
    try:
        values = json.loads(payload or "")
    except ValueError:
        return "its stored values are not readable"
    if part_rules.part_hash(Kind(kind), place, values) != stored_hash:
        return "its stored values do not match its content hash"
    return None


def version_problem(version: Version) -> str | None:
    """Return why one loaded version fails its check, or None."""
    if version.is_wording:
        return wording_problem(
            article_slug=version.article.slug,
            section_key=version.section.key,
            audience=version.audience,
            heading=version.heading,
            body=version.body,
            body_html=version.body_html,
            stored_hash=version.content_hash,
            public_note=version.public_note,
        )
    return part_problem(
        kind=version.kind,
        place=part_of(version).place,
        payload=version.payload,
        stored_hash=version.content_hash,
    )


def scan(batch_size: int = 2000) -> Iterator[Mismatch]:
    """Check every stored version, in id order, without loading them as ORM objects."""
    last_id = 0
    while True:
        rows = db.session.execute(
            select(
                Version.id,
                Version.kind,
                Version.article_id,
                Version.audience,
                Version.heading,
                Version.body,
                Version.body_html,
                Version.public_note,
                Version.payload,
                Version.content_hash,
                Version.site_text_key,
                Version.reference_id,
                Article.slug,
                Section.key,
            )
            .outerjoin(Article, Article.id == Version.article_id)
            .outerjoin(Section, Section.id == Version.section_id)
            .where(Version.id > last_id)
            .order_by(Version.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        reference_keys = _reference_keys({row.reference_id for row in rows if row.reference_id})
        for row in rows:
            if row.kind == Kind.WORDING.value:
                problem = wording_problem(
                    article_slug=row.slug or "",
                    section_key=row.key or "",
                    audience=row.audience,
                    heading=row.heading,
                    body=row.body,
                    body_html=row.body_html,
                    stored_hash=row.content_hash,
                    public_note=row.public_note,
                )
            else:
                problem = part_problem(
                    kind=row.kind,
                    place=_place(row, reference_keys),
                    payload=row.payload,
                    stored_hash=row.content_hash,
                )
            if problem is not None:
                yield Mismatch(row.id, row.article_id, problem)
        last_id = rows[-1].id


def _reference_keys(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        db.session.execute(select(Reference.id, Reference.key).where(Reference.id.in_(ids))).all()
    )


def _place(row, reference_keys: dict[int, str]) -> str:
    if row.kind == Kind.SITE_TEXT.value:
        return row.site_text_key or ""
    if row.kind == Kind.REFERENCE.value:
        return f"{row.slug}/{reference_keys.get(row.reference_id, '')}"
    return row.slug or ""


def record_failures(mismatches: list[Mismatch]) -> None:
    """Log and audit versions that failed their check while a page was being assembled.

    Called outside the reader's transaction; a database too busy to take the event still
    has the log line, and the next assembly records it again.
    """
    for mismatch in mismatches:
        log.error("Integrity check failed, not served: %s", mismatch.message)
    try:
        db.session.rollback()
        for mismatch in mismatches:
            audit.record(
                None,
                FAILURE,
                target=("version", mismatch.version_id),
                article_id=mismatch.article_id,
                outcome=audit.REFUSED,
                message=f"{mismatch.message} It is shown as {UNAVAILABLE}.",
            )
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        log.exception("Could not audit the integrity failures above")


def scan_projections() -> Iterator[Mismatch]:
    """Check that each part's row still shows the values of the version it points to.

    The rows are what pages read; a row changed behind the app's back would show values
    nobody approved.
    """
    checks = (
        (Kind.FRONT_MATTER, "front_matter_version_id", part_chains.current_front_matter),
        (Kind.SETTINGS, "settings_version_id", part_chains.current_settings),
        (Kind.OUTLINE, "outline_version_id", part_chains.current_outline),
    )
    for article in db.session.scalars(select(Article).order_by(Article.id)):
        for kind, pointer, current in checks:
            version_id = getattr(article, pointer)
            if version_id is not None:
                yield from _projection(version_id, article.id, kind, current(article))
        for reference in article.references:
            if reference.published_version_id is not None:
                yield from _projection(
                    reference.published_version_id,
                    article.id,
                    Kind.REFERENCE,
                    part_chains.current_reference(reference),
                )
    for row in db.session.scalars(
        select(SiteText).where(SiteText.published_version_id.is_not(None))
    ):
        yield from _projection(
            row.published_version_id, None, Kind.SITE_TEXT, {"key": row.key, "text": row.body}
        )


def _projection(
    version_id: int, article_id: int | None, kind: Kind, shown: dict
) -> Iterator[Mismatch]:
    version = db.session.get(Version, version_id)
    approved = json.loads(version.payload or "{}") if version is not None else None
    if kind is Kind.OUTLINE and approved is not None:
        # Sections a pending outline adds wait outside the outline: only what is shown counts.
        approved, shown = approved["sections"], shown["sections"]
    if approved != shown:
        yield Mismatch(
            version_id,
            article_id,
            f"what readers are shown of its {kind.label} differs from its approved values",
        )
