"""Migration 0015 ties the events already on the trail to their versions, as `record` does for
new ones, without changing a single event: the chain still verifies."""

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from reviewapp import create_app
from reviewapp.domain import audit
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.content import import_article
from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.users import create_user
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section
from reviewapp.models.audit import AuditSubject
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Role
from tests.conftest import (
    NO_POSTGRES,
    TEST_PASSWORD,
    article_files,
    declare_no_interests,
    postgres_url,
    publish_parts,
    require,
    scratch_postgres_database,
)

BEFORE_SUBJECTS = "0014_notifications_and_outbox"


def person(role: Role, name: str):
    """Create an account; an editor or board member has declared no interests."""
    return declare_no_interests(
        create_user(
            None,
            email=f"{name.lower()}@example.org",
            name=f"Dr {name}",
            credentials="MD",
            roles=[role],
            password=TEST_PASSWORD,
        )
    )


def subjects() -> set[tuple]:
    return {
        (row.event_id, row.version_id, row.section_id, row.article_id)
        for row in db.session.scalars(select(AuditSubject))
    }


def append_as_before(action: str, target: tuple[str, int], before=None, after=None) -> int:
    """Append an event the way the trail was written before 0015: no subject, no version in
    `after`. Returns its id."""
    previous = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=None,
        actor_label="system",
        action=action,
        outcome=audit.DONE if action != "version.approve" else audit.REFUSED,
        target_type=target[0],
        target_id=target[1],
        article_id=None,
        before=json.dumps(before or {}, sort_keys=True, separators=(",", ":")),
        after=json.dumps(after or {}, sort_keys=True, separators=(",", ":")),
        message="",
        prev_hash=previous.hash,
    )
    event.hash = audit.event_hash(event)
    db.session.add(event)
    db.session.commit()
    return event.id


def upgrade_ties_existing_events_to_their_versions(url: str, key_file: str) -> None:
    app = create_app(
        {"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url, "AUDIT_SIGNING_KEY_FILE": key_file}
    )
    with app.app_context():
        upgrade()
        contributor = person(Role.CONTRIBUTOR, "Author")
        editor = person(Role.EDITOR, "Editor")
        member = person(Role.BOARD, "Member")
        report = import_article(contributor, article_files())
        publish_parts(report.versions)
        s1 = db.session.scalar(select(Section).where(Section.key == "s1"))
        version = latest_version(s1, Audience.CLINICIAN)
        transition(editor, version, Action.START_REVIEW)
        comment = add_comment(editor, version, "Source ?")
        resolve_comment(editor, comment)
        transition(editor, version, Action.APPROVE)
        signoff = sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
        db.session.commit()
        tied = (version.id, s1.id, version.article_id)
        comment_id, signoff_id, member_id = comment.id, signoff.id, member.id
        recorded_live = subjects()
        assert tied in {row[1:] for row in recorded_live}

        db.session.remove()
        downgrade(revision=BEFORE_SUBJECTS)
        legacy = {
            # Each names its version the way one kind of event did before the index.
            append_as_before("comment.resolve", ("comment", comment_id), {"resolved": False}),
            append_as_before(
                "signoff.sign",
                ("signoff", signoff_id),
                {"state": "awaiting_signoff", "version_id": tied[0]},
                {"meaning": MEANINGS[0]},
            ),
            append_as_before("version.approve", ("version", tied[0])),
        }
        signed_in = append_as_before("auth.sign_in", ("user", member_id))
        db.session.remove()
        upgrade()

        expected_legacy = {(event_id, *tied) for event_id in legacy}
        assert subjects() == recorded_live | expected_legacy
        assert signed_in not in {row[0] for row in subjects()}
        assert audit.verify_chain()[1] is None
        checked, problems = audit.subject_problems()
        assert problems == []
        assert checked == len(recorded_live) + len(legacy)
        db.session.remove()
        db.engine.dispose()


def test_upgrade_ties_existing_events_to_their_versions_on_sqlite(tmp_path):
    upgrade_ties_existing_events_to_their_versions(
        f"sqlite:///{tmp_path / 'subjects.sqlite'}", str(tmp_path / "key.pem")
    )


def test_upgrade_ties_existing_events_to_their_versions_on_postgres(tmp_path):
    if postgres_url() is None:
        require("REQUIRE_POSTGRES", NO_POSTGRES)
    with scratch_postgres_database("subjects") as url:
        upgrade_ties_existing_events_to_their_versions(url, str(tmp_path / "key.pem"))
