"""The board's signature is an independent check: no reviewer of a version signs it."""

import pytest
from sqlalchemy import func, select

from reviewapp.domain import signatures
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import PermissionDenied
from reviewapp.domain.signoffs import MEANINGS, can_sign, sign_version
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import Signoff
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Role, State
from tests.conftest import TEST_PASSWORD
from tests.domain.test_workflow import C, section


@pytest.fixture
def reviewed_by_both(make_article, make_user):
    """A version that an account holding the editor and board roles reviewed and approved."""
    make_article()
    both = make_user(Role.EDITOR, Role.BOARD)
    version = latest_version(section(), C)
    transition(both, version, Action.START_REVIEW)
    transition(both, version, Action.APPROVE)
    db.session.commit()
    return both, version


def test_the_editor_who_approved_cannot_sign(reviewed_by_both):
    both, version = reviewed_by_both
    assert not can_sign(both, version)
    with pytest.raises(PermissionDenied, match="independent"):
        sign_version(both, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.rollback()
    assert version.workflow_state is State.AWAITING_SIGNOFF
    assert (
        db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id == version.id))
        == 0
    )


def test_the_page_neither_offers_nor_takes_a_reviewer_s_signature(
    reviewed_by_both, client, login, post_form
):
    both, version = reviewed_by_both
    login(both)
    page = f"/board/versions/{version.id}"
    assert f'action="{page}/sign"' not in client.get(page).text
    answer = post_form(
        f"{page}/sign", {"password": TEST_PASSWORD, "meaning": MEANINGS[0]}, page=page
    )
    assert answer.status_code == 403
    assert "independent of it" in answer.text
    assert (
        db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id == version.id))
        == 0
    )


def test_the_api_refuses_a_reviewer_s_signature(reviewed_by_both, client, api_token):
    both, version = reviewed_by_both
    answer = client.post(
        f"/api/v1/versions/{version.id}/signoffs",
        json={"password": TEST_PASSWORD, "meaning": MEANINGS[0]},
        headers={"Authorization": f"Bearer {api_token(both)}"},
    )
    assert answer.status_code == 403
    assert "independent" in answer.json["error"]["message"]


def test_a_comment_during_review_takes_a_member_off_the_version(make_article, make_user, editor):
    make_article()
    questioner, later, bystander = (make_user(Role.BOARD) for _ in range(3))
    version = latest_version(section(), C)
    transition(editor, version, Action.START_REVIEW)
    question = add_comment(questioner, version, "La dose est-elle sourcée ?")
    resolve_comment(editor, question)
    transition(editor, version, Action.APPROVE)
    add_comment(later, version, "Discussion du board après l'approbation.")
    db.session.commit()
    assert not can_sign(questioner, version)
    assert can_sign(later, version)
    assert can_sign(bystander, version)


def test_a_reviewer_s_signature_never_counts_toward_quorum(reviewed_by_both, make_user):
    both, version = reviewed_by_both
    # A signature written behind the engine's back (an older release, a manual insert).
    db.session.add(
        Signoff(
            version_id=version.id,
            signer_id=both.id,
            printed_name=both.printed_name,
            role=Role.BOARD.label,
            meaning=MEANINGS[0],
            content_hash=version.content_hash,
            signed_at=utcnow(),
        )
    )
    db.session.commit()
    assert signatures.quorum_count(version) == 0
    assert signatures.counting_signoffs([version.id]) == {}
    independent = make_user(Role.BOARD)
    sign_version(independent, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert signatures.quorum_count(version) == 1
    assert version.workflow_state is State.APPROVED
