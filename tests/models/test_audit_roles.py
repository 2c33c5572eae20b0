"""The app connected as a role that owns no table, set up as README's Production section says:
its normal writes work, and nothing it can send empties, rewrites or unguards the trail."""

import os
import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import DBAPIError

from reviewapp import create_app
from reviewapp.domain.content import import_article
from reviewapp.domain.users import create_user
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditCheckpoint, AuditEvent, Section
from reviewapp.rules.states import Audience, Role
from tests.conftest import (
    NO_POSTGRES,
    TEST_PASSWORD,
    approve_fully,
    article_files,
    declare_no_interests,
    postgres_url,
    publish_parts,
    require,
    scratch_postgres_database,
)

ROOT = Path(__file__).resolve().parents[2]
README_ROLE = "reviewapp_app"
INSUFFICIENT_PRIVILEGE = "42501"
APPEND_ONLY = ("audit_event", "audit_checkpoint")


def readme_grants(role: str) -> list[str]:
    """Return the grants README's Audit trail section gives the app's role, for `role`."""
    blocks = re.findall(r"```sql\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    grants = [block for block in blocks if "ON ALL TABLES IN SCHEMA public" in block]
    assert len(grants) == 1, "README's Audit trail section should hold one block of grants"
    return [
        statement.strip().replace(README_ROLE, role)
        for statement in grants[0].split(";")
        if statement.strip()
    ]


@pytest.fixture
def databases(tmp_path):
    """Yield (owner URL, app role URL) of a scratch database migrated by its owner."""
    if postgres_url() is None:
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    role = f"reviewapp_app_{os.getpid()}"
    with scratch_postgres_database("roles") as owner_url:
        owner = create_app(
            {
                "CONFIG": "testing",
                "SQLALCHEMY_DATABASE_URI": owner_url,
                "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit-signing-key.pem"),
            }
        )
        with owner.app_context():
            upgrade()
            db.engine.dispose()
        admin = create_engine(owner_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
            connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'app-secret'"))
            for statement in readme_grants(role):
                connection.execute(text(statement))
        app_url = make_url(owner_url).set(username=role, password="app-secret")
        try:
            yield owner_url, app_url.render_as_string(hide_password=False)
        finally:
            admin.dispose()
    cleanup = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with cleanup.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
    cleanup.dispose()


def refusal(engine, statement: str) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(text(statement))
    return caught.value


def test_the_app_works_as_a_role_that_owns_nothing_and_cannot_unguard_the_trail(
    databases, tmp_path
):
    owner_url, app_url = databases
    app = create_app(
        {
            "CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": app_url,
            "SERVER_NAME": "reviewapp.test",
            "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit-signing-key.pem"),
        }
    )
    with app.app_context():
        role = db.session.scalar(text("SELECT current_user"))
        assert role != "postgres"
        owned = db.session.scalar(
            text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
        )
        assert owned == 0

        # Normal writes: accounts, an import, a publication signed by a checkpoint.
        contributor = create_user(
            None,
            email="writer@example.org",
            name="Writer",
            roles=[Role.CONTRIBUTOR],
            password=TEST_PASSWORD,
        )
        editor = declare_no_interests(
            create_user(
                None,
                email="editor@example.org",
                name="Editor",
                roles=[Role.EDITOR],
                password=TEST_PASSWORD,
            )
        )
        board = [
            declare_no_interests(
                create_user(
                    None,
                    email=f"board{index}@example.org",
                    name=f"Board {index}",
                    roles=[Role.BOARD],
                    password=TEST_PASSWORD,
                )
            )
            for index in (1, 2)
        ]
        report = import_article(contributor, article_files())
        publish_parts(report.versions)
        section = db.session.scalar(select(Section).where(Section.key == "s1"))
        approve_fully(editor, board, latest_version(section, Audience.CLINICIAN))
        db.session.commit()
        assert app.test_client().get("/articles/test-article/clinician").status_code == 200
        runner = app.test_cli_runner()
        assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
        verified = runner.invoke(args=["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        events = db.session.scalar(select(func.count(AuditEvent.id)))
        checkpoints = db.session.scalar(select(func.count(AuditCheckpoint.id)))
        assert events > 0
        assert checkpoints > 1
        db.session.remove()

        # What the app's role may never do to the trail or its checkpoints.
        for table in APPEND_ONLY:
            for statement in (
                f"TRUNCATE {table}",
                f"UPDATE {table} SET id = id",  # noqa: S608 - our own table names
                f"DELETE FROM {table}",  # noqa: S608
                f"ALTER TABLE {table} DISABLE TRIGGER USER",
                f"ALTER TABLE {table} DISABLE TRIGGER ALL",
                f"DROP TRIGGER {table}_append_only ON {table}",
                f"DROP TABLE {table}",
            ):
                error = refusal(db.engine, statement)
                assert error.orig.sqlstate == INSUFFICIENT_PRIVILEGE, (statement, error)
        error = refusal(db.engine, "SET session_replication_role = replica")
        assert error.orig.sqlstate == INSUFFICIENT_PRIVILEGE

        # Even the owner cannot empty it without first, visibly, disabling the trigger.
        owner = create_engine(owner_url)
        for table in APPEND_ONLY:
            assert "append-only: TRUNCATE refused" in str(refusal(owner, f"TRUNCATE {table}"))
        owner.dispose()

        assert db.session.scalar(select(func.count(AuditEvent.id))) == events
        assert db.session.scalar(select(func.count(AuditCheckpoint.id))) == checkpoints
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0
        db.session.remove()
        db.engine.dispose()
