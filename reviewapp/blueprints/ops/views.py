"""Health endpoints for load balancers and orchestrators."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from flask_migrate import Migrate
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from reviewapp.extensions import db

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Answer that the process is up, without touching the database."""
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


def _head_revisions() -> set[str]:
    migrate: Migrate = current_app.extensions["migrate"].migrate
    config = migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


@bp.get("/readyz")
def readyz():
    """Answer whether the database is reachable and migrated to the newest revision."""
    headers = {"Cache-Control": "no-store"}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        return (
            {"status": "unavailable", "reason": f"database unreachable: {type(error).__name__}"},
            503,
            headers,
        )
    heads = _head_revisions()
    if current != heads:
        return (
            {
                "status": "unavailable",
                "reason": "database not migrated to head",
                "current": sorted(current),
                "head": sorted(heads),
            },
            503,
            headers,
        )
    signal = current_app.extensions["change_signal"]
    return (
        {
            "status": "ok",
            "revision": sorted(current),
            # Informational: without an active signal pages still answer, one query slower.
            "change_signal": {"kind": signal.kind, "active": signal.token() is not None},
        },
        200,
        headers,
    )
