"""A dump restored into an empty database gives back the history intact."""

import re

import pytest
from flask_migrate import stamp, upgrade
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.domain.audit import verify_chain
from reviewapp.domain.comments import add_comment
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Version
from reviewapp.rules.states import Audience, Role
from tests.conftest import scratch_postgres_database


@pytest.fixture
def empty_database(app, tmp_path):
    """Return the URL of a fresh database of the same kind as the suite's."""
    if db.engine.dialect.name != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    with scratch_postgres_database("restore") as url:
        yield url


def same_spacing(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_dump_and_restore_keep_history_and_the_chain(
    app, runner, client, make_article, make_user, contributor, editor, tmp_path, empty_database
):
    make_article(approve="all", patient=True)
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    newer = submit_version(
        contributor,
        section,
        Audience.CLINICIAN,
        heading="Section 1",
        body="Révisé.",
        base_version_id=latest_version(section, Audience.CLINICIAN).id,
        change_summary="Mise à jour.",
    )
    add_comment(editor, newer, "À vérifier.")
    db.session.commit()
    # Read now: inside the restored app's context this session would borrow that app's engine.
    newer_id = newer.id
    stamp()  # the fixture builds tables without Alembic; a real database has its revision
    original_page = client.get("/articles/test-article/clinician").text
    counts = {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }

    dumped = runner.invoke(args=["backup", "dump", str(tmp_path / "dump")])
    assert dumped.exit_code == 0, dumped.output

    restored_app = create_app(
        {
            "CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "SERVER_NAME": "reviewapp.test",
        }
    )
    with restored_app.app_context():
        upgrade()
        result = restored_app.test_cli_runner().invoke(
            args=["backup", "restore", str(tmp_path / "dump")]
        )
        assert result.exit_code == 0, result.output
        assert {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        } == counts
        checked, broken = verify_chain()
        assert broken is None
        assert checked == counts["audit_event"]
        assert db.session.get(Version, newer_id).change_summary == "Mise à jour."
        restored_page = restored_app.test_client().get("/articles/test-article/clinician").text
        assert same_spacing(restored_page) == same_spacing(original_page)
        # New rows get fresh ids after a restore, and the chain goes on.
        make = restored_app.test_cli_runner().invoke(
            args=[
                "users",
                "create",
                "after@example.org",
                "--name",
                "After",
                "--role",
                "editor",
                "--password-stdin",
            ],
            input="a long enough password\n",
        )
        assert make.exit_code == 0, make.output
        assert verify_chain()[1] is None
        again = restored_app.test_cli_runner().invoke(
            args=["backup", "restore", str(tmp_path / "dump")]
        )
        assert again.exit_code == 1
        assert "is not empty" in again.output
        db.session.remove()
        db.engine.dispose()
    assert make_user(Role.EDITOR).id > 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) > 0
