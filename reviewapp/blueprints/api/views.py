"""The JSON API under /api/v1, for people and drafting pipelines with a bearer token."""

from collections.abc import Callable
from typing import Any

from flask import Request, Response, abort, g, url_for
from flask_smorest import Blueprint, current_api
from marshmallow import Schema
from sqlalchemy import select
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import UnprocessableEntity

from reviewapp.blueprints.api import queries
from reviewapp.blueprints.api.auth import authenticate
from reviewapp.blueprints.api.schemas import (
    REFERENCE_KEY,
    ArticleListSchema,
    ArticleSchema,
    AuditPageSchema,
    AuditQuerySchema,
    CommentListSchema,
    CommentSchema,
    DiffQuerySchema,
    DiffSchema,
    ErrorSchema,
    InterestStatementSchema,
    MyDeclarationSchema,
    NewAssignmentSchema,
    NewCommentSchema,
    NewCountersignatureSchema,
    NewDeclarationSchema,
    NewFrontMatterVersionSchema,
    NewInterestStatementSchema,
    NewObjectionSchema,
    NewOutlineVersionSchema,
    NewReferenceVersionSchema,
    NewRetractionSchema,
    NewSettingsVersionSchema,
    NewSignoffSchema,
    NewSiteTextVersionSchema,
    NewTransitionSchema,
    NewVersionSchema,
    NewWithdrawalSchema,
    PendingListSchema,
    SignoffListSchema,
    SignoffSchema,
    VersionDetailSchema,
    VersionListSchema,
    WithdrawalSchema,
    part_values,
)
from reviewapp.domain import assignments, declarations, engine, re_reviews, withdrawals
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.errors import StaleVersion, ValidationError
from reviewapp.domain.part_chains import (
    Part,
    front_matter_part,
    outline_part,
    reference_part,
    settings_part,
    site_text_part,
)
from reviewapp.domain.parts import new_reference, submit_part
from reviewapp.domain.signoffs import object_to_version, sign_version
from reviewapp.domain.versions import submit_version
from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    AuditEvent,
    Comment,
    Reference,
    Section,
    User,
    Version,
    Withdrawal,
)
from reviewapp.rules import parts as part_rules
from reviewapp.rules.limits import MAX_ID
from reviewapp.rules.states import Audience, Role
from reviewapp.text.diffing import word_diff
from reviewapp.web.access import get_or_404
from reviewapp.web.errors import audit_refusal, error_response


class JsonObjectParser(FlaskParser):
    """Read every body as JSON, whatever its declared type, and refuse all but an object."""

    def load_json(self, req: Request, schema: Schema) -> dict[str, Any]:
        try:
            data = req.get_json(force=True, silent=True)
        except RecursionError:
            # Python's JSON decoder recurses once per nesting level; no body of ours nests deep.
            abort(400, "The request body is nested too deeply to be a body of this API.")
        if not isinstance(data, dict):
            abort(400, "The request body must be a JSON object.")
        return data


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose bodies are read by `JsonObjectParser`."""

    ARGUMENTS_PARSER = JsonObjectParser()


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="The review workflow.")
bp.before_request(authenticate)

# Any digits route here, so every method of a path answers alike; too large an id is a 404
# in the view (a bounded converter made Werkzeug answer 405 from the path's other rule).
VERSION_ID = "<int:version_id>"
COMMENT_ID = "<int:comment_id>"
CHAIN = "/articles/<slug>/sections/<key>/<audience>/versions"
FRONT_MATTER = "/articles/<slug>/front-matter/versions"
SETTINGS = "/articles/<slug>/settings/versions"
OUTLINE = "/articles/<slug>/outline/versions"
REFERENCE = "/articles/<slug>/references/<key>/versions"
SITE_TEXT = "/site-texts/<key>/versions"

ERRORS = {
    400: "The body is not a JSON object, or the request cannot be answered as asked.",
    401: "No valid bearer token: missing, unknown, revoked, or its account is deactivated.",
    403: "The account's roles do not allow this, it is the version's own author, or the "
    "declaration of interests refuses it (none under 12 months old, a recusal, or a declared "
    "interest in the article's specialty with no justification recorded).",
    404: "No such article, section, audience, reference, site text, version or comment.",
    409: "The workflow forbids this now (state, unresolved comments) or the base is stale.",
    422: "A field is refused (type, length, unknown field, or a rule of the content); "
    "`field` names it.",
    429: "Signing is locked for a while after repeated wrong passwords.",
}
CHALLENGE = {
    "WWW-Authenticate": {"description": "A Bearer challenge.", "schema": {"type": "string"}}
}


def refuses(*statuses: int) -> Callable:
    """Document the errors an operation answers, 401 always among them, with the error body."""

    def document(view: Callable) -> Callable:
        for status in (401, *statuses):
            view = bp.alt_response(
                status,
                schema=ErrorSchema,
                description=ERRORS[status],
                headers=CHALLENGE if status == 401 else None,
            )(view)
        return view

    return document


def location(description: str) -> dict[str, Any]:
    """Document the Location header of a 201."""
    return {"Location": {"description": description, "schema": {"type": "string"}}}


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


@bp.errorhandler(UnprocessableEntity)
def _invalid_input(error: UnprocessableEntity):
    # webargs puts what the schema refused on the error, as {location: {field: [reasons]}}.
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not messages:
        return error_response(422, "unprocessable_entity", error.description)
    field, reasons = next(iter(next(iter(messages.values())).items()))
    path = [str(field)]
    # A nested object or a list item is refused under its index: authors.0.name.
    while isinstance(reasons, dict) and reasons:
        inner, reasons = next(iter(reasons.items()))
        if inner != "_schema":  # marshmallow's name for the item as a whole
            path.append(str(inner))
    field = ".".join(path)
    reason = reasons[0] if isinstance(reasons, list) and reasons else str(reasons)
    return error_response(422, "validation_error", f"'{field}': {reason}", field=field)


@bp.errorhandler(StaleVersion)
def _stale(error: StaleVersion):
    audit_refusal(error)
    body, status = error_response(error.status, error.code, error.message, field=error.field)
    body["error"]["current_version_id"] = error.current_version_id
    return body, status


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


def _reference_or_404(article: Article, key: str) -> Reference:
    reference = _reference(article, key)
    if reference is None:
        abort(404, f"The article {article.slug!r} has no reference {key!r}.")
    return reference


def _reference(article: Article, key: str) -> Reference | None:
    return db.session.scalar(
        select(Reference).where(Reference.article_id == article.id, Reference.key == key)
    )


def _new_reference(article: Article, key: str) -> Reference:
    # The key column's width, until the domain's own check of a new key says so.
    if len(key) > REFERENCE_KEY:
        raise ValidationError(
            f"A reference key is at most {REFERENCE_KEY} characters.",
            field="key",
            action="version.submit",
            target=("article", article.id),
            article_id=article.id,
        )
    return new_reference(g.actor, article, key)


def _site_text_or_404(key: str) -> Part:
    if problem := part_rules.site_text_key_problem(key):
        abort(404, problem)
    return site_text_part(key)


def _version_or_404(version_id: int) -> Version:
    # Beyond the id column's range there is nothing to find, and PostgreSQL would refuse the query.
    version = queries.load_version(version_id) if version_id <= MAX_ID else None
    if version is None:
        abort(404, f"There is no version {version_id}.")
    return version


@bp.route("/openapi.json")
@bp.doc(operationId="openapi", security=[])
@bp.response(200, description="This document, generated from the API's schemas.")
def openapi():
    """Describe this API as an OpenAPI 3 document."""
    return current_api.spec.to_dict()


@bp.route("/articles")
@bp.doc(operationId="listArticles")
@refuses()
@bp.response(200, ArticleListSchema, description="The articles.")
def articles():
    """List the articles."""
    rows = db.session.scalars(select(Article).order_by(Article.title, Article.slug))
    return {"articles": rows.all()}


@bp.route("/articles/<slug>")
@bp.doc(operationId="getArticle")
@refuses(404)
@bp.response(200, ArticleSchema, description="The article.")
def article(slug: str):
    """Show an article, its references, and the published and newest version of each chain."""
    return _article_or_404(slug)


@bp.route(CHAIN)
@bp.doc(operationId="listVersions")
@refuses(404)
@bp.response(200, VersionListSchema, description="Newest first.")
def versions(slug: str, key: str, audience: str):
    """List every version of one section's wording for one audience, newest first."""
    section = _section_or_404(slug, key)
    return {"versions": queries.chain(section, _audience_or_404(audience))}


@bp.route(CHAIN, methods=["POST"])
@bp.doc(operationId="submitVersion")
@bp.arguments(NewVersionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(
    201,
    VersionDetailSchema,
    description="The new Submitted version; a pending previous one is superseded.",
    headers=location("The new version."),
)
def submit(fields: dict[str, Any], slug: str, key: str, audience: str):
    """Submit a new version on top of the newest one the client has seen."""
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
        public_note=fields["public_note"],
    )
    db.session.commit()
    return version, {"Location": url_for("api.version", version_id=version.id)}


@bp.route("/articles/<slug>/pending")
@bp.doc(operationId="listPendingVersions")
@refuses(404)
@bp.response(200, PendingListSchema, description="Oldest first.")
def pending(slug: str):
    """List an article's versions of every kind that wait for review (site texts are apart)."""
    return {"versions": queries.pending_in_article(_article_or_404(slug).id)}


@bp.route("/site-texts/pending")
@bp.doc(operationId="listPendingSiteTexts")
@refuses()
@bp.response(200, PendingListSchema, description="Oldest first.")
def pending_site_texts():
    """List the site texts' versions that wait for review."""
    return {"versions": queries.pending_site_texts()}


# The parts of a page besides wording: one chain each, proposed here, moved like wording
# through /versions/<id>/transitions, /signoffs and /objections.

SUBMITTED = "The new Submitted version; a pending previous one is superseded."


def _part_versions(part: Part) -> dict[str, list[Version]]:
    return {"versions": queries.part_chain(part.chain)}


def _submit_part(part: Part, payload: dict[str, Any], fields: dict[str, Any]):
    version = submit_part(
        g.actor,
        part,
        payload,
        base_version_id=fields["base_version_id"],
        change_summary=fields["change_summary"],
        provenance=fields["provenance"],
    )
    db.session.commit()
    return version, {"Location": url_for("api.version", version_id=version.id)}


@bp.route(FRONT_MATTER)
@bp.doc(operationId="listFrontMatterVersions")
@refuses(404)
@bp.response(200, VersionListSchema, description="Newest first.")
def front_matter_versions(slug: str):
    """List every version of an article's front matter, newest first."""
    return _part_versions(front_matter_part(_article_or_404(slug)))


@bp.route(FRONT_MATTER, methods=["POST"])
@bp.doc(operationId="submitFrontMatterVersion")
@bp.arguments(NewFrontMatterVersionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(201, VersionDetailSchema, description=SUBMITTED, headers=location("The new version."))
def submit_front_matter(fields: dict[str, Any], slug: str):
    """Propose the front matter: title, languages, specialty, authors and their disclosures."""
    part = front_matter_part(_article_or_404(slug))
    return _submit_part(part, part_rules.front_matter(**part_values(fields)), fields)


@bp.route(SETTINGS)
@bp.doc(operationId="listSettingsVersions")
@refuses(404)
@bp.response(200, VersionListSchema, description="Newest first.")
def settings_versions(slug: str):
    """List every version of an article's review settings, newest first."""
    return _part_versions(settings_part(_article_or_404(slug)))


@bp.route(SETTINGS, methods=["POST"])
@bp.doc(operationId="submitSettingsVersion")
@bp.arguments(NewSettingsVersionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(201, VersionDetailSchema, description=SUBMITTED, headers=location("The new version."))
def submit_settings(fields: dict[str, Any], slug: str):
    """Propose the review settings: publication policy, sign-offs required, review interval."""
    part = settings_part(_article_or_404(slug))
    return _submit_part(part, part_rules.settings(**part_values(fields)), fields)


@bp.route(OUTLINE)
@bp.doc(operationId="listOutlineVersions")
@refuses(404)
@bp.response(200, VersionListSchema, description="Newest first.")
def outline_versions(slug: str):
    """List every version of an article's outline, newest first."""
    return _part_versions(outline_part(_article_or_404(slug)))


@bp.route(OUTLINE, methods=["POST"])
@bp.doc(operationId="submitOutlineVersion")
@bp.arguments(NewOutlineVersionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(201, VersionDetailSchema, description=SUBMITTED, headers=location("The new version."))
def submit_outline(fields: dict[str, Any], slug: str):
    """Propose the outline: which sections, in what order and at what level; which retire."""
    part = outline_part(_article_or_404(slug))
    payload = part_rules.outline(
        [(entry["key"], entry["level"]) for entry in fields["sections"]], fields["retired"]
    )
    return _submit_part(part, payload, fields)


@bp.route(REFERENCE)
@bp.doc(operationId="listReferenceVersions")
@refuses(404)
@bp.response(200, VersionListSchema, description="Newest first.")
def reference_versions(slug: str, key: str):
    """List every version of one reference, newest first."""
    return _part_versions(reference_part(_reference_or_404(_article_or_404(slug), key)))


@bp.route(REFERENCE, methods=["POST"])
@bp.doc(operationId="submitReferenceVersion")
@bp.arguments(NewReferenceVersionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(201, VersionDetailSchema, description=SUBMITTED, headers=location("The new version."))
def submit_reference(fields: dict[str, Any], slug: str, key: str):
    """Propose a reference's values; a key the article lacks adds it (base_version_id null)."""
    article = _article_or_404(slug)
    reference = _reference(article, key) or _new_reference(article, key)
    payload = part_rules.reference(key, part_values(fields))
    return _submit_part(reference_part(reference), payload, fields)


@bp.route(SITE_TEXT)
@bp.doc(operationId="listSiteTextVersions")
@refuses(404)
@bp.response(200, VersionListSchema, description="Newest first.")
def site_text_versions(key: str):
    """List every version of one site text (a disclaimer, the editorial policy), newest first."""
    return _part_versions(_site_text_or_404(key))


@bp.route(SITE_TEXT, methods=["POST"])
@bp.doc(operationId="submitSiteTextVersion")
@bp.arguments(NewSiteTextVersionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(201, VersionDetailSchema, description=SUBMITTED, headers=location("The new version."))
def submit_site_text(fields: dict[str, Any], key: str):
    """Propose a site text: a disclaimer (per audience, optionally per language) or the policy."""
    part = _site_text_or_404(key)
    return _submit_part(part, {"key": key, "text": fields["text"]}, fields)


@bp.route(f"/versions/{VERSION_ID}")
@bp.doc(operationId="getVersion")
@refuses(404)
@bp.response(200, VersionDetailSchema, description="The version.")
def version(version_id: int):
    """Show one version, its workflow history and what the caller may do with it."""
    return _version_or_404(version_id)


@bp.route(f"/versions/{VERSION_ID}/diff")
@bp.doc(operationId="diffVersion")
@bp.arguments(DiffQuerySchema, location="query")
@refuses(400, 404, 422)
@bp.response(200, DiffSchema, description="The word changes.")
def diff(query: dict[str, Any], version_id: int):
    """Compare a version with `against` (by default its parent), word by word."""
    new = _version_or_404(version_id)
    against_id = query.get("against", new.parent_id)
    if against_id is None:
        abort(400, f"Version {new.number} has no parent: say which version with ?against=<id>.")
    old = _version_or_404(against_id)
    return {
        "old": old,
        "new": new,
        "heading": word_diff(old.heading, new.heading),
        "body": word_diff(old.body, new.body),
    }


@bp.route(f"/versions/{VERSION_ID}/transitions", methods=["POST"])
@bp.doc(operationId="transitionVersion")
@bp.arguments(NewTransitionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(200, VersionDetailSchema, description="The version in its new state.")
def transition(fields: dict[str, Any], version_id: int):
    """Take one review step: start review, request changes, reject or approve; on published
    wording, open a re-review or send it for revision (with a comment)."""
    moved = engine.transition(
        g.actor, _version_or_404(version_id), fields["action"], fields["comment"]
    )
    db.session.commit()
    return moved


@bp.route(f"/versions/{VERSION_ID}/re-review", methods=["POST"])
@bp.doc(operationId="openReReview")
@refuses(403, 404, 409)
@bp.response(200, VersionDetailSchema, description="The version, with its re-review open.")
def re_review(version_id: int):
    """Open a re-review of published wording: the board re-certifies it unchanged.

    The version stays Approved and published. Board members then sign its same content hash
    through `POST /versions/{id}/signoffs` with the meaning "Re-reviewed, no change"; at the
    article's quorum its last-reviewed date moves and no new version is made. Instead an
    editor sends it for revision (`POST /versions/{id}/transitions`, action
    `send_for_revision`, with a comment) or a board member does (`POST
    /versions/{id}/objections`): it stays published, review due with that reason.
    """
    opened = re_reviews.open_re_review(g.actor, _version_or_404(version_id))
    db.session.commit()
    return opened


@bp.route(f"/versions/{VERSION_ID}/claim", methods=["POST"])
@bp.doc(operationId="claimVersion")
@refuses(403, 404, 409)
@bp.response(200, VersionDetailSchema, description="The version, held by the caller.")
def claim(version_id: int):
    """Claim a submitted or under-review version as the calling editor's own work."""
    held = assignments.claim(g.actor, _version_or_404(version_id))
    db.session.commit()
    return held


@bp.route(f"/versions/{VERSION_ID}/assign", methods=["POST"])
@bp.doc(operationId="assignVersion")
@bp.arguments(NewAssignmentSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(200, VersionDetailSchema, description="The version, held by the assignee.")
def assign(fields: dict[str, Any], version_id: int):
    """Assign a pending version to a medical editor, taking it from whoever holds it."""
    version = _version_or_404(version_id)
    held = assignments.assign(g.actor, version, db.session.get(User, fields["assignee_id"]))
    db.session.commit()
    return held


@bp.route(f"/versions/{VERSION_ID}/release", methods=["POST"])
@bp.doc(operationId="releaseVersion")
@refuses(403, 404, 409)
@bp.response(200, VersionDetailSchema, description="The version, held by nobody.")
def release(version_id: int):
    """Release the hold on a pending version, so that any editor may claim it."""
    released = assignments.release(g.actor, _version_or_404(version_id))
    db.session.commit()
    return released


@bp.route(f"/versions/{VERSION_ID}/comments")
@bp.doc(operationId="listComments")
@refuses(404)
@bp.response(200, CommentListSchema, description="The comments, oldest first.")
def comments(version_id: int):
    """List the comments on one version, oldest first."""
    return {"comments": queries.comments(_version_or_404(version_id))}


@bp.route(f"/versions/{VERSION_ID}/comments", methods=["POST"])
@bp.doc(operationId="addComment")
@bp.arguments(NewCommentSchema)
@refuses(400, 403, 404, 422)
@bp.response(201, CommentSchema, description="The new comment.", headers=location("The comments."))
def comment(fields: dict[str, Any], version_id: int):
    """Comment on one version."""
    created = add_comment(g.actor, _version_or_404(version_id), fields["body"])
    db.session.commit()
    return created, {"Location": url_for("api.comments", version_id=version_id)}


@bp.route(f"/comments/{COMMENT_ID}/resolve", methods=["POST"])
@bp.doc(operationId="resolveComment")
@refuses(403, 404, 409)
@bp.response(200, CommentSchema, description="The resolved comment.")
def resolve(comment_id: int):
    """Mark a comment resolved."""
    resolved = resolve_comment(g.actor, get_or_404(Comment, comment_id, "comment"))
    db.session.commit()
    return resolved


@bp.route(f"/versions/{VERSION_ID}/signoffs")
@bp.doc(operationId="listSignoffs")
@refuses(404)
@bp.response(200, SignoffListSchema, description="The signatures, and how many count.")
def signoffs(version_id: int):
    """List the board signatures on one version, as signed."""
    return _version_or_404(version_id)


@bp.route(f"/versions/{VERSION_ID}/signoffs", methods=["POST"])
@bp.doc(operationId="signVersion")
@bp.arguments(NewSignoffSchema)
@refuses(400, 403, 404, 409, 422, 429)
@bp.response(
    201,
    SignoffSchema,
    description="The signature as recorded.",
    headers=location("The version's signatures."),
)
def sign(fields: dict[str, Any], version_id: int):
    """Sign a version an editor approved, with the password entered again."""
    found = _version_or_404(version_id)
    signoff = sign_version(g.actor, found, password=fields["password"], meaning=fields["meaning"])
    db.session.commit()
    return signoff, {"Location": url_for("api.signoffs", version_id=version_id)}


@bp.route(f"/versions/{VERSION_ID}/objections", methods=["POST"])
@bp.doc(operationId="objectToVersion")
@bp.arguments(NewObjectionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(200, VersionDetailSchema, description="The version, now Changes requested.")
def objection(fields: dict[str, Any], version_id: int):
    """Object to a version awaiting sign-off, with a reason; it goes back for changes. On
    published wording (a re-review open or not), send it for revision: it stays published,
    review due with the reason."""
    found = _version_or_404(version_id)
    object_to_version(g.actor, found, fields["reason"])
    db.session.commit()
    return found


@bp.route("/audit")
@bp.doc(operationId="listAuditEvents")
@bp.arguments(AuditQuerySchema, location="query")
@refuses(403, 422)
@bp.response(200, AuditPageSchema, description="A page of events, oldest first.")
def audit(query: dict[str, int]):
    """Page through the audit trail, oldest first, after a given event id (board members)."""
    if not g.actor.has_role(Role.BOARD):
        abort(403, "The audit trail is for Medical Advisory Board members.")
    after, limit = query["after"], query["limit"]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(limit + 1)
    ).all()
    page = events[:limit]
    return {"events": page, "next_after": page[-1].id if len(events) > limit else None}


def _my_declaration(person: User) -> dict[str, Any]:
    standing = declarations.standing_of(person)
    return {
        "required": standing.required,
        "standing": standing.standing.value,
        "valid_until": standing.valid_until,
        "current": standing.declaration,
        "history": declarations.history(person),
    }


@bp.route("/me/declaration")
@bp.doc(operationId="getMyDeclaration")
@refuses()
@bp.response(200, MyDeclarationSchema, description="Your declaration and where it stands.")
def my_declaration():
    """Show the caller's declaration of interests in force, whether it allows approving and
    signing, and every declaration before it."""
    return _my_declaration(g.actor)


@bp.route("/me/declaration", methods=["PUT"])
@bp.doc(operationId="declareInterests")
@bp.arguments(NewDeclarationSchema)
@refuses(400, 403, 422)
@bp.response(200, MyDeclarationSchema, description="The new declaration, now in force.")
def declare(fields: dict[str, Any]):
    """Declare one's interests anew (editors and board members): the declaration supersedes
    the one in force, which is kept, and is valid for 12 months."""
    declarations.declare(
        g.actor,
        g.actor,
        kind=fields["kind"],
        text=fields["text"],
        specialty_codes=fields["specialties"],
    )
    db.session.commit()
    return _my_declaration(g.actor)


@bp.route(f"/versions/{VERSION_ID}/interest-statement", methods=["POST"])
@bp.doc(operationId="recordInterestStatement")
@bp.arguments(NewInterestStatementSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(200, InterestStatementSchema, description="The recusal or justification.")
def interest_statement(fields: dict[str, Any], version_id: int):
    """Recuse oneself from a version, or justify approving or signing it despite a declared
    interest in its article's specialty; one statement per person and version."""
    found = _version_or_404(version_id)
    statement = declarations.record_statement(
        g.actor, found, kind=fields["kind"], text=fields["text"]
    )
    db.session.commit()
    return statement


@bp.route(f"/versions/{VERSION_ID}/withdrawal", methods=["POST"])
@bp.doc(operationId="withdrawVersion")
@bp.arguments(NewWithdrawalSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(
    201,
    WithdrawalSchema,
    description="The withdrawal: readers see its reason in the wording's place from now on.",
    headers=location("The withdrawal."),
)
def withdrawal(fields: dict[str, Any], version_id: int):
    """Withdraw published wording now, with a public reason (medical editors)."""
    taken = withdrawals.withdraw(
        g.actor,
        _version_or_404(version_id),
        reason=fields["reason"],
        scope=fields["scope"],
        reinstate=fields["reinstate_previous"],
    )
    db.session.commit()
    return taken, {"Location": url_for("api.get_withdrawal", withdrawal_id=taken.id)}


@bp.route("/articles/<slug>/retraction", methods=["POST"])
@bp.doc(operationId="retractArticle")
@bp.arguments(NewRetractionSchema)
@refuses(400, 403, 404, 409, 422)
@bp.response(
    201,
    WithdrawalSchema,
    description="The retraction: the article's pages show its notice and no content.",
    headers=location("The retraction."),
)
def retraction(fields: dict[str, Any], slug: str):
    """Retract an article, with a public reason (medical editors); its records stay."""
    retracted = withdrawals.retract(g.actor, _article_or_404(slug), reason=fields["reason"])
    db.session.commit()
    return retracted, {"Location": url_for("api.get_withdrawal", withdrawal_id=retracted.id)}


@bp.route("/withdrawals/<int:withdrawal_id>")
@bp.doc(operationId="getWithdrawal")
@refuses(404)
@bp.response(200, WithdrawalSchema, description="The withdrawal or retraction.")
def get_withdrawal(withdrawal_id: int):
    """Show a withdrawal or retraction, what it took down and its countersignature."""
    return get_or_404(Withdrawal, withdrawal_id, "withdrawal")


@bp.route("/withdrawals/<int:withdrawal_id>/countersignature", methods=["POST"])
@bp.doc(operationId="countersignWithdrawal")
@bp.arguments(NewCountersignatureSchema)
@refuses(400, 403, 404, 409, 422, 429)
@bp.response(200, WithdrawalSchema, description="The withdrawal, countersigned.")
def countersignature(fields: dict[str, Any], withdrawal_id: int):
    """Countersign a withdrawal or retraction with the password entered again (board
    members other than the one who withdrew)."""
    found = get_or_404(Withdrawal, withdrawal_id, "withdrawal")
    signed = withdrawals.countersign(g.actor, found, password=fields["password"])
    db.session.commit()
    return signed
