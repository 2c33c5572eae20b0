"""`flask audit verify`, `checkpoint`, `keygen` and `export`, and the append-only trail."""

import csv
import io
import json
import stat
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from reviewapp.domain.audit import event_hash, verify_chain
from reviewapp.extensions import db
from reviewapp.models import AuditCheckpoint, AuditEvent

APPEND_ONLY = ("audit_event", "audit_checkpoint")


@pytest.fixture(autouse=True)
def key_file(app, tmp_path):
    """Sign checkpoints with a key of this test's own, never the one under instance/."""
    path = tmp_path / "audit-signing-key.pem"
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(path)
    return path


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def tamper(sql: str, **params) -> None:
    """Change the trail behind the application's back, as someone with database access could."""
    with db.engine.begin() as connection:
        if is_postgres():
            connection.execute(
                text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
            )
        connection.execute(text(sql), params)
        if is_postgres():
            connection.execute(
                text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
            )


def as_owner(*steps: str | tuple[str, dict | list[dict]]) -> None:
    """Change the trail as the tables' owner can on PostgreSQL: append-only triggers off.

    Each step is a statement, or a statement with its parameters (a list runs it per item).
    """
    with db.engine.begin() as connection:
        if is_postgres():
            for table in APPEND_ONLY:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for step in steps:
            statement, params = (step, {}) if isinstance(step, str) else step
            connection.execute(text(statement), params)
        if is_postgres():
            for table in APPEND_ONLY:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def newest_checkpoint() -> AuditCheckpoint:
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


def test_verify_reports_an_intact_chain_with_its_rate(runner, make_article):
    make_article(approve="all")
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {total} events verified" in result.output
    assert "events/s" in result.output
    checkpoint = newest_checkpoint()
    count = db.session.scalar(select(func.count(AuditCheckpoint.id)))
    assert (
        f"Checkpoints intact: {count} signatures verified with key {checkpoint.key_id[:16]}…; "
        f"the newest, checkpoint {checkpoint.id}, vouches for event {checkpoint.event_id} "
        f"({total} events)."
    ) in result.output


def test_verify_says_when_no_checkpoint_vouches_yet(runner, editor):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "No checkpoints yet" in result.output


def test_verify_names_the_edited_event(runner, make_article):
    make_article(approve="all")
    target = db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "version.approve").limit(1)
    )
    tamper("UPDATE audit_event SET message = 'edited' WHERE id = :id", id=target)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (
        f"Audit chain broken at event {target}: its content does not match its hash"
        in result.output
    )


def test_verify_notices_a_deleted_event(runner, make_article):
    make_article(approve="all")
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[3])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (
        f"broken at event {ids[4]}: its link to the previous event does not match" in result.output
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_writes_every_event(runner, make_article, tmp_path, fmt):
    make_article(approve="all")
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    target = tmp_path / f"audit.{fmt}"
    result = runner.invoke(args=["audit", "export", "--format", fmt, "--output", str(target)])
    assert result.exit_code == 0, result.output
    text_out = target.read_text(encoding="utf-8")
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text_out)))
    else:
        rows = [json.loads(line) for line in text_out.splitlines()]
    assert len(rows) == total
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(rows[i]["prev_hash"] == rows[i - 1]["hash"] for i in range(1, len(rows)))
    assert {"id", "occurred_at", "actor_label", "action", "before", "after", "hash"} <= set(rows[0])


def test_postgres_refuses_update_and_delete_on_the_trail(make_article):
    if not is_postgres():
        pytest.skip("the append-only trigger is PostgreSQL's; this run is on SQLite")
    make_article(approve="all")
    for statement in ("UPDATE audit_event SET message = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    assert db.session.scalar(select(func.count(AuditEvent.id))) > 0


# --- checkpoints ---------------------------------------------------------------------------


def test_cutting_the_newest_events_fails_naming_the_checkpoint(runner, make_article):
    make_article(approve="all")
    checkpoint = newest_checkpoint()
    newest = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(3))
    as_owner(("DELETE FROM audit_event WHERE id = :id", [{"id": id_} for id_ in newest]))
    # The hashes alone cannot tell: what is left is a consistent chain.
    assert verify_chain()[1] is None
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (
        f"Checkpoint {checkpoint.id} (event {checkpoint.event_id}): it vouches for "
        f"{checkpoint.event_count} events, but the trail now holds only "
        f"{checkpoint.event_count - 3}: events were removed."
    ) in result.output


def rewrite_and_rehash(event_id: int, message: str) -> None:
    """Rewrite one event and recompute every later hash with the app's own function."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    previous, changes = None, []
    for event in events:
        fields = SimpleNamespace(
            **{column.name: getattr(event, column.name) for column in AuditEvent.__table__.c}
        )
        if fields.id == event_id:
            fields.message = message
        if previous is not None:
            fields.prev_hash = previous
        fields.hash = event_hash(fields)
        if fields.id >= event_id:
            changes.append(
                {
                    "id": fields.id,
                    "message": fields.message,
                    "prev_hash": fields.prev_hash,
                    "hash": fields.hash,
                }
            )
        previous = fields.hash
    db.session.rollback()
    as_owner(
        (
            "UPDATE audit_event SET message = :message, prev_hash = :prev_hash, hash = :hash "
            "WHERE id = :id",
            changes,
        )
    )


def test_a_rewritten_and_rehashed_trail_fails_naming_the_checkpoint(runner, make_article):
    make_article(approve="all")
    checkpoint = newest_checkpoint()
    target = db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "version.approve").limit(1)
    )
    rewrite_and_rehash(target, "Approved without reading it.")
    assert verify_chain()[1] is None
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "Audit chain broken" not in result.output
    assert f"Checkpoint {checkpoint.id} (event {checkpoint.event_id}): event " in result.output
    assert "the trail was rewritten." in result.output


def test_a_checkpoint_a_database_writer_adds_does_not_verify(runner, make_article):
    make_article()
    real = newest_checkpoint()
    as_owner(
        (
            "INSERT INTO audit_checkpoint (signed_at, event_id, event_hash, event_count, key_id, "
            "signature) VALUES (:at, :event, :hash, :count, :key, :signature)",
            {
                "at": real.signed_at.replace(tzinfo=None),
                "event": real.event_id,
                "hash": real.event_hash,
                "count": real.event_count,
                "key": real.key_id,
                "signature": "00" * 64,
            },
        )
    )
    forged = newest_checkpoint()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (
        f"Checkpoint {forged.id} (event {real.event_id}): its signature does not verify"
        in result.output
    )
    assert f"Checkpoint {real.id} " not in result.output


def test_checkpoints_signed_with_another_key_are_not_trusted(runner, make_article, tmp_path, app):
    make_article()
    checkpoint = newest_checkpoint()
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(tmp_path / "another-key.pem")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (
        f"Checkpoint {checkpoint.id} (event {checkpoint.event_id}): it names signing key "
        f"{checkpoint.key_id[:16]}…, not the trusted key"
    ) in result.output


def save_checkpoints(client, path):
    response = client.get("/transparency/checkpoints")
    assert response.status_code == 200
    path.write_text(response.text, encoding="utf-8")
    return response.json


def test_a_saved_copy_catches_a_trail_emptied_with_its_checkpoints(
    runner, client, make_article, tmp_path
):
    make_article(approve="all")
    saved = save_checkpoints(client, tmp_path / "checkpoints.json")
    result = runner.invoke(
        args=["audit", "verify", "--checkpoints", str(tmp_path / "checkpoints.json")]
    )
    assert result.exit_code == 0, result.output
    assert f"Saved copy intact: {len(saved['checkpoints'])} checkpoints verified" in result.output
    as_owner("DELETE FROM audit_checkpoint", "DELETE FROM audit_event")
    alone = runner.invoke(args=["audit", "verify"])
    assert alone.exit_code == 0, alone.output
    assert "Audit chain intact: 0 events verified" in alone.output
    result = runner.invoke(
        args=["audit", "verify", "--checkpoints", str(tmp_path / "checkpoints.json")]
    )
    assert result.exit_code == 1
    newest = saved["checkpoints"][0]
    assert (
        f"Saved checkpoint {newest['id']} (event {newest['event_id']}): it vouches for "
        f"{newest['event_count']} events, but the trail now holds only 0: events were removed."
    ) in result.output
    assert (
        f"Saved checkpoint {newest['id']} (event {newest['event_id']}): it is missing from the "
        f"database's checkpoints"
    ) in result.output


def test_a_saved_copy_whose_checkpoint_was_altered_fails(runner, client, make_article, tmp_path):
    make_article()
    saved = save_checkpoints(client, tmp_path / "checkpoints.json")
    saved["checkpoints"][0]["event_count"] -= 1
    (tmp_path / "altered.json").write_text(json.dumps(saved), encoding="utf-8")
    result = runner.invoke(
        args=["audit", "verify", "--checkpoints", str(tmp_path / "altered.json")]
    )
    assert result.exit_code == 1
    assert (
        f"Saved checkpoint {saved['checkpoints'][0]['id']} "
        f"(event {saved['checkpoints'][0]['event_id']}): its signature does not verify"
    ) in result.output


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "it is not JSON"),
        ('{"checkpoints": []}', "it carries no public key"),
        ("[1, 2]", "it is not a copy of /transparency/checkpoints"),
        (
            '{"public_key": {"pem": "x"}, "checkpoints": [{"id": "1"}]}',
            "checkpoint 1 in the file has no int 'id'",
        ),
    ],
)
def test_an_unreadable_saved_copy_is_refused_with_its_reason(runner, tmp_path, content, reason):
    copy = tmp_path / "copy.json"
    copy.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["audit", "verify", "--checkpoints", str(copy)])
    assert result.exit_code == 1
    assert f"Cannot check against {copy}: {reason}" in result.output


def test_checkpoint_signs_the_head_now(runner, make_article):
    make_article()
    head = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    before = newest_checkpoint()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    made = newest_checkpoint()
    assert made.id != before.id
    assert (made.event_id, made.event_hash) == (head.id, head.hash)
    assert (
        f"Checkpoint {made.id} signed: event {head.id} ({made.event_count} events), "
        f"key {made.key_id[:16]}…."
    ) in result.output


def test_checkpoint_on_an_empty_trail_says_there_is_nothing_to_sign(runner):
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert "The audit trail is empty: there is nothing to sign yet." in result.output


def test_keygen_makes_a_private_key_file_and_never_replaces_one(runner, tmp_path):
    target = tmp_path / "keys" / "signing.pem"
    result = runner.invoke(args=["audit", "keygen", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert "-----BEGIN PUBLIC KEY-----" in result.stdout
    again = runner.invoke(args=["audit", "keygen", "--output", str(target)])
    assert again.exit_code == 1
    assert "exists already, and a signing key is never replaced" in again.output
    assert target.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_keygen_writes_the_configured_file_by_default(runner, key_file):
    result = runner.invoke(args=["audit", "keygen"])
    assert result.exit_code == 0, result.output
    assert key_file.exists()
    assert f"Created {key_file}" in result.output


def test_postgres_refuses_truncate_on_the_trail_and_its_checkpoints(runner, make_article):
    if not is_postgres():
        pytest.skip("the append-only triggers are PostgreSQL's; this run is on SQLite")
    make_article()
    for table in APPEND_ONLY:
        refused = f"{table} is append-only: TRUNCATE refused"
        with pytest.raises(DBAPIError, match=refused), db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {table}"))
    for statement in (
        "UPDATE audit_checkpoint SET event_count = 0",
        "DELETE FROM audit_checkpoint",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    assert db.session.scalar(select(func.count(AuditEvent.id))) > 0
    assert db.session.scalar(select(func.count(AuditCheckpoint.id))) > 0
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
