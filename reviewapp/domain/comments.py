"""Comments on a version, and their resolution."""

from reviewapp.domain import audit
from reviewapp.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    on_version,
    require_fits,
)
from reviewapp.domain.locks import lock_version
from reviewapp.extensions import db
from reviewapp.models import Comment, User, Version
from reviewapp.rules import limits
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Role


def can_comment(actor: User | None, version: Version) -> bool:
    """Return whether `actor` may comment: reviewers, and the author answering them."""
    if actor is None or not actor.is_active:
        return False
    return (
        actor.has_role(Role.EDITOR) or actor.has_role(Role.BOARD) or version.author_id == actor.id
    )


def add_comment(actor: User, version: Version, body: str) -> Comment:
    """Attach a comment to one exact version."""
    context = on_version("comment.create", version)
    if not can_comment(actor, version):
        raise PermissionDenied(
            "Only editors, board members and the version's author can comment.", **context
        )
    body = body.strip()
    require_fits("body", body, limits.COMMENT, **context)
    if not body:
        raise ValidationError("The comment is empty.", field="body", **context)
    version = lock_version(version)
    comment = Comment(version_id=version.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    audit.record(
        actor,
        "comment.create",
        target=("comment", comment.id),
        article_id=version.article_id,
        version=version,
        after={"version_id": version.id, "body": body},
    )
    return comment


def can_resolve(actor: User | None, comment: Comment) -> bool:
    """Return whether `actor` may mark this open comment resolved: an editor, or its author."""
    if actor is None or not actor.is_active or comment.is_resolved:
        return False
    return actor.has_role(Role.EDITOR) or comment.author_id == actor.id


def resolve_comment(actor: User, comment: Comment) -> Comment:
    """Mark a comment resolved: by an editor, or by the person who wrote it."""
    version = db.session.get(Version, comment.version_id)
    context = {
        "action": "comment.resolve",
        "target": ("comment", comment.id),
        "article_id": version.article_id,
    }
    lock_version(version)
    # Another editor may have resolved it while this request waited for the lock.
    db.session.refresh(comment)
    if comment.is_resolved:
        raise TransitionNotAllowed("This comment is already resolved.", **context)
    if not can_resolve(actor, comment):
        raise PermissionDenied("Only an editor or the comment's author can resolve it.", **context)
    comment.resolved_at = utcnow()
    comment.resolved_by_id = actor.id
    audit.record(
        actor,
        "comment.resolve",
        target=("comment", comment.id),
        article_id=version.article_id,
        version=version,
        before={"resolved": False},
        after={"resolved": True},
    )
    return comment
