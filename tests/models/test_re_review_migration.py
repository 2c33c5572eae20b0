"""Migration 0020 carries existing data forward: approvals become the last review, and every
existing signature the approval's round; a re-review's signatures need the new schema."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from reviewapp import create_app
from reviewapp.domain.content import import_article
from reviewapp.domain.re_reviews import open_re_review
from reviewapp.domain.signoffs import sign_version
from reviewapp.domain.users import create_user
from reviewapp.extensions import db
from reviewapp.models import Section, Version
from reviewapp.rules.re_reviews import RE_REVIEW_MEANING
from reviewapp.rules.states import Audience, Role
from tests.conftest import (
    NO_POSTGRES,
    TEST_PASSWORD,
    approve_fully,
    article_files,
    declare_no_interests,
    postgres_url,
    require,
    scratch_postgres_database,
)

BEFORE = "0019_declarations_of_interest"


def person(email: str, *roles: Role):
    return declare_no_interests(
        create_user(
            None,
            email=email,
            name=email.split("@")[0],
            credentials="MD",
            roles=list(roles),
            password=TEST_PASSWORD,
        )
    )


def carry_forward(url: str, tmp_path) -> None:
    app = create_app(
        {
            "CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "key.pem"),
        }
    )
    with app.app_context():
        upgrade()
        writer = person("writer@example.org", Role.CONTRIBUTOR)
        editor = person("editor@example.org", Role.EDITOR)
        board = [person(f"board{n}@example.org", Role.BOARD) for n in (1, 2)]
        report = import_article(writer, article_files(sections=1))
        for version in report.versions:
            approve_fully(editor, board, version)
        section = db.session.scalar(select(Section).where(Section.key == "s1"))
        wording = db.session.get(Version, section.published_id(Audience.CLINICIAN))
        open_re_review(editor, wording)
        sign_version(board[0], wording, password=TEST_PASSWORD, meaning=RE_REVIEW_MEANING)
        db.session.commit()
        wording_id, approved_at = wording.id, wording.approved_at
        db.session.remove()

        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("signoff")}
            assert "round" not in columns
            rows = connection.execute(
                text("SELECT meaning FROM signoff WHERE version_id = :id"), {"id": wording_id}
            ).scalars()
            # The re-review's signature has no place in the older schema; the approval's stays.
            assert list(rows) == ["Approved for publication"]

        upgrade()
        with db.engine.connect() as connection:
            last, round_, opened = connection.execute(
                text(
                    "SELECT v.last_reviewed_at, s.round, v.re_review_opened_at FROM version v "
                    "JOIN signoff s ON s.version_id = v.id WHERE v.id = :id"
                ),
                {"id": wording_id},
            ).one()
            assert (round_, opened) == (0, None)
            # Backfilled from the approval: the last review was the approval.
            assert str(last)[:19] == approved_at.replace(tzinfo=None).isoformat(sep=" ")[:19]
            unreviewed = connection.execute(
                text(
                    "SELECT count(*) FROM version WHERE approved_at IS NOT NULL "
                    "AND last_reviewed_at IS NULL"
                )
            ).scalar()
            assert unreviewed == 0
        downgrade(revision="base")
        db.engine.dispose()


def test_sqlite_re_review_migration_carries_data_forward(tmp_path):
    carry_forward(f"sqlite:///{tmp_path / 'migrated.sqlite'}", tmp_path)


def test_postgres_re_review_migration_carries_data_forward(tmp_path):
    if postgres_url() is None:
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    with scratch_postgres_database("re_review") as url:
        carry_forward(url, tmp_path)
