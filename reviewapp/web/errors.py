"""Map domain errors and HTTP errors to pages (or JSON under /api)."""

import logging

from flask import Flask, g, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from reviewapp.domain import audit
from reviewapp.domain.errors import DomainError
from reviewapp.extensions import db

logger = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, field: str | None = None):
    """Answer an error as JSON for the API and as a page for people."""
    if wants_json():
        error = {"code": code, "message": message}
        # The API names the input at fault, as the pages mark the form field.
        if field:
            error["field"] = field
        return {"error": error}, status
    return render_template("error.html", status=status, message=message), status


def audit_refusal(error: DomainError) -> None:
    """Undo the refused attempt, then keep a record of it."""
    # The API authenticates by token and puts its account on g; pages use the session.
    signed_in = current_user if current_user and current_user.is_authenticated else None
    actor = g.get("actor") or signed_in
    audit.settle_refusal(actor, error)
    db.session.commit()


def show_refusal(error: DomainError, form) -> None:
    """Audit a refusal and show it on the field the person can correct, or atop the form."""
    audit_refusal(error)
    field = form[error.field] if error.field and error.field in form else None
    (field.errors if field is not None else form.form_errors).append(error.message)


def _domain_error(error: DomainError):
    audit_refusal(error)
    return error_response(error.status, error.code, error.message, error.field)


def _http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    return error_response(error.code or 500, code, error.description or error.name)


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
