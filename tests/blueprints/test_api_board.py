"""Board sign-off and the audit trail through the JSON API."""

import pytest
from sqlalchemy import func, select

from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Signoff, Version
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD

C = Audience.CLINICIAN


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def awaiting(make_article, editor) -> Version:
    """Version 1 of s1 (clinician), approved by an editor and waiting for the board."""
    article = make_article()
    article.required_signoffs = 2
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    version = latest_version(section, C)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    assert version.workflow_state is State.AWAITING_SIGNOFF
    return version


def signatures_on(version: Version) -> int:
    # The article's other parts were signed when the fixture approved them.
    return db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id == version.id))


def sign(client, secret: str, version: Version, password: str = TEST_PASSWORD, **extra):
    return client.post(
        f"/api/v1/versions/{version.id}/signoffs",
        json={"password": password, "meaning": "Approved for publication", **extra},
        headers=bearer(secret),
    )


def test_two_board_members_reach_quorum(client, awaiting, make_user, api_token):
    first, second = make_user(Role.BOARD, name="Pr Une"), make_user(Role.BOARD, name="Dr Deux")
    answer = sign(client, api_token(first), awaiting)
    assert answer.status_code == 201
    body = answer.json
    assert body["printed_name"] == "Pr Une, MD"
    assert body["role"] == "Medical Advisory Board member"
    assert body["meaning"] == "Approved for publication"
    assert body["content_hash"] == awaiting.content_hash
    assert body["signed_at"].endswith("Z")
    listing = client.get(
        f"/api/v1/versions/{awaiting.id}/signoffs", headers=bearer(api_token(first))
    )
    assert listing.json["counted"] == 1
    assert listing.json["state"] == "awaiting_signoff"
    assert "Texte de la section 1" not in client.get("/articles/test-article/clinician").text

    assert sign(client, api_token(second), awaiting).status_code == 201
    db.session.refresh(awaiting)
    assert awaiting.workflow_state is State.APPROVED
    page = client.get("/articles/test-article/clinician").text
    assert "Texte de la section 1" in page
    # Each signer's name links to their declaration of interests.
    assert f'Signé par <a href="/people/{first.id}/declaration?lang=fr">Pr Une, MD<span' in page
    assert '</a>, <span lang="en">Medical Advisory Board member' in page
    assert f'<a href="/people/{second.id}/declaration?lang=fr">Dr Deux, MD<span' in page


def test_the_same_member_twice_does_not_make_a_quorum(client, awaiting, make_user, api_token):
    member = make_user(Role.BOARD)
    secret = api_token(member)
    assert sign(client, secret, awaiting).status_code == 201
    again = sign(client, secret, awaiting)
    assert again.status_code == 409
    assert "already signed" in again.json["error"]["message"]
    db.session.refresh(awaiting)
    assert awaiting.workflow_state is State.AWAITING_SIGNOFF


def test_the_author_cannot_sign(client, awaiting, contributor, api_token):
    contributor.role_rows.append(type(contributor.role_rows[0])(role=Role.BOARD.value))
    db.session.commit()
    answer = sign(client, api_token(contributor), awaiting)
    assert answer.status_code == 403
    assert "authored" in answer.json["error"]["message"]
    assert signatures_on(awaiting) == 0


def test_a_signature_never_counts_for_another_hash(client, awaiting, make_user, api_token):
    first, second = make_user(Role.BOARD), make_user(Role.BOARD)
    assert sign(client, api_token(first), awaiting).status_code == 201
    forged = db.session.scalar(select(Signoff).where(Signoff.version_id == awaiting.id))
    forged.content_hash = "0" * 64  # a signature made on other content
    db.session.commit()
    assert sign(client, api_token(second), awaiting).status_code == 201
    db.session.refresh(awaiting)
    assert awaiting.workflow_state is State.AWAITING_SIGNOFF
    listing = client.get(
        f"/api/v1/versions/{awaiting.id}/signoffs", headers=bearer(api_token(first))
    )
    assert listing.json["counted"] == 1
    assert [s["counts"] for s in listing.json["signoffs"]] == [False, True]


def test_wrong_password_is_refused_audited_and_locks_after_five(
    client, awaiting, make_user, api_token
):
    member = make_user(Role.BOARD)
    secret = api_token(member)
    for _ in range(5):
        answer = sign(client, secret, awaiting, password="not my password")
        assert answer.status_code == 403
        assert answer.json["error"]["message"].startswith("Wrong password")
    refused = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "signoff.sign", AuditEvent.outcome == "refused"
        )
    ).all()
    assert len(refused) == 5
    assert all(event.actor_id == member.id for event in refused)
    locked = sign(client, secret, awaiting)  # even with the right password
    assert locked.status_code == 429
    assert "locked" in locked.json["error"]["message"]
    assert signatures_on(awaiting) == 0


def test_only_board_members_sign_and_only_editor_approved_versions(
    client, make_article, make_user, api_token, editor
):
    make_article()
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    version = latest_version(section, C)
    member = make_user(Role.BOARD)
    refused = sign(client, api_token(member), version)
    assert refused.status_code == 409
    assert "only a version a medical editor has approved" in refused.json["error"]["message"]
    assert sign(client, api_token(editor), version).status_code == 403


def test_bad_meaning_is_refused(client, awaiting, make_user, api_token):
    answer = sign(client, api_token(make_user(Role.BOARD)), awaiting, meaning="Looks fine")
    assert answer.status_code == 422


def test_objection_vetoes_whatever_the_signatures(client, awaiting, make_user, api_token):
    first, objector = make_user(Role.BOARD), make_user(Role.BOARD)
    assert sign(client, api_token(first), awaiting).status_code == 201
    empty = client.post(
        f"/api/v1/versions/{awaiting.id}/objections",
        json={"reason": " "},
        headers=bearer(api_token(objector)),
    )
    assert empty.status_code == 422
    answer = client.post(
        f"/api/v1/versions/{awaiting.id}/objections",
        json={"reason": "La posologie du paclitaxel doit être vérifiée."},
        headers=bearer(api_token(objector)),
    )
    assert answer.status_code == 200
    assert answer.json["state"] == "changes_requested"
    assert sign(client, api_token(make_user(Role.BOARD)), awaiting).status_code == 409


def test_audit_pages_for_board_members(client, awaiting, make_user, api_token):
    member = make_user(Role.BOARD)
    secret = api_token(member)
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    first = client.get("/api/v1/audit?limit=5", headers=bearer(secret))
    assert first.status_code == 200
    assert [e["id"] for e in first.json["events"]] == [1, 2, 3, 4, 5]
    assert first.json["events"][0]["prev_hash"] == "0" * 64
    assert first.json["events"][1]["prev_hash"] == first.json["events"][0]["hash"]
    seen, after = [], 0
    while after is not None:
        page = client.get(f"/api/v1/audit?after={after}&limit=1000", headers=bearer(secret)).json
        seen += page["events"]
        after = page["next_after"]
    assert len(seen) == total
    for query in ("limit=0", "limit=5000", "after=-1", "after=x"):
        refused = client.get(f"/api/v1/audit?{query}", headers=bearer(secret))
        assert refused.status_code == 422, query
        assert refused.json["error"]["field"] == query.partition("=")[0]
    editor_token = api_token(make_user(Role.EDITOR))
    assert client.get("/api/v1/audit", headers=bearer(editor_token)).status_code == 403
