"""Who holds a pending version, and when it is due: claim, assign, release and due dates."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewapp.domain import assignments, part_chains
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import PermissionDenied, TransitionNotAllowed
from reviewapp.domain.parts import submit_part
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, UserRole, Version
from reviewapp.rules import parts as rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Kind, Role, State
from tests.conftest import approve_fully, next_version

C = Audience.CLINICIAN


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def newest(key: str = "s1") -> Version:
    return latest_version(section(key), C)


def events(action: str, kind: str = "wording") -> list[AuditEvent]:
    """Return the events of `action` on versions of `kind` (the fixtures approve the parts)."""
    found = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    )
    return [event for event in found if json.loads(event.after).get("kind") == kind]


@pytest.fixture
def second_editor(make_user):
    return make_user(Role.EDITOR, name="Dr Zoe Second")


def test_claim_holds_the_version_and_audits_it(make_article, editor):
    make_article()
    version = assignments.claim(editor, newest())
    db.session.commit()
    assert version.assignee_id == editor.id
    assert version.assigned_at is not None
    [event] = events("version.claim")
    assert (event.target_type, event.target_id) == ("version", version.id)
    assert event.article_id == version.article_id
    assert json.loads(event.before) == {
        "version_id": version.id,
        "assignee_id": None,
        "assignee": None,
    }
    assert json.loads(event.after)["assignee_id"] == editor.id
    assert json.loads(event.after)["assignee"] == "Dr Eve Editor, MD"


def test_reassigning_someone_elses_claim_names_the_previous_holder(
    make_article, editor, second_editor
):
    make_article()
    assignments.claim(editor, newest())
    assignments.assign(editor, newest(), second_editor)
    db.session.commit()
    assert newest().assignee_id == second_editor.id
    [event] = events("version.assign")
    assert json.loads(event.before)["assignee_id"] == editor.id
    assert json.loads(event.before)["assignee"] == "Dr Eve Editor, MD"
    assert json.loads(event.after)["assignee_id"] == second_editor.id


def test_release_gives_the_version_back_to_everyone(make_article, editor, second_editor):
    make_article()
    assignments.claim(editor, newest())
    assignments.release(second_editor, newest())
    db.session.commit()
    assert newest().assignee_id is None
    assert newest().assigned_at is None
    [event] = events("version.release")
    assert json.loads(event.before)["assignee_id"] == editor.id
    assert json.loads(event.after)["assignee_id"] is None


def test_starting_review_claims_an_unheld_version(make_article, editor, second_editor):
    make_article(sections=2)
    transition(editor, newest("s1"), Action.START_REVIEW)
    assert newest("s1").assignee_id == editor.id
    assert [json.loads(e.after)["assignee_id"] for e in events("version.claim")] == [editor.id]
    # Held by someone else: starting review leaves the holder alone.
    assignments.assign(editor, newest("s2"), second_editor)
    transition(editor, newest("s2"), Action.START_REVIEW)
    assert newest("s2").assignee_id == second_editor.id
    assert len(events("version.claim")) == 1


@pytest.mark.parametrize(
    ("operation", "error", "message"),
    [
        ("claim-twice", TransitionNotAllowed, "already yours"),
        ("claim-held", TransitionNotAllowed, "is held by Dr Eve Editor, MD"),
        ("assign-author", TransitionNotAllowed, "nobody reviews a version they authored"),
        ("assign-contributor", TransitionNotAllowed, "only to an active medical editor"),
        ("assign-same", TransitionNotAllowed, "already assigned to Dr Eve Editor, MD"),
        ("release-free", TransitionNotAllowed, "not assigned to anyone"),
        ("claim-by-contributor", PermissionDenied, "Only a medical editor can claim"),
    ],
)
def test_refusals_say_why_and_change_nothing(
    make_article, editor, second_editor, contributor, operation, error, message
):
    make_article(sections=2)
    held = assignments.claim(editor, newest("s1"))
    db.session.commit()
    free = newest("s2")
    attempts = {
        "claim-twice": lambda: assignments.claim(editor, held),
        "claim-held": lambda: assignments.claim(second_editor, held),
        "assign-author": lambda: assignments.assign(editor, free, contributor),
        "assign-contributor": lambda: assignments.assign(editor, free, contributor),
        "assign-same": lambda: assignments.assign(second_editor, held, editor),
        "release-free": lambda: assignments.release(editor, free),
        "claim-by-contributor": lambda: assignments.claim(contributor, free),
    }
    if operation == "assign-author":
        # An editor who also writes may not hold their own version.
        contributor.role_rows.append(UserRole(role=Role.EDITOR.value))
        db.session.commit()
    with pytest.raises(error, match=message) as refused:
        attempts[operation]()
    assert refused.value.action.startswith("version.")
    assert refused.value.target[0] == "version"


def test_only_submitted_or_under_review_versions_are_held(
    make_article, editor, second_editor, board_members
):
    make_article()
    version = newest()
    transition(second_editor, version, Action.START_REVIEW)
    transition(second_editor, version, Action.APPROVE)
    with pytest.raises(TransitionNotAllowed, match="Awaiting board sign-off: only a submitted"):
        assignments.claim(editor, version)


def test_due_dates_follow_the_approved_settings(make_article, contributor, editor, board_members):
    article = make_article()
    # Old settings (carried over, no days): the defaults.
    assert part_chains.review_days(article) == (7, 14)
    version = next_version(contributor, section(), C)
    assert version.due_at == version.created_at + timedelta(days=7)
    # A proposal does not change due dates; its approval does.
    part = part_chains.settings_part(article)
    values = part_chains.proposed_values(part) | {"days_to_first_review": 3, "days_to_signoff": 5}
    proposal = submit_part(
        contributor, part, values, base_version_id=part.newest().id, change_summary="Délais."
    )
    assert part_chains.review_days(article) == (7, 14)
    approve_fully(editor, board_members, proposal)
    assert part_chains.review_days(article) == (3, 5)
    assert "Days to first review: 3" in proposal.body
    version = next_version(contributor, section(), C, " Encore.")
    assert version.due_at == version.created_at + timedelta(days=3)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    assert version.due_at == version.state_changed_at + timedelta(days=5)


def test_site_texts_are_due_by_the_defaults(app, contributor):
    part = part_chains.site_text_part("editorial_policy")
    version = submit_part(
        contributor, part, {"key": "editorial_policy", "text": "Politique."}, base_version_id=None
    )
    assert version.due_at == version.created_at + timedelta(days=rules.DEFAULT_DAYS_TO_FIRST_REVIEW)


def test_overdue_means_pending_past_the_due_date(make_article, editor):
    make_article()
    version = newest()
    assert not assignments.is_overdue(version)
    version.due_at = utcnow() - timedelta(minutes=1)
    assert assignments.is_overdue(version)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.REJECT, "Hors sujet.")
    assert version.workflow_state is State.REJECTED
    assert not assignments.is_overdue(version)


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        ({"days_to_first_review": 0}, "Days to first review must be a whole number from 1 to 365."),
        ({"days_to_signoff": 366}, "Days to board sign-off must be a whole number from 1 to 365."),
        ({"days_to_signoff": "7"}, "Days to board sign-off must be a whole number"),
    ],
)
def test_settings_days_are_checked(days, problem):
    payload = (
        rules.settings(publication="approved-only", required_signoffs=1, review_interval_months=12)
        | days
    )
    assert any(problem in message for _, message in rules.problems(Kind.SETTINGS, payload))


def test_settings_without_days_read_and_hash_as_before():
    old = rules.settings(
        publication="approved-only", required_signoffs=1, review_interval_months=12
    )
    assert set(old) == {"publication", "required_signoffs", "review_interval_months"}
    assert "Days" not in rules.readable(Kind.SETTINGS, old)
    assert rules.problems(Kind.SETTINGS, old) == []
    assert rules.review_days(old) == (7, 14)
