"""Re-review without a change (issue #16, part 1), through the pages: published wording
reaches its review date, an editor opens a re-review, the board re-certifies it unchanged,
or it is sent for revision."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.extensions import db
from reviewapp.models import Article, Notification, Section, Signoff, Version
from reviewapp.readmodels.publication import add_months
from reviewapp.rules.clock import utcnow
from reviewapp.rules.re_reviews import RE_REVIEW_MEANING
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD, csrf_token, next_version

C = Audience.CLINICIAN
SLUG = "test-article"
PAGE = f"/articles/{SLUG}/clinician"
CHANGELOG = f"/articles/{SLUG}/changelog"


def published(key: str = "s1") -> Version:
    db.session.expire_all()
    section = db.session.scalar(select(Section).where(Section.key == key))
    return db.session.get(Version, section.published_clinician_id)


def version_count() -> int:
    return db.session.scalar(select(func.count(Version.id)))


def signed_in(app, user):
    """Return a client of its own, signed in as `user` (each person has their own browser)."""
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    answer = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.text
    return client


def post(client, url: str, data: dict, page: str):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)})


def status_strip(html: str) -> str:
    start = html.index('id="review-status"')
    return html[start : html.index("</p>", start)]


def dated(strip: str) -> list[str]:
    return re.findall(r'datetime="(\d{4}-\d\d-\d\d)"', strip)


def reach_review_date(version: Version, days: int = 400) -> None:
    """Make published wording last reviewed (approved) `days` ago, as if time had passed."""
    version.approved_at = version.last_reviewed_at = utcnow() - timedelta(days=days)
    version.article.mark_public_change()
    db.session.commit()


@pytest.fixture
def article(make_article):
    made = make_article(approve=(("s1", C), ("summary", C)))
    # The re-review needs two signatures: the board's quorum for this article.
    db.session.scalar(select(Article)).required_signoffs = 2
    db.session.commit()
    return made


def open_re_review(app, editor, version_id: int):
    client = signed_in(app, editor)
    screen = f"/review/versions/{version_id}"
    assert 'value="open_re_review"' in client.get(screen).text
    answer = post(
        client, f"{screen}/actions", {"action": Action.OPEN_RE_REVIEW.value, "comment": ""}, screen
    )
    assert answer.status_code == 302, answer.text
    return client


def sign_re_review(app, member, version_id: int, meaning: str = RE_REVIEW_MEANING):
    client = signed_in(app, member)
    page = f"/board/versions/{version_id}"
    return post(
        client,
        f"{page}/sign",
        {"meaning": meaning, "password": TEST_PASSWORD},
        page,
    )


def test_re_review_moves_the_next_review_and_makes_no_version(
    app, client, article, editor, board_members
):
    version = published()
    reach_review_date(version)
    old_due = add_months(version.last_reviewed_at.date(), 12)
    before = version_count()
    strip = status_strip(client.get(PAGE).text)
    assert old_due.isoformat() in dated(strip)
    assert 'class="overdue"' in strip

    open_re_review(app, editor, version.id)
    # The wording is still what readers see, Approved, while the board re-reviews it.
    version = published()
    assert version.workflow_state is State.APPROVED
    assert version.re_review_opened_at is not None
    assert "Texte de la section 1" in client.get(PAGE).text

    ada, ben = board_members
    board_page = signed_in(app, ada).get(f"/board/versions/{version.id}").text
    panel = board_page[board_page.index('id="re-review"') :]
    panel = panel[: panel.index("</section>")]
    assert "Nothing in this wording has changed since it was signed on" in panel
    signed_on = db.session.scalar(
        select(func.min(Signoff.signed_at)).where(Signoff.version_id == version.id)
    )
    assert f">{signed_on:%Y-%m-%d}</time>" in panel
    # The approval's signatures are shown, and the meaning is preset.
    assert "“Approved for publication”" in panel
    assert re.search(rf'<option[^>]*selected[^>]*value="{RE_REVIEW_MEANING}"', board_page)
    assert f'value="{MEANINGS[0]}"' not in board_page

    # Ada signed the approval; she signs the re-review too, in its own round.
    assert sign_re_review(app, ada, version.id).status_code == 302
    assert published().re_review_opened_at is not None  # one of two signatures
    assert sign_re_review(app, ben, version.id).status_code == 302

    version = published()
    today = utcnow().date()
    assert version.re_review_opened_at is None
    assert version.last_reviewed_at.date() == today
    assert version.workflow_state is State.APPROVED
    assert version_count() == before
    strip = status_strip(client.get(PAGE).text)
    assert add_months(today, 12).isoformat() in dated(strip)
    assert old_due.isoformat() not in dated(strip)
    assert "overdue" not in strip
    # The changelog says "Re-reviewed", in the article's language (French here).
    changelog = client.get(CHANGELOG).text
    assert "Relu sans modification" in changelog
    rounds = db.session.scalars(
        select(Signoff.round).where(Signoff.version_id == version.id).order_by(Signoff.id)
    ).all()
    assert rounds == [0, 1, 1]


def test_the_changelog_says_re_reviewed_in_the_readers_language(
    app, client, article, editor, board_members
):
    version = published()
    open_re_review(app, editor, version.id)
    for member in board_members:
        assert sign_re_review(app, member, version.id).status_code == 302
    # The seed and test articles are French: the chrome is French.
    rows = client.get(CHANGELOG).text.split("<li>")
    re_reviewed = [row for row in rows if "Relu sans modification" in row]
    assert len(re_reviewed) == 1
    assert "Version 1" in re_reviewed[0]


def test_the_queue_lists_due_wording_until_it_is_re_reviewed(app, article, editor, board_members):
    version = published()
    reach_review_date(version)
    desk = signed_in(app, editor)
    due = desk.get("/review/").text
    due = due[
        due.index('id="due-heading"') : due.index("</section>", due.index('id="due-heading"'))
    ]
    assert "Section 1" in due
    assert "review date reached" in due
    open_re_review(app, editor, version.id)
    assert "awaiting the board" in desk.get("/review/").text
    for member in board_members:
        sign_re_review(app, member, version.id)
    due = desk.get("/review/").text
    due = due[
        due.index('id="due-heading"') : due.index("</section>", due.index('id="due-heading"'))
    ]
    assert "Section 1" not in due


def test_separation_of_duties_in_re_review(app, article, editor, make_user, board_members):
    # Version 2 of the section, written by a contributor who also sits on the board.
    writer_board = make_user(Role.CONTRIBUTOR, Role.BOARD, name="Dr Writer Board")
    version = next_version(writer_board, published().section, C)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    for member in board_members:
        sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert published().id == version.id
    # An editor who is also on the board opens the re-review: they are its reviewer now.
    both = make_user(Role.EDITOR, Role.BOARD, name="Dr Two Hats")
    open_re_review(app, both, version.id)
    refused = sign_re_review(app, both, version.id)
    assert refused.status_code == 403
    assert "You reviewed this version" in refused.text
    # Its author never signs it.
    own = sign_re_review(app, writer_board, version.id)
    assert own.status_code == 403
    assert "authored" in own.text
    independent = make_user(Role.BOARD, name="Dr Board Only")
    assert sign_re_review(app, independent, version.id).status_code == 302
    # One signature per member per round.
    again = sign_re_review(app, independent, version.id)
    assert again.status_code == 409
    assert "already signed" in again.text
    # During a re-review its meaning alone is offered and accepted.
    wrong = sign_re_review(app, board_members[0], version.id, MEANINGS[0])
    assert wrong.status_code == 422
    counted = select(func.count(Signoff.id)).where(
        Signoff.version_id == version.id, Signoff.round == 1
    )
    assert db.session.scalar(counted) == 1
    assert published().re_review_opened_at is not None  # one of the two it needs


def test_nobody_re_reviews_what_they_wrote_or_signed(
    app, make_article, make_user, editor, board_members
):
    make_article(approve=(("s1", C),))
    # A late signature on the published version is still its signer's.
    signer_editor = make_user(Role.EDITOR, Role.BOARD, name="Dr Signed It")
    assert sign_re_review(app, signer_editor, published().id, MEANINGS[0]).status_code == 302
    client = signed_in(app, signer_editor)
    screen = f"/review/versions/{published().id}"
    assert 'value="open_re_review"' not in client.get(screen).text
    refused = post(
        client, f"{screen}/actions", {"action": Action.OPEN_RE_REVIEW.value, "comment": ""}, screen
    )
    assert refused.status_code == 403
    assert "independent of its signatures" in refused.text
    # Its author may not open one either.
    writer_editor = make_user(Role.CONTRIBUTOR, Role.EDITOR, name="Dr Writer Editor")
    own = next_version(writer_editor, published().section, C)
    transition(editor, own, Action.START_REVIEW)
    transition(editor, own, Action.APPROVE)
    sign_version(board_members[0], own, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert published().id == own.id
    writer = signed_in(app, writer_editor)
    screen = f"/review/versions/{own.id}"
    assert 'value="open_re_review"' not in writer.get(screen).text
    refused = post(
        writer, f"{screen}/actions", {"action": Action.OPEN_RE_REVIEW.value, "comment": ""}, screen
    )
    assert refused.status_code == 403
    assert "authored" in refused.text


def test_only_published_wording_is_re_reviewed(app, make_article, editor, contributor):
    make_article(approve=(("s1", C),))
    first = published()
    newer = next_version(contributor, first.section, C)
    db.session.commit()
    client = signed_in(app, editor)
    pending_screen = f"/review/versions/{newer.id}"
    assert 'value="open_re_review"' not in client.get(pending_screen).text
    refused = post(
        client,
        f"{pending_screen}/actions",
        {"action": Action.OPEN_RE_REVIEW.value, "comment": ""},
        pending_screen,
    )
    assert refused.status_code == 409
    open_re_review(app, editor, first.id)
    screen = f"/review/versions/{first.id}"
    assert 'value="open_re_review"' not in client.get(screen).text
    twice = post(
        client, f"{screen}/actions", {"action": Action.OPEN_RE_REVIEW.value, "comment": ""}, screen
    )
    assert twice.status_code == 409
    assert "already open" in twice.text


def test_an_editor_sends_published_wording_for_revision(
    app, client, article, editor, contributor, make_user
):
    version = published()
    other_editor = make_user(Role.EDITOR, name="Dr Other Editor")
    open_re_review(app, editor, version.id)
    desk = signed_in(app, editor)
    screen = f"/review/versions/{version.id}"
    # A reason is required; the box keeps what was typed.
    no_reason = post(
        desk,
        f"{screen}/actions",
        {"action": Action.SEND_FOR_REVISION.value, "comment": " "},
        screen,
    )
    assert no_reason.status_code == 422
    sent = post(
        desk,
        f"{screen}/actions",
        {"action": Action.SEND_FOR_REVISION.value, "comment": "La posologie a changé."},
        screen,
    )
    assert sent.status_code == 302
    version = published()
    assert version.workflow_state is State.APPROVED
    assert version.re_review_opened_at is None
    assert version.review_due_reason == "sent for revision: La posologie a changé."
    # Still published, now review due at once.
    page = client.get(PAGE).text
    assert "Texte de la section 1" in page
    assert utcnow().date().isoformat() in dated(status_strip(page))
    queue = desk.get("/review/").text
    assert "sent for revision: La posologie a changé." in queue
    told = {
        row.recipient_id
        for row in db.session.scalars(
            select(Notification).where(Notification.kind == "sent_for_revision")
        )
    }
    assert told == {contributor.id, other_editor.id}  # the author and the other editors


def test_a_board_member_sends_a_re_review_for_revision(
    app, article, editor, board_members, contributor
):
    version = published()
    open_re_review(app, editor, version.id)
    member = signed_in(app, board_members[1])
    page = f"/board/versions/{version.id}"
    html = member.get(page).text
    assert "Send for revision" in html
    answer = post(member, f"{page}/object", {"reason": "Une nouvelle étude contredit."}, page)
    assert answer.status_code == 302
    version = published()
    assert version.re_review_opened_at is None
    assert version.review_due_reason == "sent for revision: Une nouvelle étude contredit."
    assert version.workflow_state is State.APPROVED
    after = member.get(page).text
    assert "Re-review: nothing has changed" not in after
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.kind == "sent_for_revision",
                Notification.recipient_id == contributor.id,
            )
        )
        == 1
    )


def test_the_board_home_lists_open_re_reviews(app, article, editor, board_members):
    version = published()
    open_re_review(app, editor, version.id)
    home = signed_in(app, board_members[0]).get("/board/").text
    section = home[home.index('id="re-reviews-heading"') : home.index('id="signed-heading"')]
    assert "(1)" in section
    assert f"/board/versions/{version.id}" in section
    assert "0 of 2 signatures" in section
    told = db.session.scalars(
        select(Notification.recipient_id).where(Notification.kind == "re_review")
    ).all()
    assert set(told) == {member.id for member in board_members}


def test_a_newer_approval_ends_the_re_review_of_the_wording_it_replaces(
    app, make_article, editor, contributor, board_members
):
    make_article(approve=(("s1", C),))
    first = published()
    open_re_review(app, editor, first.id)
    newer = next_version(contributor, first.section, C)
    transition(editor, newer, Action.START_REVIEW)
    transition(editor, newer, Action.APPROVE)
    sign_version(board_members[0], newer, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert published().id == newer.id
    first = db.session.get(Version, first.id)
    assert first.re_review_opened_at is None
    # Nothing of it is offered to the board any more.
    page = signed_in(app, board_members[1]).get(f"/board/versions/{first.id}").text
    assert "Re-review: nothing has changed" not in page
    assert "No re-review is open." in signed_in(app, board_members[1]).get("/board/").text
