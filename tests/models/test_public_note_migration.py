"""Migration 0017 adds the public change note without touching a stored hash, and a
downgrade keeps the notes aside rather than breaking the hashes that cover them."""

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from reviewapp import create_app
from reviewapp.cli.demo import DEMO_REVISIONS, load_demo
from reviewapp.domain import integrity
from reviewapp.extensions import db
from reviewapp.models import Version

BEFORE_NOTES = "0016_api_token_expiry"
KEPT = "version_public_note_kept"


def test_notes_survive_a_downgrade_and_upgrade_and_every_hash_still_verifies(tmp_path):
    app = create_app(
        {"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'n.sqlite'}"}
    )
    with app.app_context():
        upgrade()
        load_demo(Path(app.config["CONTENT_DIR"]))
        db.session.commit()
        hashes = dict(db.session.execute(select(Version.id, Version.content_hash)).all())
        notes = dict(
            db.session.execute(
                select(Version.id, Version.public_note).where(Version.public_note.is_not(None))
            ).all()
        )
        assert sorted(notes.values()) == sorted(r.public_note for r in DEMO_REVISIONS)
        db.session.remove()

        downgrade(revision=BEFORE_NOTES)
        with db.engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns("version")}
            kept_rows = text("SELECT version_id, public_note FROM version_public_note_kept")
            kept = dict(connection.execute(kept_rows).all())
        assert "public_note" not in columns
        assert kept == notes

        upgrade()
        with db.engine.connect() as connection:
            assert KEPT not in inspect(connection).get_table_names()
        assert dict(db.session.execute(select(Version.id, Version.content_hash)).all()) == hashes
        restored = db.session.execute(
            select(Version.id, Version.public_note).where(Version.public_note.is_not(None))
        ).all()
        assert dict(restored) == notes
        # Versions without a note (all but the demo's revisions) hash as they always did.
        assert list(integrity.scan()) == []
        db.session.remove()
        db.engine.dispose()


def test_a_database_without_notes_downgrades_cleanly(tmp_path):
    app = create_app(
        {"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite'}"}
    )
    with app.app_context():
        upgrade()
        downgrade(revision=BEFORE_NOTES)
        with db.engine.connect() as connection:
            assert KEPT not in inspect(connection).get_table_names()
            columns = {column["name"] for column in inspect(connection).get_columns("version")}
        assert "public_note" not in columns
        db.engine.dispose()
