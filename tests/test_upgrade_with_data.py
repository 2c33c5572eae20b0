"""`flask db upgrade` on a database that already holds the seed and its history."""

import os
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, select, text

from reviewapp import create_app
from reviewapp.demo import load_demo
from reviewapp.domain.audit import verify_chain
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Signoff, Version
from tests.conftest import postgres_url, require

# The newest revision whose schema the later migrations must carry data across.
BEFORE_LATER_MIGRATIONS = "9e612120c2a1"


def upgrade_over_data(url: str) -> None:
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_demo(Path(app.config["CONTENT_DIR"]))
        db.session.commit()
        before = {
            "versions": db.session.scalar(select(func.count(Version.id))),
            "signoffs": db.session.scalar(select(func.count(Signoff.id))),
            "events": db.session.scalar(select(func.count(AuditEvent.id))),
        }
        db.session.remove()
        downgrade(revision=BEFORE_LATER_MIGRATIONS)
        upgrade()
        after = {
            "versions": db.session.scalar(select(func.count(Version.id))),
            "signoffs": db.session.scalar(select(func.count(Signoff.id))),
            "events": db.session.scalar(select(func.count(AuditEvent.id))),
        }
        assert after == before
        assert verify_chain()[1] is None
        db.session.remove()
        db.engine.dispose()
    assert app.test_client().get("/readyz").status_code == 200
    page = app.test_client().get("/articles/necrotic-metastatic-tumor")
    assert page.status_code == 200
    assert "Traitement des Tumeurs Nécrosantes Métastatiques" in page.text
    with app.app_context():
        db.engine.dispose()


def test_upgrade_keeps_data_on_sqlite(tmp_path):
    upgrade_over_data(f"sqlite:///{tmp_path / 'upgrade.sqlite'}")


def test_upgrade_keeps_data_on_postgres():
    url = postgres_url()
    if url is None:
        require(
            "REQUIRE_POSTGRES", "PostgreSQL not configured: set POSTGRES_URL or TEST_DATABASE_URL"
        )
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"reviewapp_upgrade_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        upgrade_over_data(url.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
