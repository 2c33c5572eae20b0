"""Signed checkpoints: one at every publication, over the events up to its own, and a hash
format that is the one every stored trail was written with."""

import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.domain import audit
from reviewapp.domain.checkpoints import (
    SigningKeyUnavailable,
    create_key_file,
    key_id,
    record_checkpoint,
    signing_key,
    vouched,
)
from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditCheckpoint, AuditEvent, Section
from reviewapp.rules.states import Action, Audience, Role


@pytest.fixture(autouse=True)
def key_file(app, tmp_path):
    """Sign with a key of this test's own, never the one under instance/."""
    path = tmp_path / "keys" / "audit-signing-key.pem"
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(path)
    return path


def checkpoints() -> list[AuditCheckpoint]:
    return db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()


def newest_event() -> AuditEvent:
    return db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))


def test_a_publication_signs_the_chain_up_to_its_own_event(make_article, editor):
    article = make_article(approve=(("s1", Audience.CLINICIAN),))
    published = newest_event()
    assert published.action == "version.publish"
    newest = checkpoints()[-1]
    assert (newest.event_id, newest.event_hash) == (published.id, published.hash)
    assert newest.event_count == db.session.scalar(select(func.count(AuditEvent.id)))
    assert newest.signed_at == published.occurred_at
    statement = vouched(newest).statement
    public_key = signing_key().public_key()
    public_key.verify(bytes.fromhex(newest.signature), statement.encode())
    assert json.loads(statement) == {
        "type": "reviewapp.audit-checkpoint/1",
        "event_id": published.id,
        "event_hash": published.hash,
        "event_count": newest.event_count,
        "signed_at": published.occurred_at.isoformat(),
        "key_id": key_id(public_key),
    }
    # Every part approved by the import and the one section: a checkpoint each.
    publications = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "version.publish")
    )
    assert len(checkpoints()) == publications
    assert article.id


def test_moves_that_publish_nothing_sign_nothing(make_article, editor):
    make_article(under_review=(("s2", Audience.CLINICIAN),))
    before = len(checkpoints())
    section = db.session.scalar(select(Section).where(Section.key == "s2"))
    version = latest_version(section, Audience.CLINICIAN)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    assert len(checkpoints()) == before


def test_counts_hold_across_checkpoints_with_gaps_in_the_ids(make_article):
    make_article()
    first = record_checkpoint()
    audit.record(None, "test.one")
    audit.record(None, "test.two")
    second = record_checkpoint()
    db.session.commit()
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    assert second.event_count == first.event_count + 2 == total
    assert second.event_id == newest_event().id


def test_a_forged_checkpoint_does_not_decide_what_the_next_one_counts(make_article):
    make_article()
    real = checkpoints()[-1]
    db.session.add(
        AuditCheckpoint(
            signed_at=real.signed_at,
            event_id=real.event_id,
            event_hash=real.event_hash,
            event_count=real.event_count + 50,
            key_id=real.key_id,
            signature="00" * 64,
        )
    )
    db.session.commit()
    made = record_checkpoint()
    assert made.event_count == db.session.scalar(select(func.count(AuditEvent.id)))


def test_an_empty_trail_has_nothing_to_sign(app):
    assert record_checkpoint() is None
    assert checkpoints() == []


def test_the_key_is_made_once_on_first_use_readable_by_its_owner_only(make_article, key_file):
    assert not key_file.exists()
    make_article()
    assert key_file.exists()  # the article's publications signed with it
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    ids = {checkpoint.key_id for checkpoint in checkpoints()}
    assert ids == {key_id(signing_key().public_key())}


def test_an_existing_key_is_used_and_never_replaced(app, key_file):
    made = create_key_file(key_file)
    with pytest.raises(FileExistsError):
        create_key_file(key_file)
    assert key_id(signing_key().public_key()) == key_id(made.public_key())


def test_without_creating_keys_a_missing_file_is_a_clear_refusal(app, key_file):
    app.config["AUDIT_SIGNING_KEY_CREATE"] = False
    with pytest.raises(SigningKeyUnavailable, match="does not exist: create it with"):
        signing_key()
    assert not key_file.exists()


def test_production_refuses_to_start_without_a_signing_key_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "a production secret for this test only")
    monkeypatch.delenv("AUDIT_SIGNING_KEY_FILE", raising=False)
    with pytest.raises(RuntimeError, match="needs the AUDIT_SIGNING_KEY_FILE environment variable"):
        create_app("production")
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(tmp_path / "audit-signing-key.pem"))
    production = create_app("production")
    assert production.config["AUDIT_SIGNING_KEY_FILE"] == str(tmp_path / "audit-signing-key.pem")
    # Production signs only with a key it was given: it never makes one of its own.
    with production.app_context(), pytest.raises(SigningKeyUnavailable, match="keygen"):
        signing_key()


def test_a_file_holding_no_key_is_a_clear_refusal(app, key_file):
    key_file.parent.mkdir(parents=True)
    key_file.write_text("not a key")
    with pytest.raises(SigningKeyUnavailable, match="holds no readable private key"):
        signing_key()


def test_the_public_key_verifies_and_a_changed_statement_fails(make_article):
    make_article()
    newest = vouched(checkpoints()[-1])
    public_key: Ed25519PublicKey = signing_key().public_key()
    public_key.verify(bytes.fromhex(newest.signature), newest.statement.encode())
    count = f'"event_count":{newest.event_count},'
    forged = newest.statement.replace(count, f'"event_count":{newest.event_count - 1},')
    assert forged != newest.statement
    with pytest.raises(InvalidSignature):
        public_key.verify(bytes.fromhex(newest.signature), forged.encode())


# --- the hash format -----------------------------------------------------------------------


def reference_hash(event) -> str:
    """The event hash as the trail has always been written: json.dumps over a dict."""
    fields = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "outcome": event.outcome,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "article_id": event.article_id,
        "before": event.before,
        "after": event.after,
        "message": event.message,
        "prev_hash": event.prev_hash,
    }
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


awkward_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from('"\\\n\t\x00\u2028é')
)
ids = st.none() | st.integers(min_value=0, max_value=2**31 - 1)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
) | st.just(datetime(2026, 11, 26, 8, 40, tzinfo=UTC))  # no microseconds: isoformat drops them


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(awkward_text, min_size=6, max_size=6),
    numbers=st.lists(ids, min_size=3, max_size=3),
    occurred_at=moments,
)
def test_the_hash_is_the_one_stored_trails_were_written_with(app, texts, numbers, occurred_at):
    event = SimpleNamespace(
        occurred_at=occurred_at,
        actor_id=numbers[0],
        target_id=numbers[1],
        article_id=numbers[2],
        actor_label=texts[0],
        action=texts[1],
        outcome=texts[2],
        target_type=texts[3],
        before=texts[4],
        after=texts[5],
        message=texts[0] + texts[5],
        prev_hash="0" * 64,
    )
    assert audit.event_hash(event) == reference_hash(event)


def test_the_walk_verifies_awkward_events_as_they_were_recorded(app, make_user):
    # One event before the awkward ones (the account's creation): no declaration's.
    editor = make_user(Role.EDITOR, declared=False)
    at = datetime(2026, 11, 26, 8, 40, tzinfo=UTC)
    for index, message in enumerate(
        ['quote " and \\ backslash', "line\nbreak\ttab\x01", "é ü 中文 🙂"]
    ):
        audit.record(
            editor if index % 2 else None,
            f"test.{index}",
            target=("version", index or None),
            before={"text": message},
            after={"n": index, "text": message},
            message=message,
            at=at + timedelta(microseconds=index),
        )
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert all(event.hash == reference_hash(event) for event in events)
    walk = audit.walk_chain(batch_size=2, positions={2, 5})
    assert (walk.checked, walk.broken) == (len(events), None)
    assert walk.at_position == {2: (events[1].id, events[1].hash)}
