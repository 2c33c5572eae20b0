"""Requests that race on separate database connections (PostgreSQL).

Each race runs 20 times to shake out luck. Threads each push their own app context, so each
has its own session and connection, as separate gunicorn workers would.
"""

import threading
from collections.abc import Callable
from functools import partial

import pytest
from sqlalchemy import func, select

from reviewapp.domain import lockout
from reviewapp.domain.audit import settle_refusal, verify_chain
from reviewapp.domain.comments import add_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import (
    DomainError,
    PermissionDenied,
    StaleVersion,
    TooManyAttempts,
    TransitionNotAllowed,
)
from reviewapp.domain.signoffs import sign_version
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, PasswordCheck, Section, Signoff, User, Version
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD, next_version, postgres_url, require

ROUNDS = 20
C = Audience.CLINICIAN


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name == "postgresql":
        return
    if postgres_url():
        pytest.skip("races run in the PostgreSQL pass of the suite (TEST_DATABASE_URL)")
    require("REQUIRE_POSTGRES", "races need PostgreSQL: set TEST_DATABASE_URL")


def race(app, *operations: Callable[[], object]) -> list[object]:
    """Run the operations at the same moment, each in its own app context and transaction."""
    barrier = threading.Barrier(len(operations))
    results: list[object] = [None] * len(operations)

    def run(index: int, operation: Callable[[], object]) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = operation()
                db.session.commit()
            except DomainError as error:
                settle_refusal(None, error)
                db.session.commit()
                results[index] = error
            except Exception as error:  # noqa: BLE001 - reported by the test, not hidden
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, op)) for i, op in enumerate(operations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def fresh(model, row_id):
    return db.session.get(model, row_id)


def submit(writer_id: int, section_id: int, base_id: int, text: str) -> int:
    return submit_version(
        fresh(User, writer_id),
        fresh(Section, section_id),
        C,
        heading="Section 1",
        body=text,
        base_version_id=base_id,
    ).id


def decide(editor_id: int, version_id: int, action: Action) -> str:
    return transition(fresh(User, editor_id), fresh(Version, version_id), action, "Motif.").state


def sign(member_id: int, version_id: int) -> int:
    return sign_version(
        fresh(User, member_id),
        fresh(Version, version_id),
        password=TEST_PASSWORD,
        meaning="Approved for publication",
    ).id


def comment_on(editor_id: int, version_id: int) -> int:
    return add_comment(fresh(User, editor_id), fresh(Version, version_id), "Question.").id


def s1() -> Section:
    return db.session.scalar(select(Section).where(Section.key == "s1"))


def test_two_submissions_on_one_base_exactly_one_wins(app, make_article, make_user):
    make_article()
    writers = [make_user(Role.CONTRIBUTOR).id, make_user(Role.CONTRIBUTOR).id]
    for round_number in range(ROUNDS):
        base_id = latest_version(s1(), C).id
        section_id = s1().id
        db.session.commit()

        results = race(
            app,
            partial(submit, writers[0], section_id, base_id, f"Texte A {round_number}"),
            partial(submit, writers[1], section_id, base_id, f"Texte B {round_number}"),
        )
        winners = [r for r in results if isinstance(r, int)]
        losers = [r for r in results if isinstance(r, StaleVersion)]
        assert len(winners) == 1, results
        assert len(losers) == 1, results
        db.session.expire_all()
        numbers = db.session.scalars(
            select(Version.number).where(
                Version.section_id == section_id, Version.audience == "clinician"
            )
        ).all()
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert verify_chain()[1] is None


def test_two_editors_deciding_at_once_one_wins(app, make_article, make_user, contributor):
    make_article()
    editors = [make_user(Role.EDITOR).id, make_user(Role.EDITOR).id]
    for round_number in range(ROUNDS):
        base = latest_version(s1(), C)
        version = submit_version(
            contributor,
            s1(),
            C,
            heading="Section 1",
            body=f"Décision {round_number}",
            base_version_id=base.id,
            change_summary="Révision.",
        )
        transition(fresh(User, editors[0]), version, Action.START_REVIEW)
        version_id = version.id
        db.session.commit()

        results = race(
            app,
            partial(decide, editors[0], version_id, Action.APPROVE),
            partial(decide, editors[1], version_id, Action.REJECT),
        )
        done = [r for r in results if isinstance(r, str)]
        refused = [r for r in results if isinstance(r, TransitionNotAllowed)]
        assert len(done) == 1, results
        assert len(refused) == 1, results
        db.session.expire_all()
        assert fresh(Version, version_id).state == done[0]
    assert verify_chain()[1] is None


def test_two_signoffs_reaching_quorum_at_once(app, make_article, make_user, contributor, editor):
    article = make_article()
    article.required_signoffs = 2
    board = [make_user(Role.BOARD).id, make_user(Role.BOARD).id]
    db.session.commit()
    for round_number in range(ROUNDS):
        base = latest_version(s1(), C)
        version = submit_version(
            contributor,
            s1(),
            C,
            heading="Section 1",
            body=f"Signature {round_number}",
            base_version_id=base.id,
            change_summary="Révision.",
        )
        transition(editor, version, Action.START_REVIEW)
        transition(editor, version, Action.APPROVE)
        version_id = version.id
        db.session.commit()

        results = race(
            app, partial(sign, board[0], version_id), partial(sign, board[1], version_id)
        )
        assert all(isinstance(r, int) for r in results), results
        db.session.expire_all()
        assert fresh(Version, version_id).state == State.APPROVED.value
        assert (
            db.session.scalar(
                select(func.count(Signoff.id)).where(Signoff.version_id == version_id)
            )
            == 2
        )
        publications = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "version.publish", AuditEvent.target_id == version_id
            )
        )
        assert publications == 1
        assert s1().published_clinician_id == version_id
    assert db.session.get(Article, article.id).public_revision > 1
    assert verify_chain()[1] is None


def test_audit_chain_survives_many_concurrent_writers(app, make_article, make_user):
    make_article()
    writers = [make_user(Role.CONTRIBUTOR).id for _ in range(6)]
    section_id = s1().id
    db.session.commit()

    def refused_submission(writer_id: int):
        # A stale base: refused, and the refusal is appended to the chain by every thread.
        return lambda: submit_version(
            fresh(User, writer_id),
            fresh(Section, section_id),
            C,
            heading="x",
            body="y",
            base_version_id=-1,
        )

    for _ in range(ROUNDS // 4):
        race(app, *(refused_submission(w) for w in writers))
    checked, broken = verify_chain()
    assert broken is None
    assert checked == db.session.scalar(select(func.count(AuditEvent.id)))


def test_thirty_simultaneous_wrong_signing_passwords_check_at_most_five(
    app, make_article, make_user, contributor, editor
):
    make_article()
    version = latest_version(s1(), C)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    member = make_user(Role.BOARD)
    member_id, member_email, version_id = member.id, member.email, version.id
    db.session.commit()

    def wrong_password() -> int:
        return sign_version(
            fresh(User, member_id),
            fresh(Version, version_id),
            password="a guessed password",
            meaning="Approved for publication",
        ).id

    results = race(app, *([wrong_password] * 30))
    db.session.expire_all()
    checks = db.session.scalar(
        select(func.count(PasswordCheck.id)).where(
            PasswordCheck.purpose == "signing", PasswordCheck.email == member_email
        )
    )
    assert checks == lockout.SIGNING.per_account
    assert sum(isinstance(r, PermissionDenied) for r in results) == 5
    assert sum(isinstance(r, TooManyAttempts) for r in results) == 25
    assert verify_chain()[1] is None


def test_comments_and_transitions_on_one_version_never_deadlock(
    app, make_article, make_user, contributor, editor
):
    make_article()
    editors = [make_user(Role.EDITOR).id for _ in range(4)]
    db.session.commit()
    for round_number in range(5):
        version = next_version(contributor, s1(), C, f" Tour {round_number}.")
        version_id = version.id
        db.session.commit()

        operations = [partial(comment_on, e, version_id) for e in editors] + [
            partial(decide, e, version_id, Action.START_REVIEW) for e in editors
        ]
        results = race(app, *operations)
        unexpected = [
            r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)
        ]
        assert unexpected == []
        assert sum(r == State.UNDER_REVIEW.value for r in results) == 1
        assert sum(isinstance(r, int) for r in results) == len(editors)
    assert verify_chain()[1] is None
