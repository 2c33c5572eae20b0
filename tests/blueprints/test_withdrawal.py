"""Withdrawing published wording, through the editor's form and the reader's page: the notice
replaces the wording at the next request, the board is told and countersigns, and wording
comes back only through review."""

import re

import pytest
from sqlalchemy import func, select

from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import (
    AuditEvent,
    Notification,
    Section,
    Version,
    VersionTransition,
    Withdrawal,
)
from reviewapp.rules.notifications import NotificationKind
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD, approve_fully, csrf_token, next_version

C, P = Audience.CLINICIAN, Audience.PATIENT
CLINICIAN_URL = "/articles/test-article/clinician"
PATIENT_URL = "/articles/test-article/patient"
REASON = "Alerte de pharmacovigilance du 3 mars : la posologie est en cours de réévaluation."
S1_TEXT = "Texte de la section 1"


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def published(key: str = "s1", audience: Audience = C) -> Version:
    return db.session.get(Version, section(key).published_id(audience))


def signed_in(app, user):
    """Return a client of its own signed in as `user` (the reader's client stays anonymous)."""
    browser = app.test_client()
    response = browser.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(browser, "/sign-in"),
        },
    )
    assert response.status_code == 302
    return browser


def post(browser, url: str, data: dict, page: str | None = None):
    return browser.post(url, data={**data, "csrf_token": csrf_token(browser, page or url)})


def withdraw(browser, version: Version, reason: str = REASON, **fields):
    url = f"/review/versions/{version.id}/withdraw"
    return post(browser, url, {"reason": reason, "scope": "audience", **fields})


@pytest.fixture
def reader(app):
    return app.test_client()


def test_withdrawn_wording_leaves_the_page_at_the_next_request(
    app, reader, make_article, editor, board_members, contributor
):
    make_article(approve="all")
    before = reader.get(CLINICIAN_URL)
    assert S1_TEXT in before.text
    etag = before.headers["ETag"]
    assert reader.get(CLINICIAN_URL, headers={"If-None-Match": etag}).status_code == 304
    version = published()

    desk = signed_in(app, editor)
    review = desk.get(f"/review/versions/{version.id}").text
    assert f'href="/review/versions/{version.id}/withdraw">Withdraw…</a>' in review
    response = withdraw(desk, version)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/versions/{version.id}")

    # The same validator the reader's cache holds no longer matches: a new page, at once.
    after = reader.get(CLINICIAN_URL, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    html = after.text
    assert S1_TEXT not in html
    notice = re.search(r'<p class="withdrawn-notice"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "Retiré le" in notice
    assert REASON.replace("'", "&#39;") in notice
    assert 'id="section-s1"' in html  # where the wording was
    assert "Texte de la section 2" in html  # the rest of the page stays
    assert "1 retirée" in html

    # The trail has the act and the version's own move, with the reason.
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.outcome == "done").order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["withdrawal.create", "version.withdraw"]
    step = db.session.scalar(
        select(VersionTransition)
        .where(VersionTransition.version_id == version.id)
        .order_by(VersionTransition.id.desc())
    )
    assert (step.action, step.to_state, step.comment) == ("withdraw", "withdrawn", REASON)

    # Every board member is told, in the inbox, and the board page asks for a countersignature.
    for member in board_members:
        told = db.session.scalars(
            select(Notification).where(Notification.recipient_id == member.id)
        ).all()
        assert [n.kind for n in told if n.kind == NotificationKind.WITHDRAWAL.value] == [
            "withdrawal"
        ]
    board = signed_in(app, board_members[0])
    inbox = board.get("/inbox").text
    withdrawal = db.session.scalar(select(Withdrawal))
    assert f"/board/withdrawals/{withdrawal.id}" in inbox
    assert REASON.replace("'", "&#39;")[:40] in inbox
    home = board.get("/board/").text
    assert "Withdrawals to countersign (1)" in home
    assert re.search(r'class="nav-count countersign">1<', home)
    trail = board.get("/board/audit?article=test-article")
    assert trail.status_code == 200
    assert "Wording withdrawn from the page, with a public reason" in trail.text
    assert "Published wording withdrawn" in trail.text

    # Putting it back goes through review: no move leaves Withdrawn, and the review screen
    # offers none; the same wording comes back as a new submission, reviewed and signed.
    db.session.refresh(version)
    assert version.workflow_state is State.WITHDRAWN
    for action in (Action.START_REVIEW, Action.APPROVE):
        with pytest.raises(Exception, match="Withdrawn"):
            transition(editor, version, action)
        db.session.rollback()
    review = desk.get(f"/review/versions/{version.id}").text
    assert 'name="action"' not in review
    assert "Withdraw…" not in review
    edit = signed_in(app, contributor)
    url = "/review/articles/test-article/sections/s1/clinician/edit"
    sent = post(
        edit,
        url,
        {
            "heading": version.heading,
            "body": version.body,
            "base_version": str(version.id),
            "seen_version": str(version.id),
            "change_summary": "Remise en ligne après vérification.",
            "public_note": "Texte rétabli après vérification de la posologie.",
            "intent": "submit",
        },
    )
    assert sent.status_code == 302, sent.text
    again = latest_version(section(), C)
    assert again.number == version.number + 1
    assert again.workflow_state is State.SUBMITTED
    assert S1_TEXT not in reader.get(CLINICIAN_URL).text  # pending wording never replaces it
    approve_fully(editor, board_members, again)
    db.session.commit()
    back = reader.get(CLINICIAN_URL).text
    assert S1_TEXT in back
    assert "withdrawn-notice" not in back


def test_the_previous_approved_version_can_be_reinstated(
    app, reader, make_article, editor, board_members, contributor
):
    make_article(approve="all")
    second = next_version(contributor, section(), C, " Nouvelle posologie.")
    approve_fully(editor, board_members, second)
    db.session.commit()
    assert "Nouvelle posologie." in reader.get(CLINICIAN_URL).text

    desk = signed_in(app, editor)
    form = desk.get(f"/review/versions/{second.id}/withdraw").text
    assert 'name="reinstate"' in form
    assert "Version 1, approved" in form
    assert withdraw(desk, second, reinstate="y").status_code == 302

    html = reader.get(CLINICIAN_URL).text
    assert "Nouvelle posologie." not in html
    assert S1_TEXT in html  # version 1, shown again
    assert "Version 1 rétablie le" in html
    assert "après le retrait de la version 2" in html
    assert section().published_clinician_id == latest_version(section(), C).parent_id
    first = db.session.get(Version, section().published_clinician_id)
    assert first.number == 1
    steps = db.session.scalars(
        select(VersionTransition.action).where(VersionTransition.version_id == first.id)
    ).all()
    assert steps[-1] == "reinstate"
    # The changelog tells readers both.
    changelog = reader.get("/articles/test-article/changelog").text
    assert "Textes retirés" in changelog
    assert "version 1 rétablie" in changelog


def test_reinstating_needs_an_earlier_approved_version(app, make_article, editor):
    make_article(approve="all")
    version = published()
    desk = signed_in(app, editor)
    assert 'name="reinstate"' not in desk.get(f"/review/versions/{version.id}/withdraw").text
    refused = withdraw(desk, version, reinstate="y")
    assert refused.status_code == 409
    assert "no earlier approved version" in refused.text
    assert "posologie est en cours" in refused.text  # what was typed is kept
    assert section().published_clinician_id == version.id


def test_both_audiences_are_withdrawn_together(app, reader, make_article, editor):
    make_article(approve="all", patient=True)
    assert "Mots simples s1." in reader.get(PATIENT_URL).text
    desk = signed_in(app, editor)
    assert withdraw(desk, published(), scope="both").status_code == 302
    for url, gone in ((CLINICIAN_URL, S1_TEXT), (PATIENT_URL, "Mots simples s1.")):
        html = reader.get(url).text
        assert gone not in html
        assert REASON.replace("'", "&#39;") in html
    assert "Mots simples s2." in reader.get(PATIENT_URL).text
    withdrawal = db.session.scalar(select(Withdrawal))
    assert withdrawal.scope == "both"
    assert len(withdrawal.versions) == 2
    assert section().published_clinician_id is None
    assert section().published_patient_id is None


def test_a_whole_article_is_withdrawn_in_one_act(app, reader, make_article, editor):
    make_article(approve="all", patient=True)
    desk = signed_in(app, editor)
    assert withdraw(desk, published("s2", P), scope="article").status_code == 302
    withdrawal = db.session.scalar(select(Withdrawal))
    # Every section, both audiences: each version its own move, one act.
    assert len(withdrawal.versions) == 8
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "version.withdraw")
        )
        == 8
    )
    for url in (CLINICIAN_URL, PATIENT_URL):
        html = reader.get(url).text
        assert html.count('class="withdrawn-notice"') == 4
        assert "Texte de la section" not in html
        assert "Mots simples" not in html
        assert "4 retirées" in html


def test_patients_reading_clinician_wording_see_its_withdrawal(app, reader, make_article, editor):
    make_article(approve="all")  # no patient wording: patients read the clinician wording
    desk = signed_in(app, editor)
    assert withdraw(desk, published()).status_code == 302
    html = reader.get(PATIENT_URL).text
    assert S1_TEXT not in html
    assert "Le texte pour les professionnels de santé présenté ici aux patients" in html


def test_the_board_countersigns_but_not_who_withdrew(app, make_article, make_user, board_members):
    make_article(approve="all")
    editor_and_member = make_user(Role.EDITOR, Role.BOARD, name="Dr Double Rôle")
    desk = signed_in(app, editor_and_member)
    assert withdraw(desk, published()).status_code == 302
    withdrawal = db.session.scalar(select(Withdrawal))
    page = f"/board/withdrawals/{withdrawal.id}"
    url = f"{page}/countersign"

    own = desk.get(page).text
    assert "another member" in own
    assert 'name="password"' not in own
    refused = post(
        desk, url, {"password": TEST_PASSWORD}, page=f"/board/withdrawals/{withdrawal.id}"
    )
    assert refused.status_code == 403
    assert "You withdrew this wording yourself" in refused.text

    board = signed_in(app, board_members[0])
    assert 'name="password"' in board.get(page).text
    wrong = post(board, url, {"password": "not it"}, page=page)
    assert wrong.status_code == 403
    assert "Wrong password" in wrong.text
    signed = post(board, url, {"password": TEST_PASSWORD}, page=page)
    assert signed.status_code == 302
    db.session.refresh(withdrawal)
    assert withdrawal.countersigned_by_id == board_members[0].id
    assert withdrawal.countersign_meaning == "Withdrawal confirmed"
    assert "Withdrawal confirmed" in board.get(page).text
    assert "Withdrawals to countersign (0)" in board.get("/board/").text

    second = signed_in(app, board_members[1])
    again = post(second, url, {"password": TEST_PASSWORD}, page=page)
    assert again.status_code == 409
    assert "countersigned it on" in again.text
    outcomes = db.session.execute(
        select(AuditEvent.outcome, AuditEvent.actor_id).where(
            AuditEvent.action == "withdrawal.countersign"
        )
    ).all()
    assert ("done", board_members[0].id) in outcomes
    assert ("refused", editor_and_member.id) in outcomes


def test_an_overdue_countersignature_is_flagged_to_every_member_once(
    app, runner, make_article, editor, board_members
):
    make_article(approve="all")
    desk = signed_in(app, editor)
    withdraw(desk, published())
    result = runner.invoke(args=["notify", "due"])
    assert "0 withdrawals newly past its countersignature deadline." in result.output

    app.config["WITHDRAWAL_COUNTERSIGN_DAYS"] = 0  # the next withdrawal is due at once
    withdraw(desk, published("s2"), reason="Deuxième retrait.")
    result = runner.invoke(args=["notify", "due"])
    assert result.exit_code == 0, result.output
    assert "1 withdrawal newly past its countersignature deadline." in result.output
    for member in board_members:
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.recipient_id == member.id)
        ).all()
        assert kinds.count(NotificationKind.COUNTERSIGN_OVERDUE.value) == 1
    # Run again: nobody is told twice.
    again = runner.invoke(args=["notify", "due"])
    assert "0 withdrawals newly past its countersignature deadline." in again.output
    assert db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.kind == NotificationKind.COUNTERSIGN_OVERDUE.value
        )
    ) == len(board_members)
    home = signed_in(app, board_members[0]).get("/board/").text
    assert "Withdrawals to countersign (2)" in home
    assert home.count('<strong class="overdue">Overdue</strong>') == 1


@pytest.mark.parametrize(
    ("role", "status"), [(Role.CONTRIBUTOR, 403), (Role.BOARD, 403), (Role.ADMIN, 403)]
)
def test_only_editors_withdraw(app, make_article, make_user, role, status):
    make_article(approve="all")
    version = published()
    browser = signed_in(app, make_user(role))
    url = f"/review/versions/{version.id}/withdraw"
    assert browser.get(url).status_code == status
    assert post(browser, url, {"reason": REASON}, page="/").status_code in (status, 400)
    assert section().published_clinician_id == version.id


def test_only_published_wording_is_withdrawn(app, make_article, editor, contributor):
    make_article(approve="all")
    pending = next_version(contributor, section(), C)
    db.session.commit()
    desk = signed_in(app, editor)
    assert (
        "only published wording can be withdrawn"
        in desk.get(f"/review/versions/{pending.id}/withdraw").text
    )
    refused = withdraw(desk, pending)
    assert refused.status_code == 409
    assert "not the wording readers see" in refused.text
    assert pending.workflow_state is State.SUBMITTED
    assert db.session.scalar(select(func.count(Withdrawal.id))) == 0
    refusal = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (refusal.action, refusal.outcome) == ("withdrawal.create", "refused")


def test_a_refused_reason_keeps_what_was_typed(app, make_article, editor):
    make_article(approve="all")
    version = published()
    desk = signed_in(app, editor)
    empty = withdraw(desk, version, reason="   ")
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    long = "Trop long. " * 100
    refused = withdraw(desk, version, reason=long, scope="both")
    assert refused.status_code == 422
    assert "cannot be longer than 1000 characters" in refused.text
    assert long.strip() in refused.text
    assert re.search(r'value="both"[^>]*checked|checked[^>]*value="both"', refused.text)
    assert section().published_clinician_id == version.id


def test_the_board_s_archived_view_shows_what_was_published_then(
    app, make_article, editor, board_members, contributor
):
    from urllib.parse import quote

    from reviewapp.rules.clock import utcnow

    make_article(approve="all")
    second = next_version(contributor, section(), C, " Nouvelle posologie.")
    approve_fully(editor, board_members, second)
    db.session.commit()
    before = utcnow()
    desk = signed_in(app, editor)
    withdraw(desk, second, reinstate="y")
    between = utcnow()
    withdraw(desk, published(), reason="Retrait complet.")  # version 1 in its turn, alone
    board = signed_in(app, board_members[0])

    def archived(moment) -> str:
        page = board.get(f"{CLINICIAN_URL}?as_of={quote(moment.isoformat())}")
        assert page.status_code == 200
        return page.text

    assert "Nouvelle posologie." in archived(before)
    then = archived(between)  # version 2 withdrawn, version 1 reinstated
    assert "Nouvelle posologie." not in then
    assert S1_TEXT in then
    now = archived(utcnow())  # both withdrawn: nothing was published for it
    assert S1_TEXT not in now
    assert "Texte de la section 2" in now


def test_a_member_without_a_declaration_in_force_cannot_countersign(
    app, make_article, make_user, editor
):
    make_article(approve="all")
    assert withdraw(signed_in(app, editor), published()).status_code == 302
    withdrawal = db.session.scalar(select(Withdrawal))
    page = f"/board/withdrawals/{withdrawal.id}"
    undeclared = signed_in(app, make_user(Role.BOARD, name="Dr Sans Déclaration", declared=False))
    shown = undeclared.get(page).text
    assert 'name="password"' not in shown
    assert "no declaration of interests on record" in shown
    refused = post(undeclared, f"{page}/countersign", {"password": TEST_PASSWORD}, page=page)
    assert refused.status_code == 403
    assert "/account/declaration" in refused.text
    db.session.refresh(withdrawal)
    assert withdrawal.countersigned_by_id is None
