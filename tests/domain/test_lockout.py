"""One lockout for every password check, written by the domain whoever calls it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewapp.domain import lockout
from reviewapp.domain.accounts import authenticate
from reviewapp.domain.errors import PermissionDenied, TooManyAttempts
from reviewapp.domain.signoffs import MEANINGS, WRONG_PASSWORD, sign_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, PasswordCheck, Signoff
from reviewapp.rules.clock import utcnow
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
    assert db.session.scalar(select(Signoff.id).where(Signoff.version_id == version.id)) is None
    checks = db.session.scalars(
        select(PasswordCheck).where(
            PasswordCheck.purpose == "signing", PasswordCheck.email == member.email
        )
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
    for _ in range(lockout.SIGN_IN.per_account_and_address):
        assert authenticate(member.email, "wrong", "192.0.2.1") is None
    db.session.commit()
    with pytest.raises(TooManyAttempts, match="sign-ins"):
        authenticate(member.email, TEST_PASSWORD, "192.0.2.1")
    assert lockout.locked_until(lockout.SIGNING, member.email, "192.0.2.1") is None
    assert lockout.locked_until(lockout.SIGN_IN, member.email, "192.0.2.1") is not None


def test_an_account_locks_per_address_first_then_from_anywhere(make_user):
    member = make_user(Role.EDITOR)
    for _ in range(lockout.SIGN_IN.per_account_and_address):
        assert authenticate(member.email, "wrong", "192.0.2.1") is None
    with pytest.raises(TooManyAttempts):
        authenticate(member.email, TEST_PASSWORD, "192.0.2.1")
    # The same person at another address may still sign in: the guesser's address is locked.
    assert authenticate(member.email, TEST_PASSWORD, "192.0.2.2") == member
    for number in range(lockout.SIGN_IN.per_account - lockout.SIGN_IN.per_account_and_address):
        assert authenticate(member.email, "wrong", f"203.0.113.{number}") is None
    with pytest.raises(TooManyAttempts, match="this account"):
        authenticate(member.email, TEST_PASSWORD, "192.0.2.3")


def test_an_office_behind_one_address_is_slowed_never_locked(make_user):
    colleague = make_user(Role.EDITOR)
    office = "198.51.100.9"
    for number in range(lockout.SIGN_IN.address_slowed_after):
        assert authenticate(f"guess{number}@example.org", "wrong", office) is None
    with pytest.raises(TooManyAttempts, match="wait 1 seconds") as slowed:
        authenticate(colleague.email, TEST_PASSWORD, office)
    assert slowed.value.retry_after == 1
    # Once the short wait is over, the colleague signs in from the same address.
    later = utcnow() + timedelta(seconds=2)
    assert lockout.address_wait(lockout.SIGN_IN, office, now=later) == timedelta(0)
    assert lockout.locked_until(lockout.SIGN_IN, colleague.email, office, now=later) is None
