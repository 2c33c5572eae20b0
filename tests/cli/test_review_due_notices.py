"""Review due is work (issue #16, part 5): `flask notify due` tells the editors and the board
when published wording reaches its review date, once per date."""

from datetime import timedelta

from sqlalchemy import func, select

from reviewapp.domain.re_reviews import open_re_review
from reviewapp.domain.signoffs import sign_version
from reviewapp.extensions import db
from reviewapp.models import Notification, OutboxMessage, Section, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.re_reviews import RE_REVIEW_MEANING
from reviewapp.rules.states import Audience, Role
from tests.conftest import TEST_PASSWORD

C = Audience.CLINICIAN
KIND = "wording_review_due"


def published(key: str) -> Version:
    section = db.session.scalar(select(Section).where(Section.key == key))
    return db.session.get(Version, section.published_clinician_id)


def told() -> list[tuple[int, int | None, str]]:
    return db.session.execute(
        select(Notification.recipient_id, Notification.version_id, Notification.message)
        .where(Notification.kind == KIND)
        .order_by(Notification.id)
    ).all()


def test_becoming_review_due_is_told_once(
    runner, make_article, make_user, editor, board_members, contributor
):
    make_article(approve=(("s1", C), ("s2", C)))
    second_editor = make_user(Role.EDITOR, name="Dr Second Editor")
    due = published("s1")
    due.last_reviewed_at = due.approved_at = utcnow() - timedelta(days=370)
    db.session.commit()
    result = runner.invoke(args=["notify", "due"])
    assert result.exit_code == 0, result.output
    assert "1 published wording newly review due." in result.output
    assert f"s1 (clinician wording), Version {due.number}" in result.output
    rows = told()
    assert {recipient for recipient, _, _ in rows} == {
        editor.id,
        second_editor.id,
        *(member.id for member in board_members),
    }
    assert {version_id for _, version_id, _ in rows} == {due.id}
    assert "Review due since" in rows[0][2]
    mail = db.session.scalar(select(func.count(OutboxMessage.id)))
    # Running it again, as a scheduler does, tells nobody anything new.
    again = runner.invoke(args=["notify", "due"])
    assert again.exit_code == 0, again.output
    assert "0 published wordings newly review due." in again.output
    assert len(told()) == len(rows)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mail


def test_re_reviewed_wording_is_not_due_again_until_its_new_date(
    runner, make_article, editor, board_members
):
    make_article(approve=(("s1", C),))
    due = published("s1")
    due.last_reviewed_at = due.approved_at = utcnow() - timedelta(days=370)
    db.session.commit()
    assert runner.invoke(args=["notify", "due"]).exit_code == 0
    count = len(told())
    open_re_review(editor, due)
    sign_version(board_members[1], due, password=TEST_PASSWORD, meaning=RE_REVIEW_MEANING)
    db.session.commit()
    assert due.re_review_opened_at is None  # the article's quorum is one
    result = runner.invoke(args=["notify", "due"])
    assert "0 published wordings newly review due." in result.output
    assert len(told()) == count
    # The board members are told when a re-review opens, the author and opener when it ends.
    kinds = set(db.session.scalars(select(Notification.kind)))
    assert {"re_review", "re_reviewed"} <= kinds
