"""What a page offers is exactly what the domain allows, for every demo role and version."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewapp.cli.demo import DEMO_ACCOUNTS, load_demo
from reviewapp.domain.comments import can_comment, can_resolve
from reviewapp.domain.engine import allowed_actions
from reviewapp.domain.parts import can_propose
from reviewapp.domain.signoffs import can_object, can_sign
from reviewapp.domain.versions import can_submit
from reviewapp.extensions import db
from reviewapp.models import Comment, User, Version
from reviewapp.rules.states import REVIEW_ACTIONS, Action, Role
from tests.conftest import TEST_PASSWORD

CONTENT = Path(__file__).resolve().parents[2] / "content"
# One account holding both reviewing roles: the pages must not mix up what each role offers.
EDITOR_AND_BOARD = "editor-and-board"


@pytest.fixture
def demo(app, make_user):
    load_demo(CONTENT)
    db.session.commit()
    accounts = {spec.email: spec.password for spec in DEMO_ACCOUNTS}
    both = make_user(Role.EDITOR, Role.BOARD, email=f"{EDITOR_AND_BOARD}@example.org")
    accounts[both.email] = TEST_PASSWORD
    return accounts


def sign_in(client, email: str, password: str) -> None:
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.text


def offered_review_actions(html: str) -> set[Action]:
    return {Action(value) for value in re.findall(r'name="action" value="([a-z_]+)"', html)}


def offered_resolutions(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'action="/review/comments/(\d+)/resolve"', html)}


@pytest.mark.parametrize(
    "email", [spec.email for spec in DEMO_ACCOUNTS] + [f"{EDITOR_AND_BOARD}@example.org"]
)
def test_every_offered_action_is_allowed_and_every_allowed_action_is_offered(
    app, client, demo, email
):
    sign_in(client, email, demo[email])
    user = db.session.scalar(select(User).where(User.email == email))
    versions = db.session.scalars(select(Version).order_by(Version.id)).all()
    checked, offered = 0, set()
    for version in versions:
        review = client.get(f"/review/versions/{version.id}")
        if review.status_code == 200:
            checked += 1
            html = review.text
            expected = set(allowed_actions(user, version, among=REVIEW_ACTIONS))
            assert offered_review_actions(html) == expected, (email, version)
            offered |= expected
            comment_form = f'action="/review/versions/{version.id}/comments"' in html
            assert comment_form is can_comment(user, version), (email, version)
            comments = db.session.scalars(
                select(Comment).where(Comment.version_id == version.id)
            ).all()
            assert offered_resolutions(html) == {
                comment.id for comment in comments if can_resolve(user, comment)
            }, (email, version)
            if version.is_wording:
                assert ("Submit a new version of this wording" in html) is can_submit(user)
            else:
                assert ("Propose a new version of this part" in html) is can_propose(user)
        else:
            assert review.status_code == 403
            assert not allowed_actions(user, version, among=REVIEW_ACTIONS)
        board = client.get(f"/board/versions/{version.id}")
        if board.status_code == 200:
            checked += 1
            html = board.text
            sign_form = f'action="/board/versions/{version.id}/sign"' in html
            object_form = f'action="/board/versions/{version.id}/object"' in html
            assert sign_form is can_sign(user, version), (email, version)
            assert object_form is can_object(user, version), (email, version)
            offered |= {Action.SIGN} if sign_form else set()
            offered |= {Action.OBJECT} if object_form else set()
        else:
            assert board.status_code == 403
            assert not can_sign(user, version)
            assert not can_object(user, version)
    # The demo leaves versions at every step, so each reviewing role has something to do.
    if user.has_role(Role.EDITOR):
        assert {Action.START_REVIEW, Action.APPROVE} <= offered
    if user.has_role(Role.BOARD):
        assert Action.OBJECT in offered
    if email.startswith(EDITOR_AND_BOARD):  # has signed nothing yet
        assert Action.SIGN in offered
    if user.has_role(Role.EDITOR) or user.has_role(Role.BOARD):
        assert checked >= len(versions)
