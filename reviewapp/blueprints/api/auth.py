"""Bearer-token authentication for the API; the session cookie never counts here."""

from flask import Response, g, jsonify, request
from sqlalchemy.exc import OperationalError

from reviewapp.domain.tokens import TokenRefused, authenticate_token
from reviewapp.extensions import db
from reviewapp.models import User

# Reached without a token so that clients and fuzzers can discover the API.
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})

ASK_FOR_BEARER = (
    "This API needs a bearer token: send 'Authorization: Bearer <token>' "
    "(issue one on your account page, /account, or an operator with 'flask users token EMAIL')."
)


def bearer_secret() -> str | None:
    """Return the secret of an `Authorization: Bearer` header, or None if there is none."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def unauthorized(code: str, message: str, challenge: str) -> Response:
    """Answer 401 with the JSON error shape and a Bearer challenge."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    return response


def authenticate() -> Response | None:
    """Put the token's account on `g.actor`, or refuse the request with 401."""
    g.pop("actor", None)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    secret = bearer_secret()
    if secret is None:
        return unauthorized("unauthorized", ASK_FOR_BEARER, 'Bearer realm="api"')
    try:
        user: User = authenticate_token(secret)
    except TokenRefused as refusal:
        return unauthorized(
            "invalid_token", refusal.message, 'Bearer realm="api", error="invalid_token"'
        )
    _keep_last_use()
    g.actor = user
    return None


def _keep_last_use() -> None:
    """Store the token's last use when it was due (at most once a minute); never fail on it."""
    if not db.session.dirty:
        return
    try:
        db.session.commit()
    except OperationalError:
        # A busy database loses one "last used" mark, not the request.
        db.session.rollback()
