"""`flask db upgrade` on a database that already holds the seed and its history."""

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.cli.demo import load_demo
from reviewapp.domain.audit import verify_chain
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Signoff, Version
from tests.conftest import NO_POSTGRES, postgres_url, require, scratch_postgres_database

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
    if postgres_url() is None:
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    with scratch_postgres_database("upgrade") as url:
        upgrade_over_data(url)
