"""`flask audit verify` checks the index that ties events to their section and version against
what the hashed events record: a row rewritten, removed or added to hide an event is found."""

import pytest
from sqlalchemy import select, text

from reviewapp.domain.comments import add_comment
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section
from reviewapp.models.audit import AuditSubject
from reviewapp.rules.states import Audience


@pytest.fixture(autouse=True)
def key_file(app, tmp_path):
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(tmp_path / "audit-signing-key.pem")


@pytest.fixture
def trail(make_article, editor):
    """An article whose parts the board signed, and a comment on section s2's wording."""
    make_article()
    s2 = db.session.scalar(select(Section).where(Section.key == "s2"))
    add_comment(editor, latest_version(s2, Audience.CLINICIAN), "Source ?")
    db.session.commit()


def signature_event() -> AuditEvent:
    return db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "signoff.sign").order_by(AuditEvent.id)
    )


def change(sql: str, **params) -> None:
    """Change the index behind the application's back, as someone with database access could."""
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_verify_reports_the_index_intact(runner, trail):
    rows = len(db.session.scalars(select(AuditSubject)).all())
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Subject index intact: {rows} events tied to their version" in result.output


def test_verify_finds_a_signature_moved_to_another_section(runner, trail):
    event = signature_event()
    s2 = db.session.scalar(select(Section).where(Section.key == "s2"))
    change(
        "UPDATE audit_subject SET section_id = :section WHERE event_id = :event",
        section=s2.id,
        event=event.id,
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (
        f"Audit subject index wrong at event {event.id}: its subject row names another "
        "version, section or article than it records"
    ) in result.output


def test_verify_finds_a_removed_and_an_invented_row(runner, trail):
    comment_event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "comment.create")
    )
    import_event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "content.import")
    )
    version_id = db.session.get(AuditSubject, signature_event().id).version_id
    change("DELETE FROM audit_subject WHERE event_id = :event", event=comment_event.id)
    change(
        "INSERT INTO audit_subject (event_id, version_id) VALUES (:event, :version)",
        event=import_event.id,
        version=version_id,
    )
    output = runner.invoke(args=["audit", "verify"]).output
    assert f"at event {comment_event.id}: it concerns a version but has no subject row" in output
    assert f"at event {import_event.id}: it concerns no version but has a subject row" in output
