"""The JSON API under /api/v1, for people and drafting pipelines with a bearer token."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
