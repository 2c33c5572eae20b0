"""Board pages: sign-off with the password prompt, objections, history, diffs, audit, as-of."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Signoff, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD

C = Audience.CLINICIAN


def s1() -> Section:
    return db.session.scalar(select(Section).where(Section.key == "s1"))


@pytest.fixture
def awaiting(make_article, editor) -> Version:
    article = make_article()
    article.required_signoffs = 2
    version = latest_version(s1(), C)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    return version


@pytest.fixture
def member(make_user, login):
    user = make_user(Role.BOARD, name="Pr Signe")
    login(user)
    return user


def sign(
    post_form, version: Version, password: str = TEST_PASSWORD, meaning="Approved for publication"
):
    page = f"/board/versions/{version.id}"
    return post_form(f"{page}/sign", {"meaning": meaning, "password": password}, page=page)


def test_board_home_lists_versions_awaiting_sign_off(client, awaiting, member):
    page = client.get("/board/")
    assert page.status_code == 200
    assert f'href="/board/versions/{awaiting.id}"' in page.text
    assert "0 of 2" in page.text


def test_sign_through_the_page_with_the_password(client, awaiting, member, post_form):
    page = client.get(f"/board/versions/{awaiting.id}").text
    assert "Sign as Pr Signe, MD" in page
    assert awaiting.content_hash in page
    assert 'type="password"' in page
    response = sign(post_form, awaiting)
    assert response.status_code == 302
    after = client.get(response.headers["Location"]).text
    assert "Signed version 1: “Approved for publication”." in after
    assert "Board signatures (1 of 2 required)" in after
    assert "Pr Signe, MD</strong>, Medical Advisory Board member" in after
    assert "Sign as" not in after  # one signature per member
    signoff = db.session.scalar(select(Signoff).where(Signoff.version_id == awaiting.id))
    assert signoff.content_hash == awaiting.content_hash
    assert signoff.printed_name == "Pr Signe, MD"


def signatures_on(version: Version) -> int:
    return db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id == version.id))


def test_wrong_password_keeps_the_choice_and_says_why(client, awaiting, member, post_form):
    response = sign(post_form, awaiting, password="not it", meaning="Reviewed, no objection")
    assert response.status_code == 403
    assert "Wrong password: the signature was not recorded." in response.text
    assert '<option selected value="Reviewed, no objection">' in response.text
    assert 'value="not it"' not in response.text  # a password is never echoed back
    assert signatures_on(awaiting) == 0
    refused = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "signoff.sign", AuditEvent.outcome == "refused"
        )
    )
    assert refused.actor_id == member.id


def test_two_signatures_publish_and_the_public_page_shows_them(
    client, awaiting, member, post_form, make_user, login
):
    assert sign(post_form, awaiting).status_code == 302
    post_form("/sign-out", page="/board/")
    second = make_user(Role.BOARD, name="Dr Deuxième")
    login(second)
    assert sign(post_form, awaiting).status_code == 302
    db.session.refresh(awaiting)
    assert awaiting.workflow_state is State.APPROVED
    post_form("/sign-out", page="/board/")
    client.get("/")
    public = client.get("/articles/test-article/clinician").text
    # Each signer's name links to their declaration of interests, in the page's language.
    signed_by = f'Signé par <a href="/people/{member.id}/declaration?lang=fr">Pr Signe, MD<span'
    assert signed_by in public
    assert '</a>, <span lang="en">Medical Advisory Board member' in public
    assert f'<a href="/people/{second.id}/declaration?lang=fr">Dr Deuxième, MD<span' in public
    assert "Relu par le comité consultatif médical :" in public


def test_objection_needs_a_reason_and_sends_the_version_back(client, awaiting, member, post_form):
    page = f"/board/versions/{awaiting.id}"
    empty = post_form(f"{page}/object", {"reason": ""}, page=page)
    assert empty.status_code == 422
    response = post_form(f"{page}/object", {"reason": "Posologie à vérifier."}, page=page)
    assert response.status_code == 302
    db.session.refresh(awaiting)
    assert awaiting.workflow_state is State.CHANGES_REQUESTED
    assert "Objection by Pr Signe, MD" in client.get(page).text


def test_sign_without_csrf_is_refused(client, awaiting, member):
    response = client.post(
        f"/board/versions/{awaiting.id}/sign",
        data={"meaning": "Approved for publication", "password": TEST_PASSWORD},
    )
    assert response.status_code == 400
    assert signatures_on(awaiting) == 0


def test_history_timeline_and_diffs(client, make_article, contributor, member):
    make_article(approve="all")
    base = latest_version(s1(), C)
    newer = submit_version(
        contributor,
        s1(),
        C,
        heading="Section 1",
        body="Texte révisé de la section 1 [@ref-1].",
        base_version_id=base.id,
        change_summary="Précision.",
    )
    db.session.commit()
    overview = client.get("/board/articles/test-article/history")
    assert overview.status_code == 200
    timeline = client.get(f"/board/sections/{s1().id}/clinician/history").text
    assert timeline.index("Version 2") < timeline.index("Version 1")
    assert "Written by a person" in timeline
    assert "Signed by <strong>Pr Ada Board, MD</strong>" in timeline
    inline = client.get(f"/board/diff?from={base.id}&to={newer.id}").text
    assert re.search(r"Texte <span[^>]*>\[added: </span><ins>révisé</ins>", inline)
    side = client.get(f"/board/diff?from={base.id}&to={newer.id}&mode=side").text
    assert 'class="diff-view diff-side"' in side
    assert client.get(f"/board/diff?from={base.id}").status_code == 400
    assert client.get(f"/board/diff?from={base.id}&to=999999").status_code == 404


def test_audit_page_filters_pages_and_downloads(client, make_article, member):
    make_article(approve="all")
    # The four sections' wording, and the front matter, settings, outline and two references.
    approvals = 4 + 5
    page = client.get("/board/audit?action=version.approve")
    assert page.status_code == 200
    assert page.text.count("<code>version.approve</code>") == approvals
    assert "<code>version.submit</code>" not in page.text
    by_article = client.get("/board/audit?article=test-article").text
    assert "version.start_review" in by_article
    by_section = client.get("/board/audit?article=test-article&section=s1").text
    assert "version.approve" in by_section
    csv_rows = list(
        csv.DictReader(
            io.StringIO(client.get("/board/audit/export.csv?action=version.approve").text)
        )
    )
    assert len(csv_rows) == approvals
    assert {row["action"] for row in csv_rows} == {"version.approve"}
    exported = json.loads(client.get("/board/audit/export.json").text)
    assert len(exported) == db.session.scalar(select(func.count(AuditEvent.id)))
    assert client.get("/board/audit?since=yesterday").status_code == 400


def test_audit_page_is_paged_by_event_id(client, make_article, member):
    make_article(approve="all", sections=12)
    first = client.get("/board/audit").text
    assert "Older events" in first
    cursor = first.split("/board/audit?before=")[1].split('"')[0]
    second = client.get(f"/board/audit?before={cursor}").text
    assert f"<td>{int(cursor) - 1}</td>" in second


def test_as_of_shows_the_wording_published_at_that_time(
    client, make_article, contributor, editor, board_members, login, make_user
):
    from reviewapp.domain.signoffs import MEANINGS, sign_version

    make_article(approve="all")
    before_change = utcnow()
    base = latest_version(s1(), C)
    newer = submit_version(
        contributor,
        s1(),
        C,
        heading="Section 1",
        body="Nouvelle recommandation [@ref-1].",
        base_version_id=base.id,
        change_summary="Nouvelle donnée.",
    )
    transition(editor, newer, Action.START_REVIEW)
    transition(editor, newer, Action.APPROVE)
    sign_version(board_members[0], newer, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    login(make_user(Role.BOARD))
    now = client.get("/articles/test-article/clinician").text
    assert "Nouvelle recommandation" in now
    then = client.get(f"/articles/test-article/clinician?as_of={before_change.isoformat()}")
    assert then.status_code == 200
    assert "Vue d’archive pour le comité consultatif médical" in then.text
    assert "Texte de la section 1" in then.text
    assert "Nouvelle recommandation" not in then.text
    assert then.headers["Cache-Control"] == "private, no-store"
    long_ago = client.get(
        "/articles/test-article/clinician"
        f"?as_of={(before_change - timedelta(days=3650)).isoformat()}"
    ).text
    assert "Rien n’était publié à ce moment." in long_ago


def test_board_pages_refuse_other_roles(client, login, make_user, make_article):
    make_article()
    login(make_user(Role.EDITOR))
    assert client.get("/board/").status_code == 403
    assert client.get("/board/audit").status_code == 403
    version = latest_version(s1(), C)
    assert client.get(f"/board/versions/{version.id}").status_code == 200  # editors read history
