"""The public change note where a version is proposed and reviewed: the edit page, the
review screen, the board's sign-off page and the API, through HTTP."""

import re

import pytest
from sqlalchemy import select

from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Section, Version
from reviewapp.rules import limits
from reviewapp.rules.states import Action, Audience
from tests.blueprints.test_editor_pages import edit_data, edit_url, newest, textarea
from tests.blueprints.test_signed_record import URL as RECORD
from tests.blueprints.test_signed_record import pdf_text
from tests.conftest import require

C = Audience.CLINICIAN
API = "/api/v1"
CHAIN = f"{API}/articles/test-article/sections/s1/clinician/versions"
NOTE = "La dose maximale est précisée."
SUMMARY = "Corrigé à la demande de Dr Eve Editor."
PUBLIC_LABEL = "Public change note (readers see this)"
INTERNAL_LABEL = "Internal change summary (staff only)"


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def noted_version(contributor, editor) -> Version:
    """Submit version 2 of the approved s1 with both notes and take it to sign-off."""
    previous = latest_version(section(), C)
    version = submit_version(
        contributor,
        section(),
        C,
        heading=previous.heading,
        body="Texte précisé [@ref-1].",
        base_version_id=previous.id,
        change_summary=SUMMARY,
        public_note=NOTE,
    )
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    return version


# --- the edit page -------------------------------------------------------------------------


def test_the_edit_page_asks_for_both_notes_labelled_apart(client, login, make_article, contributor):
    make_article(approve="all")
    login(contributor)
    page = client.get(edit_url()).text
    assert f'<label for="public_note">{PUBLIC_LABEL}</label>' in page
    assert f'<label for="change_summary">{INTERNAL_LABEL}</label>' in page
    note_box = re.search(r'<textarea[^>]*name="public_note"[^>]*>', page).group(0)
    assert 'lang="fr"' in note_box  # typed in the article's language
    assert f'maxlength="{limits.PUBLIC_NOTE}"' in note_box
    assert "Required: one or two plain sentences" in page


def test_the_note_is_required_once_approved_and_what_was_typed_is_kept(
    client, login, make_article, contributor, post_form
):
    make_article(approve="all")
    login(contributor)
    page = client.get(edit_url()).text
    typed = "Texte modifié [@ref-1]."
    refused = post_form(edit_url(), edit_data(page, body=typed, change_summary=SUMMARY))
    assert refused.status_code == 422
    assert "There is a problem" in refused.text
    assert '<a href="#public_note">' in refused.text
    assert "tell readers what changed in the public change note" in refused.text
    assert textarea(refused.text, "body") == typed
    assert textarea(refused.text, "change_summary") == SUMMARY
    assert newest().number == 1

    sent = post_form(
        edit_url(), edit_data(page, body=typed, change_summary=SUMMARY, public_note=NOTE)
    )
    assert sent.status_code == 302
    assert (newest().number, newest().public_note, newest().change_summary) == (2, NOTE, SUMMARY)


def test_a_refusal_for_another_reason_keeps_the_typed_note(
    client, login, make_article, contributor, post_form
):
    make_article(approve="all")
    login(contributor)
    page = client.get(edit_url()).text
    refused = post_form(edit_url(), edit_data(page, body="Texte.", public_note=NOTE))
    assert refused.status_code == 422
    assert "say what changed and why" in refused.text
    assert textarea(refused.text, "public_note") == NOTE


def test_an_over_long_note_is_refused_on_its_field_and_kept(
    client, login, make_article, contributor, post_form
):
    make_article(approve="all")
    login(contributor)
    page = client.get(edit_url()).text
    long_note = "x" * (limits.PUBLIC_NOTE + 1)
    refused = post_form(
        edit_url(),
        edit_data(page, body="Texte.", change_summary=SUMMARY, public_note=long_note),
    )
    assert refused.status_code == 422
    assert '<a href="#public_note">' in refused.text
    assert 'id="public_note-error"' in refused.text
    assert textarea(refused.text, "public_note") == long_note
    assert newest().number == 1


def test_a_first_version_needs_no_note(client, login, make_article, contributor, post_form):
    make_article()  # the wording was never approved
    login(contributor)
    page = client.get(edit_url()).text
    sent = post_form(edit_url(), edit_data(page, body="Première rédaction [@ref-1]."))
    assert sent.status_code == 302
    assert newest().public_note is None


# --- the review screen and the board's sign-off page ---------------------------------------


def test_the_review_screen_shows_the_note_beside_the_internal_summary(
    client, login, make_article, contributor, editor
):
    make_article(approve="all")
    version = noted_version(contributor, editor)
    login(editor)
    page = client.get(f"/review/versions/{version.id}").text
    assert f"<dt>{PUBLIC_LABEL}</dt>" in page
    assert f"<dt>{INTERNAL_LABEL}</dt>" in page
    assert f'<span lang="fr">{NOTE}</span>' in page
    assert "Corrigé à la demande de Dr Eve Editor." in page


def test_the_sign_off_page_shows_the_note_the_signature_covers(
    client, login, make_article, contributor, editor, board_members
):
    make_article(approve="all")
    version = noted_version(contributor, editor)
    login(board_members[1])
    page = client.get(f"/board/versions/{version.id}").text
    assert f"<dt>{PUBLIC_LABEL}</dt>" in page
    assert f"<dt>{INTERNAL_LABEL}</dt>" in page
    assert NOTE in page
    assert "The public change note readers will see in the changelog, signed with" in page
    assert version.content_hash in page


def test_the_sign_off_page_says_when_there_is_no_note(client, login, make_article, board_members):
    make_article(approve="all")
    login(board_members[1])
    page = client.get(f"/board/versions/{latest_version(section(), C).id}").text
    assert f"<dt>{PUBLIC_LABEL}</dt>" in page
    assert "none: the public changelog shows a neutral line" in page


# --- the API -------------------------------------------------------------------------------


@pytest.fixture
def writer(api_token, contributor) -> dict:
    return {"Authorization": f"Bearer {api_token(contributor)}"}


def api_submit(client, writer, **fields):
    body = {
        "heading": "Section 1",
        "body": "Texte de l'API [@ref-1].",
        "provenance": "tool:drafter 2.0",
        "change_summary": SUMMARY,
        "base_version": latest_version(section(), C).id,
        **fields,
    }
    return client.post(CHAIN, json=body, headers=writer)


def test_the_api_takes_the_note_and_shows_it(client, make_article, writer):
    make_article(approve="all")
    response = api_submit(client, writer, public_note=NOTE)
    assert response.status_code == 201, response.json
    assert response.json["public_note"] == NOTE
    assert response.json["change_summary"] == SUMMARY
    listed = client.get(CHAIN, headers=writer).json["versions"]
    assert [v["public_note"] for v in listed] == [NOTE, None]


def test_the_api_requires_the_note_once_approved(client, make_article, writer):
    make_article(approve="all")
    response = api_submit(client, writer)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "public_note"
    assert "public change note" in response.json["error"]["message"]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (None, "Field may not be null."),
        ("x" * (limits.PUBLIC_NOTE + 1), f"Longer than {limits.PUBLIC_NOTE:,} characters."),
        ("a\x00b", "Must not contain NUL characters."),
    ],
)
def test_the_api_validates_the_note(client, make_article, writer, note, message):
    make_article(approve="all")
    response = api_submit(client, writer, public_note=note)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "public_note"
    assert message in response.json["error"]["message"]


def test_the_openapi_document_describes_the_note(client):
    doc = client.get(f"{API}/openapi.json").json
    new_version = doc["components"]["schemas"]["NewVersion"]["properties"]["public_note"]
    assert new_version["maxLength"] == limits.PUBLIC_NOTE
    assert "public changelog" in new_version["description"]
    assert "required once" in new_version["description"]
    shown = doc["components"]["schemas"]["Version"]["properties"]["public_note"]
    assert "null" in shown["type"]


def test_the_signed_record_shows_the_note_among_what_was_signed(
    client, login, make_article, contributor, editor, board_members
):
    try:
        import weasyprint  # noqa: F401
    except OSError:
        require("REQUIRE_BROWSER", "WeasyPrint needs Pango and HarfBuzz (make browser-deps)")
    make_article(approve="all")
    version = noted_version(contributor, editor)
    login(board_members[1])
    answer = client.get(RECORD.format(version.id))
    assert answer.status_code == 200
    text = " ".join(pdf_text(answer.data).split())
    assert "Public change note (covered by the content hash" in text
    assert NOTE in text
