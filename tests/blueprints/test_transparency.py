"""/transparency: the signed checkpoints and their public key, for anyone to fetch and keep."""

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from reviewapp.blueprints.transparency.views import PER_PAGE
from reviewapp.domain import audit
from reviewapp.domain.checkpoints import record_checkpoint
from reviewapp.extensions import db
from reviewapp.models import AuditCheckpoint, AuditEvent


@pytest.fixture(autouse=True)
def key_file(app, tmp_path):
    """Sign with a key of this test's own, never the one under instance/."""
    path = tmp_path / "audit-signing-key.pem"
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(path)
    return path


def test_checkpoints_are_listed_newest_first_with_the_key_that_signed_them(client, make_article):
    make_article(approve="all")
    response = client.get("/transparency/checkpoints")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.json
    stored = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).all()
    assert [entry["id"] for entry in document["checkpoints"]] == [c.id for c in stored]
    assert document["total"] == len(stored)
    assert (document["page"], document["next"], document["previous"]) == (1, None, None)
    newest_event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    newest = document["checkpoints"][0]
    assert (newest["event_id"], newest["event_hash"]) == (newest_event.id, newest_event.hash)
    assert newest["event_count"] == db.session.scalar(select(func.count(AuditEvent.id)))
    assert document["public_key"]["algorithm"] == "Ed25519"


def test_anyone_can_check_each_signature_with_the_published_key_alone(client, make_article):
    make_article(approve="all")
    pem = client.get("/transparency/public-key")
    assert pem.status_code == 200
    assert pem.mimetype == "application/x-pem-file"
    public_key = serialization.load_pem_public_key(pem.data)
    assert isinstance(public_key, Ed25519PublicKey)
    document = client.get("/transparency/checkpoints").json
    assert document["public_key"]["pem"] == pem.text
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert document["public_key"]["key_id"] == hashlib.sha256(raw).hexdigest()
    for entry in document["checkpoints"]:
        # The statement is exactly what was signed, and says what the fields say.
        public_key.verify(bytes.fromhex(entry["signature"]), entry["statement"].encode())
        assert f'"event_hash":"{entry["event_hash"]}"' in entry["statement"]
        assert f'"event_count":{entry["event_count"]},' in entry["statement"]
        assert f'"event_id":{entry["event_id"]},' in entry["statement"]


def test_the_answers_are_cacheable_by_anyone_and_need_no_session(client, make_article):
    make_article()
    for url in ("/transparency/checkpoints", "/transparency/public-key"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"].startswith("public, max-age=")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Set-Cookie" not in response.headers
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_a_new_checkpoint_changes_the_etag(client, make_article):
    make_article()
    first = client.get("/transparency/checkpoints")
    audit.record(None, "test.event")
    record_checkpoint()
    db.session.commit()
    second = client.get(
        "/transparency/checkpoints", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert second.status_code == 200
    assert second.json["total"] == first.json["total"] + 1


def test_checkpoints_come_in_pages(client, app):
    audit.record(None, "test.event")
    for _ in range(PER_PAGE + 5):
        record_checkpoint()
    db.session.commit()
    first = client.get("/transparency/checkpoints").json
    assert len(first["checkpoints"]) == PER_PAGE
    assert first["next"] == "http://reviewapp.test/transparency/checkpoints?page=2"
    second = client.get("/transparency/checkpoints?page=2").json
    assert len(second["checkpoints"]) == 5
    assert second["previous"] == "http://reviewapp.test/transparency/checkpoints?page=1"
    assert second["next"] is None
    ids = [entry["id"] for entry in first["checkpoints"] + second["checkpoints"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == PER_PAGE + 5


@pytest.mark.parametrize(
    ("page", "status"), [("0", 400), ("abc", 400), ("-1", 400), ("1.5", 400), ("3", 404)]
)
def test_a_page_that_is_not_there_is_a_clear_error(client, app, page, status):
    audit.record(None, "test.event")
    record_checkpoint()
    db.session.commit()
    response = client.get(f"/transparency/checkpoints?page={page}")
    assert response.status_code == status
    assert response.json["error"]["message"]


def test_an_empty_trail_has_an_empty_first_page(client, app):
    response = client.get("/transparency/checkpoints")
    assert response.status_code == 200
    assert response.json["checkpoints"] == []
    assert response.json["total"] == 0


def test_without_its_key_file_the_site_says_the_key_is_unavailable(client, app, tmp_path):
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(tmp_path / "missing.pem")
    app.config["AUDIT_SIGNING_KEY_CREATE"] = False
    for url in ("/transparency/checkpoints", "/transparency/public-key"):
        response = client.get(url)
        assert response.status_code == 503
        assert response.json["error"]["code"] == "signing_key_unavailable"
        assert "no-store" in response.headers["Cache-Control"]
