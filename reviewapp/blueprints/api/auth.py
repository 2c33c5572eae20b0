"""Bearer-token authentication for the API; the session cookie never counts here."""

from flask import Response, g, jsonify, request

from reviewapp.domain.tokens import authenticate_token
from reviewapp.models import User

# Reached without a token so that clients and fuzzers can discover the API.
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})

ASK_FOR_BEARER = (
    "This API needs a bearer token: send 'Authorization: Bearer <token>' "
    "(an operator issues one with 'flask users token EMAIL')."
)
REFUSED_BEARER = "The token is unknown or revoked, or its account is deactivated."


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
    user: User | None = authenticate_token(secret)
    if user is None:
        return unauthorized(
            "invalid_token", REFUSED_BEARER, 'Bearer realm="api", error="invalid_token"'
        )
    g.actor = user
    return None
