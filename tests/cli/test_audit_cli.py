"""`flask audit verify` and `flask audit export`, and the append-only trail."""

import csv
import io
import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from reviewapp.extensions import db
from reviewapp.models import AuditEvent


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


def test_verify_reports_an_intact_chain_with_its_rate(runner, make_article):
    make_article(approve="all")
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {total} events verified" in result.output
    assert "events/s" in result.output


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
