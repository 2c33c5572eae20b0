"""Retracting an article (COPE): its addresses answer with the notice alone, it leaves the
index and the sitemap, search engines are told, and its records stay."""

import json
import re

import pytest
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Notification, Signoff, Version, Withdrawal
from reviewapp.rules.notifications import NotificationKind
from reviewapp.rules.states import Role, State
from tests.blueprints.test_withdrawal import post, signed_in

REASON = "Les données de l’essai principal ont été rétractées par la revue."
URLS = ("/articles/test-article/clinician", "/articles/test-article/patient")


def retract(browser, reason: str = REASON):
    url = "/review/articles/test-article/retract"
    return post(browser, url, {"reason": reason})


def json_ld(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )


def test_a_retracted_article_keeps_its_address_with_the_notice(
    app, make_article, editor, board_members
):
    make_article(approve="all", patient=True)
    make_article(slug="other-article", approve="all")
    reader = app.test_client()
    etags = {url: reader.get(url).headers["ETag"] for url in URLS}
    assert "test-article" in reader.get("/").text
    assert "/articles/test-article/patient" in reader.get("/sitemap.xml").text
    versions = db.session.scalar(select(func.count(Version.id)))
    signatures = db.session.scalar(select(func.count(Signoff.id)))
    # The retracted article's own summary: the other article's summary has the same text.
    hash_ = db.session.scalar(
        select(Version.content_hash)
        .join(Article, Article.id == Version.article_id)
        .where(Article.slug == "test-article", Version.body.like("Résumé%"))
    )

    desk = signed_in(app, editor)
    overview = desk.get("/review/articles/test-article").text
    assert 'href="/review/articles/test-article/retract">Retract article…</a>' in overview
    response = retract(desk)
    assert response.status_code == 302

    for url in URLS:
        page = reader.get(url, headers={"If-None-Match": etags[url]})
        assert page.status_code == 200
        assert page.headers["ETag"] != etags[url]
        html = page.text
        assert "Cet article a été rétracté" in html
        assert "Rétracté le" in html
        assert "Dr Eve Editor" in html  # who, and in what role
        assert "éditeur médical" in html
        assert REASON.replace("’", "’") in html
        # No content: neither audience can read the retracted advice.
        assert "Texte de la section" not in html
        assert "Mots simples" not in html
        assert "Résumé" not in html
        assert '<meta name="robots" content="noindex">' in html
        data = json_ld(html)
        assert data["creativeWorkStatus"] == "Retracted"
        assert "reviewedBy" not in data
        assert data["correction"]["text"] == REASON
    assert "Ne vous fiez pas" in reader.get(URLS[1]).text

    # The index and the sitemap leave it out; the other article stays in both.
    index = reader.get("/").text
    assert "/articles/test-article" not in index
    assert "/articles/other-article" in index
    sitemap = reader.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert sitemap.headers["Content-Type"].startswith("application/xml")
    assert "test-article" not in sitemap.text
    assert "http://reviewapp.test/articles/other-article/clinician" in sitemap.text
    assert "http://reviewapp.test/articles/other-article/patient" in sitemap.text

    # Its records stay: every version and signature, the trail, the changelog, /verify.
    assert db.session.scalar(select(func.count(Version.id))) == versions
    assert db.session.scalar(select(func.count(Signoff.id))) == signatures
    assert (
        db.session.scalar(
            select(func.count(Version.id)).where(Version.state == State.WITHDRAWN.value)
        )
        == 8
    )
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.outcome == "done"))
    assert "article.retract" in list(actions)
    changelog = reader.get("/articles/test-article/changelog").text
    assert "Article rétracté le" in changelog
    assert "Premier texte approuvé" in changelog
    verify = reader.get(f"/verify/{hash_}")
    assert verify.status_code == 200
    assert "Withdrawn" in verify.text

    # The board is told and countersigns with its own meaning.
    retraction = db.session.scalar(select(Withdrawal))
    assert retraction.kind == "retraction"
    told = db.session.scalars(
        select(Notification.recipient_id).where(
            Notification.kind == NotificationKind.WITHDRAWAL.value
        )
    ).all()
    assert sorted(told) == sorted(member.id for member in board_members)
    board = signed_in(app, board_members[0])
    page = f"/board/withdrawals/{retraction.id}"
    assert post(board, f"{page}/countersign", {"password": "correct horse battery"}, page=page)
    db.session.refresh(retraction)
    assert retraction.countersign_meaning == "Retraction confirmed"
    assert "Confirmé par le comité consultatif médical le" in reader.get(URLS[0]).text


def test_an_article_is_retracted_once(app, make_article, editor):
    make_article(approve="all")
    desk = signed_in(app, editor)
    assert retract(desk).status_code == 302
    again = retract(desk, "Encore.")
    assert again.status_code == 409
    assert "retracted on" in again.text
    assert db.session.scalar(select(func.count(Withdrawal.id))) == 1
    assert "Retracted " in desk.get("/review/articles/test-article").text


def test_a_retracted_article_shows_no_pending_wording_either(app, make_article, editor):
    make_article(policy="pending-with-caution")  # nothing approved: pending wording shown
    reader = app.test_client()
    assert "Texte de la section 1" in reader.get(URLS[0]).text
    assert retract(signed_in(app, editor)).status_code == 302
    html = reader.get(URLS[0]).text
    assert "Cet article a été rétracté" in html
    assert "Texte de la section 1" not in html
    assert "Aucun texte" not in html


@pytest.mark.parametrize(("role", "status"), [(Role.CONTRIBUTOR, 403), (Role.BOARD, 403)])
def test_only_editors_retract(app, make_article, make_user, role, status):
    make_article(approve="all")
    browser = signed_in(app, make_user(role))
    assert browser.get("/review/articles/test-article/retract").status_code == status
    assert db.session.scalar(select(func.count(Withdrawal.id))) == 0


def test_a_retraction_needs_a_public_reason(app, make_article, editor):
    make_article(approve="all")
    refused = retract(signed_in(app, editor), "  ")
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count(Withdrawal.id))) == 0
    assert "Texte de la section 1" in app.test_client().get(URLS[0]).text
