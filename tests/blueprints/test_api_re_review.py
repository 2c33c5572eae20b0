"""Re-review through the JSON API: `POST /versions/<id>/re-review`, the board's signatures
through `/signoffs` with "Re-reviewed, no change", sending for revision, and the OpenAPI."""

import pytest
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import Article, Section, Signoff, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.re_reviews import RE_REVIEW_MEANING
from reviewapp.rules.states import Audience, Role

C = Audience.CLINICIAN


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def published(make_article) -> Version:
    make_article(approve=(("s1", C),))
    db.session.scalar(select(Article)).required_signoffs = 2
    db.session.commit()
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    return db.session.get(Version, section.published_clinician_id)


def sign(client, secret: str, version_id: int, meaning: str = RE_REVIEW_MEANING):
    return client.post(
        f"/api/v1/versions/{version_id}/signoffs",
        json={"password": "correct horse battery", "meaning": meaning},
        headers=bearer(secret),
    )


def test_a_re_review_through_the_api(client, published, editor, board_members, api_token):
    versions = db.session.scalar(select(func.count(Version.id)))
    opened = client.post(
        f"/api/v1/versions/{published.id}/re-review", json={}, headers=bearer(api_token(editor))
    )
    assert opened.status_code == 200, opened.json
    body = opened.json
    assert body["state"] == "approved"
    assert body["re_review_open"] is True
    assert body["review_round"] == 1
    assert body["history"][-1]["action"] == "open_re_review"
    first_reviewed = body["last_reviewed_at"]

    ada, ben = (api_token(member) for member in board_members)
    # The approval's meaning is refused during a re-review.
    wrong = sign(client, ada, published.id, "Approved for publication")
    assert wrong.status_code == 422
    assert wrong.json["error"]["field"] == "meaning"
    first = sign(client, ada, published.id)
    assert first.status_code == 201, first.json
    assert first.json["meaning"] == RE_REVIEW_MEANING
    assert first.json["content_hash"] == published.content_hash
    listing = client.get(f"/api/v1/versions/{published.id}/signoffs", headers=bearer(ada))
    assert listing.json["counted"] == 1  # this round's, of the two it needs
    assert sign(client, ben, published.id).status_code == 201

    after = client.get(f"/api/v1/versions/{published.id}", headers=bearer(ada)).json
    assert after["state"] == "approved"
    assert after["re_review_open"] is False
    assert after["last_reviewed_at"] > first_reviewed
    assert after["last_reviewed_at"][:10] == utcnow().date().isoformat()
    assert after["history"][-1]["action"] == "re_review_quorum"
    listing = client.get(f"/api/v1/versions/{published.id}/signoffs", headers=bearer(ada)).json
    assert [s["meaning"] for s in listing["signoffs"]] == [
        "Approved for publication",
        RE_REVIEW_MEANING,
        RE_REVIEW_MEANING,
    ]
    assert db.session.scalar(select(func.count(Version.id))) == versions


def test_re_review_refusals(client, published, editor, contributor, api_token, make_article):
    url = f"/api/v1/versions/{published.id}/re-review"
    refused = client.post(url, json={}, headers=bearer(api_token(contributor)))
    assert refused.status_code == 403
    assert "medical editor" in refused.json["error"]["message"]
    secret = api_token(editor)
    assert client.post(url, json={}, headers=bearer(secret)).status_code == 200
    twice = client.post(url, json={}, headers=bearer(secret))
    assert twice.status_code == 409
    assert "already open" in twice.json["error"]["message"]
    missing = client.post("/api/v1/versions/999999/re-review", json={}, headers=bearer(secret))
    assert missing.status_code == 404
    # A reference version is a part, not wording: it is not re-reviewed.
    reference = db.session.scalar(
        select(Version).where(Version.kind == "reference").order_by(Version.id)
    )
    part = client.post(
        f"/api/v1/versions/{reference.id}/re-review", json={}, headers=bearer(secret)
    )
    assert part.status_code == 409
    assert "Only published wording" in part.json["error"]["message"]
    assert client.post(url, json={}).status_code == 401


def test_send_for_revision_through_the_api(
    client, published, editor, make_user, board_members, api_token
):
    secret = api_token(editor)
    no_reason = client.post(
        f"/api/v1/versions/{published.id}/transitions",
        json={"action": "send_for_revision"},
        headers=bearer(secret),
    )
    assert no_reason.status_code == 422
    sent = client.post(
        f"/api/v1/versions/{published.id}/transitions",
        json={"action": "send_for_revision", "comment": "Nouvelle recommandation."},
        headers=bearer(secret),
    )
    assert sent.status_code == 200, sent.json
    assert sent.json["state"] == "approved"
    assert sent.json["review_due_reason"] == "sent for revision: Nouvelle recommandation."
    assert sent.json["review_due_since"] is not None
    # A board member sends an open re-review for revision through an objection.
    client.post(f"/api/v1/versions/{published.id}/re-review", json={}, headers=bearer(secret))
    objected = client.post(
        f"/api/v1/versions/{published.id}/objections",
        json={"reason": "Les doses ont changé."},
        headers=bearer(api_token(board_members[0])),
    )
    assert objected.status_code == 200, objected.json
    assert objected.json["re_review_open"] is False
    assert objected.json["review_due_reason"] == "sent for revision: Les doses ont changé."
    assert db.session.scalar(select(func.count(Signoff.id)).where(Signoff.round > 0)) == 0


def test_the_openapi_documents_re_review(client):
    doc = client.get("/api/v1/openapi.json").json
    operation = doc["paths"]["/api/v1/versions/{version_id}/re-review"]["post"]
    assert operation["operationId"] == "openReReview"
    assert {"200", "401", "403", "404", "409"} <= set(operation["responses"])
    assert "Re-reviewed, no change" in operation["description"]
    meaning = doc["components"]["schemas"]["NewSignoff"]["properties"]["meaning"]
    assert RE_REVIEW_MEANING in meaning["enum"]
    version = doc["components"]["schemas"]["VersionDetail"]["properties"]
    assert {"last_reviewed_at", "re_review_open", "review_round", "review_due_reason"} <= set(
        version
    )
    transition = doc["components"]["schemas"]["NewTransition"]["properties"]["action"]
    assert {"open_re_review", "send_for_revision"} <= set(transition["enum"])


def test_a_board_member_cannot_open_a_re_review(client, published, make_user, api_token):
    member = make_user(Role.BOARD)
    answer = client.post(
        f"/api/v1/versions/{published.id}/re-review", json={}, headers=bearer(api_token(member))
    )
    assert answer.status_code == 403
