"""Turn rows into the JSON bodies that the OpenAPI document describes."""

import json
from datetime import UTC, datetime
from typing import Any

from flask import url_for

from reviewapp.domain.comments import can_comment
from reviewapp.domain.engine import allowed_actions
from reviewapp.models import (
    Article,
    AuditEvent,
    Comment,
    Reference,
    Signoff,
    User,
    Version,
    VersionTransition,
)
from reviewapp.rules.states import Audience
from reviewapp.text.diffing import Change, summary
from reviewapp.text.markdown import CitationNumbering


def timestamp(value: datetime | None) -> str | None:
    """Return an ISO 8601 UTC timestamp ending in Z, or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def user_ref(user: User | None) -> dict[str, Any] | None:
    """Return who someone is, as far as the API shows it."""
    if user is None:
        return None
    return {"id": user.id, "name": user.printed_name}


def version_summary(version_id: int, number: int, state: str) -> dict[str, Any]:
    """Return the short form of a version: enough to find it and know its state."""
    return {"id": version_id, "number": number, "state": state}


def version_json(
    version: Version,
    actor: User,
    *,
    history: list[VersionTransition] | None = None,
) -> dict[str, Any]:
    """Return a version with what the caller may do with it next."""
    section = version.section
    data = {
        "id": version.id,
        "url": url_for("api.version", version_id=version.id),
        "article": section.article.slug,
        "section": section.key,
        "audience": version.audience,
        "number": version.number,
        "heading": version.heading,
        "body": version.body,
        # Numbered for this version alone; the public page numbers across the whole article.
        "html": str(CitationNumbering().apply(version.body_html)),
        "citations": [citation.reference.key for citation in version.citations],
        "state": version.state,
        "state_label": version.workflow_state.label,
        "parent_id": version.parent_id,
        "source_clinician_id": version.source_clinician_id,
        "author": user_ref(version.author),
        "provenance": version.provenance,
        "provenance_label": version.provenance_label,
        "drafted_by_tool": version.is_tool_drafted,
        "change_summary": version.change_summary,
        "content_hash": version.content_hash,
        "created_at": timestamp(version.created_at),
        "state_changed_at": timestamp(version.state_changed_at),
        "approved_at": timestamp(version.approved_at),
        "allowed_actions": [action.value for action in allowed_actions(actor, version)],
        "can_comment": can_comment(actor, version),
    }
    if history is not None:
        data["history"] = [
            {
                "action": step.action,
                "from_state": step.from_state,
                "to_state": step.to_state,
                "actor": user_ref(step.actor),
                "comment": step.comment,
                "at": timestamp(step.created_at),
            }
            for step in history
        ]
    return data


def article_summary(article: Article) -> dict[str, Any]:
    """Return an article as the list of articles shows it."""
    return {
        "slug": article.slug,
        "title": article.title,
        "language": article.language,
        "publication": article.publication,
        "url": url_for("api.article", slug=article.slug),
    }


def reference_json(reference: Reference) -> dict[str, Any]:
    """Return a reference with what it lacks to be complete."""
    return {
        "key": reference.key,
        "kind": reference.kind,
        "title": reference.title,
        "authors": reference.authors,
        "year": reference.year,
        "publisher": reference.publisher,
        "url": reference.url,
        "doi": reference.doi,
        "pmid": reference.pmid,
        "accessed": reference.accessed,
        "incomplete": reference.is_incomplete,
        "missing": reference.missing_essentials,
    }


def article_json(
    article: Article,
    sections: list[dict[str, Any]],
) -> dict[str, Any]:
    """Return an article with its authors, references and the status of each section."""
    return {
        **article_summary(article),
        "title_language": article.effective_title_language,
        "required_signoffs": article.required_signoffs,
        "review_interval_months": article.review_interval_months,
        "authors": [
            {
                "name": author.name,
                "credentials": author.credentials,
                "disclosures": author.disclosures,
            }
            for author in article.authors
        ],
        "references": [reference_json(reference) for reference in article.references],
        "sections": sections,
    }


def section_status(
    key: str,
    level: int,
    position: int,
    chains: dict[Audience, dict[str, dict[str, Any] | None]],
) -> dict[str, Any]:
    """Return a section with its published and newest version per audience."""
    return {
        "key": key,
        "level": level,
        "position": position,
        "audiences": {audience.value: chains[audience] for audience in Audience},
    }


def comment_json(comment: Comment) -> dict[str, Any]:
    """Return a comment and whether it is resolved."""
    return {
        "id": comment.id,
        "version_id": comment.version_id,
        "author": user_ref(comment.author),
        "body": comment.body,
        "created_at": timestamp(comment.created_at),
        "resolved": comment.is_resolved,
        "resolved_at": timestamp(comment.resolved_at),
        "resolved_by": user_ref(comment.resolved_by),
    }


def changes_json(changes: list[Change]) -> dict[str, Any]:
    """Return word changes with their counts."""
    return {
        "changes": [{"op": change.op, "text": change.text} for change in changes],
        "summary": summary(changes),
    }


def diff_json(old: Version, new: Version, heading: list[Change], body: list[Change]) -> dict:
    """Return what changed from `old` to `new` in heading and body."""
    heading_counts, body_counts = summary(heading), summary(body)
    return {
        "from": version_summary(old.id, old.number, old.state),
        "to": version_summary(new.id, new.number, new.state),
        "heading": changes_json(heading),
        "body": changes_json(body),
        "summary": {key: heading_counts[key] + body_counts[key] for key in body_counts},
    }


def signoff_json(signoff: Signoff, version: Version) -> dict[str, Any]:
    """Return a signature exactly as it was made."""
    return {
        "id": signoff.id,
        "version_id": signoff.version_id,
        "signer": user_ref(signoff.signer),
        "printed_name": signoff.printed_name,
        "role": signoff.role,
        "meaning": signoff.meaning,
        "content_hash": signoff.content_hash,
        "signed_at": timestamp(signoff.signed_at),
        "counts": signoff.content_hash == version.content_hash,
    }


def audit_event_json(event: AuditEvent) -> dict[str, Any]:
    """Return one audit event with its before/after values as objects."""
    return {
        "id": event.id,
        "occurred_at": timestamp(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "outcome": event.outcome,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "article_id": event.article_id,
        "before": json.loads(event.before),
        "after": json.loads(event.after),
        "message": event.message,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
