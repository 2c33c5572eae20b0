"""SQLite with several writers: WAL, writes begun IMMEDIATE, a lock timeout that answers 503."""

import re
import sqlite3

import pytest
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.domain.content import import_article
from reviewapp.domain.users import create_user
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Version
from reviewapp.rules.states import Audience, Role
from tests.conftest import TEST_PASSWORD, article_files

EDIT = "/review/articles/test-article/sections/s1/clinician/edit"
TYPED = "Une formulation longue que personne ne veut retaper.\n\nDeuxième paragraphe."


@pytest.fixture
def file_app(tmp_path):
    """An app on an SQLite file that gives up on a lock after 300 ms."""
    path = tmp_path / "locking.sqlite"
    app = create_app(
        {
            "CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SQLITE_BUSY_TIMEOUT_MS": 300,
        }
    )
    with app.app_context():
        db.create_all()
        author = create_user(
            None,
            email="author@example.org",
            name="Camille Writer",
            credentials="MD",
            roles=[Role.CONTRIBUTOR, Role.EDITOR],
            password=TEST_PASSWORD,
        )
        import_article(author, article_files())
        db.session.commit()
        db.session.remove()
    app.database_path = path
    yield app
    with app.app_context():
        db.engine.dispose()


def signed_in_client(app):
    client = app.test_client()
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/sign-in",
        data={"email": "author@example.org", "password": TEST_PASSWORD, "csrf_token": token},
    )
    return client


def edit_form(client) -> dict:
    page = client.get(EDIT).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    base = re.search(r'name="base_version" type="hidden" value="([^"]*)"', page).group(1)
    return {
        "csrf_token": token,
        "base_version": base,
        "heading": "Section 1",
        "body": TYPED,
        "change_summary": "Reformulation.",
        "intent": "submit",
    }


def versions_and_events(app) -> tuple[int, int]:
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count(Version.id))),
            db.session.scalar(select(func.count(AuditEvent.id))),
        )
        db.session.remove()
    return counts


def test_the_database_file_is_in_wal_mode(file_app):
    with sqlite3.connect(file_app.database_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_long_read_does_not_stop_a_submission(file_app):
    client = signed_in_client(file_app)
    form = edit_form(client)
    reader = sqlite3.connect(file_app.database_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM version").fetchone()  # holds its snapshot
    try:
        answer = client.post(EDIT, data=form)
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert answer.status_code == 302, answer.text
    with file_app.app_context():
        section = db.session.scalar(select(Section).where(Section.key == "s1"))
        assert latest_version(section, Audience.CLINICIAN).body == TYPED.strip()


def test_a_held_write_lock_answers_503_keeps_the_text_and_leaves_nothing_behind(file_app):
    client = signed_in_client(file_app)
    form = edit_form(client)
    before = versions_and_events(file_app)
    writer = sqlite3.connect(file_app.database_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        answer = client.post(EDIT, data=form)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"].isdigit()
        assert "nothing was saved" in answer.text
        # What the person typed is on the page, ready to be sent again.
        assert "Une formulation longue que personne ne veut retaper." in answer.text
        assert f'action="{EDIT}"' in answer.text
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # The worker's next request commits only its own work, never the refused submission.
    assert client.get("/review/").status_code == 200
    assert versions_and_events(file_app) == before
    again = client.post(EDIT, data=form)
    assert again.status_code == 302, again.text
    versions, events = versions_and_events(file_app)
    assert versions == before[0] + 1
    assert events > before[1]


def test_the_api_answers_503_with_retry_after(file_app):
    with file_app.app_context():
        from reviewapp.domain.tokens import issue_token
        from reviewapp.models import User

        author = db.session.scalar(select(User))
        _, secret = issue_token(None, author, "test")
        db.session.commit()
        section = db.session.scalar(select(Section).where(Section.key == "s1"))
        base = latest_version(section, Audience.CLINICIAN).id
        db.session.remove()
    client = file_app.test_client()
    writer = sqlite3.connect(file_app.database_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        answer = client.post(
            "/api/v1/articles/test-article/sections/s1/clinician/versions",
            json={
                "heading": "Section 1",
                "body": TYPED,
                "base_version": base,
                "provenance": "human",
                "change_summary": "Reformulation.",
            },
            headers={"Authorization": f"Bearer {secret}"},
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    assert answer.json["error"]["code"] == "unavailable"


def test_a_database_that_cannot_be_reached_answers_503_not_500():
    app = create_app(
        {
            "CONFIG": "testing",
            # Nothing listens on port 9 here: every connection is refused at once.
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
            "CHANGE_SIGNAL": False,
        }
    )
    client = app.test_client()
    page = client.get("/articles/necrotic-metastatic-tumor/clinician")
    assert page.status_code == 503
    assert page.headers["Retry-After"].isdigit()
    assert "cannot be reached" in page.text
    api = client.get("/api/v1/articles", headers={"Authorization": "Bearer rvw_x"})
    assert api.status_code == 503
    assert api.json["error"]["code"] == "unavailable"
