"""The change signal lets workers skip the per-request revision query, and never lie.

A worker may answer from the article states it read earlier only while the signal says no
article changed since; these tests change articles the way another worker or host would
(through a connection of their own) and check every worker's page moves on.
"""

import sqlite3
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reviewapp import create_app
from reviewapp.domain.content import import_article
from reviewapp.domain.users import create_user
from reviewapp.extensions import db
from reviewapp.rules.states import Role
from reviewapp.web import change_signal
from reviewapp.web.change_signal import (
    NoSignal,
    PostgresNotifications,
    SqliteChangeCounter,
    signal_for,
)
from tests.conftest import (
    NO_POSTGRES,
    TEST_PASSWORD,
    article_files,
    postgres_url,
    publish_parts,
    require,
)

URL = "/articles/test-article/clinician"


def wait_for(condition, seconds: float = 10.0):
    """Return condition()'s first truthy value, polling; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    pytest.fail(f"still waiting after {seconds} s")


def settled(signal, quiet: float = 0.3):
    """Wait until the listener is connected and earlier notifications have all arrived."""
    token = wait_for(signal.token)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < quiet:
        time.sleep(0.02)
        now = signal.token()
        if now != token:
            token, quiet_since = wait_for(signal.token), time.monotonic()
    return token


def bump_revision_elsewhere(url: str) -> None:
    """Change the article through a connection of its own, as another worker would."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE article SET public_revision = public_revision + 1"))
    engine.dispose()


@pytest.fixture
def file_app(tmp_path):
    """An app on an SQLite file, the embedded default, holding one imported article."""
    url = f"sqlite:///{tmp_path / 'signal.sqlite'}"
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        author = create_user(
            None,
            email="author@example.org",
            name="Camille Writer",
            credentials="MD",
            roles=[Role.CONTRIBUTOR],
            password=TEST_PASSWORD,
        )
        publish_parts(import_article(author, article_files(policy="pending-with-caution")).versions)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_signal_suits_the_database(tmp_path):
    assert isinstance(signal_for(make_url("sqlite://")), NoSignal)
    assert isinstance(signal_for(make_url(f"sqlite:///{tmp_path}/x.sqlite")), SqliteChangeCounter)
    postgres = make_url("postgresql+psycopg://reader@db.example/articles")
    assert isinstance(signal_for(postgres), PostgresNotifications)
    # One listener per database in a process, whatever number of apps it builds.
    assert signal_for(postgres) is signal_for(postgres)


def test_signal_can_be_turned_off(tmp_path):
    app = create_app(
        {
            "CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'off.sqlite'}",
            "CHANGE_SIGNAL": False,
        }
    )
    assert isinstance(app.extensions["change_signal"], NoSignal)


def test_sqlite_counter_moves_with_every_commit_from_any_connection(tmp_path):
    path = tmp_path / "counter.sqlite"
    writer = sqlite3.connect(path)
    writer.execute("CREATE TABLE article (revision INTEGER)")
    writer.commit()
    counter = SqliteChangeCounter(str(path))
    before = counter.token()
    assert before is not None
    assert counter.token() == before  # reading changes nothing
    writer.execute("INSERT INTO article VALUES (1)")
    writer.commit()
    assert counter.token() != before
    writer.close()


def test_sqlite_counter_follows_a_replaced_file(tmp_path, monkeypatch):
    monkeypatch.setattr(change_signal, "REPLACEMENT_CHECK_SECONDS", 0.0)
    path = tmp_path / "replaced.sqlite"
    first = sqlite3.connect(path)
    first.execute("CREATE TABLE article (revision INTEGER)")
    first.commit()
    first.close()
    counter = SqliteChangeCounter(str(path))
    before = counter.token()
    # Someone copies another file with the same history length over it.
    (tmp_path / "restored.sqlite").write_bytes(path.read_bytes())
    (tmp_path / "restored.sqlite").replace(path)
    assert counter.token() not in (None, before)
    path.unlink()
    assert counter.token() is None


def test_sqlite_counter_is_unknown_where_sqlite_does_not_keep_it(tmp_path):
    assert SqliteChangeCounter(str(tmp_path / "missing.sqlite")).token() is None
    (tmp_path / "empty.sqlite").write_bytes(b"")
    assert SqliteChangeCounter(str(tmp_path / "empty.sqlite")).token() is None


def test_sqlite_counter_in_wal_mode_moves_with_every_commit_of_any_connection(tmp_path):
    path = tmp_path / "wal.sqlite"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE article (revision INTEGER)")
    writer.commit()
    counter = SqliteChangeCounter(str(path))
    seen = {counter.token()}
    assert None not in seen
    for revision in range(3):
        writer.execute("INSERT INTO article VALUES (?)", (revision,))
        writer.commit()
        token = counter.token()
        assert token not in seen
        seen.add(token)
    # A checkpoint that resets the WAL is a change the counter must not mistake for none.
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    writer.execute("INSERT INTO article VALUES (9)")
    writer.commit()
    assert counter.token() not in seen
    assert counter.token() == counter.token()
    writer.close()


def test_sqlite_worker_revalidates_without_a_query_and_sees_other_workers_changes(
    file_app, count_queries
):
    client = file_app.test_client()
    with file_app.app_context():
        first = client.get(URL)
        assert first.status_code == 200
        with count_queries() as counter:
            again = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert counter.statements == []
        bump_revision_elsewhere(file_app.config["SQLALCHEMY_DATABASE_URI"])
        moved = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200
    assert moved.headers["ETag"] != first.headers["ETag"]


def postgres_app_url(app) -> str:
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "postgresql":
        if postgres_url():
            pytest.skip("runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL)")
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    return url.render_as_string(hide_password=False)


def test_postgres_worker_sees_another_workers_change_without_polling_the_database(
    app, client, make_article, count_queries
):
    url = postgres_app_url(app)
    make_article(approve="all")
    settled(app.extensions["change_signal"])  # the test's own set-up is signalled
    etag = client.get(URL).headers["ETag"]
    with count_queries() as counter:
        assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    assert counter.statements == []

    bump_revision_elsewhere(url)
    moved = wait_for(
        lambda: (
            (response := client.get(URL, headers={"If-None-Match": etag})).status_code == 200
            and response
        )
    )
    assert moved.headers["ETag"] != etag


def test_postgres_truncate_is_signalled(app, make_article):
    url = postgres_app_url(app)
    make_article()
    signal = app.extensions["change_signal"]
    before = settled(signal)
    engine = create_engine(url)
    with engine.begin() as connection:
        # The cascade reaches audit_event, which refuses TRUNCATE: as the tables' owner, the
        # test lifts that one trigger inside its own transaction.
        connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate"))
        connection.execute(text("TRUNCATE article CASCADE"))
        connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_truncate"))
    engine.dispose()
    wait_for(lambda: signal.token() not in (None, before))


def test_postgres_listener_comes_back_after_losing_its_connection(app):
    url = postgres_app_url(app)
    signal = app.extensions["change_signal"]
    before = settled(signal)
    engine = create_engine(url)
    with engine.begin() as connection:
        killed = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": PostgresNotifications.APPLICATION_NAME},
        ).all()
    engine.dispose()
    assert killed
    # Notifications sent while it was away are lost: the token must not come back the same.
    wait_for(lambda: signal.token() not in (None, before))


class DeafNotifications(PostgresNotifications):
    """A listener behind something that swallows notifications: its echo never returns."""

    def _ping(self, connection, echo: str) -> None:
        pass


def test_postgres_listener_that_hears_nothing_is_not_trusted(app, monkeypatch):
    url = make_url(postgres_app_url(app))
    monkeypatch.setattr(change_signal, "LIVENESS_SECONDS", 0.2)
    monkeypatch.setattr(change_signal, "RECONNECT_SECONDS", 0.05)
    deaf, hearing = DeafNotifications(url), PostgresNotifications(url)
    try:
        wait_for(hearing.token)
        for _ in range(20):  # a few of its rounds: it never trusts what it cannot hear
            assert deaf.token() is None
            time.sleep(0.1)
        assert hearing.token() is not None
        assert hearing._epoch == 1
    finally:
        deaf.stop()
        hearing.stop()
    assert hearing.token() is None
