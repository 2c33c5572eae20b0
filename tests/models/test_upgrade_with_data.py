"""`flask db upgrade` on a database that already holds the seed and its history."""

import json
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.cli.demo import load_demo
from reviewapp.domain.audit import verify_chain
from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Signoff, Version
from tests.conftest import NO_POSTGRES, postgres_url, require, scratch_postgres_database

# The newest revision whose schema the later migrations must carry data across.
BEFORE_LATER_MIGRATIONS = "9e612120c2a1"


def wording_records() -> dict[str, int]:
    wording = select(Version.id).where(Version.kind == "wording")
    return {
        "versions": db.session.scalar(select(func.count()).select_from(wording.subquery())),
        "signoffs": db.session.scalar(
            select(func.count(Signoff.id)).where(Signoff.version_id.in_(wording))
        ),
    }


def upgrade_over_data(url: str) -> None:
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_demo(Path(app.config["CONTENT_DIR"]))
        db.session.commit()
        before = wording_records()
        events = db.session.scalar(select(func.count(AuditEvent.id)))
        db.session.remove()
        # Down past the revision that made every part a chain, and up again: the parts'
        # chains are rebuilt from the values in place, as for a database from before it.
        downgrade(revision=BEFORE_LATER_MIGRATIONS)
        upgrade()
        assert wording_records() == before
        article = db.session.scalar(select(Article))
        carried = db.session.scalars(
            select(Version).where(Version.article_id == article.id, Version.kind != "wording")
        ).all()
        assert sorted(v.kind for v in carried) == [
            "front_matter",
            "outline",
            "reference",
            "reference",
            "settings",
        ]
        assert all(
            (v.number, v.state, v.provenance, v.author_id) == (1, "approved", "carried-over", None)
            for v in carried
        )
        by_kind = {v.kind: v for v in carried}
        assert article.front_matter_version_id == by_kind["front_matter"].id
        assert article.settings_version_id == by_kind["settings"].id
        assert article.outline_version_id == by_kind["outline"].id
        assert all(reference.published_version_id for reference in article.references)
        assert json.loads(by_kind["front_matter"].payload)["title"] == article.title
        carry_over = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "part.carry_over")
        ).all()
        assert [event.article_id for event in carry_over] == [article.id]
        assert "Carried over as approved version 1" in carry_over[0].message
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events + 1
        assert verify_chain()[1] is None
        db.session.remove()
        db.engine.dispose()
    assert app.test_client().get("/readyz").status_code == 200
    page = app.test_client().get("/articles/necrotic-metastatic-tumor/clinician")
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
