"""Proposing a version of a part besides wording: front matter, a reference, review
settings, the outline, a site text. The engine moves it from there like wording."""

import re
from typing import Any

from markupsafe import escape
from sqlalchemy import select

from reviewapp.domain import audit, engine
from reviewapp.domain.assignments import first_review_due
from reviewapp.domain.errors import PermissionDenied, StaleVersion, ValidationError, require_fits
from reviewapp.domain.locks import lock_chain, lock_row
from reviewapp.domain.part_chains import Part, payload_of, sections_of, show
from reviewapp.domain.versions import validate_provenance
from reviewapp.extensions import db
from reviewapp.models import Article, Reference, Section, SiteText, User, Version
from reviewapp.models.section import SUMMARY_KEY
from reviewapp.rules import limits
from reviewapp.rules import parts as rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import PENDING_STATES, Kind, Role
from reviewapp.text import markdown

SUBMIT = "version.submit"
_SECTION_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_REFERENCE_KEY = re.compile(markdown.KEY_PATTERN)
REFERENCE_KEY_LIMIT = 100  # the column is String(100)


def can_propose(actor: User | None) -> bool:
    """Return whether `actor` may propose a part's version (contributors and editors)."""
    return (
        actor is not None
        and actor.is_active
        and (actor.has_role(Role.CONTRIBUTOR) or actor.has_role(Role.EDITOR))
    )


def submit_part(
    actor: User,
    part: Part,
    payload: dict[str, Any],
    *,
    base_version_id: int | None,
    change_summary: str = "",
    provenance: str = "human",
) -> Version:
    """Store a new Submitted version of `part`, superseding a pending one; change nothing else.

    The part's row changes only if the part was never approved: then the proposal is what a
    pending-with-caution page shows, marked as pending review.
    """
    article = part.article
    target = ("article", article.id) if article is not None else ("site_text", None)
    context = {
        "action": SUBMIT,
        "target": target,
        "article_id": article.id if article is not None else None,
    }
    if not can_propose(actor):
        raise PermissionDenied(
            f"Only contributors and medical editors can propose the {part.kind.label}.", **context
        )
    change_summary = change_summary.strip()
    require_fits("change_summary", change_summary, limits.CHANGE_SUMMARY, **context)
    require_fits("provenance", provenance, limits.PROVENANCE, **context)
    provenance = validate_provenance(provenance)
    _require_fits_payload(payload, context)
    if found := rules.problems(part.kind, payload):
        raise ValidationError(
            " ".join(message for _, message in found), field=found[0][0], **context
        )

    lock_chain()
    lock_row(article or db.session.get(SiteText, part.site_text_key))
    if part.kind is Kind.OUTLINE:
        _check_outline(article, payload, context)
    previous = part.newest()
    if (previous.id if previous else None) != base_version_id:
        raise StaleVersion(
            f"Someone submitted version {previous.number} of the {part.kind.label} since you "
            "started; review their change and submit again on top of it."
            if previous
            else "The version you started from no longer exists.",
            current_version_id=previous.id if previous else None,
            **context,
        )
    if previous is not None and payload_of(previous) == payload:
        raise ValidationError(
            f"This is identical to version {previous.number} of the {part.kind.label}; "
            "nothing to submit.",
            **context,
        )
    approved_before = part.published_id() is not None
    if approved_before and not change_summary:
        raise ValidationError(
            f"The {part.kind.label} has been approved before: "
            "say what changed and why in the change summary.",
            field="change_summary",
            **context,
        )

    now = utcnow()
    body = rules.readable(part.kind, payload)
    version = Version(
        kind=part.kind.value,
        chain=part.chain,
        article_id=article.id if article is not None else None,
        reference_id=part.reference.id if part.reference is not None else None,
        site_text_key=part.site_text_key,
        audience="",
        number=previous.number + 1 if previous else 1,
        heading=part.label,
        body=body,
        body_html=_html(part.kind, payload, body),
        payload=rules.canonical(payload),
        parent_id=previous.id if previous else None,
        author_id=actor.id,
        provenance=provenance,
        change_summary=change_summary,
        content_hash=rules.part_hash(part.kind, part.place, payload),
        created_at=now,
        state_changed_at=now,
        due_at=first_review_due(article, now),
    )
    db.session.add(version)
    db.session.flush()
    if previous is not None:
        # What stops a version with changes requested from waiting (models/version.py).
        previous.successor_id = version.id
    if previous is not None and previous.workflow_state in PENDING_STATES:
        engine.supersede(actor, previous, version)
    if not approved_before:
        # Never approved: the proposal is what a pending-with-caution page shows, marked.
        show(part, payload, now, approved=False)
    audit.record(
        actor,
        SUBMIT,
        target=("version", version.id),
        article_id=article.id if article is not None else None,
        after={
            "kind": part.kind.value,
            "part": part.label,
            "number": version.number,
            "content_hash": version.content_hash,
            "provenance": provenance,
            "parent_id": version.parent_id,
            "change_summary": change_summary,
        },
    )
    return version


def _require_fits_payload(payload: dict[str, Any], context: dict) -> None:
    values = [(name, value) for name, value in payload.items() if isinstance(value, str)]
    for author in payload.get("authors") if isinstance(payload.get("authors"), list) else []:
        values += [(name, value) for name, value in author.items() if isinstance(value, str)]
    for entry in payload.get("sections", []):
        values.append(("key", entry["key"]))
    for name, value in values:
        require_fits(name, value, rules.VALUE_LIMITS.get(name, limits.HEADING), **context)


def _check_outline(article: Article, payload: dict[str, Any], context: dict) -> None:
    keys = [entry["key"] for entry in payload["sections"]]
    if keys and keys[0] != SUMMARY_KEY:
        raise ValidationError(
            f"The outline starts with the answer's summary ('{SUMMARY_KEY}').",
            field="sections",
            **context,
        )
    for entry in payload["sections"]:
        if not _SECTION_KEY.fullmatch(entry["key"]):
            raise ValidationError(
                f"Section key {entry['key']!r}: use letters, digits, hyphens and underscores.",
                field="sections",
                **context,
            )
    existing = {section.key for section in sections_of(article)}
    unknown_retired = set(payload["retired"]) - existing
    if unknown_retired:
        raise ValidationError(
            f"Cannot retire {', '.join(sorted(unknown_retired))}: no such section.",
            field="sections",
            **context,
        )
    missing = existing - set(keys) - set(payload["retired"])
    if missing:
        raise ValidationError(
            f"The outline leaves out {', '.join(sorted(missing))}: keep or retire each section.",
            field="sections",
            **context,
        )
    # Sections the outline adds get their row now, out of the outline until it is approved,
    # so that their wording can be proposed alongside.
    for entry in payload["sections"]:
        if entry["key"] not in existing:
            db.session.add(
                Section(
                    article=article,
                    key=entry["key"],
                    level=entry["level"],
                    position=len(existing) + len(keys),
                    in_outline=False,
                )
            )
    db.session.flush()


def _html(kind: Kind, payload: dict[str, Any], body: str) -> str:
    if kind is Kind.SITE_TEXT:
        return markdown.render(payload["text"]).html
    return f'<pre class="part-values">{escape(body)}</pre>'


def new_reference(actor: User, article: Article, key: str) -> Reference:
    """Return the row a new reference's chain belongs to, created for its first proposal."""
    context = {"action": SUBMIT, "target": ("article", article.id), "article_id": article.id}
    if not can_propose(actor):
        raise PermissionDenied(
            "Only contributors and medical editors can add a reference.", **context
        )
    require_fits("key", key, REFERENCE_KEY_LIMIT, **context)
    lock_chain()
    lock_row(article)
    if not _REFERENCE_KEY.fullmatch(key):
        raise ValidationError(
            f"Reference key {key!r} may use letters, digits and _ . : - only.",
            field="key",
            **context,
        )
    taken = select(Reference.id).where(Reference.article_id == article.id, Reference.key == key)
    if db.session.scalar(taken) is not None:
        raise ValidationError(
            f"The article already has a reference '{key}'.", field="key", **context
        )
    reference = Reference(key=key, position=len(article.references), kind="article")
    article.references.append(reference)
    db.session.flush()
    return reference
