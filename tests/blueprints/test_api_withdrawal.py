"""Withdrawal, retraction and countersignature through the JSON API, and their OpenAPI."""

import pytest
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import Section, Version, Withdrawal
from reviewapp.rules.states import Audience, Role, State
from tests.conftest import TEST_PASSWORD, next_version

C = Audience.CLINICIAN
REASON = "Retiré après une alerte de sécurité."


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def s1() -> Section:
    return db.session.scalar(select(Section).where(Section.key == "s1"))


@pytest.fixture
def shown(make_article) -> Version:
    make_article(approve="all", patient=True)
    return db.session.get(Version, s1().published_clinician_id)


def test_an_editor_withdraws_through_the_api(client, shown, editor, api_token):
    response = client.post(
        f"/api/v1/versions/{shown.id}/withdrawal",
        json={"reason": REASON, "scope": "both"},
        headers=bearer(api_token(editor)),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/withdrawals/{body['id']}")
    assert (body["kind"], body["scope"], body["reason"]) == ("withdrawal", "both", REASON)
    assert body["article"] == "test-article"
    assert body["withdrawn_by"]["id"] == editor.id
    assert body["countersignature"] is None
    assert body["countersign_overdue"] is False
    assert {(v["section"], v["audience"]) for v in body["versions"]} == {
        ("s1", "clinician"),
        ("s1", "patient"),
    }
    assert db.session.get(Version, shown.id).workflow_state is State.WITHDRAWN
    assert "Retiré après une alerte" in client.get("/articles/test-article/clinician").text
    fetched = client.get(
        body["versions"] and f"/api/v1/withdrawals/{body['id']}", headers=bearer(api_token(editor))
    )
    assert fetched.status_code == 200
    assert fetched.json["id"] == body["id"]


def test_reinstating_through_the_api(
    client, make_article, editor, board_members, contributor, api_token
):
    from tests.conftest import approve_fully

    make_article(approve="all")
    second = next_version(contributor, s1(), C)
    approve_fully(editor, board_members, second)
    db.session.commit()
    response = client.post(
        f"/api/v1/versions/{second.id}/withdrawal",
        json={"reason": REASON, "reinstate_previous": True},
        headers=bearer(api_token(editor)),
    )
    assert response.status_code == 201, response.json
    reinstated = response.json["versions"][0]["reinstated_version_id"]
    assert reinstated == second.parent_id
    assert s1().published_clinician_id == second.parent_id


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "reason"),
        ({"reason": "x" * 1001}, 422, "reason"),
        ({"reason": REASON, "scope": "everything"}, 422, "scope"),
        ({"reason": REASON, "extra": 1}, 422, "extra"),
        ({"reason": "   "}, 422, "reason"),
        ({"reason": REASON, "reinstate_previous": True}, 409, "reinstate"),
    ],
)
def test_refused_withdrawals_say_why(client, shown, editor, api_token, body, status, field):
    response = client.post(
        f"/api/v1/versions/{shown.id}/withdrawal", json=body, headers=bearer(api_token(editor))
    )
    assert response.status_code == status, response.json
    assert field in str(response.json)
    assert db.session.get(Version, shown.id).workflow_state is State.APPROVED


def test_withdrawal_refusals_by_role_and_state(
    client, shown, make_user, editor, contributor, api_token
):
    for role in (Role.CONTRIBUTOR, Role.BOARD, Role.ADMIN):
        refused = client.post(
            f"/api/v1/versions/{shown.id}/withdrawal",
            json={"reason": REASON},
            headers=bearer(api_token(make_user(role))),
        )
        assert refused.status_code == 403
        assert "medical editor" in refused.json["error"]["message"]
    pending = next_version(contributor, s1(), C)
    db.session.commit()
    token = api_token(editor)
    conflict = client.post(
        f"/api/v1/versions/{pending.id}/withdrawal", json={"reason": REASON}, headers=bearer(token)
    )
    assert conflict.status_code == 409
    assert conflict.json["error"]["code"] == "transition_not_allowed"
    assert (
        client.post(
            "/api/v1/versions/999999/withdrawal", json={"reason": REASON}, headers=bearer(token)
        ).status_code
        == 404
    )
    # The review steps endpoint refuses it: a withdrawal has its own operation.
    steps = client.post(
        f"/api/v1/versions/{shown.id}/transitions",
        json={"action": "withdraw", "comment": REASON},
        headers=bearer(token),
    )
    assert steps.status_code == 422
    assert db.session.scalar(select(func.count(Withdrawal.id))) == 0


def test_retraction_and_countersignature_through_the_api(
    client, shown, editor, board_members, api_token
):
    editor_token = api_token(editor)
    response = client.post(
        "/api/v1/articles/test-article/retraction",
        json={"reason": REASON},
        headers=bearer(editor_token),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["kind"], body["scope"]) == ("retraction", "article")
    assert len(body["versions"]) == 8
    again = client.post(
        "/api/v1/articles/test-article/retraction",
        json={"reason": REASON},
        headers=bearer(editor_token),
    )
    assert again.status_code == 409
    assert (
        client.post(
            "/api/v1/articles/nothing-here/retraction",
            json={"reason": REASON},
            headers=bearer(editor_token),
        ).status_code
        == 404
    )

    url = f"/api/v1/withdrawals/{body['id']}/countersignature"
    assert (
        client.post(url, json={"password": TEST_PASSWORD}, headers=bearer(editor_token)).status_code
        == 403
    )
    member = bearer(api_token(board_members[0]))
    wrong = client.post(url, json={"password": "wrong"}, headers=member)
    assert wrong.status_code == 403
    assert wrong.json["error"]["field"] == "password"
    signed = client.post(url, json={"password": TEST_PASSWORD}, headers=member)
    assert signed.status_code == 200, signed.json
    assert signed.json["countersignature"]["meaning"] == "Retraction confirmed"
    assert signed.json["countersignature"]["printed_name"].startswith("Pr Ada Board")
    twice = client.post(
        url, json={"password": TEST_PASSWORD}, headers=bearer(api_token(board_members[1]))
    )
    assert twice.status_code == 409


def test_the_openapi_document_describes_them(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    withdrawal = paths["/api/v1/versions/{version_id}/withdrawal"]["post"]
    assert withdrawal["operationId"] == "withdrawVersion"
    assert {"201", "401", "403", "404", "409", "422"} <= set(withdrawal["responses"])
    retraction = paths["/api/v1/articles/{slug}/retraction"]["post"]
    assert retraction["operationId"] == "retractArticle"
    schemas = document["components"]["schemas"]
    withdrawal_body = schemas["NewWithdrawal"]
    assert withdrawal_body["required"] == ["reason"]
    assert withdrawal_body["properties"]["reason"]["maxLength"] == 1000
    assert withdrawal_body["properties"]["scope"]["enum"] == ["audience", "both", "article"]
    assert schemas["NewRetraction"]["required"] == ["reason"]
    assert "countersignature" in schemas["Withdrawal"]["properties"]
    assert (
        paths["/api/v1/withdrawals/{withdrawal_id}/countersignature"]["post"]["operationId"]
        == "countersignWithdrawal"
    )
