"""Account self-service: the password link, one's API tokens, issuing and revoking them."""

import html as html_module
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewapp.domain.tokens import TOKEN_PREFIX, issue_token
from reviewapp.extensions import db
from reviewapp.models import ApiToken, AuditEvent
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Role

SECRET = re.compile(r'id="issued-secret"[^>]*value="(rvw_[A-Za-z0-9_-]+)"')


@pytest.fixture
def person(make_user, login):
    user = make_user(Role.EDITOR)
    login(user)
    return user


def token_form(client) -> dict:
    """Return the hidden inputs of the account page's token form, as a browser would send."""
    page = client.get("/account").text
    form = page[page.index('action="/account/tokens"') :]
    return dict(
        re.findall(
            r'<input id="(csrf_token|request_id)" name="\1" type="hidden" value="([^"]*)"', form
        )
    )


def issue(client, name: str = "drafting pipeline", days: str = "30"):
    data = {**token_form(client), "name": name, "expires_in_days": days}
    return client.post("/account/tokens", data=data)


def api(client, secret: str):
    return client.get("/api/v1/articles", headers={"Authorization": f"Bearer {secret}"})


def after(event: AuditEvent) -> dict:
    return json.loads(event.after)


def token_events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_the_account_page_links_the_password_and_offers_no_never(client, person):
    page = client.get("/account")
    assert page.status_code == 200
    assert 'href="/account/password"' in page.text
    assert "You have no API tokens." in page.text
    offered = re.findall(r'<option[^>]*value="(\d+)"', page.text)
    assert offered == ["30", "90", "365"]
    assert '<option selected value="90">' in page.text


def test_issuing_shows_the_secret_once_uncached_and_it_opens_the_api(client, person, post_form):
    answer = issue(client)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(answer.text).group(1)
    assert "Copy it now: it is shown this once." in answer.text
    assert re.search(r'<input[^>]*name="name"[^>]*value=""', answer.text)  # a blank form below
    token = db.session.scalar(select(ApiToken))
    assert token.user_id == person.id
    assert token.name == "drafting pipeline"
    assert token.expires_at - token.created_at == timedelta(days=30)
    assert secret.startswith(token.prefix)
    assert secret != token.token_hash
    # Not flashed (the session would carry it), not on any later page.
    later = client.get("/account").text
    assert secret not in later
    assert "drafting pipeline" in later
    assert f"{token.prefix}…" in later
    [event] = token_events("token.issue")
    assert after(event)["name"] == "drafting pipeline"
    assert after(event)["expires_at"] == token.expires_at.isoformat()
    assert secret not in event.after
    assert api(client, secret).status_code == 200


@pytest.mark.parametrize(
    ("name", "days", "field"),
    [("", "30", "name"), ("x" * 201, "30", "name"), ("ok", "0", "expires_in_days")],
)
def test_a_refused_token_form_is_marked_and_issues_nothing(
    client, person, post_form, name, days, field
):
    refused = issue(client, name, days)
    assert refused.status_code == 422
    assert f'<a href="#{field}">' in refused.text
    assert f'id="{field}-error"' in refused.text
    assert db.session.scalar(select(ApiToken)) is None
    assert "no-store" in refused.headers["Cache-Control"]


def test_the_list_shows_expiry_last_use_and_revocation(client, person, post_form):
    issue(client, "lecteur")
    secret = SECRET.search(issue(client, "écrivain", "365").text).group(1)
    assert api(client, secret).status_code == 200
    page = html_module.unescape(client.get("/account").text)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]
    assert [re.search(r"<td>([^<]*)</td>", row).group(1) for row in rows] == [
        "écrivain",
        "lecteur",
    ]
    used, unused = rows
    assert "UTC</time>" in used
    assert "Active" in used
    assert re.search(r"<td>never</td>\s*<td>Active", unused)


def test_revoking_stops_the_token_and_is_audited_with_its_name(client, person, post_form):
    secret = SECRET.search(issue(client).text).group(1)
    token = db.session.scalar(select(ApiToken))
    revoked = post_form(f"/account/tokens/{token.id}/revoke", page="/account")
    assert revoked.status_code == 302
    page = client.get(revoked.headers["Location"]).text
    assert "revoked: it no longer opens the API" in page
    assert ">Revoked on <time" in page
    [event] = token_events("token.revoke")
    assert after(event)["name"] == "drafting pipeline"
    assert after(event)["expires_at"] == db.session.get(ApiToken, token.id).expires_at.isoformat()
    refused = api(client, secret)
    assert refused.status_code == 401
    assert "revoked" in refused.json["error"]["message"]
    again = post_form(f"/account/tokens/{token.id}/revoke", page="/account")
    assert again.status_code == 409
    assert "This token is already revoked." in again.text
    assert "error-summary" in again.text


def test_nobody_revokes_or_sees_another_persons_token(client, person, make_user, post_form):
    other = make_user(Role.CONTRIBUTOR)
    theirs, _ = issue_token(None, other, "theirs", expires_in_days=30)
    db.session.commit()
    assert "theirs" not in client.get("/account").text
    refused = post_form(f"/account/tokens/{theirs.id}/revoke", page="/account")
    assert refused.status_code == 404
    assert not db.session.get(ApiToken, theirs.id).is_revoked


def test_an_expired_token_is_refused_and_says_why(client, person):
    token, secret = issue_token(None, person, "old", expires_in_days=30)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused = api(client, secret)
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "invalid_token"
    assert refused.json["error"]["message"].startswith("The token expired on ")
    assert "Expired" in client.get("/account").text


def test_a_token_without_expiry_from_before_keeps_working(client, person):
    _, secret = issue_token(None, person, "pipeline")
    db.session.commit()
    assert db.session.scalar(select(ApiToken)).expires_at is None
    assert api(client, secret).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(client, person, count_queries):
    token, secret = issue_token(None, person, "pipeline", expires_in_days=30)
    db.session.commit()
    assert token.last_used_at is None
    assert api(client, secret).status_code == 200
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    with count_queries() as counter:
        assert api(client, secret).status_code == 200
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in counter.statements)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first
    # A minute later the next use is written again.
    db.session.get(ApiToken, token.id).last_used_at = first - timedelta(minutes=1)
    db.session.commit()
    assert api(client, secret).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at > first - timedelta(minutes=1)


def test_an_unknown_token_names_no_account(client, app):
    refused = api(client, TOKEN_PREFIX + "x" * 43)
    assert refused.status_code == 401
    assert refused.json["error"]["message"] == (
        "The token is unknown: check that it was copied whole."
    )


def test_the_cli_issues_a_token_with_an_expiry(runner, client, contributor):
    result = runner.invoke(
        args=["users", "token", contributor.email, "--name", "ci", "--expires-in-days", "7"]
    )
    assert result.exit_code == 0, result.output
    token = db.session.scalar(select(ApiToken))
    assert token.expires_at - token.created_at == timedelta(days=7)
    assert f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" in result.stderr
    assert api(client, result.stdout.strip()).status_code == 200
    too_long = runner.invoke(args=["users", "token", contributor.email, "--expires-in-days", "0"])
    assert too_long.exit_code != 0
    assert "--expires-in-days" in too_long.output
    never = runner.invoke(args=["users", "token", contributor.email])
    assert "never expires" in never.stderr


def test_sending_the_same_form_again_issues_no_second_token(client, person):
    data = {**token_form(client), "name": "drafting pipeline", "expires_in_days": "30"}
    first = client.post("/account/tokens", data=data)
    assert first.status_code == 200
    assert SECRET.search(first.text)
    # A reload of the answer, or a second press of the button, sends the same form again.
    again = client.post("/account/tokens", data=data)
    assert again.status_code == 409
    assert "already sent, and its token issued" in html_module.unescape(again.text)
    assert not SECRET.search(again.text)
    assert len(db.session.scalars(select(ApiToken)).all()) == 1
    # The blank form the refusal shows issues the next one.
    assert issue(client, "second").status_code == 200
    assert len(db.session.scalars(select(ApiToken)).all()) == 2


def test_a_refused_token_form_can_be_corrected_and_sent(client, person):
    data = {**token_form(client), "name": "", "expires_in_days": "30"}
    assert client.post("/account/tokens", data=data).status_code == 422
    corrected = client.post("/account/tokens", data={**data, "name": "pipeline"})
    assert corrected.status_code == 200
    assert SECRET.search(corrected.text)
