"""Admin pages: create accounts, set roles, deactivate, reset passwords."""

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from reviewapp.domain.users import MIN_PASSWORD_LENGTH
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, User
from reviewapp.rules.states import Role
from tests.blueprints.test_auth import sign_in_as as login_as
from tests.conftest import TEST_PASSWORD, csrf_token


def test_admin_creates_an_account(client, login, make_user, post_form):
    admin = make_user(Role.ADMIN)
    login(admin)
    response = post_form(
        "/admin/users/new",
        {
            "email": "New.Editor@example.org",
            "name": "Dr New",
            "credentials": "MD",
            "password": "a long enough password",
            "roles": ["editor", "board"],
            "confirm_dual_review": "y",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.editor@example.org"))
    assert user.roles == {Role.EDITOR, Role.BOARD}
    page = client.get(response.headers["Location"])
    assert "Created the account new.editor@example.org." in page.text


def test_refused_account_form_keeps_what_was_typed(client, login, make_user, post_form):
    admin = make_user(Role.ADMIN)
    make_user(Role.EDITOR, email="taken@example.org")
    login(admin)
    response = post_form(
        "/admin/users/new",
        {
            "email": "taken@example.org",
            "name": "Dr Typed Name",
            "password": "a long enough password",
            "roles": ["editor"],
        },
    )
    assert response.status_code == 409
    assert "already exists" in response.text
    assert 'value="Dr Typed Name"' in response.text
    short = post_form(
        "/admin/users/new",
        {"email": "x@example.org", "name": "Dr Short", "password": "short", "roles": ["editor"]},
    )
    assert short.status_code == 422
    assert 'value="Dr Short"' in short.text


def test_admin_sets_roles_and_it_is_audited(client, login, make_user, post_form):
    admin = make_user(Role.ADMIN)
    target = make_user(Role.CONTRIBUTOR)
    login(admin)
    page = f"/admin/users/{target.id}"
    response = post_form(f"/admin/users/{target.id}/roles", {"roles": ["editor"]}, page=page)
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.roles == {Role.EDITOR}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.set_roles"))
    assert '"contributor"' in event.before
    assert '"editor"' in event.after


def test_deactivated_account_can_do_nothing_and_keeps_history(
    client, login, make_user, post_form, make_article
):
    admin = make_user(Role.ADMIN)
    editor = make_user(Role.EDITOR)
    login(admin)
    response = post_form(f"/admin/users/{editor.id}/deactivate", page=f"/admin/users/{editor.id}")
    assert response.status_code == 302
    db.session.refresh(editor)
    assert not editor.active
    assert not editor.has_role(Role.EDITOR)
    assert "Deactivated" in client.get("/admin/users").text
    post_form("/sign-out", page="/admin/users")
    assert login(editor).status_code == 401


def test_deactivation_ends_an_open_session(client, login, make_user):
    editor = make_user(Role.EDITOR)
    login(editor)
    assert client.get("/review/").status_code == 200
    editor.active = False
    db.session.commit()
    assert client.get("/review/").status_code == 302


def test_admin_cannot_lock_themselves_out(client, login, make_user, post_form):
    admin = make_user(Role.ADMIN)
    login(admin)
    page = f"/admin/users/{admin.id}"
    response = post_form(f"/admin/users/{admin.id}/deactivate", page=page)
    assert response.status_code == 409
    assert "cannot deactivate your own account" in response.text
    response = post_form(f"/admin/users/{admin.id}/roles", {"roles": ["editor"]}, page=page)
    assert response.status_code == 409
    db.session.refresh(admin)
    assert admin.active
    assert admin.roles == {Role.ADMIN}
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
    assert {e.action for e in refused} == {"user.deactivate", "user.set_roles"}


def test_admin_pages_refuse_other_roles_and_anonymous(client, login, make_user):
    assert client.get("/admin/users").status_code == 302
    login(make_user(Role.EDITOR, Role.BOARD))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403


def test_missing_account_is_404(client, login, make_user):
    login(make_user(Role.ADMIN))
    response = client.get("/admin/users/9999")
    assert response.status_code == 404
    assert "There is no account 9999." in response.text


def test_role_change_without_csrf_is_refused(client, login, make_user):
    admin = make_user(Role.ADMIN)
    target = make_user(Role.CONTRIBUTOR)
    login(admin)
    response = client.post(f"/admin/users/{target.id}/roles", data={"roles": ["admin"]})
    assert response.status_code == 400
    db.session.refresh(target)
    assert target.roles == {Role.CONTRIBUTOR}


def test_nobody_changes_their_own_roles(client, login, make_user, post_form):
    admin = make_user(Role.ADMIN)
    login(admin)
    page = f"/admin/users/{admin.id}"
    assert "Nobody changes their own roles" in client.get(page).text
    answer = post_form(
        f"/admin/users/{admin.id}/roles",
        {"roles": ["admin", "editor", "board"]},
        page="/admin/users",
    )
    assert answer.status_code == 409
    db.session.refresh(admin)
    assert admin.roles == {Role.ADMIN}


def test_giving_editor_and_board_roles_asks_for_confirmation_and_is_audited(
    client, login, make_user, post_form
):
    login(make_user(Role.ADMIN))
    target = make_user(Role.EDITOR)
    page = f"/admin/users/{target.id}"
    refused = post_form(f"{page}/roles", {"roles": ["editor", "board"]}, page=page)
    assert refused.status_code == 422
    assert "never sign what it" in refused.text
    assert 'name="confirm_dual_review"' in refused.text
    # What the admin ticked is kept: both roles are still checked on the refused form.
    assert 'checked id="roles-1" name="roles" type="checkbox" value="editor"' in refused.text
    assert 'checked id="roles-2" name="roles" type="checkbox" value="board"' in refused.text
    db.session.refresh(target)
    assert target.roles == {Role.EDITOR}
    confirmed = post_form(
        f"{page}/roles", {"roles": ["editor", "board"], "confirm_dual_review": "y"}, page=page
    )
    assert confirmed.status_code == 302
    db.session.refresh(target)
    assert target.roles == {Role.EDITOR, Role.BOARD}
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "user.set_roles", AuditEvent.outcome == "done")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    assert '"editor_and_board_confirmed":true' in event.after.replace(" ", "")


# Password resets, and deactivation ending every session.

TEMPORARY = re.compile(r'<code class="temporary-password">([^<]+)</code>')
NEW_PASSWORD = "chosen after the reset"


def browser_of(app, user, password: str = TEST_PASSWORD):
    """Return another client, signed in as `user` through the form."""
    other = app.test_client()
    answer = other.post(
        "/sign-in",
        data={"email": user.email, "password": password, "csrf_token": csrf_token(other)},
    )
    assert answer.status_code == 302
    return other, answer


def test_admin_reset_forces_a_change_at_next_sign_in_and_is_audited(
    app, client, login, make_user, post_form
):
    admin = make_user(Role.ADMIN)
    editor = make_user(Role.EDITOR)
    editors_browser, _ = browser_of(app, editor)
    login(admin)
    page = f"/admin/users/{editor.id}"
    assert "Reset password" in client.get(page).text
    response = post_form(f"{page}/password", page=page)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    temporary = TEMPORARY.search(response.text).group(1)
    assert len(temporary) >= MIN_PASSWORD_LENGTH
    assert "shown only this once" in response.text
    # Shown once: the account page, opened again, no longer holds it.
    assert temporary not in client.get(page).text
    assert "must be changed at the next sign-in" in client.get(page).text
    # The editor's open session ended; the old password opens nothing.
    assert editors_browser.get("/review/").status_code == 302
    assert login_as(app.test_client(), editor.email, TEST_PASSWORD).status_code == 401
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.reset_password")
    ).all()
    assert (event.actor_id, event.target_id, event.outcome) == (admin.id, editor.id, "done")
    assert temporary not in event.before + event.after + event.message

    # Signing in with the temporary password leads to the change page, and nowhere else.
    browser, signed_in = browser_of(app, editor, temporary)
    assert signed_in.headers["Location"].endswith("/account/password")
    for elsewhere in ("/review/", "/", "/articles/none", "/board/", "/admin/users"):
        answer = browser.get(elsewhere)
        assert answer.status_code == 302, elsewhere
        assert answer.headers["Location"].endswith("/account/password"), elsewhere
    form = browser.get("/account/password")
    assert form.status_code == 200
    assert "An admin has reset your password" in form.text
    changed = browser.post(
        "/account/password",
        data={
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf_token(browser, "/account/password"),
        },
    )
    assert changed.status_code == 302
    assert browser.get("/review/").status_code == 200
    db.session.refresh(editor)
    assert not editor.must_change_password
    assert editor.check_password(NEW_PASSWORD)


def test_a_person_whose_password_was_reset_can_still_sign_out(app, make_user, post_form, login):
    admin = make_user(Role.ADMIN)
    editor = make_user(Role.EDITOR)
    login(admin)
    temporary = TEMPORARY.search(
        post_form(f"/admin/users/{editor.id}/password", page=f"/admin/users/{editor.id}").text
    ).group(1)
    browser, _ = browser_of(app, editor, temporary)
    out = browser.post("/sign-out", data={"csrf_token": csrf_token(browser, "/account/password")})
    assert out.status_code == 302
    assert urlsplit(out.headers["Location"]).path == "/"


def test_an_admin_cannot_reset_their_own_password(client, login, make_user, post_form):
    admin = make_user(Role.ADMIN)
    login(admin)
    page = f"/admin/users/{admin.id}"
    shown = client.get(page).text
    assert f'action="{page}/password"' not in shown
    assert 'href="/account/password">change your password</a>' in shown
    refused = post_form(f"{page}/password", page=page)
    assert refused.status_code == 409
    assert "change it on the password page" in refused.text
    db.session.refresh(admin)
    assert admin.check_password(TEST_PASSWORD)
    assert not admin.must_change_password
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.reset_password")
    ).all()
    assert event.outcome == "refused"


def test_deactivation_moves_the_session_token_so_reactivation_opens_no_old_session(
    app, client, login, make_user, post_form
):
    admin = make_user(Role.ADMIN)
    editor = make_user(Role.EDITOR)
    editors_browser, _ = browser_of(app, editor)
    token = editor.session_token
    login(admin)
    page = f"/admin/users/{editor.id}"
    assert post_form(f"{page}/deactivate", page=page).status_code == 302
    db.session.refresh(editor)
    assert editor.session_token != token
    assert post_form(f"{page}/reactivate", page=page).status_code == 302
    assert editors_browser.get("/review/").status_code == 302


def test_the_admin_sees_each_token_as_it_stands(client, login, make_user):
    from datetime import timedelta

    from reviewapp.domain.tokens import issue_token, revoke_token
    from reviewapp.rules.clock import utcnow

    admin, person = make_user(Role.ADMIN), make_user(Role.EDITOR)
    active, _ = issue_token(None, person, "active", 30)
    expired, _ = issue_token(None, person, "expired", 30)
    expired.expires_at = utcnow() - timedelta(days=1)
    revoked, _ = issue_token(None, person, "revoked", 30)
    revoke_token(person, revoked)
    db.session.commit()
    login(admin)
    page = client.get(f"/admin/users/{person.id}").text
    rows = {
        re.search(r"<td>([^<]*)</td>", row).group(1): row
        for row in re.findall(r"<tr><td>.*?</tr>", page, re.S)
    }
    assert "Active" in rows["active"]
    assert "Expired" in rows["expired"]
    assert "Revoked on" in rows["revoked"]
    assert "Live" not in page
