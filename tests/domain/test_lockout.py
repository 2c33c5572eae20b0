"""One lockout for every password check, written by the domain whoever calls it."""

import pytest
from sqlalchemy import select

from reviewapp.domain import lockout
from reviewapp.domain.accounts import authenticate
from reviewapp.domain.errors import PermissionDenied, TooManyAttempts
from reviewapp.domain.signoffs import MEANINGS, WRONG_PASSWORD, sign_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, PasswordCheck, Signoff
from reviewapp.rules.states import Role, State
from tests.conftest import TEST_PASSWORD
from tests.domain.test_workflow import version_in


def test_wrong_passwords_sent_straight_to_sign_version_lock_signing(
    make_article, make_user, contributor, editor
):
    make_article()
    version = version_in(State.AWAITING_SIGNOFF, contributor, editor)
    member = make_user(Role.BOARD)
    for _ in range(lockout.SIGNING.per_account):
        with pytest.raises(PermissionDenied, match=WRONG_PASSWORD):
            sign_version(member, version, password="not my password", meaning=MEANINGS[0])
    # Nothing but the domain recorded these failures: no handler, no commit by the caller.
    with pytest.raises(TooManyAttempts, match="Signing is locked"):
        sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    assert db.session.scalar(select(Signoff.id)) is None
    checks = db.session.scalars(
        select(PasswordCheck).where(PasswordCheck.purpose == "signing")
    ).all()
    assert [check.succeeded for check in checks] == [False] * lockout.SIGNING.per_account
    refusals = db.session.scalars(
        select(AuditEvent.message).where(
            AuditEvent.action == "signoff.sign", AuditEvent.outcome == "refused"
        )
    ).all()
    assert refusals == [WRONG_PASSWORD] * lockout.SIGNING.per_account


def test_a_wrong_password_through_the_page_is_kept_although_the_attempt_is_refused(
    make_article, make_user, contributor, editor, client, login, post_form
):
    make_article()
    version = version_in(State.AWAITING_SIGNOFF, contributor, editor)
    member = make_user(Role.BOARD)
    login(member)
    page = f"/board/versions/{version.id}"
    for attempt in range(lockout.SIGNING.per_account + 1):
        answer = post_form(f"{page}/sign", {"password": "wrong", "meaning": MEANINGS[0]}, page=page)
        locked = attempt == lockout.SIGNING.per_account
        assert answer.status_code == (429 if locked else 403)
    assert "Signing is locked" in answer.text
    assert db.session.scalar(select(db.func.count(PasswordCheck.id))) >= 5


def test_signing_and_signing_in_are_locked_separately(make_user):
    member = make_user(Role.BOARD)
    for _ in range(lockout.SIGN_IN.per_account):
        assert authenticate(member.email, "wrong", "192.0.2.1") is None
    db.session.commit()
    with pytest.raises(TooManyAttempts, match="sign-ins"):
        authenticate(member.email, TEST_PASSWORD, "192.0.2.1")
    assert lockout.locked_until(lockout.SIGNING, member.email) is None
    assert lockout.locked_until(lockout.SIGN_IN, member.email) is not None
