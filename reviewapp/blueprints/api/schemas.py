"""Every request and response body of /api/v1, declared once.

Request schemas validate what clients send (types, the domain's length limits, unknown fields
refused); response schemas shape what the views return; flask-smorest builds the OpenAPI
document from both, so the document cannot drift from the code.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import g, url_for
from marshmallow import RAISE, Schema, ValidationError, fields, missing, post_load, validate

from reviewapp.blueprints.api import queries
from reviewapp.domain import signatures
from reviewapp.domain.comments import can_comment
from reviewapp.domain.engine import allowed_actions
from reviewapp.domain.signoffs import MEANINGS
from reviewapp.extensions import db
from reviewapp.models import Version
from reviewapp.rules import limits
from reviewapp.rules.states import REVIEW_ACTIONS, Action, Audience, PublicationPolicy, State
from reviewapp.text.diffing import summary
from reviewapp.text.markdown import CitationNumbering

STATES = [state.value for state in State]
ACTIONS = [action.value for action in Action]
ID_RANGE = validate.Range(min=1, max=limits.MAX_ID)
HASH = validate.Regexp("^[0-9a-f]{64}$")
TOO_LONG = "Longer than {max:,} characters."
AUDIT_PAGE_MAX = 1000
# What `reviewapp.domain.versions.validate_provenance` accepts, as a pattern the document can
# show and fuzzers can follow; tests/blueprints/test_openapi.py checks the two agree.
PROVENANCE_PATTERN = r"^\s*(human|tool:[\s\S]*\S[\s\S]*)\s*$"


# Input


def storable(value: str) -> None:
    """Refuse text no column can hold: NUL characters, or lone surrogates that cannot be encoded."""
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValidationError("Is not valid Unicode text.") from None


def text(limit: int, *validators: Callable[[Any], Any], **kwargs: Any) -> fields.String:
    """Return a string field refusing more than `limit` characters and what cannot be stored."""
    return fields.String(
        validate=[validate.Length(max=limit, error=TOO_LONG), storable, *validators], **kwargs
    )


class Input(Schema):
    """A request body: an unknown field is refused, by name."""

    class Meta:
        unknown = RAISE


class NewVersionSchema(Input):
    heading = text(
        limits.HEADING,
        required=True,
        metadata={"description": "May be empty only for the summary section."},
    )
    body = text(
        limits.BODY, required=True, metadata={"description": "Markdown; cite references as [@key]."}
    )
    base_version = fields.Integer(
        required=True,
        allow_none=True,
        strict=True,
        validate=ID_RANGE,
        metadata={"description": "The newest version you started from; null for the first."},
    )
    provenance = text(
        limits.PROVENANCE,
        validate.Regexp(
            PROVENANCE_PATTERN,
            error="Provenance must be 'human' or 'tool:<name and version>', not {input!r}.",
        ),
        required=True,
        metadata={"description": "'human', or 'tool:<name and version>' for drafting software."},
    )
    change_summary = text(
        limits.CHANGE_SUMMARY,
        load_default="",
        metadata={"description": "What changed and why; required once the chain was approved."},
    )


class NewTransitionSchema(Input):
    # Signing and objecting have operations of their own; the rest are the system's moves.
    action = fields.String(
        required=True, validate=validate.OneOf([action.value for action in REVIEW_ACTIONS])
    )
    comment = text(
        limits.TRANSITION_COMMENT,
        load_default="",
        metadata={"description": "Required to request changes or reject."},
    )

    @post_load
    def _as_action(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**data, "action": Action(data["action"])}


class NewCommentSchema(Input):
    body = text(limits.COMMENT, required=True)


class NewSignoffSchema(Input):
    password = text(
        limits.PASSWORD,
        required=True,
        metadata={"description": "The signer's password, entered again to sign."},
    )
    meaning = text(limits.MEANING, validate.OneOf(MEANINGS), required=True)


class NewObjectionSchema(Input):
    reason = text(limits.OBJECTION_REASON, required=True)


class DiffQuerySchema(Schema):
    against = fields.Integer(
        validate=ID_RANGE,
        metadata={"description": "The version to compare with (default: the parent)."},
    )


class AuditQuerySchema(Schema):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=limits.MAX_ID),
        metadata={"description": "Only events with a larger id (default 0)."},
    )
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=AUDIT_PAGE_MAX),
        metadata={"description": "At most this many events (default 100)."},
    )


# Output fields


class Timestamp(fields.DateTime):
    """An ISO 8601 UTC timestamp ending in Z."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class NumberedHtml(fields.String):
    """A version's stored HTML with its citations numbered for this version alone."""

    def _serialize(self, value: str, attr, obj, **kwargs) -> str:
        return str(CitationNumbering().apply(value))


class JsonText(fields.Dict):
    """A column holding a JSON object as text, given back as the object."""

    def _serialize(self, value: str, attr, obj, **kwargs) -> dict:
        return json.loads(value)


class Derived:
    """A field whose value is computed from the whole object being shaped, not one attribute."""

    def __init__(self, *args: Any, derive: Callable[[Any], Any], **kwargs: Any) -> None:
        super().__init__(*args, dump_only=True, **kwargs)
        self.derive = derive

    def get_value(self, obj: Any, attr: str, accessor=None, default=missing) -> Any:
        return self.derive(obj)


class DerivedString(Derived, fields.String):
    """A string computed from the object."""


class DerivedList(Derived, fields.List):
    """A list computed from the object."""


class DerivedBoolean(Derived, fields.Boolean):
    """A boolean computed from the object."""


class DerivedInteger(Derived, fields.Integer):
    """An integer computed from the object."""


class DerivedNested(Derived, fields.Nested):
    """A nested object computed from the object."""


# Output


class Output(Schema):
    """A response body: every declared field is always present (null where it may be)."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = True


def id_field(**kwargs: Any) -> fields.Integer:
    """Return a field holding a row id."""
    return fields.Integer(validate=ID_RANGE, **kwargs)


def state_field(**kwargs: Any) -> fields.String:
    """Return a field holding a workflow state."""
    return fields.String(validate=validate.OneOf(STATES), **kwargs)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "What kind of refusal."})
    message = fields.String(required=True, metadata={"description": "What to do about it."})
    field = fields.String(metadata={"description": "The input field at fault, when one is."})
    current_version_id = id_field(
        allow_none=True,
        metadata={"description": "On a stale base: the newest version to start from."},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class UserRefSchema(Output):
    id = id_field()
    name = fields.String(attribute="printed_name")


class VersionSummarySchema(Output):
    id = id_field()
    number = fields.Integer(validate=validate.Range(min=1))
    state = state_field()


class CitationSchema(Schema):
    key = fields.String(attribute="reference.key")


def _caller_actions(version: Version) -> list[str]:
    return [action.value for action in allowed_actions(g.actor, version)]


class VersionSchema(Output):
    id = id_field()
    url = DerivedString(derive=lambda version: url_for("api.version", version_id=version.id))
    article = fields.String(attribute="section.article.slug")
    section = fields.String(attribute="section.key")
    audience = fields.String(validate=validate.OneOf([audience.value for audience in Audience]))
    number = fields.Integer(validate=validate.Range(min=1))
    heading = fields.String()
    body = fields.String(metadata={"description": "Markdown; citations as [@key]."})
    html = NumberedHtml(
        attribute="body_html",
        metadata={"description": "The body as HTML, citations numbered for this version alone."},
    )
    citations = fields.Pluck(
        CitationSchema,
        "key",
        many=True,
        metadata={"description": "The cited reference keys, in order of first citation."},
    )
    state = state_field()
    state_label = fields.String(attribute="workflow_state.label")
    parent_id = id_field(allow_none=True)
    source_clinician_id = id_field(
        allow_none=True,
        metadata={"description": "For patient wording: the clinician version it was written from."},
    )
    author = fields.Nested(UserRefSchema)
    provenance = fields.String(metadata={"description": "'human' or 'tool:<name and version>'."})
    provenance_label = fields.String()
    drafted_by_tool = fields.Boolean(
        attribute="is_tool_drafted",
        metadata={"description": "True when software drafted this wording."},
    )
    change_summary = fields.String()
    content_hash = fields.String(validate=HASH)
    created_at = Timestamp()
    state_changed_at = Timestamp()
    approved_at = Timestamp(allow_none=True)
    allowed_actions = DerivedList(
        fields.String(validate=validate.OneOf(ACTIONS)),
        derive=_caller_actions,
        metadata={"description": "The moves the calling account may take on it now."},
    )
    can_comment = DerivedBoolean(derive=lambda version: can_comment(g.actor, version))


class HistoryStepSchema(Output):
    action = fields.String(validate=validate.OneOf(ACTIONS))
    from_state = state_field()
    to_state = state_field()
    actor = fields.Nested(UserRefSchema)
    comment = fields.String()
    at = Timestamp(attribute="created_at")


class VersionDetailSchema(VersionSchema):
    history = DerivedList(
        fields.Nested(HistoryStepSchema),
        derive=queries.history,
        metadata={"description": "The workflow steps taken on it, oldest first."},
    )


class VersionListSchema(Output):
    versions = fields.List(fields.Nested(VersionSchema), metadata={"description": "Newest first."})


class ArticleSummarySchema(Output):
    slug = fields.String()
    title = fields.String()
    language = fields.String()
    publication = fields.String(validate=validate.OneOf([p.value for p in PublicationPolicy]))
    url = DerivedString(derive=lambda article: url_for("api.article", slug=article.slug))


class ArticleListSchema(Output):
    articles = fields.List(fields.Nested(ArticleSummarySchema))


class AuthorSchema(Output):
    name = fields.String()
    credentials = fields.String()
    disclosures = fields.String()


class ReferenceSchema(Output):
    key = fields.String()
    kind = fields.String()
    title = fields.String()
    authors = fields.String()
    year = fields.Integer(allow_none=True)
    publisher = fields.String()
    url = fields.String()
    doi = fields.String()
    pmid = fields.String()
    accessed = fields.String()
    incomplete = fields.Boolean(attribute="is_incomplete")
    missing = fields.List(
        fields.String(),
        attribute="missing_essentials",
        metadata={"description": "What a complete reference would have and this one lacks."},
    )


class ChainStatusSchema(Output):
    published = fields.Nested(VersionSummarySchema, allow_none=True)
    newest = fields.Nested(VersionSummarySchema, allow_none=True)


class AudiencesSchema(Output):
    clinician = fields.Nested(ChainStatusSchema)
    patient = fields.Nested(ChainStatusSchema)


class SectionStatusSchema(Output):
    key = fields.String()
    level = fields.Integer()
    position = fields.Integer()
    audiences = fields.Nested(AudiencesSchema)


class ArticleSchema(ArticleSummarySchema):
    title_language = fields.String(attribute="effective_title_language")
    required_signoffs = fields.Integer()
    review_interval_months = fields.Integer()
    authors = fields.List(fields.Nested(AuthorSchema))
    references = fields.List(fields.Nested(ReferenceSchema))
    sections = DerivedList(
        fields.Nested(SectionStatusSchema),
        derive=lambda article: queries.section_statuses(article.id),
        metadata={"description": "Each section's published and newest version per audience."},
    )


class CommentSchema(Output):
    id = id_field()
    version_id = id_field()
    author = fields.Nested(UserRefSchema)
    body = fields.String()
    created_at = Timestamp()
    resolved = fields.Boolean(attribute="is_resolved")
    resolved_at = Timestamp(allow_none=True)
    resolved_by = fields.Nested(UserRefSchema, allow_none=True)


class CommentListSchema(Output):
    comments = fields.List(fields.Nested(CommentSchema), metadata={"description": "Oldest first."})


class SignoffSchema(Output):
    id = id_field()
    version_id = id_field()
    signer = fields.Nested(UserRefSchema)
    printed_name = fields.String()
    role = fields.String()
    meaning = fields.String()
    content_hash = fields.String(validate=HASH)
    signed_at = Timestamp()
    # The version is in the session already: the view loaded it to list or sign.
    counts = DerivedBoolean(
        derive=lambda signoff: signatures.counts(
            signoff, db.session.get(Version, signoff.version_id)
        ),
        metadata={"description": "Whether it counts for this version's quorum."},
    )


class SignoffListSchema(Output):
    required = fields.Integer(
        attribute="section.article.required_signoffs", validate=validate.Range(min=1)
    )
    counted = DerivedInteger(derive=signatures.quorum_count, validate=validate.Range(min=0))
    state = state_field()
    signoffs = DerivedList(
        fields.Nested(SignoffSchema),
        derive=queries.signoffs,
        metadata={"description": "Every signature, as signed, oldest first."},
    )


class AuditEventSchema(Output):
    id = id_field()
    occurred_at = Timestamp()
    actor_id = id_field(allow_none=True)
    actor_label = fields.String()
    action = fields.String()
    outcome = fields.String(validate=validate.OneOf(["done", "refused"]))
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    article_id = id_field(allow_none=True)
    before = JsonText()
    after = JsonText()
    message = fields.String()
    prev_hash = fields.String(validate=HASH)
    hash = fields.String(validate=HASH)


class AuditPageSchema(Output):
    events = fields.List(fields.Nested(AuditEventSchema))
    next_after = id_field(
        allow_none=True,
        metadata={"description": "Pass as ?after= for the next page; null when there is none."},
    )


class DiffCountsSchema(Output):
    inserted_words = fields.Integer(validate=validate.Range(min=0))
    deleted_words = fields.Integer(validate=validate.Range(min=0))


class ChangeSchema(Output):
    op = fields.String(validate=validate.OneOf(["equal", "insert", "delete"]))
    text = fields.String()


class ChangesSchema(Output):
    """Word changes, shaped from the list `reviewapp.text.diffing.word_diff` returns."""

    changes = DerivedList(fields.Nested(ChangeSchema), derive=list)
    summary = DerivedNested(DiffCountsSchema, derive=summary)


def _total(diff: dict) -> dict[str, int]:
    heading, body = summary(diff["heading"]), summary(diff["body"])
    return {key: heading[key] + body[key] for key in body}


class DiffSchema(Output):
    """What changed from `old` to `new`, shaped from the view's mapping of both and their diffs."""

    old = fields.Nested(VersionSummarySchema, data_key="from")
    new = fields.Nested(VersionSummarySchema, data_key="to")
    heading = fields.Nested(ChangesSchema)
    body = fields.Nested(ChangesSchema)
    summary = DerivedNested(DiffCountsSchema, derive=_total)
