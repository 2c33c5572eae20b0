"""The JSON API under /api/v1, for people and drafting pipelines with a bearer token."""

from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, url_for
from reviewapp.blueprints.api.openapi import document
from reviewapp.blueprints.api.payloads import MAX_ID, json_object, query_id
from reviewapp.blueprints.api.serializers import (
    article_json,
    article_summary,
    audit_event_json,
    comment_json,
    diff_json,
    signoff_json,
    version_json,
)
from sqlalchemy import select

from reviewapp.blueprints.api import queries
from reviewapp.blueprints.api.auth import authenticate
from reviewapp.domain import engine
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.errors import StaleVersion
from reviewapp.domain.signatures import quorum_count
from reviewapp.domain.signoffs import object_to_version, sign_version
from reviewapp.domain.versions import submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Comment, Section, Signoff, Version
from reviewapp.rules.states import Action, Audience, Role
from reviewapp.text.diffing import word_diff
from reviewapp.web.access import get_or_404
from reviewapp.web.errors import audit_refusal

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)

# Any digits route here, so every method of a path answers alike; too large an id is a 404
# in the view (a bounded converter made Werkzeug answer 405 from the path's other rule).
VERSION_ID = "<int:version_id>"
COMMENT_ID = "<int:comment_id>"
CHAIN = "/articles/<slug>/sections/<key>/<audience>/versions"
TEXT = (str,)
ID_OR_NULL = (int, type(None))
# A longer value would not fit its column (PostgreSQL refuses it instead of truncating).
PROVENANCE_LENGTH = Version.__table__.c.provenance.type.length
AUDIT_PAGE_DEFAULT = 100
AUDIT_PAGE_MAX = 1000


@bp.url_value_preprocessor
def _refuse_nul(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # No slug or key holds NUL, and PostgreSQL would fail on the query instead of finding none.
    if values and any(isinstance(value, str) and "\x00" in value for value in values.values()):
        abort(404, "There is nothing at this address.")


@bp.after_request
def _no_store(response: Response) -> Response:
    # Answers depend on the token's account and change with every workflow step.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(StaleVersion)
def _stale(error: StaleVersion):
    audit_refusal(error)
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "current_version_id": error.current_version_id,
        }
    }
    return body, error.status


def _article_or_404(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        abort(404, f"There is no article {slug!r}.")
    return article


def _section_or_404(slug: str, key: str) -> Section:
    section = db.session.scalar(
        select(Section).join(Article).where(Article.slug == slug, Section.key == key)
    )
    if section is None:
        _article_or_404(slug)
        abort(404, f"The article {slug!r} has no section {key!r}.")
    return section


def _audience_or_404(value: str) -> Audience:
    try:
        return Audience(value)
    except ValueError:
        abort(404, f"There is no audience {value!r}: use 'clinician' or 'patient'.")


def _version_or_404(version_id: int) -> Version:
    # Beyond the id column's range there is nothing to find, and PostgreSQL would refuse the query.
    version = queries.load_version(version_id) if version_id <= MAX_ID else None
    if version is None:
        abort(404, f"There is no version {version_id}.")
    return version


def _action_or_400(value: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        names = ", ".join(f"'{action.value}'" for action in Action)
        abort(400, f"Unknown action {value!r}: use one of {names}.")


def _with_history(version: Version) -> dict[str, Any]:
    return version_json(version, g.actor, history=queries.history(version))


@bp.get("/openapi.json")
def openapi():
    """Describe this API as an OpenAPI 3 document."""
    return jsonify(document())


@bp.get("/articles")
def articles():
    """List the articles."""
    rows = db.session.scalars(select(Article).order_by(Article.title, Article.slug))
    return {"articles": [article_summary(article) for article in rows]}


@bp.get("/articles/<slug>")
def article(slug: str):
    """Show an article, its references, and the published and newest version of each chain."""
    found = _article_or_404(slug)
    return article_json(found, queries.section_statuses(found.id))


@bp.get(CHAIN)
def versions(slug: str, key: str, audience: str):
    """List every version of one section's wording for one audience, newest first."""
    section = _section_or_404(slug, key)
    chain = queries.chain(section, _audience_or_404(audience))
    return {"versions": [version_json(version, g.actor) for version in chain]}


@bp.post(CHAIN)
def submit(slug: str, key: str, audience: str):
    """Submit a new version on top of the newest one the client has seen."""
    fields = json_object(
        required={"heading": TEXT, "body": TEXT, "base_version": ID_OR_NULL, "provenance": TEXT},
        optional={"change_summary": (TEXT, "")},
        max_lengths={"provenance": PROVENANCE_LENGTH},
    )
    section = _section_or_404(slug, key)
    version = submit_version(
        g.actor,
        section,
        _audience_or_404(audience),
        heading=fields["heading"],
        body=fields["body"],
        base_version_id=fields["base_version"],
        provenance=fields["provenance"],
        change_summary=fields["change_summary"],
    )
    db.session.commit()
    response = jsonify(_with_history(version))
    response.status_code = 201
    response.headers["Location"] = url_for("api.version", version_id=version.id)
    return response


@bp.get(f"/versions/{VERSION_ID}")
def version(version_id: int):
    """Show one version, its workflow history and what the caller may do with it."""
    return _with_history(_version_or_404(version_id))


@bp.get(f"/versions/{VERSION_ID}/diff")
def diff(version_id: int):
    """Compare a version with `against` (by default its parent), word by word."""
    against_id = query_id("against")
    new = _version_or_404(version_id)
    if against_id is None:
        against_id = new.parent_id
    if against_id is None:
        abort(400, f"Version {new.number} has no parent: say which version with ?against=<id>.")
    old = _version_or_404(against_id)
    return diff_json(old, new, word_diff(old.heading, new.heading), word_diff(old.body, new.body))


@bp.post(f"/versions/{VERSION_ID}/transitions")
def transition(version_id: int):
    """Take one workflow step: start review, request changes, reject or approve."""
    fields = json_object(required={"action": TEXT}, optional={"comment": (TEXT, "")})
    action = _action_or_400(fields["action"])
    moved = engine.transition(g.actor, _version_or_404(version_id), action, fields["comment"])
    db.session.commit()
    return _with_history(moved)


@bp.get(f"/versions/{VERSION_ID}/comments")
def comments(version_id: int):
    """List the comments on one version, oldest first."""
    return {"comments": [comment_json(c) for c in queries.comments(_version_or_404(version_id))]}


@bp.post(f"/versions/{VERSION_ID}/comments")
def comment(version_id: int):
    """Comment on one version."""
    fields = json_object(required={"body": TEXT})
    created = add_comment(g.actor, _version_or_404(version_id), fields["body"])
    db.session.commit()
    response = jsonify(comment_json(created))
    response.status_code = 201
    response.headers["Location"] = url_for("api.comments", version_id=version_id)
    return response


@bp.post(f"/comments/{COMMENT_ID}/resolve")
def resolve(comment_id: int):
    """Mark a comment resolved."""
    if comment_id > MAX_ID:
        abort(404, f"There is no comment {comment_id}.")
    resolved = resolve_comment(g.actor, get_or_404(Comment, comment_id, "comment"))
    db.session.commit()
    return comment_json(resolved)


@bp.get(f"/versions/{VERSION_ID}/signoffs")
def signoffs(version_id: int):
    """List the board signatures on one version, as signed."""
    found = _version_or_404(version_id)
    rows = db.session.scalars(
        select(Signoff).where(Signoff.version_id == found.id).order_by(Signoff.signed_at)
    )
    return {
        "required": found.section.article.required_signoffs,
        "counted": quorum_count(found),
        "state": found.state,
        "signoffs": [signoff_json(signoff, found) for signoff in rows],
    }


@bp.post(f"/versions/{VERSION_ID}/signoffs")
def sign(version_id: int):
    """Sign a version with the password entered again."""
    fields = json_object(required={"password": TEXT, "meaning": TEXT})
    found = _version_or_404(version_id)
    signoff = sign_version(g.actor, found, password=fields["password"], meaning=fields["meaning"])
    db.session.commit()
    response = jsonify(signoff_json(signoff, found))
    response.status_code = 201
    response.headers["Location"] = url_for("api.signoffs", version_id=version_id)
    return response


@bp.post(f"/versions/{VERSION_ID}/objections")
def objection(version_id: int):
    """Object to a version awaiting sign-off, with a reason."""
    fields = json_object(required={"reason": TEXT})
    found = _version_or_404(version_id)
    object_to_version(g.actor, found, fields["reason"])
    db.session.commit()
    return _with_history(found)


@bp.get("/audit")
def audit():
    """Page through the audit trail, oldest first, after a given event id."""
    if not g.actor.has_role(Role.BOARD):
        abort(403, "The audit trail is for Medical Advisory Board members.")
    after = query_id("after", minimum=0, what="an event id (0 or more)") or 0
    limit = query_id("limit", what=f"a number from 1 to {AUDIT_PAGE_MAX}") or AUDIT_PAGE_DEFAULT
    if limit > AUDIT_PAGE_MAX:
        abort(400, f"'limit' may be at most {AUDIT_PAGE_MAX}.")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(limit + 1)
    ).all()
    page = events[:limit]
    return {
        "events": [audit_event_json(event) for event in page],
        "next_after": page[-1].id if len(events) > limit else None,
    }
