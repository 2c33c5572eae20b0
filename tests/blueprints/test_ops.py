"""Health endpoints."""

from flask_migrate import upgrade
from sqlalchemy import text

from reviewapp import create_app
from reviewapp.extensions import db


def test_healthz_answers_without_the_database(count_queries, client):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert counter.count == 0


def test_readyz_needs_migrations_at_head(tmp_path):
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/r.db"})
    client = app.test_client()
    before = client.get("/readyz")
    assert before.status_code == 503
    assert before.json["reason"] == "database not migrated to head"
    with app.app_context():
        upgrade()
    after = client.get("/readyz")
    assert after.status_code == 200
    assert after.json["status"] == "ok"
    assert after.json["change_signal"] == {"kind": "sqlite-change-counter", "active": True}
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        db.session.commit()
        db.engine.dispose()
    assert client.get("/readyz").status_code == 503


def test_readyz_reports_an_unreachable_database():
    app = create_app(
        {"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/x.db"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["reason"].startswith("database unreachable")


def test_readyz_says_when_pages_read_the_revision_on_every_request(tmp_path):
    app = create_app(
        {
            "CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/r.db",
            "CHANGE_SIGNAL": False,
        }
    )
    with app.app_context():
        upgrade()
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["change_signal"] == {"kind": "none", "active": False}
