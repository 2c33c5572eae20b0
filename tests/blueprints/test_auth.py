"""Signing in and out, sessions that end, and changing one's password, through the pages."""

import pytest
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent
from reviewapp.rules.states import Role
from tests.conftest import TEST_PASSWORD, csrf_token


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_sign_in_and_out(client, login, make_user, post_form):
    editor = make_user(Role.EDITOR)
    response = login(editor)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review/")
    page = client.get("/review/")
    assert page.status_code == 200
    assert editor.name in page.text
    out = post_form("/sign-out", page="/review/")
    assert out.status_code == 302
    assert client.get("/review/").status_code == 302  # back to sign-in
    assert [e.outcome for e in events("auth.sign_in")] == ["done"]
    assert len(events("auth.sign_out")) == 1


def test_wrong_password_is_refused_and_audited(client, login, make_user):
    editor = make_user(Role.EDITOR)
    response = login(editor, password="not the password")
    assert response.status_code == 401
    assert "Wrong email or password" in response.text
    assert f'value="{editor.email}"' in response.text  # what was typed stays
    [event] = events("auth.sign_in")
    assert event.outcome == "refused"
    assert event.message == "wrong password"


def test_unknown_account_is_refused_and_audited(client):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = client.post(
        "/sign-in", data={"email": "ghost@example.org", "password": "x" * 20, "csrf_token": token}
    )
    assert response.status_code == 401
    assert events("auth.sign_in")[0].message == "unknown account ghost@example.org"


def test_deactivated_account_cannot_sign_in(client, login, make_user):
    editor = make_user(Role.EDITOR)
    editor.active = False
    db.session.commit()
    assert login(editor).status_code == 401
    assert events("auth.sign_in")[0].message == "account deactivated"


def test_sign_in_without_csrf_token_is_refused(client, make_user):
    editor = make_user(Role.EDITOR)
    response = client.post("/sign-in", data={"email": editor.email, "password": "x" * 20})
    assert response.status_code == 400
    assert events("auth.sign_in") == []


def test_next_only_follows_local_paths(client, make_user):
    from tests.conftest import TEST_PASSWORD, csrf_token

    editor = make_user(Role.EDITOR)
    token = csrf_token(client)
    response = client.post(
        "/sign-in?next=https://evil.example/",
        data={"email": editor.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/review/")


def test_pages_need_the_right_role(client, login, make_user):
    board = make_user(Role.BOARD)
    login(board)
    response = client.get("/review/")
    assert response.status_code == 403
    assert "editor or contributor role" in response.text
    assert client.get("/admin/users").status_code == 403


def sign_in_as(client, email: str, password: str, address: str = "203.0.113.7"):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sign_in_is_rate_limited_per_account(client, make_user):
    from tests.conftest import TEST_PASSWORD

    editor = make_user(Role.EDITOR)
    for _ in range(5):
        assert sign_in_as(client, editor.email, "wrong password!!").status_code == 401
    locked = sign_in_as(client, editor.email, TEST_PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    refusals = [e for e in events("auth.sign_in") if e.outcome == "refused"]
    assert refusals[-1].message.startswith("Too many failed sign-ins")
    other = make_user(Role.EDITOR)
    assert sign_in_as(client, other.email, TEST_PASSWORD).status_code == 302


def test_sign_in_from_a_guessing_address_is_slowed_not_locked(client, make_user):
    from tests.conftest import TEST_PASSWORD

    for number in range(20):
        sign_in_as(client, f"guess{number}@example.org", "wrong password!!", "198.51.100.9")
    editor = make_user(Role.EDITOR)
    slowed = sign_in_as(client, editor.email, TEST_PASSWORD, "198.51.100.9")
    assert slowed.status_code == 429
    assert slowed.headers["Retry-After"] == "1"
    assert "wait 1 seconds" in slowed.text
    assert sign_in_as(client, editor.email, TEST_PASSWORD, "192.0.2.1").status_code == 302


def test_one_readers_sign_in_never_reaches_another_readers_request(app, client, login, editor):
    """The suite keeps one app context per test; each request must still see only its own user."""
    login(editor)
    assert client.get("/review/").status_code == 200
    stranger = app.test_client()
    response = stranger.get("/review/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# Sessions that end, and changing one's own password.

NEW_PASSWORD = "a brand new passphrase"
SESSION = "session"


def session_cookie(client) -> str:
    cookie = client.get_cookie(SESSION, domain="reviewapp.test")
    assert cookie is not None, "not signed in"
    return cookie.value


def replay(client, value: str) -> None:
    client.set_cookie(SESSION, value, domain="reviewapp.test")


def signed_in_client(app, user, password: str = TEST_PASSWORD):
    """Return a second browser of the same person, signed in through the form."""
    other = app.test_client()
    token = csrf_token(other)
    response = other.post(
        "/sign-in", data={"email": user.email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302
    return other


def change_password(post_form, current: str, new: str = NEW_PASSWORD, again: str | None = None):
    return post_form(
        "/account/password",
        {"current_password": current, "new_password": new, "confirm_password": again or new},
    )


def test_a_session_cookie_copied_before_signing_out_opens_nothing_after(
    client, login, make_user, post_form
):
    editor = make_user(Role.EDITOR)
    login(editor)
    copied = session_cookie(client)
    assert client.get("/review/").status_code == 200
    post_form("/sign-out", page="/review/")
    replay(client, copied)
    page = client.get("/review/")
    assert page.status_code == 302
    assert "/sign-in" in page.headers["Location"]
    # Anywhere on the site the replayed cookie is a reader's: anonymous, offered to sign in.
    home = client.get("/")
    assert editor.name not in home.text
    assert 'href="/sign-in"' in home.text
    assert events("auth.sign_out")[0].message == "sessions ended"


def test_a_session_from_before_the_session_tokens_opens_nothing(app, client, login, make_user):
    """A cookie naming only the account id (as issued before migration 0010) is refused."""
    from flask.sessions import SecureCookieSessionInterface

    editor = make_user(Role.EDITOR)
    login(editor)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    stored = serializer.loads(session_cookie(client))
    assert stored["_user_id"] == editor.get_id()
    replay(client, serializer.dumps({**stored, "_user_id": str(editor.id)}))
    assert client.get("/review/").status_code == 302


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(
    app, client, login, make_user, post_form
):
    editor = make_user(Role.EDITOR)
    login(editor)
    elsewhere = signed_in_client(app, editor)
    assert elsewhere.get("/review/").status_code == 200
    response = change_password(post_form, TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review/")
    page = client.get("/review/")
    assert page.status_code == 200
    assert "Your password is changed. Your other sessions are signed out." in page.text
    signed_out = elsewhere.get("/review/")
    assert signed_out.status_code == 302
    assert "/sign-in" in signed_out.headers["Location"]
    # The new password opens the account, the old one no longer does.
    assert sign_in_as(app.test_client(), editor.email, TEST_PASSWORD).status_code == 401
    assert sign_in_as(app.test_client(), editor.email, NEW_PASSWORD).status_code == 302
    [event] = events("user.change_password")
    assert event.outcome == "done"
    assert event.actor_id == editor.id
    recorded = event.before + event.after + event.message
    assert TEST_PASSWORD not in recorded
    assert NEW_PASSWORD not in recorded


def test_the_header_links_to_the_account_page_and_on_to_the_password(client, login, make_user):
    login(make_user(Role.BOARD))
    assert '<a href="/account">Account</a>' in client.get("/board/").text
    assert 'href="/account/password"' in client.get("/account").text
    page = client.get("/account/password")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.text
    assert 'autocomplete="new-password"' in page.text


def test_a_wrong_current_password_is_refused_counts_toward_the_lockout_and_is_audited(
    app, client, login, make_user, post_form
):
    from reviewapp.models import PasswordCheck

    editor = make_user(Role.EDITOR)
    login(editor)
    refused = change_password(post_form, "not my password at all")
    assert refused.status_code == 403
    # The error summary comes first, linking to the field to correct; no password comes back.
    assert refused.text.index("There is a problem") < refused.text.index('name="current_password"')
    assert 'href="#current_password"' in refused.text
    assert "Wrong current password: the password was not changed." in refused.text
    assert "not my password at all" not in refused.text
    assert NEW_PASSWORD not in refused.text
    [event] = events("user.change_password")
    assert (event.outcome, event.message) == (
        "refused",
        "Wrong current password: the password was not changed.",
    )
    checks = db.session.scalars(select(PasswordCheck)).all()
    assert [(c.purpose, c.succeeded) for c in checks] == [("sign_in", True), ("sign_in", False)]
    # Four more wrong ones lock the account: the form, and signing in, even with the password.
    for _ in range(4):
        assert change_password(post_form, "not my password at all").status_code == 403
    locked = change_password(post_form, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    # The same lockout as signing in, from where the wrong passwords came (the test client's).
    assert (
        sign_in_as(app.test_client(), editor.email, TEST_PASSWORD, "127.0.0.1").status_code == 429
    )
    db.session.refresh(editor)
    assert editor.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("short", "short", "The new password must have 12 to 1,024 characters."),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two new passwords differ"),
        (TEST_PASSWORD, TEST_PASSWORD, "Choose a new password that differs from the current one."),
    ],
)
def test_a_refused_new_password_changes_nothing(
    client, login, make_user, post_form, new, again, message
):
    editor = make_user(Role.EDITOR)
    login(editor)
    copied = session_cookie(client)
    refused = change_password(post_form, TEST_PASSWORD, new, again)
    assert refused.status_code == 422
    assert "There is a problem" in refused.text
    assert message in refused.text
    db.session.refresh(editor)
    assert editor.check_password(TEST_PASSWORD)
    # Nothing moved: the session is still the one it was.
    replay(client, copied)
    assert client.get("/review/").status_code == 200
