"""The flask-smorest extension: it builds the OpenAPI document of /api/v1 from the schemas."""

from flask import Flask
from flask_smorest import Api

from reviewapp.blueprints.api.schemas import ErrorSchema

SPEC_OPTIONS = {
    "title": "reviewapp API",
    "version": "1",
    "openapi_version": "3.1.0",
    "info": {
        "description": (
            "Draft, review and approve versioned wording of medical guideline articles, and "
            "every other part of their pages: front matter, references, review settings, "
            "outline and site texts, each a chain of versions moved by the same workflow. "
            "Every operation but this document needs 'Authorization: Bearer <token>'; "
            "an operator issues tokens with 'flask users token EMAIL'. Errors answer "
            '{"error": {"code", "message"}}, with "field" naming the input at fault.'
        )
    },
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from 'flask users token EMAIL'.",
            }
        }
    },
}


class ReviewApi(Api):
    """flask-smorest, documenting every error with the API's one error body."""

    ERROR_SCHEMA = ErrorSchema
    # Each operation lists the statuses it answers; a catch-all `default` would hide the rest.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app: Flask) -> None:
        super().__init__(app, spec_kwargs=SPEC_OPTIONS)
