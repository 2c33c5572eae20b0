"""The inbox, the unread count in the header, and email preferences, through HTTP."""

import json
import re

import pytest
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Notification, NotificationPreference, User
from reviewapp.rules.notifications import INBOX_PAGE_SIZE
from reviewapp.rules.notifications import NotificationKind as K
from reviewapp.rules.states import Audience, Role
from tests.conftest import csrf_token

SLUG = "test-article"


def notify(person: User, count: int = 1, link: str = "/review/", kind: K = K.COMMENT) -> None:
    db.session.add_all(
        Notification(
            recipient_id=person.id,
            kind=kind.value,
            message=f"Message {index} for {person.name}",
            link=link,
        )
        for index in range(count)
    )
    db.session.commit()


def unread(person: User) -> int:
    db.session.expire_all()
    return len(
        db.session.scalars(
            select(Notification).where(
                Notification.recipient_id == person.id, Notification.read_at.is_(None)
            )
        ).all()
    )


@pytest.fixture
def signed_in_editor(editor, login):
    login(editor)
    return editor


def test_the_header_counts_unread_notifications_on_staff_pages(
    client, signed_in_editor, contributor, count_queries
):
    assert '<a href="/inbox">Inbox</a>' in client.get("/review/").text
    notify(signed_in_editor, 3)
    notify(contributor, 2)
    with count_queries() as counter:
        page = client.get("/review/").text
    assert '<a href="/inbox">Inbox (3 unread)</a>' in page
    counting = [s for s in counter.statements if "FROM notification" in s]
    assert len(counting) == 1


def test_a_shared_public_page_neither_shows_nor_counts_the_inbox(
    app, client, make_article, signed_in_editor, count_queries
):
    make_article(approve="all")
    notify(signed_in_editor, 2)
    url = f"/articles/{SLUG}/{Audience.CLINICIAN.value}"
    # A signed-in reader gets a page of their own, with their header.
    assert "Inbox (" in client.get(url).text
    with count_queries() as counter:
        shared = app.test_client().get(url)
    assert shared.status_code == 200
    assert "/inbox" not in shared.text
    assert not [s for s in counter.statements if "notification" in s]


def test_the_inbox_lists_newest_first_and_links_each_to_its_version(
    client, make_article, signed_in_editor, contributor, post_form
):
    make_article()
    # The import told the editor of each version it submitted.
    assert "Inbox (" in client.get("/review/").text
    page = client.get("/inbox").text
    items = re.findall(r'<li id="notification-(\d+)" class="(unread|read)">', page)
    ids = [int(found) for found, _ in items]
    assert ids == sorted(ids, reverse=True)
    assert {state for _, state in items} == {"unread"}
    first = db.session.get(Notification, ids[0])
    assert f'<a href="{first.link}">' in page
    assert client.get(first.link).status_code == 200


def test_mark_one_read_and_mark_all_read(client, signed_in_editor, contributor):
    notify(signed_in_editor, 3)
    notify(contributor, 1)
    mine = db.session.scalars(
        select(Notification.id).where(Notification.recipient_id == signed_in_editor.id)
    ).all()
    token = csrf_token(client, "/inbox")
    response = client.post("/inbox/read", data={"notification_id": mine[0], "csrf_token": token})
    assert response.status_code == 302
    assert unread(signed_in_editor) == 2
    page = client.get("/inbox").text
    assert f'<li id="notification-{mine[0]}" class="read">' in page
    assert "Inbox (2 unread)" in page
    # Someone else's notification is not one's own to mark.
    theirs = db.session.scalar(
        select(Notification.id).where(Notification.recipient_id == contributor.id)
    )
    client.post("/inbox/read", data={"notification_id": theirs, "csrf_token": token})
    assert unread(contributor) == 1
    client.post("/inbox/read", data={"csrf_token": token})
    assert unread(signed_in_editor) == 0
    assert unread(contributor) == 1
    assert '<a href="/inbox">Inbox</a>' in client.get("/inbox").text


def test_marking_read_needs_the_csrf_token(client, signed_in_editor):
    notify(signed_in_editor, 1)
    assert client.post("/inbox/read", data={}).status_code == 400
    assert unread(signed_in_editor) == 1


def test_the_inbox_is_paged(client, signed_in_editor):
    notify(signed_in_editor, INBOX_PAGE_SIZE + 5)
    first = client.get("/inbox").text
    assert first.count('<li id="notification-') == INBOX_PAGE_SIZE
    assert 'href="/inbox?page=2" rel="next"' in first
    second = client.get("/inbox?page=2").text
    assert second.count('<li id="notification-') == 5
    assert 'rel="prev"' in second
    assert client.get("/inbox?page=x").status_code == 400


def test_the_inbox_needs_signing_in(client):
    assert client.get("/inbox").status_code in (302, 401)


def test_email_preferences_are_saved_and_audited(client, signed_in_editor, post_form):
    page = client.get("/inbox/preferences").text
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', page)
    assert len(boxes) == len(K)
    assert all(" checked" in box for box in boxes)  # email is on until turned off
    wanted = {kind.value: "y" for kind in K if kind is not K.SUBMITTED}
    response = post_form("/inbox/preferences", wanted)
    assert response.status_code == 302
    stored = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == signed_in_editor.id)
    ).all()
    assert [(row.kind, row.email) for row in stored] == [(K.SUBMITTED.value, False)]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "notification.preferences")
    )
    assert event.actor_id == signed_in_editor.id
    assert json.loads(event.after) == {"email_off": [K.SUBMITTED.value]}
    # Saving the same choice again changes nothing and records nothing.
    post_form("/inbox/preferences", wanted)
    assert (
        len(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "notification.preferences")
            ).all()
        )
        == 1
    )
    # Turned back on, the kind is on again.
    post_form("/inbox/preferences", wanted | {K.SUBMITTED.value: "y"})
    db.session.expire_all()
    assert db.session.get(NotificationPreference, (signed_in_editor.id, K.SUBMITTED.value)).email


def test_a_board_member_has_an_inbox_too(client, make_user, login):
    member = make_user(Role.BOARD)
    login(member)
    notify(member, 1, link="/board/", kind=K.AWAITING_SIGNATURE)
    page = client.get("/board/").text
    assert "Inbox (1 unread)" in page
    assert client.get("/inbox").status_code == 200
