"""The chains of the parts of a page besides wording, and what each part's row shows.

Front matter, review settings and outline (per article), each reference and each site text
is a chain of versions moved by the workflow engine like wording. The part's row (the
article, the reference, the section rows, the site text) shows the values of its newest
Approved version, set here when the engine publishes one; until a part was ever approved its
row shows the newest proposal, which the public page marks as pending review, or does not
show at all under the approved-only policy.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    ArticleAuthor,
    Reference,
    Section,
    SiteText,
    Version,
    VersionCitation,
)
from reviewapp.models.version import article_chain, reference_chain, site_text_chain
from reviewapp.rules import parts as rules
from reviewapp.rules.site_texts import default_text
from reviewapp.rules.states import PENDING_STATES, Kind, PublicationPolicy

# Site texts belong to no article: their sign-off quorum is the site's own.
SITE_TEXT_SIGNOFFS = 2


def payload_of(version: Version) -> dict[str, Any]:
    return json.loads(version.payload) if version.payload else {}


@dataclass(frozen=True)
class Part:
    """One part's chain: what it is a version of, and where it belongs."""

    kind: Kind
    chain: str
    place: str  # what the content hash names besides the values
    label: str
    article: Article | None = None
    reference: Reference | None = None
    site_text_key: str | None = None

    def newest(self) -> Version | None:
        return newest_in_chain(self.chain)

    def published_id(self) -> int | None:
        if self.kind is Kind.FRONT_MATTER:
            return self.article.front_matter_version_id
        if self.kind is Kind.SETTINGS:
            return self.article.settings_version_id
        if self.kind is Kind.OUTLINE:
            return self.article.outline_version_id
        if self.kind is Kind.REFERENCE:
            return self.reference.published_version_id
        row = db.session.get(SiteText, self.site_text_key)
        return row.published_version_id if row is not None else None


def newest_in_chain(chain: str) -> Version | None:
    return db.session.scalar(
        select(Version).where(Version.chain == chain).order_by(Version.number.desc()).limit(1)
    )


def front_matter_part(article: Article) -> Part:
    return Part(
        Kind.FRONT_MATTER,
        article_chain(Kind.FRONT_MATTER, article.id),
        article.slug,
        "Front matter",
        article,
    )


def settings_part(article: Article) -> Part:
    return Part(
        Kind.SETTINGS,
        article_chain(Kind.SETTINGS, article.id),
        article.slug,
        "Review settings",
        article,
    )


def outline_part(article: Article) -> Part:
    return Part(
        Kind.OUTLINE, article_chain(Kind.OUTLINE, article.id), article.slug, "Outline", article
    )


def reference_part(reference: Reference) -> Part:
    return Part(
        Kind.REFERENCE,
        reference_chain(reference.id),
        f"{reference.article.slug}/{reference.key}",
        f"Reference {reference.key}",
        reference.article,
        reference,
    )


def site_text_part(key: str) -> Part:
    return Part(
        Kind.SITE_TEXT, site_text_chain(key), key, rules.site_text_label(key), site_text_key=key
    )


def part_of(version: Version) -> Part:
    """Return the part a (non-wording) version belongs to."""
    kind = version.kind_enum
    if kind is Kind.FRONT_MATTER:
        return front_matter_part(version.article)
    if kind is Kind.SETTINGS:
        return settings_part(version.article)
    if kind is Kind.OUTLINE:
        return outline_part(version.article)
    if kind is Kind.REFERENCE:
        return reference_part(version.reference)
    if kind is Kind.SITE_TEXT:
        return site_text_part(version.site_text_key)
    raise ValueError(f"{version!r} is wording, not a part")


# --- What a part's row shows now -------------------------------------------------------------


def current_front_matter(article: Article) -> dict[str, Any]:
    return rules.front_matter(
        title=article.title,
        title_language=article.title_language,
        language=article.language,
        specialty=article.specialty,
        authors=[
            {name: getattr(author, name) for name in rules.AUTHOR_FIELDS}
            for author in article.authors
        ],
    )


def current_settings(article: Article) -> dict[str, Any]:
    return rules.settings(
        publication=article.publication,
        required_signoffs=article.required_signoffs,
        review_interval_months=article.review_interval_months,
        days_to_first_review=article.days_to_first_review,
        days_to_signoff=article.days_to_signoff,
    )


def review_days(article: Article | None) -> tuple[int, int]:
    """Return (days to first review, days to board sign-off) of the approved settings.

    Site texts have no article, and settings approved before the fields existed have no
    days: both get the defaults.
    """
    if article is None:
        return rules.DEFAULT_DAYS_TO_FIRST_REVIEW, rules.DEFAULT_DAYS_TO_SIGNOFF
    return rules.review_days(current_settings(article))


def current_reference(reference: Reference) -> dict[str, Any]:
    values = {name: getattr(reference, name) for name in rules.REFERENCE_FIELDS}
    return rules.reference(reference.key, {"kind": reference.kind, **values})


def current_outline(article: Article) -> dict[str, Any]:
    sections = sections_of(article)
    return rules.outline(
        [(s.key, s.level) for s in sections if s.in_outline],
        [s.key for s in sections if not s.in_outline],
    )


def sections_of(article: Article) -> list[Section]:
    return list(
        db.session.scalars(
            select(Section).where(Section.article_id == article.id).order_by(Section.position)
        )
    )


def proposed_values(part: Part) -> dict[str, Any]:
    """Return the values a new proposal starts from: the newest version's, else the row's."""
    newest = part.newest()
    if newest is not None:
        return payload_of(newest)
    if part.kind is Kind.FRONT_MATTER:
        return current_front_matter(part.article)
    if part.kind is Kind.SETTINGS:
        return current_settings(part.article)
    if part.kind is Kind.OUTLINE:
        return current_outline(part.article)
    if part.kind is Kind.REFERENCE:
        return current_reference(part.reference)
    row = db.session.get(SiteText, part.site_text_key)
    if row is not None:
        return {"key": part.site_text_key, "text": row.body}
    return {"key": part.site_text_key, "text": default_text(part.site_text_key)}


# --- Publishing -------------------------------------------------------------------------------


def publish(version: Version, now: datetime) -> None:
    """Make an approved part version what its row shows, unless a newer one already is."""
    part = part_of(version)
    current_id = part.published_id()
    if current_id is not None:
        current = db.session.get(Version, current_id)
        if current is not None and current.number > version.number:
            return
    show(part, payload_of(version), now, approved=True, version_id=version.id)


def show(
    part: Part,
    payload: dict[str, Any],
    now: datetime,
    *,
    approved: bool,
    version_id: int | None = None,
) -> None:
    """Put `payload` on the part's row; an approved version also becomes its pointer."""
    article = part.article
    if part.kind is Kind.FRONT_MATTER:
        for name in rules.FRONT_MATTER_FIELDS:
            setattr(article, name, payload[name])
        article.authors = [
            ArticleAuthor(position=index, **author)
            for index, author in enumerate(payload["authors"])
        ]
        if approved:
            article.front_matter_version_id = version_id
    elif part.kind is Kind.SETTINGS:
        # Until review settings are approved, nothing unreviewed is shown: approved-only.
        article.publication = (
            payload["publication"] if approved else PublicationPolicy.APPROVED_ONLY.value
        )
        article.required_signoffs = payload["required_signoffs"]
        article.review_interval_months = payload["review_interval_months"]
        if approved:
            # Due dates follow approved settings alone: a proposal never shortens them.
            article.days_to_first_review = payload.get("days_to_first_review")
            article.days_to_signoff = payload.get("days_to_signoff")
            article.settings_version_id = version_id
    elif part.kind is Kind.OUTLINE:
        places = {
            entry["key"]: (index, entry["level"]) for index, entry in enumerate(payload["sections"])
        }
        sections = sections_of(article)
        for section in sections:
            if section.key in places:
                section.position, section.level = places[section.key]
                section.in_outline = True
            else:
                section.in_outline = False
                section.position = len(places) + section.position
        if approved:
            article.outline_version_id = version_id
    elif part.kind is Kind.REFERENCE:
        reference = part.reference
        reference.kind = payload["kind"]
        for name in rules.REFERENCE_FIELDS:
            setattr(reference, name, payload[name])
        if approved:
            reference.published_version_id = version_id
    else:
        row = db.session.get(SiteText, part.site_text_key)
        if row is None:
            row = SiteText(key=part.site_text_key, body="")
            db.session.add(row)
        if approved:
            row.body = payload["text"]
            row.updated_at = now
            row.published_version_id = version_id
            # Every page shows the site's texts.
            db.session.execute(
                update(Article).values(
                    public_revision=Article.public_revision + 1, public_changed_at=now
                )
            )
    if article is not None:
        article.mark_public_change(now)
    db.session.flush()


def required_signoffs(version: Version) -> int:
    """Return the quorum a version needs: its article's settings in force, or the site's."""
    if version.article is not None:
        return version.article.required_signoffs
    return SITE_TEXT_SIGNOFFS


def cited_reference_versions(version: Version) -> list[dict[str, Any]]:
    """Return the reference versions a wording version cites, as a reader sees them now."""
    found = []
    for citation in version.citations:
        reference = citation.reference
        shown_id = reference.published_version_id
        if shown_id is None:
            newest = newest_in_chain(reference_chain(reference.id))
            shown_id = newest.id if newest is not None else None
        shown = db.session.get(Version, shown_id) if shown_id is not None else None
        found.append(
            {
                "key": reference.key,
                "version_id": shown_id,
                "number": shown.number if shown is not None else None,
                "content_hash": shown.content_hash if shown is not None else None,
                "approved": reference.published_version_id is not None,
            }
        )
    return found


def citing_sections(reference: Reference) -> list[tuple[Section, str, Version]]:
    """Return each section whose newest or published wording cites `reference`."""
    rows = db.session.execute(
        select(Section, Version)
        .join(Version, Version.section_id == Section.id)
        .join(VersionCitation, VersionCitation.version_id == Version.id)
        .where(
            VersionCitation.reference_id == reference.id,
            (Version.id == Section.published_clinician_id)
            | (Version.id == Section.published_patient_id)
            | Version.state.in_([state.value for state in PENDING_STATES]),
        )
        .order_by(Section.position, Version.audience, Version.number)
    ).all()
    return [(section, version.audience, version) for section, version in rows]
