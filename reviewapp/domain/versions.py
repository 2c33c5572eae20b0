"""Submitting new versions of a section's wording."""

from sqlalchemy import select

from reviewapp.domain import audit, engine
from reviewapp.domain.assignments import first_review_due
from reviewapp.domain.errors import PermissionDenied, StaleVersion, ValidationError, require_fits
from reviewapp.domain.locks import lock_section
from reviewapp.extensions import db
from reviewapp.models import Reference, Section, User, Version, VersionCitation
from reviewapp.models.section import SUMMARY_KEY
from reviewapp.models.version import wording_chain
from reviewapp.rules import limits
from reviewapp.rules.clock import utcnow
from reviewapp.rules.hashing import content_hash
from reviewapp.rules.states import PENDING_STATES, Audience, Kind, Role, State
from reviewapp.text import markdown

SUBMIT = "version.submit"
HUMAN = "human"


def validate_provenance(provenance: str) -> str:
    """Return the provenance if it is `human` or `tool:<name and version>`."""
    provenance = provenance.strip()
    if provenance == HUMAN:
        return provenance
    if provenance.startswith("tool:") and provenance.removeprefix("tool:").strip():
        return provenance
    raise ValidationError(
        f"Provenance must be 'human' or 'tool:<name and version>', not {provenance!r}.",
        action=SUBMIT,
        field="provenance",
    )


def can_submit(actor: User | None) -> bool:
    """Return whether `actor` may submit new wording (contributors, people or pipelines)."""
    return actor is not None and actor.is_active and actor.has_role(Role.CONTRIBUTOR)


def latest_version(section: Section, audience: Audience) -> Version | None:
    """Return the newest version of a (section, audience) chain, whatever its state."""
    return db.session.scalar(
        select(Version)
        .where(Version.chain == wording_chain(section.id, audience.value))
        .order_by(Version.number.desc())
        .limit(1)
    )


def check_citations(
    rendered: markdown.Rendered,
    references: dict[str, Reference],
    *,
    where: str,
    line_offset: int = 0,
) -> list[Reference]:
    """Return the cited references in order, or refuse the first unknown key with its line."""
    for use in rendered.citations:
        if use.key not in references:
            raise ValidationError(
                f"Unknown citation key '{use.key}' in {where} on line {use.line + line_offset}: "
                "add it to the article's references or correct the key.",
                action=SUBMIT,
                field="body",
            )
    return [references[key] for key in rendered.cited_keys]


def submit_version(
    actor: User,
    section: Section,
    audience: Audience,
    *,
    heading: str,
    body: str,
    base_version_id: int | None,
    provenance: str = HUMAN,
    change_summary: str = "",
    public_note: str | None = None,
    where: str = "the text",
    line_offset: int = 0,
) -> Version:
    """Store a new Submitted version on top of `base_version_id`, superseding a pending one.

    `public_note` is what readers are told changed. Entry points that let the author write
    one (the edit page, the API) pass a string, and then it is required once the section
    was approved, like the change summary; None means the entry point offers none (content
    import without a note): the version is stored without one.
    """
    target = ("section", section.id)
    article = section.article
    context = {"action": SUBMIT, "target": target, "article_id": article.id}
    if not can_submit(actor):
        raise PermissionDenied("Only contributors can submit new wording.", **context)
    require_fits("provenance", provenance, limits.PROVENANCE, **context)
    provenance = validate_provenance(provenance)
    heading, body, change_summary = heading.strip(), body.strip(), change_summary.strip()
    require_fits("heading", heading, limits.HEADING, **context)
    require_fits("body", body, limits.BODY, **context)
    require_fits("change_summary", change_summary, limits.CHANGE_SUMMARY, **context)
    note_asked = public_note is not None
    public_note = (public_note or "").strip()
    require_fits("public_note", public_note, limits.PUBLIC_NOTE, **context)
    if not heading and section.key != SUMMARY_KEY:
        raise ValidationError("A section needs a heading.", field="heading", **context)
    if not body and not heading:
        raise ValidationError("The wording is empty.", field="body", **context)

    lock_section(section)
    previous = latest_version(section, audience)
    if (previous.id if previous else None) != base_version_id:
        raise StaleVersion(
            f"Someone submitted version {previous.number} of this section since you started; "
            "review their change and submit again on top of it."
            if previous
            else "The version you started from no longer exists.",
            current_version_id=previous.id if previous else None,
            **context,
        )
    # Withdrawn wording comes back only this way: the same text, submitted and reviewed again.
    withdrawn = previous is not None and previous.workflow_state is State.WITHDRAWN
    if previous and not withdrawn and previous.heading == heading and previous.body == body:
        raise ValidationError(
            f"This wording is identical to version {previous.number}; nothing to submit.", **context
        )
    approved_before = section.published_id(audience) is not None or withdrawn
    if approved_before and not change_summary:
        raise ValidationError(
            "This section has been approved before: "
            "say what changed and why in the change summary.",
            field="change_summary",
            **context,
        )
    if note_asked and approved_before and not public_note:
        raise ValidationError(
            "This section has been approved before: "
            "tell readers what changed in the public change note.",
            field="public_note",
            **context,
        )

    rendered = markdown.render(body)
    references = {ref.key: ref for ref in article.references}
    try:
        cited = check_citations(rendered, references, where=where, line_offset=line_offset)
    except ValidationError as error:
        raise ValidationError(error.message, field=error.field, **context) from None

    now = utcnow()
    version = Version(
        kind=Kind.WORDING.value,
        chain=wording_chain(section.id, audience.value),
        article_id=article.id,
        section=section,
        audience=audience.value,
        number=previous.number + 1 if previous else 1,
        heading=heading,
        body=body,
        body_html=rendered.html,
        parent_id=previous.id if previous else None,
        source_clinician_id=_clinician_source(section) if audience is Audience.PATIENT else None,
        author_id=actor.id,
        provenance=provenance,
        change_summary=change_summary,
        public_note=public_note or None,
        content_hash=content_hash(
            article_slug=article.slug,
            section_key=section.key,
            audience=audience.value,
            heading=heading,
            body=body,
            public_note=public_note,
        ),
        created_at=now,
        state_changed_at=now,
        due_at=first_review_due(article, now),
    )
    version.citations = [
        VersionCitation(reference=ref, position=index) for index, ref in enumerate(cited)
    ]
    db.session.add(version)
    db.session.flush()
    if previous is not None:
        # What stops a version with changes requested from waiting (models/version.py).
        previous.successor_id = version.id

    if previous and previous.workflow_state in PENDING_STATES:
        engine.supersede(actor, previous, version)
    article.mark_public_change(now)
    audit.record(
        actor,
        SUBMIT,
        target=("version", version.id),
        article_id=article.id,
        after={
            "section": section.key,
            "audience": audience.value,
            "number": version.number,
            "content_hash": version.content_hash,
            "provenance": provenance,
            "parent_id": version.parent_id,
            "change_summary": change_summary,
            "public_note": public_note or None,
        },
    )
    return version


def _clinician_source(section: Section) -> int | None:
    if section.published_clinician_id is not None:
        return section.published_clinician_id
    newest = latest_version(section, Audience.CLINICIAN)
    return newest.id if newest else None
