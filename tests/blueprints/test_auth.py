"""Signing in and out through the pages."""

from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent
from reviewapp.rules.states import Role


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


def test_sign_in_is_rate_limited_per_address(client, make_user):
    from tests.conftest import TEST_PASSWORD

    for number in range(20):
        sign_in_as(client, f"guess{number}@example.org", "wrong password!!", "198.51.100.9")
    editor = make_user(Role.EDITOR)
    assert sign_in_as(client, editor.email, TEST_PASSWORD, "198.51.100.9").status_code == 429
    assert sign_in_as(client, editor.email, TEST_PASSWORD, "192.0.2.1").status_code == 302


def test_one_readers_sign_in_never_reaches_another_readers_request(app, client, login, editor):
    """The suite keeps one app context per test; each request must still see only its own user."""
    login(editor)
    assert client.get("/review/").status_code == 200
    stranger = app.test_client()
    response = stranger.get("/review/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
