"""API bearer tokens: every call needs a live one; `flask users token` and `revoke-token`."""

import re

import pytest
from sqlalchemy import func, select

from reviewapp.domain.accounts import set_active
from reviewapp.extensions import db
from reviewapp.models import ApiToken, AuditEvent, Comment, Version
from reviewapp.rules.states import Role

API_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
VALUES = {"slug": "test-article", "key": "s1", "audience": "clinician"}
BODIES = {
    "api.submit": {
        "heading": "Section 1",
        "body": "Sans jeton.",
        "base_version": None,
        "provenance": "human",
    },
    "api.transition": {"action": "start_review"},
    "api.comment": {"body": "Sans jeton."},
}


def api_calls(app, version_id: int, comment_id: int) -> list[tuple[str, str, str]]:
    """Return (method, url, endpoint) for every API route that needs a token."""
    values = {
        **VALUES,
        "version_id": str(version_id),
        "comment_id": str(comment_id),
        # Authentication is refused before the withdrawal is looked up: any number will do.
        "withdrawal_id": "1",
    }
    calls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        url = API_PARAMETER.sub(lambda match: values[match.group(1)], rule.rule)
        calls.extend((method, url, rule.endpoint) for method in rule.methods - {"HEAD", "OPTIONS"})
    return sorted(calls)


def changes() -> tuple[int, int, int, list[str]]:
    """Return what a refused call must leave as it was."""
    return (
        db.session.scalar(select(func.count(Version.id))),
        db.session.scalar(select(func.count(Comment.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
        list(db.session.scalars(select(Version.state).order_by(Version.id))),
    )


@pytest.fixture
def setting(make_article, contributor, editor):
    """An article with a submitted version and an open comment on it."""
    from reviewapp.domain.comments import add_comment

    make_article()
    version = db.session.scalar(select(Version).order_by(Version.id).limit(1))
    comment = add_comment(editor, version, "Une question.")
    db.session.commit()
    return version.id, comment.id


def refused_everywhere(app, client, setting, headers: dict, code: str) -> None:
    calls = api_calls(app, *setting)
    assert len(calls) >= 10
    before = changes()
    for method, url, endpoint in calls:
        response = client.open(url, method=method, json=BODIES.get(endpoint), headers=headers)
        assert response.status_code == 401, (method, url)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["error"]["code"] == code
        assert response.json["error"]["message"]
    assert changes() == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "rvw_nothing-before-it"},
    ],
)
def test_every_call_without_a_token_is_401(app, client, setting, headers):
    refused_everywhere(app, client, setting, headers, "unauthorized")


@pytest.mark.parametrize("secret", ["rvw_" + "x" * 43, "not-even-the-prefix", "rvw_", "rvw_\x00"])
def test_every_call_with_an_unknown_token_is_401(app, client, setting, secret):
    headers = {"Authorization": f"Bearer {secret}"}
    refused_everywhere(app, client, setting, headers, "invalid_token")


def test_revoked_token_is_401(app, client, setting, editor, api_token):
    from reviewapp.domain.tokens import revoke_token

    secret = api_token(editor)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/articles", headers=headers).status_code == 200
    revoke_token(None, db.session.scalar(select(ApiToken)))
    db.session.commit()
    refused_everywhere(app, client, setting, headers, "invalid_token")
    assert (
        'error="invalid_token"'
        in client.get("/api/v1/articles", headers=headers).headers["WWW-Authenticate"]
    )


def test_deactivated_account_is_401(app, client, setting, editor, api_token, make_user):
    secret = api_token(editor)
    set_active(make_user(Role.ADMIN), editor, False)
    db.session.commit()
    refused_everywhere(app, client, setting, {"Authorization": f"Bearer {secret}"}, "invalid_token")


def test_scheme_is_case_insensitive(client, editor, api_token):
    secret = api_token(editor)
    response = client.get("/api/v1/articles", headers={"Authorization": f"bearer  {secret} "})
    assert response.status_code == 200


def test_session_cookie_does_not_authenticate_the_api(app, client, setting, editor, login):
    assert login(editor).status_code == 302
    assert client.get("/review/").status_code == 200  # signed in for the pages
    refused_everywhere(app, client, setting, {}, "unauthorized")


def test_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")


def test_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


# The command line


def token_of(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_token_command_prints_the_secret_once_and_stores_its_hash(runner, client, contributor):
    result = runner.invoke(args=["users", "token", contributor.email, "--name", "drafter"])
    secret = token_of(result)
    assert re.fullmatch(r"rvw_[A-Za-z0-9_-]{40,}", secret)
    assert "Store the secret now: it is not shown again." in result.stderr
    assert secret not in result.stderr
    token = db.session.scalar(select(ApiToken))
    assert token.user_id == contributor.id
    assert token.name == "drafter"
    assert secret not in (token.token_hash, token.prefix)
    assert secret.startswith(token.prefix)
    assert f"Token {token.id} for {contributor.email}" in result.stderr
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.issue"))
    assert secret not in event.after
    response = client.get("/api/v1/articles", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_revoke_token_command_stops_the_token_at_once(runner, client, contributor):
    secret = token_of(runner.invoke(args=["users", "token", contributor.email]))
    headers = {"Authorization": f"Bearer {secret}"}
    token = db.session.scalar(select(ApiToken))
    result = runner.invoke(args=["users", "revoke-token", str(token.id)])
    assert result.exit_code == 0, result.output
    assert f"Revoked token {token.id} of {contributor.email}" in result.output
    assert client.get("/api/v1/articles", headers=headers).status_code == 401

    again = runner.invoke(args=["users", "revoke-token", str(token.id)])
    assert again.exit_code == 1
    assert "This token is already revoked." in again.output
    refused = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "token.revoke", AuditEvent.outcome == "refused"
        )
    )
    assert refused.target_id == token.id


def test_token_commands_refuse_unknown_and_deactivated_accounts(runner, contributor, make_user):
    unknown = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert unknown.exit_code == 1
    assert "No account with the email nobody@example.org." in unknown.output
    set_active(make_user(Role.ADMIN), contributor, False)
    db.session.commit()
    deactivated = runner.invoke(args=["users", "token", contributor.email])
    assert deactivated.exit_code == 1
    assert "is deactivated" in deactivated.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    missing = runner.invoke(args=["users", "revoke-token", "42"])
    assert missing.exit_code == 1
    assert "No API token 42." in missing.output
