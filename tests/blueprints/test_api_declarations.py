"""Declarations of interests through the API: GET and PUT /api/v1/me/declaration, recusal and
justification, and signatures refused as on the pages."""

import pytest
from sqlalchemy import func, select

from reviewapp.domain.signoffs import MEANINGS
from reviewapp.extensions import db
from reviewapp.models import Declaration, Signoff
from reviewapp.rules.specialties import CODES
from reviewapp.rules.states import Role
from tests.conftest import TEST_PASSWORD
from tests.interests import interested, oncology_awaiting_signoff

API = "/api/v1"


@pytest.fixture
def oncology(contributor, editor, board_members):
    return oncology_awaiting_signoff(contributor, editor, board_members)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def sign(client, secret: str, version_id: int):
    return client.post(
        f"{API}/versions/{version_id}/signoffs",
        json={"password": TEST_PASSWORD, "meaning": MEANINGS[0]},
        headers=bearer(secret),
    )


def test_a_member_reads_and_makes_their_declaration(client, make_user, api_token):
    member = make_user(Role.BOARD, declared=False)
    secret = api_token(member)
    before = client.get(f"{API}/me/declaration", headers=bearer(secret))
    assert before.status_code == 200
    assert before.json == {
        "required": True,
        "standing": "missing",
        "valid_until": None,
        "current": None,
        "history": [],
    }
    made = client.put(
        f"{API}/me/declaration",
        json={
            "kind": "non-financial",
            "text": "Membre du groupe de recommandations de la société savante.",
            "specialties": ["oncology", "palliative-care"],
        },
        headers=bearer(secret),
    )
    assert made.status_code == 200
    body = made.json
    assert body["standing"] == "current"
    assert body["current"]["kind"] == "non-financial"
    assert body["current"]["specialties"] == ["oncology", "palliative-care"]
    assert body["current"]["declared_at"].endswith("Z")
    assert body["valid_until"] == body["current"]["valid_until"]
    renewed = client.put(f"{API}/me/declaration", json={"kind": "none"}, headers=bearer(secret))
    assert [row["kind"] for row in renewed.json["history"]] == ["none", "non-financial"]
    assert renewed.json["current"]["id"] == renewed.json["history"][0]["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "maybe"}, "kind"),
        ({"kind": "financial", "specialties": ["astrology"]}, "specialties.0"),
        ({"kind": "none", "specialties": ["oncology"]}, "specialties"),
        ({"kind": "financial", "text": "", "specialties": ["oncology"]}, "text"),
        ({"kind": "none", "extra": 1}, "extra"),
        ({"kind": "none", "text": "x" * 5001}, "text"),
    ],
)
def test_a_refused_declaration_names_its_field(client, make_user, api_token, body, field):
    member = make_user(Role.EDITOR, declared=False)
    answer = client.put(f"{API}/me/declaration", json=body, headers=bearer(api_token(member)))
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == field
    assert db.session.scalar(select(func.count(Declaration.id))) == 0


def test_a_contributor_has_nothing_to_declare(client, contributor, api_token):
    secret = api_token(contributor)
    assert client.get(f"{API}/me/declaration", headers=bearer(secret)).json["required"] is False
    refused = client.put(f"{API}/me/declaration", json={"kind": "none"}, headers=bearer(secret))
    assert refused.status_code == 403
    assert "kept by medical editors and board members" in refused.json["error"]["message"]


def test_a_signature_without_a_declaration_is_refused_until_one_is_made(
    client, oncology, make_user, api_token
):
    member = make_user(Role.BOARD, declared=False)
    secret = api_token(member)
    refused = sign(client, secret, oncology.id)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "permission_denied"
    assert "/account/declaration" in refused.json["error"]["message"]
    listed = client.get(f"{API}/versions/{oncology.id}", headers=bearer(secret)).json
    assert "sign" not in listed["allowed_actions"]
    client.put(f"{API}/me/declaration", json={"kind": "none"}, headers=bearer(secret))
    assert sign(client, secret, oncology.id).status_code == 201


def test_an_interest_needs_a_justification_and_a_recusal_is_final(
    client, oncology, make_user, api_token
):
    justifying, recusing = interested(make_user), interested(make_user)
    statement = f"{API}/versions/{oncology.id}/interest-statement"
    assert sign(client, api_token(justifying), oncology.id).status_code == 403
    recorded = client.post(
        statement,
        json={"kind": "justification", "text": "Aucun produit du fabricant n'est cité."},
        headers=bearer(api_token(justifying)),
    )
    assert recorded.status_code == 200
    assert recorded.json["kind"] == "justification"
    assert recorded.json["person"]["id"] == justifying.id
    assert recorded.json["content_hash"] == oncology.content_hash
    assert sign(client, api_token(justifying), oncology.id).status_code == 201

    secret = api_token(recusing)
    assert client.post(statement, json={"kind": "recusal"}, headers=bearer(secret)).status_code == (
        200
    )
    refused = sign(client, secret, oncology.id)
    assert refused.status_code == 403
    assert "You recused yourself" in refused.json["error"]["message"]
    again = client.post(
        statement, json={"kind": "justification", "text": "Finalement…"}, headers=bearer(secret)
    )
    assert again.status_code == 409
    empty = client.post(
        statement, json={"kind": "justification"}, headers=bearer(api_token(interested(make_user)))
    )
    assert empty.status_code == 422
    assert empty.json["error"]["field"] == "text"
    assert (
        db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id == oncology.id))
        == 1
    )


def test_the_openapi_document_describes_the_declaration(client):
    doc = client.get(f"{API}/openapi.json").json
    me = doc["paths"][f"{API}/me/declaration"]
    assert me["get"]["operationId"] == "getMyDeclaration"
    assert me["put"]["operationId"] == "declareInterests"
    assert {"400", "401", "403", "422"} <= set(me["put"]["responses"])
    new = doc["components"]["schemas"]["NewDeclaration"]
    assert new["properties"]["kind"]["enum"] == ["none", "financial", "non-financial"]
    assert new["properties"]["specialties"]["items"]["enum"] == list(CODES)
    assert new["additionalProperties"] is False
    assert "interest-statement" in "".join(doc["paths"])
