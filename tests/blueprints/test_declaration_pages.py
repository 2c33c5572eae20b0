"""Declarations of interests on the pages: one's own declaration, the staff pages' reminder,
recusal and justification on the sign-off page and the review screen, and the public page
each reviewer's and signer's name links to."""

import re

import pytest
from sqlalchemy import func, select

from reviewapp.domain import declarations
from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Declaration, InterestStatement, Section, Signoff
from reviewapp.rules import declarations as rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD
from tests.interests import interested, oncology_awaiting_signoff

PAGE = "/account/declaration"


@pytest.fixture
def oncology(contributor, editor, board_members):
    return oncology_awaiting_signoff(contributor, editor, board_members)


JUSTIFICATION = "La section ne cite aucun produit de ce fabricant."


def problems(html: str) -> str:
    """Return the page's error summary."""
    start = html.index('class="form-errors error-summary"')
    return html[start : html.index("</div>", start)]


def is_checked(html: str, value: str) -> bool:
    """Return whether the page's radio button or checkbox of `value` is checked."""
    return re.search(rf'<input checked [^>]*value="{value}"', html) is not None


def sign(post_form, version_id: int):
    page = f"/board/versions/{version_id}"
    return post_form(f"{page}/sign", {"password": TEST_PASSWORD, "meaning": MEANINGS[0]}, page=page)


# --- One's own declaration ----------------------------------------------------------------


def test_a_member_declares_and_sees_it_in_force_and_in_the_history(
    client, login, post_form, make_user
):
    member = make_user(Role.BOARD, name="Pr Déclare", declared=False)
    login(member)
    first = client.get(PAGE)
    assert first.status_code == 200
    assert "You have not declared your interests." in first.text
    answer = post_form(
        PAGE,
        {
            "kind": "financial",
            "text": "Honoraires de conseil, laboratoire X (2025).",
            "specialties": ["oncology", "haematology"],
        },
    )
    assert answer.status_code == 302
    page = client.get(PAGE).text
    assert "Your declaration of interests is recorded" in page
    assert "A financial interest concerning Oncology, Haematology" in page
    assert "Honoraires de conseil, laboratoire X (2025)." in page
    assert "Your declarations (1)" in page
    # Declaring again starts from the one in force and keeps both.
    assert is_checked(page, "financial")
    assert is_checked(page, "haematology")
    assert post_form(PAGE, {"kind": "none"}).status_code == 302
    again = client.get(PAGE).text
    assert "Your declarations (2)" in again
    assert again.index("No interests") < again.index("A financial interest concerning")
    assert db.session.scalar(select(func.count(Declaration.id))) == 2
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "declaration.declare")
    ).all()
    assert len(actions) == 2
    # The account page says where it stands.
    assert "valid until" in client.get("/account").text


def test_a_refused_declaration_keeps_what_was_typed(client, login, post_form, make_user):
    member = make_user(Role.EDITOR, declared=False)
    login(member)
    answer = post_form(PAGE, {"kind": "non-financial", "text": "", "specialties": ["oncology"]})
    assert answer.status_code == 422
    summary = problems(answer.text)
    assert '<a href="#text">' in summary
    assert "Describe the interest" in summary
    assert is_checked(answer.text, "oncology")
    assert is_checked(answer.text, "non-financial")
    assert db.session.scalar(select(func.count(Declaration.id))) == 0
    # The refusal is on the trail.
    assert db.session.scalar(
        select(AuditEvent.message).where(
            AuditEvent.action == "declaration.declare", AuditEvent.outcome == "refused"
        )
    ).startswith("Describe the interest")


def test_a_contributor_is_told_declarations_are_for_editors_and_the_board(
    client, login, post_form, contributor
):
    login(contributor)
    assert "Your roles do not need a declaration" in client.get(PAGE).text
    answer = post_form(PAGE, {"kind": "none"})
    assert answer.status_code == 403
    assert "kept by medical editors and board members" in answer.text


@pytest.mark.parametrize(
    ("months", "says"),
    [
        (None, "You have not declared your interests:"),
        (13, "Your declaration of interests is more than 12 months old:"),
        (11, "Your declaration of interests expires on"),
    ],
)
def test_staff_pages_remind_a_member_whose_declaration_is_missing_or_old(
    client, login, make_user, months, says
):
    member = make_user(Role.BOARD, declared=False)
    if months is not None:
        declarations.declare(None, member, kind="none", at=rules.add_months(utcnow(), -months))
        db.session.commit()
    login(member)
    home = client.get("/board/").text
    assert 'id="declaration-reminder"' in home
    assert says in home
    assert f'href="{PAGE}"' in home


def test_a_current_declaration_and_other_roles_get_no_reminder(client, login, make_user):
    for user in (make_user(Role.BOARD), make_user(Role.CONTRIBUTOR), make_user(Role.ADMIN)):
        login(user)
        assert 'id="declaration-reminder"' not in client.get("/account").text
        client.post("/sign-out", data={"csrf_token": _token(client)})


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").text).group(1)


# --- The board's sign-off page ------------------------------------------------------------


def test_signing_without_a_declaration_is_refused_and_says_where_to_declare(
    client, login, post_form, oncology, make_user
):
    member = make_user(Role.BOARD, declared=False)
    login(member)
    page = client.get(f"/board/versions/{oncology.id}").text
    assert "You may not sign this version." in page
    assert "You have no declaration of interests on record" in page
    assert f'action="/board/versions/{oncology.id}/sign"' not in page
    refused = sign(post_form, oncology.id)
    assert refused.status_code == 403
    assert f"Declare them at {rules.DECLARATION_PAGE}" in refused.text
    assert (
        db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id == oncology.id))
        == 0
    )


def test_an_interest_in_the_specialty_is_signed_only_after_a_justification(
    client, login, post_form, oncology, make_user
):
    member = interested(make_user)
    login(member)
    url = f"/board/versions/{oncology.id}"
    page = client.get(url).text
    assert 'id="interest-conflict"' in page
    assert "a financial interest in <strong>Oncology</strong>" in page
    assert f'action="{url}/interest"' in page
    assert f'action="{url}/sign"' not in page
    assert sign(post_form, oncology.id).status_code == 403

    recorded = post_form(
        f"{url}/interest", {"kind": "justification", "text": JUSTIFICATION}, page=url
    )
    assert recorded.status_code == 302
    page = client.get(url).text
    assert "Justification recorded" in page
    assert f"<q>{JUSTIFICATION}</q>" in page
    assert f'action="{url}/sign"' in page
    assert sign(post_form, oncology.id).status_code == 302
    signed = client.get(url).text
    assert "Declared interest, justification:" in signed
    assert "Declared interests on this version" in signed


def test_a_refused_justification_keeps_what_was_typed(
    client, login, post_form, oncology, make_user
):
    member = interested(make_user)
    login(member)
    url = f"/board/versions/{oncology.id}"
    answer = post_form(f"{url}/interest", {"kind": "justification", "text": "  "}, page=url)
    assert answer.status_code == 422
    assert "Say why your interest does not bear on this version" in problems(answer.text)
    assert is_checked(answer.text, "justification")
    assert db.session.scalar(select(func.count(InterestStatement.id))) == 0


def test_a_recusal_takes_the_member_off_the_version(client, login, post_form, oncology, make_user):
    member = interested(make_user, kind="non-financial")
    login(member)
    url = f"/board/versions/{oncology.id}"
    assert post_form(f"{url}/interest", {"kind": "recusal"}, page=url).status_code == 302
    page = client.get(url).text
    assert "You recused yourself from version 1 on" in page
    assert "you cannot approve or sign it" in page
    assert f'action="{url}/interest"' not in page
    refused = sign(post_form, oncology.id)
    assert refused.status_code == 403
    assert "You recused yourself" in refused.text


# --- The editor's review screen -----------------------------------------------------------


@pytest.fixture
def under_review(make_article):
    article = make_article(slug="revue")
    article.specialty = "oncology"
    db.session.commit()
    return latest_version(
        db.session.scalar(
            select(Section).where(Section.article_id == article.id, Section.key == "s1")
        ),
        Audience.CLINICIAN,
    )


def test_the_review_screen_says_why_an_editor_may_not_approve(
    client, login, post_form, under_review, make_user
):
    editor = make_user(Role.EDITOR, declared=False)
    transition(editor, under_review, Action.START_REVIEW)
    db.session.commit()
    login(editor)
    url = f"/review/versions/{under_review.id}"
    page = client.get(url).text
    assert 'id="approve-refused"' in page
    assert "declare their interests before they approve" in page
    assert 'value="approve"' not in page
    refused = post_form(f"{url}/actions", {"action": "approve", "comment": ""}, page=url)
    assert refused.status_code == 403
    assert db.session.get(type(under_review), under_review.id).workflow_state is State.UNDER_REVIEW


def test_an_editor_justifies_an_interest_then_approves(
    client, login, post_form, under_review, make_user
):
    editor = interested(make_user, role=Role.EDITOR)
    transition(editor, under_review, Action.START_REVIEW)
    db.session.commit()
    login(editor)
    url = f"/review/versions/{under_review.id}"
    page = client.get(url).text
    assert 'id="interest-conflict"' in page
    assert 'value="approve"' not in page
    answer = post_form(
        f"{url}/interest", {"kind": "justification", "text": JUSTIFICATION}, page=url
    )
    assert answer.status_code == 302
    page = client.get(url).text
    assert 'value="approve"' in page
    assert f"<q>{JUSTIFICATION}</q>" in page
    assert post_form(f"{url}/actions", {"action": "approve"}, page=url).status_code == 302


# --- The public page ------------------------------------------------------------------------


def test_the_article_page_links_each_name_to_a_public_declaration_with_the_justification(
    client, oncology, make_user, board_members
):
    member = interested(make_user)
    declarations.record_statement(member, oncology, kind="justification", text=JUSTIFICATION)
    from reviewapp.domain.signoffs import sign_version

    sign_version(member, oncology, password=TEST_PASSWORD, meaning=MEANINGS[0])
    sign_version(board_members[0], oncology, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert oncology.workflow_state is State.APPROVED
    article = client.get("/articles/oncologie/clinician").text
    link = f'href="/people/{member.id}/declaration?lang=fr"'
    assert link in article
    assert "Malgré un intérêt déclaré" in article
    assert JUSTIFICATION in article

    public = client.get(f"/people/{member.id}/declaration?lang=fr")
    assert public.status_code == 200
    assert public.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    assert "Cookie" not in public.headers.get("Vary", "")
    assert '<html lang="fr">' in public.text
    assert "déclaré un intérêt financier" in public.text
    assert "Oncologie" in public.text
    assert "Honoraires de conseil" in public.text
    assert member.email not in public.text
    english = client.get(f"/people/{member.id}/declaration").text
    assert "declared a financial interest concerning: Oncology." in english


def test_only_people_readers_can_meet_have_a_public_declaration(client, contributor, editor):
    assert client.get(f"/people/{contributor.id}/declaration").status_code == 404
    assert client.get("/people/999999/declaration").status_code == 404
    assert client.get("/people/99999999999999/declaration").status_code == 404
    shown = client.get(f"/people/{editor.id}/declaration")
    assert shown.status_code == 200
    assert "declared no interests" in shown.text


def test_a_member_is_refused_until_declared_then_until_the_interest_is_justified(
    client, login, post_form, oncology, make_user
):
    """What issue #16 asks to show: no current declaration, 403 saying why; a declared
    interest in the article's specialty, 403 until a recusal or a justification."""
    member = make_user(Role.BOARD, name="Pr Parcours", declared=False)
    login(member)
    url = f"/board/versions/{oncology.id}"
    undeclared = sign(post_form, oncology.id)
    assert undeclared.status_code == 403
    assert "You have no declaration of interests on record" in undeclared.text
    declared = post_form(
        PAGE,
        {"kind": "financial", "text": "Bourse d'un laboratoire.", "specialties": ["oncology"]},
    )
    assert declared.status_code == 302
    conflicted = sign(post_form, oncology.id)
    assert conflicted.status_code == 403
    assert "a specialty of this article: record a recusal or a justification" in conflicted.text
    justified = post_form(
        f"{url}/interest", {"kind": "justification", "text": JUSTIFICATION}, page=url
    )
    assert justified.status_code == 302
    assert sign(post_form, oncology.id).status_code == 302
    assert db.session.scalar(
        select(Signoff.id).where(Signoff.version_id == oncology.id, Signoff.signer_id == member.id)
    )
