"""The OpenAPI 3 document of the API, kept next to the routes it describes (a test compares)."""

from typing import Any

from reviewapp.blueprints.api.payloads import MAX_ID

from reviewapp.domain.signoffs import MEANINGS
from reviewapp.models import Version
from reviewapp.rules.limits import COMMENT as MAX_COMMENT_LENGTH
from reviewapp.rules.states import Action, Audience, State

Schema = dict[str, Any]

STATES = [state.value for state in State]
ACTIONS = [action.value for action in Action]
AUDIENCES = [audience.value for audience in Audience]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, nullable: bool = False, optional: tuple = ()) -> Schema:
    """Return an object schema whose properties are all required unless listed in `optional`."""
    schema: Schema = {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }
    if nullable:
        schema["nullable"] = True
    return schema


def string(**extra: Any) -> Schema:
    return {"type": "string", **extra}


def integer(**extra: Any) -> Schema:
    return {"type": "integer", **extra}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


TIMESTAMP = string(format="date-time")
NULLABLE_TIMESTAMP = string(format="date-time", nullable=True)
ID = integer(minimum=1, maximum=MAX_ID)
NULLABLE_ID = integer(minimum=1, maximum=MAX_ID, nullable=True)
BOOLEAN = {"type": "boolean"}


def user_ref(*, nullable: bool = False) -> Schema:
    return obj({"id": ID, "name": string()}, nullable=nullable)


def version_summary(*, nullable: bool = False) -> Schema:
    return obj(
        {"id": ID, "number": integer(minimum=1), "state": string(enum=STATES)}, nullable=nullable
    )


VERSION_PROPERTIES: dict[str, Schema] = {
    "id": ID,
    "url": string(),
    "article": string(),
    "section": string(),
    "audience": string(enum=AUDIENCES),
    "number": integer(minimum=1),
    "heading": string(),
    "body": string(description="Markdown; citations as [@key]."),
    "html": string(description="The body as HTML, citations numbered for this version alone."),
    "citations": array(string(description="A reference key, in order of first citation.")),
    "state": string(enum=STATES),
    "state_label": string(),
    "parent_id": NULLABLE_ID,
    "source_clinician_id": {
        **NULLABLE_ID,
        "description": "For patient wording: the clinician version it was written from.",
    },
    "author": user_ref(),
    "provenance": string(description="'human' or 'tool:<name and version>'."),
    "provenance_label": string(),
    "drafted_by_tool": {**BOOLEAN, "description": "True when software drafted this wording."},
    "change_summary": string(),
    "content_hash": string(pattern="^[0-9a-f]{64}$"),
    "created_at": TIMESTAMP,
    "state_changed_at": TIMESTAMP,
    "approved_at": NULLABLE_TIMESTAMP,
    "allowed_actions": array(string(enum=ACTIONS)),
    "can_comment": BOOLEAN,
}

CHANGES = obj(
    {
        "changes": array(obj({"op": string(enum=["equal", "insert", "delete"]), "text": string()})),
        "summary": ref("DiffCounts"),
    }
)

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": string(),
                    "message": string(),
                    "current_version_id": {
                        **NULLABLE_ID,
                        "description": "On a stale base: the newest version to start from.",
                    },
                },
                optional=("current_version_id",),
            )
        }
    ),
    "ArticleSummary": obj(
        {
            "slug": string(),
            "title": string(),
            "language": string(),
            "publication": string(enum=["approved-only", "pending-with-caution"]),
            "url": string(),
        }
    ),
    "ArticleList": obj({"articles": array(ref("ArticleSummary"))}),
    "Reference": obj(
        {
            "key": string(),
            "kind": string(),
            "title": string(),
            "authors": string(),
            "year": integer(nullable=True),
            "publisher": string(),
            "url": string(),
            "doi": string(),
            "pmid": string(),
            "accessed": string(),
            "incomplete": BOOLEAN,
            "missing": array(string()),
        }
    ),
    "ChainStatus": obj(
        {"published": version_summary(nullable=True), "newest": version_summary(nullable=True)}
    ),
    "SectionStatus": obj(
        {
            "key": string(),
            "level": integer(),
            "position": integer(),
            "audiences": obj({audience: ref("ChainStatus") for audience in AUDIENCES}),
        }
    ),
    "Article": obj(
        {
            "slug": string(),
            "title": string(),
            "language": string(),
            "publication": string(enum=["approved-only", "pending-with-caution"]),
            "url": string(),
            "title_language": string(),
            "required_signoffs": integer(),
            "review_interval_months": integer(),
            "authors": array(
                obj({"name": string(), "credentials": string(), "disclosures": string()})
            ),
            "references": array(ref("Reference")),
            "sections": array(ref("SectionStatus")),
        }
    ),
    "Version": obj(VERSION_PROPERTIES),
    "VersionDetail": obj(
        {
            **VERSION_PROPERTIES,
            "history": array(
                obj(
                    {
                        "action": string(),
                        "from_state": string(enum=STATES),
                        "to_state": string(enum=STATES),
                        "actor": user_ref(),
                        "comment": string(),
                        "at": TIMESTAMP,
                    }
                )
            ),
        }
    ),
    "VersionList": obj({"versions": array(ref("Version"))}),
    "NewVersion": {
        **obj(
            {
                "heading": string(description="May be empty only for the summary section."),
                "body": string(description="Markdown; cite references as [@key]."),
                "base_version": {
                    **NULLABLE_ID,
                    "description": "The newest version you started from; null for the first.",
                },
                "provenance": string(
                    pattern=r"^\s*(human|tool:.*\S.*)\s*$",
                    maxLength=Version.__table__.c.provenance.type.length,
                    description="'human', or 'tool:<name and version>' for drafting software.",
                ),
                "change_summary": string(
                    description="What changed and why; required once the chain has been approved."
                ),
            },
            optional=("change_summary",),
        ),
        "additionalProperties": False,
    },
    "NewTransition": {
        **obj(
            {
                "action": string(enum=ACTIONS),
                "comment": string(description="Required to request changes or reject."),
            },
            optional=("comment",),
        ),
        "additionalProperties": False,
    },
    "NewComment": {
        **obj({"body": string(maxLength=MAX_COMMENT_LENGTH)}),
        "additionalProperties": False,
    },
    "Comment": obj(
        {
            "id": ID,
            "version_id": ID,
            "author": user_ref(),
            "body": string(),
            "created_at": TIMESTAMP,
            "resolved": BOOLEAN,
            "resolved_at": NULLABLE_TIMESTAMP,
            "resolved_by": user_ref(nullable=True),
        }
    ),
    "CommentList": obj({"comments": array(ref("Comment"))}),
    "NewSignoff": {
        **obj(
            {
                "password": string(description="The signer's password, entered again to sign."),
                "meaning": string(enum=list(MEANINGS)),
            }
        ),
        "additionalProperties": False,
    },
    "Signoff": obj(
        {
            "id": ID,
            "version_id": ID,
            "signer": user_ref(),
            "printed_name": string(),
            "role": string(),
            "meaning": string(),
            "content_hash": string(pattern="^[0-9a-f]{64}$"),
            "signed_at": TIMESTAMP,
            "counts": {**BOOLEAN, "description": "Whether it is on this version's content hash."},
        }
    ),
    "SignoffList": obj(
        {
            "required": integer(minimum=1),
            "counted": integer(minimum=0),
            "state": string(enum=STATES),
            "signoffs": array(ref("Signoff")),
        }
    ),
    "NewObjection": {
        **obj({"reason": string(maxLength=MAX_COMMENT_LENGTH)}),
        "additionalProperties": False,
    },
    "AuditEvent": obj(
        {
            "id": ID,
            "occurred_at": TIMESTAMP,
            "actor_id": NULLABLE_ID,
            "actor_label": string(),
            "action": string(),
            "outcome": string(enum=["done", "refused"]),
            "target_type": string(),
            "target_id": integer(nullable=True),
            "article_id": NULLABLE_ID,
            "before": {"type": "object"},
            "after": {"type": "object"},
            "message": string(),
            "prev_hash": string(pattern="^[0-9a-f]{64}$"),
            "hash": string(pattern="^[0-9a-f]{64}$"),
        }
    ),
    "AuditPage": obj(
        {
            "events": array(ref("AuditEvent")),
            "next_after": {
                **NULLABLE_ID,
                "description": "Pass as ?after= for the next page; null when there is none.",
            },
        }
    ),
    "DiffCounts": obj({"inserted_words": integer(minimum=0), "deleted_words": integer(minimum=0)}),
    "Diff": obj(
        {
            "from": version_summary(),
            "to": version_summary(),
            "heading": CHANGES,
            "body": CHANGES,
            "summary": ref("DiffCounts"),
        }
    ),
}

ERROR_DESCRIPTIONS = {
    "400": "Malformed request: the body is not a JSON object, or a field is missing or mistyped.",
    "401": "No valid bearer token: missing, unknown, revoked, or its account is deactivated.",
    "403": "The account's roles do not allow this, or it is the version's own author.",
    "404": "No such article, section, audience, version or comment.",
    "409": "The workflow forbids this now (state, unresolved comments) or the base is stale.",
    "422": "The content is refused: unknown citation key, missing change summary, empty text.",
    "429": "Signing is locked for a while after repeated wrong passwords.",
}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def responses(success: str, schema: str, description: str, *errors: str) -> Schema:
    """Return an operation's responses: its success and every error status it can answer."""
    answers = {success: _json(ref(schema), description)}
    for status in ("401", *errors):
        answers[status] = _json(ref("Error"), ERROR_DESCRIPTIONS[status])
        if status == "401":
            answers[status]["headers"] = {
                "WWW-Authenticate": {"schema": string(), "description": "A Bearer challenge."}
            }
    return dict(sorted(answers.items()))


def created(answers: Schema, location: str) -> Schema:
    """Return `answers` with the Location header on 201."""
    answers["201"]["headers"] = {"Location": {"schema": string(), "description": location}}
    return answers


def path_parameter(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


SLUG = path_parameter("slug", string(), "The article's slug.")
KEY = path_parameter("key", string(), "The section's key, e.g. 'summary'.")
AUDIENCE = path_parameter("audience", string(enum=AUDIENCES), "Whose wording.")
VERSION_ID = path_parameter("version_id", ID, "A version id.")
COMMENT_ID = path_parameter("comment_id", ID, "A comment id.")


def body(schema: str) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def document() -> Schema:
    """Return the OpenAPI document of /api/v1."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "reviewapp API",
            "version": "1",
            "description": (
                "Draft, review and approve versioned wording of medical guideline articles. "
                "Every operation but this document needs 'Authorization: Bearer <token>'; "
                "an operator issues tokens with 'flask users token EMAIL'. Errors answer "
                '{"error": {"code", "message"}}.'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document."}},
                }
            },
            "/articles": {
                "get": {
                    "operationId": "listArticles",
                    "summary": "List the articles.",
                    "responses": responses("200", "ArticleList", "The articles."),
                }
            },
            "/articles/{slug}": {
                "get": {
                    "operationId": "getArticle",
                    "summary": "An article with its references and the status of each section.",
                    "parameters": [SLUG],
                    "responses": responses("200", "Article", "The article.", "404"),
                }
            },
            "/articles/{slug}/sections/{key}/{audience}/versions": {
                "parameters": [SLUG, KEY, AUDIENCE],
                "get": {
                    "operationId": "listVersions",
                    "summary": "Every version of one section's wording for one audience.",
                    "responses": responses("200", "VersionList", "Newest first.", "404"),
                },
                "post": {
                    "operationId": "submitVersion",
                    "summary": "Submit a new version; a pending previous one is superseded.",
                    "requestBody": body("NewVersion"),
                    "responses": created(
                        responses(
                            "201",
                            "VersionDetail",
                            "The new Submitted version.",
                            "400",
                            "403",
                            "404",
                            "409",
                            "422",
                        ),
                        "The new version.",
                    ),
                },
            },
            "/versions/{version_id}": {
                "get": {
                    "operationId": "getVersion",
                    "summary": "One version with its workflow history.",
                    "parameters": [VERSION_ID],
                    "responses": responses("200", "VersionDetail", "The version.", "404"),
                }
            },
            "/versions/{version_id}/diff": {
                "get": {
                    "operationId": "diffVersion",
                    "summary": "Word changes from `against` (default: the parent) to this version.",
                    "parameters": [
                        VERSION_ID,
                        {
                            "name": "against",
                            "in": "query",
                            "required": False,
                            "schema": ID,
                            "description": "The version to compare with.",
                        },
                    ],
                    "responses": responses("200", "Diff", "The changes.", "400", "404"),
                }
            },
            "/versions/{version_id}/transitions": {
                "post": {
                    "operationId": "transitionVersion",
                    "summary": "Take one workflow step.",
                    "parameters": [VERSION_ID],
                    "requestBody": body("NewTransition"),
                    "responses": responses(
                        "200",
                        "VersionDetail",
                        "The version in its new state.",
                        "400",
                        "403",
                        "404",
                        "409",
                        "422",
                    ),
                }
            },
            "/versions/{version_id}/comments": {
                "parameters": [VERSION_ID],
                "get": {
                    "operationId": "listComments",
                    "summary": "The comments on one version, oldest first.",
                    "responses": responses("200", "CommentList", "The comments.", "404"),
                },
                "post": {
                    "operationId": "addComment",
                    "summary": "Comment on one version.",
                    "requestBody": body("NewComment"),
                    "responses": created(
                        responses("201", "Comment", "The new comment.", "400", "403", "404", "422"),
                        "The version's comments.",
                    ),
                },
            },
            "/versions/{version_id}/signoffs": {
                "parameters": [VERSION_ID],
                "get": {
                    "operationId": "listSignoffs",
                    "summary": "The board signatures on one version, as signed.",
                    "responses": responses("200", "SignoffList", "The signatures.", "404"),
                },
                "post": {
                    "operationId": "signVersion",
                    "summary": "Sign a version an editor approved (board members; password again).",
                    "requestBody": body("NewSignoff"),
                    "responses": created(
                        responses(
                            "201",
                            "Signoff",
                            "The signature as recorded.",
                            "400",
                            "403",
                            "404",
                            "409",
                            "422",
                            "429",
                        ),
                        "The version's signatures.",
                    ),
                },
            },
            "/versions/{version_id}/objections": {
                "post": {
                    "operationId": "objectToVersion",
                    "summary": "Veto a version awaiting sign-off; it goes back for changes.",
                    "parameters": [VERSION_ID],
                    "requestBody": body("NewObjection"),
                    "responses": responses(
                        "200",
                        "VersionDetail",
                        "The version, now Changes requested.",
                        "400",
                        "403",
                        "404",
                        "409",
                        "422",
                    ),
                }
            },
            "/audit": {
                "get": {
                    "operationId": "listAuditEvents",
                    "summary": "The audit trail, oldest first, after an event (board members).",
                    "parameters": [
                        {
                            "name": "after",
                            "in": "query",
                            "required": False,
                            "schema": integer(minimum=0, maximum=MAX_ID),
                            "description": "Only events with a larger id (default 0).",
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": integer(minimum=1, maximum=1000),
                            "description": "At most this many events (default 100).",
                        },
                    ],
                    "responses": responses("200", "AuditPage", "A page of events.", "400", "403"),
                }
            },
            "/comments/{comment_id}/resolve": {
                "post": {
                    "operationId": "resolveComment",
                    "summary": "Mark a comment resolved.",
                    "parameters": [COMMENT_ID],
                    "responses": responses(
                        "200", "Comment", "The resolved comment.", "403", "404", "409"
                    ),
                }
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from 'flask users token EMAIL'.",
                }
            },
        },
    }
