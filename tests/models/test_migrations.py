"""The Alembic migrations build exactly the schema the models declare."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from reviewapp import create_app
from reviewapp.extensions import db
from tests.conftest import NO_POSTGRES, postgres_url, require, scratch_postgres_database


def assert_migrations_match_models(url: str) -> None:
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = db.inspect(connection).get_table_names()
        assert set(tables) <= {"alembic_version"}
        db.engine.dispose()


def test_sqlite_migrations_match_models(tmp_path):
    assert_migrations_match_models(f"sqlite:///{tmp_path / 'migrated.sqlite'}")


def test_postgres_migrations_match_models():
    if postgres_url() is None:
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    with scratch_postgres_database("migrations") as url:
        assert_migrations_match_models(url)


@pytest.mark.parametrize("name", ["development", "testing"])
def test_configs_load(name, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert create_app(name).config["SQLALCHEMY_DATABASE_URI"]


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app("production")
