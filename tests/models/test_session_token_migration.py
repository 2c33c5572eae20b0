"""Migration 0010 carries existing accounts forward: a token of their own, no forced change."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from reviewapp import create_app
from reviewapp.extensions import db
from tests.conftest import NO_POSTGRES, postgres_url, require, scratch_postgres_database

ACCOUNTS = 3


def carry_accounts_forward(url: str) -> None:
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0009_password_checks")
        with db.engine.begin() as connection:
            for number in range(ACCOUNTS):
                connection.execute(
                    text(
                        'INSERT INTO "user" (email, name, credentials, password_hash, active, '
                        "created_at) VALUES (:email, 'Dr Before', '', 'hash', :active, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"email": f"before{number}@example.org", "active": number != 0},
                )
        upgrade(revision="0010_session_epoch")
        with db.engine.connect() as connection:
            rows = connection.execute(
                text('SELECT session_token, must_change_password FROM "user"')
            ).all()
        assert len({token for token, _ in rows}) == ACCOUNTS
        assert all(len(token) >= 40 for token, _ in rows)
        assert not any(must_change for _, must_change in rows)
        downgrade(revision="0009_password_checks")
        with db.engine.connect() as connection:
            count = connection.execute(text('SELECT count(*) FROM "user"')).scalar_one()
        assert count == ACCOUNTS
        downgrade(revision="base")
        db.engine.dispose()


def test_sqlite_accounts_get_their_own_session_tokens(tmp_path):
    carry_accounts_forward(f"sqlite:///{tmp_path / 'accounts.sqlite'}")


def test_postgres_accounts_get_their_own_session_tokens():
    if postgres_url() is None:
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    with scratch_postgres_database("session_tokens") as url:
        carry_accounts_forward(url)
