"""Who hears of what: each notification rule, taken through the app as its actor would."""

import html as html_module
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.domain import audit, notifications
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    Section,
    User,
    Version,
)
from reviewapp.rules.clock import utcnow
from reviewapp.rules.notifications import NotificationKind as K
from reviewapp.rules.states import Action, Audience, Role
from tests.conftest import TEST_PASSWORD, next_version

C, P = Audience.CLINICIAN, Audience.PATIENT
SLUG = "test-article"


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def newest(key: str = "s1", audience: Audience = C) -> Version:
    db.session.expire_all()
    return latest_version(section(key), audience)


def last_notification_id() -> int:
    return db.session.scalar(select(func.max(Notification.id))) or 0


def told_since(mark: int) -> set[tuple[int, K]]:
    """Return (recipient id, kind) of every notification written after `mark`."""
    rows = db.session.execute(
        select(Notification.recipient_id, Notification.kind).where(Notification.id > mark)
    )
    return {(recipient, K(kind)) for recipient, kind in rows}


def told(mark: int, *people: User, kind: K) -> set[tuple[int, K]]:
    return {(person.id, kind) for person in people}


def field_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return html_module.unescape(match.group(1))


@pytest.fixture
def second_editor(make_user) -> User:
    return make_user(Role.EDITOR, name="Dr Second Editor")


def submit_through_the_page(client, post_form, key: str = "s1", audience: Audience = C):
    url = f"/review/articles/{SLUG}/sections/{key}/{audience.value}/edit"
    page = client.get(url).text
    data = {
        "base_version": field_value(page, "base_version"),
        "seen_version": field_value(page, "seen_version"),
        "heading": newest(key, audience).heading,
        "body": textarea(page, "body") + " Mise à jour.",
        "change_summary": "Mise à jour.",
        "public_note": "Texte mis à jour.",
        "intent": "submit",
    }
    response = post_form(url, data, page=url)
    assert response.status_code == 302, response.text
    return newest(key, audience)


def act(post_form, version: Version, action: Action, comment: str = ""):
    page = f"/review/versions/{version.id}"
    response = post_form(f"{page}/actions", {"action": action.value, "comment": comment}, page=page)
    assert response.status_code == 302, response.text


def test_a_submission_tells_every_editor_but_not_its_author(
    client, login, post_form, make_article, contributor, editor, second_editor
):
    make_article(approve="all")
    login(contributor)
    mark = last_notification_id()
    version = submit_through_the_page(client, post_form)
    assert told_since(mark) == told(mark, editor, second_editor, kind=K.SUBMITTED)
    notification = db.session.scalar(select(Notification).where(Notification.id > mark))
    assert notification.link == f"/review/versions/{version.id}"
    assert f"“{version.heading}” (clinician wording), Version {version.number}" in (
        notification.message
    )


def test_a_submission_on_a_held_chain_tells_its_holder_only(
    client, login, post_form, make_article, contributor, editor, second_editor
):
    make_article(under_review=(("s1", C),))
    first = newest()
    assert first.assignee_id == editor.id  # starting review claimed it
    transition(editor, first, Action.REQUEST_CHANGES, "Précisez la posologie.")
    db.session.commit()
    login(contributor)
    mark = last_notification_id()
    submit_through_the_page(client, post_form)
    assert told_since(mark) == told(mark, editor, kind=K.SUBMITTED)


def test_an_assignment_tells_the_assignee_and_not_the_editor_who_assigned(
    client, login, post_form, make_article, editor, second_editor
):
    make_article()
    version = newest()
    login(editor)
    mark = last_notification_id()
    page = f"/review/versions/{version.id}"
    response = post_form(f"{page}/assign", {"assignee_id": second_editor.id}, page=page)
    assert response.status_code == 302
    assert told_since(mark) == told(mark, second_editor, kind=K.ASSIGNED)
    # Claiming for oneself tells no one.
    login(second_editor)
    mark = last_notification_id()
    post_form(f"{page}/release", page=page)
    post_form(f"{page}/claim", page=page)
    assert told_since(mark) == set()


@pytest.mark.parametrize(
    ("action", "kind"),
    [(Action.REQUEST_CHANGES, K.CHANGES_REQUESTED), (Action.REJECT, K.REJECTED)],
)
def test_a_decision_against_a_version_tells_its_author(
    client, login, post_form, make_article, contributor, editor, action, kind
):
    make_article(under_review=(("s1", C),))
    version = newest()
    login(editor)
    mark = last_notification_id()
    act(post_form, version, action, "La posologie manque.")
    assert told_since(mark) == told(mark, contributor, kind=kind)
    message = db.session.scalar(select(Notification.message).where(Notification.id > mark))
    assert "La posologie manque." in message


def test_an_editors_approval_tells_the_board_members_who_may_sign(
    client, login, post_form, make_article, editor, board_members
):
    make_article(under_review=(("s1", C),))
    version = newest()
    reviewer, independent = board_members
    # A comment during the editorial review takes a member off the version.
    resolve_comment(editor, add_comment(reviewer, version, "Une remarque."))
    db.session.commit()
    login(editor)
    mark = last_notification_id()
    act(post_form, version, Action.APPROVE)
    assert told_since(mark) == told(mark, independent, kind=K.AWAITING_SIGNATURE)
    link = db.session.scalar(
        select(Notification.link).where(
            Notification.id > mark, Notification.kind == K.AWAITING_SIGNATURE.value
        )
    )
    assert link == f"/board/versions/{version.id}"


def test_the_quorum_tells_the_author_and_the_approving_editor(
    client, login, post_form, make_article, contributor, editor, board_members
):
    make_article(under_review=(("s1", C),))
    version = newest()
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    signer = board_members[0]
    login(signer)
    mark = last_notification_id()
    page = f"/board/versions/{version.id}"
    response = post_form(
        f"{page}/sign",
        {"meaning": "Approved for publication", "password": TEST_PASSWORD},
        page=page,
    )
    assert response.status_code == 302
    assert told_since(mark) == told(mark, contributor, editor, kind=K.QUORUM_REACHED)


def test_an_objection_tells_the_editor_and_the_author(
    client, login, post_form, make_article, contributor, editor, board_members
):
    make_article(under_review=(("s1", C),))
    version = newest()
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    login(board_members[1])
    mark = last_notification_id()
    page = f"/board/versions/{version.id}"
    response = post_form(f"{page}/object", {"reason": "Posologie à vérifier."}, page=page)
    assert response.status_code == 302
    assert told_since(mark) == told(mark, contributor, editor, kind=K.OBJECTION)
    assert all(
        "Posologie à vérifier." in message
        for message in db.session.scalars(
            select(Notification.message).where(Notification.id > mark)
        )
    )


def test_a_comment_tells_the_other_party(
    client, login, post_form, make_article, contributor, editor, second_editor
):
    make_article(under_review=(("s1", C),))
    version = newest()
    page = f"/review/versions/{version.id}"
    login(editor)
    mark = last_notification_id()
    response = post_form(f"{page}/comments", {"comment": "Pourquoi ce chiffre ?"}, page=page)
    assert response.status_code == 302, response.text
    assert told_since(mark) == told(mark, contributor, kind=K.COMMENT)
    # The author's answer goes to whoever reviews: the editor who started review, not every
    # editor.
    login(contributor)
    mark = last_notification_id()
    response = post_form(f"{page}/comments", {"comment": "Il vient de la référence 1."}, page=page)
    assert response.status_code == 302, response.text
    assert told_since(mark) == told(mark, editor, kind=K.COMMENT)


def test_patient_wording_written_from_an_older_clinician_version_is_flagged(
    client, login, post_form, make_article, contributor, editor, second_editor, board_members
):
    make_article(approve="all", patient=True)
    clinician = next_version(contributor, section(), C)
    transition(editor, clinician, Action.START_REVIEW)
    transition(editor, clinician, Action.APPROVE)
    db.session.commit()
    patient = newest("s1", P)
    login(board_members[0])
    mark = last_notification_id()
    page = f"/board/versions/{clinician.id}"
    post_form(
        f"{page}/sign",
        {"meaning": "Approved for publication", "password": TEST_PASSWORD},
        page=page,
    )
    stale = {pair for pair in told_since(mark) if pair[1] is K.PATIENT_WORDING_STALE}
    assert stale == told(mark, contributor, editor, second_editor, kind=K.PATIENT_WORDING_STALE)
    message = db.session.scalar(
        select(Notification.message).where(
            Notification.id > mark, Notification.kind == K.PATIENT_WORDING_STALE.value
        )
    )
    assert f"Version {patient.number} was written from clinician Version 1" in message
    assert f"clinician Version {clinician.number} is now published" in message


def test_review_due_tells_the_editors_once_per_due_date(
    runner, make_article, editor, second_editor
):
    make_article()
    version = newest()
    version.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    mark = last_notification_id()
    result = runner.invoke(args=["notify", "due"])
    assert result.exit_code == 0, result.output
    assert "1 version newly past due." in result.output
    assert told_since(mark) == told(mark, editor, second_editor, kind=K.REVIEW_DUE)
    mark = last_notification_id()
    assert "0 versions newly past due." in runner.invoke(args=["notify", "due"]).output
    assert told_since(mark) == set()
    # A new due date that passes is told of again.
    version = db.session.get(Version, version.id)
    version.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    runner.invoke(args=["notify", "due"])
    assert told_since(mark) == told(mark, editor, second_editor, kind=K.REVIEW_DUE)


def test_email_goes_only_to_those_who_keep_it_on(make_article, contributor, editor, second_editor):
    make_article()
    db.session.add(
        NotificationPreference(user_id=second_editor.id, kind=K.SUBMITTED.value, email=False)
    )
    db.session.commit()
    mark = last_notification_id()
    mail_mark = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    version = next_version(contributor, section(), C)
    db.session.commit()
    assert told_since(mark) == told(mark, editor, second_editor, kind=K.SUBMITTED)
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > mail_mark)).all()
    assert [message.recipient_email for message in mail] == [editor.email]
    assert f"http://localhost:5000/review/versions/{version.id}" in mail[0].body
    assert f"Version {version.number}" in mail[0].subject


def test_a_change_rolled_back_notifies_no_one(make_article, contributor):
    make_article()
    mark = last_notification_id()
    outbox_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    next_version(contributor, section(), C)
    db.session.rollback()
    assert told_since(mark) == set()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == outbox_before


def test_an_action_without_a_rule_costs_no_query(make_article, editor, count_queries):
    make_article()
    event = audit.record(editor, "auth.sign_out", target=("user", editor.id))
    with count_queries() as counter:
        notifications.follow(event)
    assert counter.count == 0


def test_a_rule_costs_the_same_queries_however_many_are_told(
    make_article, make_user, editor, count_queries
):
    make_article(under_review=(("s1", C), ("s2", C)))

    def approval_queries(key: str) -> int:
        version = newest(key)
        with count_queries() as counter:
            transition(editor, version, Action.APPROVE)
            db.session.flush()
        db.session.commit()
        return counter.count

    few = approval_queries("s1")
    for _ in range(6):
        make_user(Role.BOARD)
    assert approval_queries("s2") == few
    counts = dict(
        db.session.execute(
            select(Notification.version_id, func.count(Notification.id))
            .where(Notification.kind == K.AWAITING_SIGNATURE.value)
            .group_by(Notification.version_id)
        ).all()
    )
    assert (counts[newest("s1").id], counts[newest("s2").id]) == (2, 8)
