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
from reviewapp.domain import part_chains, signatures
from reviewapp.domain.assignments import is_overdue
from reviewapp.domain.comments import can_comment
from reviewapp.domain.engine import allowed_actions
from reviewapp.domain.signoffs import MEANINGS
from reviewapp.extensions import db
from reviewapp.models import Section, Version
from reviewapp.rules import limits
from reviewapp.rules import parts as part_rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import (
    DECLARATION_TEXT,
    STATEMENT_TEXT,
    InterestKind,
    Standing,
    StatementKind,
    valid_until,
)
from reviewapp.rules.links import web_address_problem
from reviewapp.rules.re_reviews import RE_REVIEW_MEANING
from reviewapp.rules.specialties import CODES as SPECIALTY_CODES
from reviewapp.rules.states import (
    REVIEW_ACTIONS,
    Action,
    Audience,
    Kind,
    PublicationPolicy,
    State,
)
from reviewapp.rules.withdrawals import Scope, WithdrawalKind
from reviewapp.text.diffing import summary
from reviewapp.text.markdown import CitationNumbering

STATES = [state.value for state in State]
ACTIONS = [action.value for action in Action]
KINDS = [kind.value for kind in Kind]
POLICIES = [policy.value for policy in PublicationPolicy]
ID_RANGE = validate.Range(min=1, max=limits.MAX_ID)
HASH = validate.Regexp("^[0-9a-f]{64}$")
TOO_LONG = "Longer than {max:,} characters."
AUDIT_PAGE_MAX = 1000
# What `reviewapp.domain.versions.validate_provenance` accepts, as a pattern the document can
# show and fuzzers can follow; tests/blueprints/test_openapi.py checks the two agree.
PROVENANCE_PATTERN = r"^\s*(human|tool:[\s\S]*\S[\s\S]*)\s*$"


# A part's values are refused beyond the domain's limits (rules/parts.py VALUE_LIMITS, the
# columns' sizes where they have one): the schema documents the same maximum it enforces.
PART_LIMITS = part_rules.VALUE_LIMITS
AUTHOR_DISCLOSURES = PART_LIMITS["disclosures"]
TITLE_LANGUAGE = PART_LIMITS["title_language"]
LANGUAGE = PART_LIMITS["language"]
SPECIALTY = PART_LIMITS["specialty"]
SECTION_KEY = PART_LIMITS["key"]
REFERENCE_KEY = PART_LIMITS["key"]
DOI = PART_LIMITS["doi"]
PMID = PART_LIMITS["pmid"]
ACCESSED = PART_LIMITS["accessed"]


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


def base_version_field() -> fields.Integer:
    """Return the field naming the newest version a proposal was started from."""
    return fields.Integer(
        required=True,
        allow_none=True,
        strict=True,
        validate=ID_RANGE,
        metadata={"description": "The newest version you started from; null for the first."},
    )


def provenance_field() -> fields.String:
    """Return the field saying who wrote a proposal: a person or a named tool."""
    return text(
        limits.PROVENANCE,
        validate.Regexp(
            PROVENANCE_PATTERN,
            error="Provenance must be 'human' or 'tool:<name and version>', not {input!r}.",
        ),
        required=True,
        metadata={"description": "'human', or 'tool:<name and version>' for drafting software."},
    )


def change_summary_field() -> fields.String:
    """Return the field giving the reason for a change."""
    return text(
        limits.CHANGE_SUMMARY,
        load_default="",
        metadata={"description": "What changed and why; required once the chain was approved."},
    )


def public_note_field() -> fields.String:
    """Return the field telling readers what changed, for the public changelog."""
    return text(
        limits.PUBLIC_NOTE,
        load_default="",
        metadata={
            "description": "What readers are told changed, in the article's language, shown "
            "in the public changelog and covered by the content hash; required once the "
            "section's wording for this audience was approved. Readers never see "
            "change_summary."
        },
    )


class NewVersionSchema(Input):
    heading = text(
        limits.HEADING,
        required=True,
        metadata={"description": "May be empty only for the summary section."},
    )
    body = text(
        limits.BODY, required=True, metadata={"description": "Markdown; cite references as [@key]."}
    )
    base_version = base_version_field()
    provenance = provenance_field()
    change_summary = change_summary_field()
    public_note = public_note_field()


# Proposals of the other parts of a page. Each states every value of the part, as the new
# version will hold it: a field left out is refused rather than taken to mean "empty".

PART_META = ("base_version_id", "change_summary", "provenance")


class NewPartVersionSchema(Input):
    """What every proposal of a part besides wording carries along with its values."""

    base_version_id = base_version_field()
    provenance = provenance_field()
    change_summary = change_summary_field()


def part_values(fields_: dict[str, Any]) -> dict[str, Any]:
    """Return a proposal's values without what every proposal carries."""
    return {name: value for name, value in fields_.items() if name not in PART_META}


class NewAuthorSchema(Input):
    name = text(limits.PERSON_NAME, required=True)
    credentials = text(limits.CREDENTIALS, required=True, metadata={"description": "e.g. MD."})
    disclosures = text(
        AUTHOR_DISCLOSURES,
        required=True,
        metadata={"description": "Declared interests; 'None declared' when there are none."},
    )


class NewFrontMatterVersionSchema(NewPartVersionSchema):
    title = text(
        PART_LIMITS["title"], required=True, metadata={"description": "The clinical question."}
    )
    title_language = text(
        TITLE_LANGUAGE,
        required=True,
        metadata={"description": "BCP 47 tag when the title's language differs; else ''."},
    )
    language = text(
        LANGUAGE, required=True, metadata={"description": "The article's BCP 47 tag, e.g. fr."}
    )
    specialty = text(
        SPECIALTY,
        required=True,
        metadata={
            "description": "The article's medical specialties, codes of the site's list "
            "separated by commas, e.g. 'oncology' or 'oncology, palliative-care'; '' for none."
        },
    )
    authors = fields.List(
        fields.Nested(NewAuthorSchema),
        required=True,
        metadata={"description": "Every author, in order; [] for none."},
    )


class NewSettingsVersionSchema(NewPartVersionSchema):
    publication = fields.String(
        required=True,
        validate=validate.OneOf(POLICIES),
        metadata={"description": "Whether readers see wording still under review, marked."},
    )
    required_signoffs = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=part_rules.MAX_SIGNOFFS),
        metadata={"description": "Distinct board signatures a version needs to be approved."},
    )
    review_interval_months = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=part_rules.MAX_REVIEW_INTERVAL_MONTHS),
        metadata={"description": "Months after which approved wording is due for review."},
    )
    # Optional: left out, the defaults apply, as for settings proposed before these existed.
    days_to_first_review = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=part_rules.MAX_REVIEW_DAYS),
        metadata={
            "description": "Days an editor has to decide on a submitted version "
            f"(default {part_rules.DEFAULT_DAYS_TO_FIRST_REVIEW})."
        },
    )
    days_to_signoff = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=part_rules.MAX_REVIEW_DAYS),
        metadata={
            "description": "Days the board has to sign a version an editor approved "
            f"(default {part_rules.DEFAULT_DAYS_TO_SIGNOFF})."
        },
    )


class NewOutlineEntrySchema(Input):
    key = text(SECTION_KEY, required=True, metadata={"description": "A section's stable key."})
    level = fields.Integer(
        required=True, strict=True, validate=validate.OneOf(part_rules.OUTLINE_LEVELS)
    )


class NewOutlineVersionSchema(NewPartVersionSchema):
    sections = fields.List(
        fields.Nested(NewOutlineEntrySchema),
        required=True,
        metadata={
            "description": "The sections shown, in order, starting with 'summary'; a key the "
            "article lacks adds a section."
        },
    )
    retired = fields.List(
        text(SECTION_KEY),
        load_default=list,
        metadata={
            "description": "Keys of sections no longer shown; every section is either "
            "in `sections` or retired."
        },
    )


def web_address(value: str) -> None:
    """Refuse an address readers could not follow safely: only http(s), or none."""
    if value and (problem := web_address_problem(value)):
        raise ValidationError(problem)


class NewReferenceVersionSchema(NewPartVersionSchema):
    kind = fields.String(required=True, validate=validate.OneOf(part_rules.REFERENCE_KINDS))
    title = text(PART_LIMITS["title"], required=True)
    authors = text(
        PART_LIMITS["authors"], required=True, metadata={"description": "People or organisation."}
    )
    year = fields.Integer(
        required=True,
        allow_none=True,
        strict=True,
        metadata={"description": "Four digits; null when unknown."},
    )
    publisher = text(PART_LIMITS["publisher"], required=True)
    url = text(
        PART_LIMITS["url"],
        web_address,
        required=True,
        metadata={"description": "An http(s) address, or ''."},
    )
    doi = text(DOI, required=True)
    pmid = text(PMID, required=True)
    accessed = text(ACCESSED, required=True, metadata={"description": "When the URL was read."})
    note = text(PART_LIMITS["note"], required=True)


class NewSiteTextVersionSchema(NewPartVersionSchema):
    text = text(PART_LIMITS["text"], required=True, metadata={"description": "Markdown."})


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


class NewAssignmentSchema(Input):
    assignee_id = fields.Integer(
        required=True,
        strict=True,
        validate=ID_RANGE,
        metadata={"description": "The account of the active medical editor to hold it."},
    )


class NewCommentSchema(Input):
    body = text(limits.COMMENT, required=True)


class NewSignoffSchema(Input):
    password = text(
        limits.PASSWORD,
        required=True,
        metadata={"description": "The signer's password, entered again to sign."},
    )
    meaning = text(
        limits.MEANING,
        validate.OneOf((*MEANINGS, RE_REVIEW_MEANING)),
        required=True,
        metadata={
            "description": f"During a re-review (re_review_open), “{RE_REVIEW_MEANING}”; "
            "otherwise what an approval's signature means."
        },
    )


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


class DerivedDict(Derived, fields.Dict):
    """A JSON object computed from the object."""


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


def kind_field(**kwargs: Any) -> fields.String:
    """Return a field naming what a version is a version of."""
    return fields.String(
        validate=validate.OneOf(KINDS),
        metadata={"description": "wording, front_matter, reference, settings, outline, site_text."},
        **kwargs,
    )


class VersionSummarySchema(Output):
    id = id_field()
    kind = kind_field()
    number = fields.Integer(validate=validate.Range(min=1))
    state = state_field()


class CitationSchema(Schema):
    key = fields.String(attribute="reference.key")


def _caller_actions(version: Version) -> list[str]:
    return [action.value for action in allowed_actions(g.actor, version)]


def _version_url(version: Version) -> str:
    return url_for("api.version", version_id=version.id)


def _values(version: Version) -> dict[str, Any] | None:
    return None if version.is_wording else part_chains.payload_of(version)


class VersionSchema(Output):
    id = id_field()
    url = DerivedString(derive=_version_url)
    kind = kind_field()
    part = DerivedString(
        derive=lambda version: version.part_label,
        metadata={"description": "What it is a version of, as reviewers read it."},
    )
    article = DerivedString(
        derive=lambda version: version.article.slug if version.article is not None else None,
        allow_none=True,
        metadata={"description": "The article's slug; null for a site text."},
    )
    section = DerivedString(
        derive=lambda version: version.section.key if version.section is not None else None,
        allow_none=True,
        metadata={"description": "The section's key, for wording; else null."},
    )
    audience = DerivedString(
        derive=lambda version: version.audience if version.is_wording else None,
        allow_none=True,
        validate=validate.OneOf([audience.value for audience in Audience]),
        metadata={"description": "For wording: clinician or patient; else null."},
    )
    reference = DerivedString(
        derive=lambda version: version.reference.key if version.reference is not None else None,
        allow_none=True,
        metadata={"description": "For a reference: its key; else null."},
    )
    site_text = fields.String(
        attribute="site_text_key",
        allow_none=True,
        metadata={"description": "For a site text: its key; else null."},
    )
    values = DerivedDict(
        derive=_values,
        allow_none=True,
        metadata={
            "description": "The values a version of a part besides wording sets, as its "
            "proposal gave them (see the submit operation of its kind); null for wording."
        },
    )
    number = fields.Integer(validate=validate.Range(min=1))
    heading = fields.String(metadata={"description": "Wording: the heading; else the part."})
    body = fields.String(
        metadata={
            "description": "Wording: Markdown, citations as [@key]. Other kinds: every value, "
            "named, one a line, as reviewers read and compare it."
        }
    )
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
    author = fields.Nested(
        UserRefSchema,
        allow_none=True,
        metadata={"description": "Null for a version carried over from before review covered it."},
    )
    provenance = fields.String(
        metadata={"description": "'human', 'tool:<name and version>', or 'carried-over'."}
    )
    provenance_label = fields.String()
    drafted_by_tool = fields.Boolean(
        attribute="is_tool_drafted",
        metadata={"description": "True when software drafted this wording."},
    )
    change_summary = fields.String(
        metadata={"description": "Staff only: why the change was made, for the reviewers."}
    )
    public_note = fields.String(
        allow_none=True,
        metadata={
            "description": "For wording: what the public changelog tells readers changed, "
            "covered by the content hash; null when the author wrote none."
        },
    )
    content_hash = fields.String(validate=HASH)
    created_at = Timestamp()
    state_changed_at = Timestamp()
    approved_at = Timestamp(allow_none=True)
    assignee = fields.Nested(
        UserRefSchema,
        allow_none=True,
        metadata={"description": "The medical editor holding it (claimed or assigned); or null."},
    )
    assigned_at = Timestamp(allow_none=True)
    due_at = Timestamp(
        allow_none=True,
        metadata={"description": "When the step it waits for is due, from review settings."},
    )
    overdue = DerivedBoolean(
        derive=is_overdue,
        metadata={"description": "True when it is still pending past its due date."},
    )
    last_reviewed_at = Timestamp(
        allow_none=True,
        metadata={
            "description": "When the board last certified it: its approval, or a re-review "
            "without change that reached quorum."
        },
    )
    re_review_open = DerivedBoolean(
        derive=lambda version: version.re_review_opened_at is not None,
        metadata={"description": "True while a re-review waits for the board's signatures."},
    )
    review_round = fields.Integer(
        metadata={"description": "The signing round: 0 for the approval, N for re-review N."}
    )
    review_due_since = Timestamp(
        allow_none=True,
        metadata={"description": "Since when it was made review due before its date."},
    )
    review_due_reason = fields.String(
        allow_none=True,
        metadata={
            "description": "Why: sent for revision (with the reason), or a cited source retracted."
        },
    )
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


class PendingVersionSchema(Output):
    id = id_field()
    url = DerivedString(derive=_version_url)
    kind = kind_field()
    part = DerivedString(
        derive=lambda version: version.part_label,
        metadata={"description": "What it is a version of, as reviewers read it."},
    )
    number = fields.Integer(validate=validate.Range(min=1))
    state = state_field()
    created_at = Timestamp()


class PendingListSchema(Output):
    versions = fields.List(
        fields.Nested(PendingVersionSchema),
        metadata={"description": "Submitted, Under review or Awaiting sign-off; oldest first."},
    )


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
    note = fields.String()
    reviewed = DerivedBoolean(
        derive=lambda reference: reference.published_version_id is not None,
        metadata={"description": "False while no version of the reference was ever approved."},
    )
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
    in_outline = fields.Boolean(
        metadata={"description": "False for a retired section, or one a pending outline adds."}
    )
    audiences = fields.Nested(AudiencesSchema)


def _reviewed(pointer: str, what: str) -> DerivedBoolean:
    return DerivedBoolean(
        derive=lambda article: getattr(article, pointer) is not None,
        metadata={"description": f"False while no version of the {what} was ever approved."},
    )


class ArticleSchema(ArticleSummarySchema):
    """An article as readers are shown it: each part's newest approved values."""

    front_matter_reviewed = _reviewed("front_matter_version_id", "front matter")
    settings_reviewed = _reviewed("settings_version_id", "review settings")
    outline_reviewed = _reviewed("outline_version_id", "outline")
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
    required = DerivedInteger(
        derive=part_chains.required_signoffs,
        validate=validate.Range(min=1),
        metadata={"description": "The article's quorum, or the site's for a site text."},
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


# Declarations of interests


class NewDeclarationSchema(Input):
    kind = fields.String(
        required=True,
        validate=validate.OneOf([kind.value for kind in InterestKind]),
        metadata={"description": "'none', or the kind of interest declared."},
    )
    text = text(
        DECLARATION_TEXT,
        load_default="",
        metadata={"description": "For an interest: with whom, what it is, since when."},
    )
    specialties = fields.List(
        fields.String(validate=validate.OneOf(SPECIALTY_CODES)),
        load_default=list,
        validate=validate.Length(max=len(SPECIALTY_CODES)),
        metadata={"description": "For an interest: the specialty codes it concerns; none else."},
    )


class DerivedTimestamp(Derived, Timestamp):
    """A timestamp computed from the object."""


class DeclarationSchema(Output):
    id = id_field()
    kind = fields.String(validate=validate.OneOf([kind.value for kind in InterestKind]))
    text = fields.String()
    specialties = DerivedList(
        fields.String(validate=validate.OneOf(SPECIALTY_CODES)),
        derive=lambda declaration: declaration.specialty_codes,
    )
    declared_at = Timestamp()
    valid_until = DerivedTimestamp(
        derive=lambda declaration: valid_until(declaration.declared_at),
        metadata={"description": "Approving and signing need a declaration not past this."},
    )


class MyDeclarationSchema(Output):
    required = fields.Boolean(
        metadata={"description": "Whether your roles (editor, board) need a declaration."}
    )
    standing = fields.String(
        validate=validate.OneOf([standing.value for standing in Standing]),
        metadata={
            "description": "'current'; 'due' within a month of expiring; 'expired' (over 12 "
            "months old); 'missing'. Approving and signing need 'current' or 'due'."
        },
    )
    valid_until = Timestamp(allow_none=True)
    current = fields.Nested(DeclarationSchema, allow_none=True)
    history = fields.List(
        fields.Nested(DeclarationSchema),
        metadata={"description": "Every declaration, newest (the one in force) first."},
    )


class NewInterestStatementSchema(Input):
    kind = fields.String(
        required=True,
        validate=validate.OneOf([kind.value for kind in StatementKind]),
        metadata={"description": "'recusal': you will not approve or sign the version."},
    )
    text = text(
        STATEMENT_TEXT,
        load_default="",
        metadata={
            "description": "Why the declared interest does not bear on the version: required "
            "for a justification, which readers see next to your approval or signature."
        },
    )


class InterestStatementSchema(Output):
    id = id_field()
    version_id = id_field()
    person = fields.Nested(UserRefSchema, attribute="user")
    kind = fields.String(validate=validate.OneOf([kind.value for kind in StatementKind]))
    text = fields.String()
    content_hash = fields.String(validate=HASH)
    recorded_at = Timestamp()


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


# Withdrawal and retraction


class NewWithdrawalSchema(Input):
    reason = text(
        limits.WITHDRAWAL_REASON,
        required=True,
        metadata={
            "description": "Public: readers are shown it where the wording was, and in the "
            "changelog. In the article's language."
        },
    )
    scope = fields.String(
        load_default=Scope.AUDIENCE.value,
        validate=validate.OneOf([scope.value for scope in Scope]),
        metadata={
            "description": "'audience': this version's wording (default); 'both': the "
            "section's published wording for both audiences; 'article': every published "
            "wording of the article."
        },
    )
    reinstate_previous = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Show the previous approved version again, saying why, instead of "
            "the notice alone (refused, 409, when no wording has one)."
        },
    )

    @post_load
    def _as_scope(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**data, "scope": Scope(data["scope"])}


class NewRetractionSchema(Input):
    reason = text(
        limits.WITHDRAWAL_REASON,
        required=True,
        metadata={"description": "Public: shown on the article's pages, in its language."},
    )


class NewCountersignatureSchema(Input):
    password = text(
        limits.PASSWORD,
        required=True,
        metadata={"description": "The board member's password, entered again to countersign."},
    )


class WithdrawnVersionSchema(Output):
    version_id = id_field()
    section = DerivedString(
        derive=lambda row: db.session.get(Section, row.section_id).key,
        metadata={"description": "The section's key."},
    )
    audience = fields.String(validate=validate.OneOf([a.value for a in Audience]))
    number = fields.Integer(validate=validate.Range(min=1))
    reinstated_version_id = id_field(
        allow_none=True,
        metadata={"description": "The older version shown again in its place, if any."},
    )


class CountersignatureSchema(Output):
    printed_name = fields.String(attribute="countersigned_name")
    role = fields.String(attribute="countersigned_role")
    meaning = fields.String(attribute="countersign_meaning")
    signed_at = Timestamp(attribute="countersigned_at")


class WithdrawalSchema(Output):
    """A withdrawal of published wording, or a retraction, and its countersignature."""

    id = id_field()
    kind = fields.String(validate=validate.OneOf([kind.value for kind in WithdrawalKind]))
    scope = fields.String(validate=validate.OneOf([scope.value for scope in Scope]))
    article = DerivedString(derive=lambda withdrawal: withdrawal.article.slug)
    reason = fields.String()
    reinstate_previous = fields.Boolean(attribute="reinstate")
    withdrawn_by = fields.Nested(UserRefSchema)
    printed_name = fields.String(metadata={"description": "As the notice prints it."})
    role = fields.String()
    withdrawn_at = Timestamp()
    countersign_due_at = Timestamp()
    countersign_overdue = DerivedBoolean(
        derive=lambda withdrawal: withdrawal.is_overdue(utcnow()),
        metadata={"description": "No board member countersigned it by its deadline."},
    )
    countersignature = DerivedNested(
        CountersignatureSchema,
        allow_none=True,
        derive=lambda withdrawal: withdrawal if withdrawal.is_countersigned else None,
    )
    versions = fields.List(
        fields.Nested(WithdrawnVersionSchema),
        metadata={"description": "Each version taken down, by id."},
    )
