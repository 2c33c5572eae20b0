"""Public evidence about the audit trail: the signed checkpoints and the key that signs them.

Anyone may fetch and keep copies, so nothing here needs a session, and shared caches may keep
the answers a minute before revalidating with their ETag.
"""

import logging

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import func, select

from reviewapp.domain.checkpoints import (
    SigningKeyUnavailable,
    public_key_document,
    public_key_pem,
    signing_key,
    vouched,
)
from reviewapp.extensions import db
from reviewapp.models import AuditCheckpoint
from reviewapp.rules.limits import MAX_ID

log = logging.getLogger(__name__)

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

PER_PAGE = 100


def _public(response: Response) -> Response:
    """Let any cache keep the answer briefly, and answer 304 to a matching If-None-Match."""
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['PUBLIC_PAGE_MAX_AGE']}, must-revalidate"
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    response = jsonify({"error": {"code": code, "message": message}})
    response.headers["Cache-Control"] = "no-store"
    return response, status


def _key_unavailable(error: SigningKeyUnavailable) -> tuple[Response, int]:
    log.error("The audit signing key is unavailable: %s", error)
    return _error(503, "signing_key_unavailable", "The checkpoint signing key is unavailable.")


def _page_number() -> int | None:
    """Return the page asked for (1 by default), or None when it is not a page number."""
    asked = request.args.get("page", "1")
    if not (asked.isascii() and asked.isdigit()) or not 1 <= int(asked) <= MAX_ID:
        return None
    return int(asked)


@bp.get("/checkpoints")
def checkpoints():
    """List the signed checkpoints of the audit chain, newest first, with the public key."""
    page = _page_number()
    if page is None:
        return _error(400, "bad_request", "page must be a whole number from 1.")
    try:
        public_key = signing_key().public_key()
    except SigningKeyUnavailable as error:
        return _key_unavailable(error)
    total = db.session.scalar(select(func.count(AuditCheckpoint.id)))
    last_page = max(1, -(-total // PER_PAGE))
    if page > last_page:
        return _error(404, "not_found", f"There are {last_page} pages of checkpoints.")
    rows = db.session.scalars(
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )

    def link(number: int) -> str | None:
        if not 1 <= number <= last_page:
            return None
        return url_for("transparency.checkpoints", page=number, _external=True)

    return _public(
        jsonify(
            {
                "public_key": public_key_document(public_key),
                "checkpoints": [vouched(row).document() for row in rows],
                "page": page,
                "per_page": PER_PAGE,
                "total": total,
                "next": link(page + 1),
                "previous": link(page - 1),
            }
        )
    )


@bp.get("/public-key")
def public_key():
    """Answer the Ed25519 public key that checkpoint signatures verify with, as PEM."""
    try:
        key = signing_key().public_key()
    except SigningKeyUnavailable as error:
        return _key_unavailable(error)
    return _public(Response(public_key_pem(key), mimetype="application/x-pem-file"))
