"""Map domain errors and HTTP errors to pages (or JSON under /api)."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask, before_render_template, current_app, g, render_template, request
from flask_login import current_user
from jinja2 import Template
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from wtforms import Field, FieldList, Form, FormField, PasswordField
from wtforms.csrf.core import CSRFTokenField

from reviewapp.domain import audit
from reviewapp.domain.errors import DomainError
from reviewapp.extensions import db
from reviewapp.models.connections import is_locked_error, read_only_from_now

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
    """Undo the refused attempt, keep a record of it, and have the page's summary show it."""
    g.refusal = error
    # The API authenticates by token and puts its account on g; pages use the session.
    signed_in = current_user if current_user and current_user.is_authenticated else None
    actor = g.get("actor") or signed_in
    audit.settle_refusal(actor, error)
    db.session.commit()


def show_refusal(error: DomainError, form, renamed: dict[str, str] | None = None) -> None:
    """Audit a refusal and show it on the field the person can correct, or atop the form.

    `renamed` maps the domain's name of an input to the form's, where the two differ.
    """
    audit_refusal(error)
    name = (renamed or {}).get(error.field or "", error.field)
    field = form[name] if name and name in form else None
    (field.errors if field is not None else form.form_errors).append(error.message)


# Flask-WTF's words for a missing or expired CSRF token say nothing a person can act on.
EXPIRED_FORM = "This page was open too long or sent from elsewhere: send the form again."


@dataclass(frozen=True)
class Problem:
    """One line of the error summary: what is wrong, and the id of the input that fixes it."""

    message: str
    field_id: str | None = None


def _field_problems(field: Field, label: str) -> Iterator[Problem]:
    if isinstance(field, CSRFTokenField):
        if field.errors:
            yield Problem(EXPIRED_FORM)
        return
    if isinstance(field, FormField):
        for inner in field.form:
            yield from _field_problems(inner, f"{label}, {inner.label.text}")
        return
    if isinstance(field, FieldList):
        for number, entry in enumerate(field.entries, start=1):
            yield from _field_problems(entry, f"{label}, row {number}")
        return
    messages = [message for message in field.errors if isinstance(message, str)]
    if messages:
        yield Problem(f"{label}: {' '.join(messages)}", field.id)


def form_problems(form: Form) -> list[Problem]:
    """List what is wrong with a submitted form: its own refusals first, then each field."""
    problems = [Problem(message) for message in getattr(form, "form_errors", [])]
    for field in form:
        problems.extend(_field_problems(field, field.label.text))
    return problems


def page_problems(context: dict) -> list[Problem]:
    """Gather the problems of every form a page shows, and the refusal the request met."""
    forms = [value for value in context.values() if isinstance(value, Form)]
    problems = [problem for form in forms for problem in form_problems(form)]
    refusal = g.get("refusal")
    if refusal is not None and not any(refusal.message in p.message for p in problems):
        # A refusal a view did not put on a form still points at its input when the page has it.
        field_id = next(
            (form[refusal.field].id for form in forms if refusal.field and refusal.field in form),
            None,
        )
        problems.insert(0, Problem(refusal.message, field_id))
    return list(dict.fromkeys(problems))


# Pages whose whole body is the problem: a summary above it would say it twice.
WHOLE_PAGE_ERRORS = frozenset({"error.html"})


def _summarise_problems(sender: Flask, template: Template, context: dict, **extra) -> None:
    """Hand the base layout the error summary of the page about to be rendered."""
    if template.name in WHOLE_PAGE_ERRORS or "page_problems" in context:
        return
    # Not "error_summary": templates import the macro of that name, which would hide it.
    context["page_problems"] = page_problems(context)
    context["page_problems_retype"] = any(
        isinstance(field, PasswordField)
        for form in context.values()
        if isinstance(form, Form)
        for field in form
    )


def retry_headers(error: DomainError) -> dict[str, str]:
    """Return the Retry-After header a refusal carries, when it says how long to wait."""
    seconds = getattr(error, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}


def _domain_error(error: DomainError):
    audit_refusal(error)
    body, status = error_response(error.status, error.code, error.message, error.field)
    return body, status, retry_headers(error)


def _http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    return error_response(error.code or 500, code, error.description or error.name)


def _too_large(error: RequestEntityTooLarge):
    # Werkzeug's own description does not say what the limit is.
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    message = (
        f"The request is larger than the {limit / 2**20:g} MiB this site accepts; "
        "nothing was saved."
    )
    return error_response(413, "request_entity_too_large", message)


# Seconds a client should wait before sending a refused write again.
RETRY_AFTER = 5


def _database_unavailable(error: OperationalError | InterfaceError):
    """Answer 503 when the database is locked too long or down; nothing was stored."""
    locked = is_locked_error(error)
    logger.warning("database unavailable (%s): %s", "locked" if locked else "down", error)
    # The failed transaction and its connection go: no lock or half-made write outlives this.
    try:
        db.session.rollback()
    finally:
        db.session.close()
    # The page below reads (who is signed in) without waiting for the write lock again.
    read_only_from_now()
    message = (
        "The database is busy with another change: nothing was saved. Send it again in a few "
        "seconds."
        if locked
        else "The database cannot be reached just now: nothing was saved. Try again shortly."
    )
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    if wants_json():
        return {"error": {"code": "unavailable", "message": message}}, 503, headers
    # Keep what the person typed: the page offers to send the same form again (passwords are
    # never written back into a page; the person types them again).
    typed = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and "password" not in name
    ]
    page = render_template(
        "error.html",
        status=503,
        message=message,
        resend_to=request.path if request.method == "POST" and typed else None,
        typed=typed,
    )
    return page, 503, headers


def init_app(app: Flask) -> None:
    before_render_template.connect(_summarise_problems, app)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
