"""Proposing and reviewing the parts of a page besides wording, through HTTP: front matter,
review settings, outline, references and site texts."""

import html as html_module
import re

import pytest
from sqlalchemy import func, select

from reviewapp.domain import part_chains
from reviewapp.domain.engine import transition
from reviewapp.domain.parts import submit_part
from reviewapp.extensions import db
from reviewapp.models import Article, AuditEvent, Reference, Section, Version
from reviewapp.rules import parts as rules
from reviewapp.rules.states import Action, Kind, Role, State
from tests.blueprints.test_editor_pages import hidden, part, textarea
from tests.conftest import TEST_PASSWORD

SLUG = "test-article"
FRONT_MATTER = f"/review/articles/{SLUG}/front-matter"
SETTINGS = f"/review/articles/{SLUG}/settings"
OUTLINE = f"/review/articles/{SLUG}/outline"
NEW_REFERENCE = f"/review/articles/{SLUG}/new-reference"
SITE_TEXTS = "/review/site-texts"


def reference_url(key: str = "ref-0") -> str:
    return f"/review/articles/{SLUG}/references/{key}"


def site_text_url(key: str = "disclaimer.patient") -> str:
    return f"{SITE_TEXTS}/{key}"


def article() -> Article:
    return db.session.scalar(select(Article).where(Article.slug == SLUG))


def reference(key: str = "ref-0") -> Reference:
    return db.session.scalar(select(Reference).where(Reference.key == key))


def newest(part: part_chains.Part) -> Version | None:
    db.session.expire_all()
    return part.newest()


def version_count() -> int:
    return db.session.scalar(select(func.count(Version.id)))


def value(page: str, name: str) -> str:
    """Return the value of a text input as a browser would show it."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert match, f"no input {name}"
    found = re.search(r'value="([^"]*)"', match.group(0))
    return html_module.unescape(found.group(1)) if found else ""


def selected(page: str, name: str) -> str:
    """Return the selected option of a select."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select {name}"
    chosen = re.search(r'<option selected value="([^"]*)"', match.group(1))
    return html_module.unescape(chosen.group(1)) if chosen else ""


def top_of(page: str) -> str:
    """Return the page above its form: where a refusal must be said."""
    return page[page.index("<main") : page.index('id="propose-form"')]


def version_id_of(response) -> int:
    assert response.status_code == 302, response.text
    found = re.fullmatch(r".*/review/versions/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def front_matter_data(page: str, **fields) -> dict:
    """Fill the front matter form as a browser would: what the page holds, plus `fields`."""
    data = {
        "base_version_id": hidden(page, "base_version_id"),
        "seen_version_id": hidden(page, "seen_version_id"),
        "title": value(page, "title"),
        "title_language": value(page, "title_language"),
        "language": value(page, "language"),
        "specialty": value(page, "specialty"),
        "change_summary": "",
        "intent": "submit",
    }
    for index in range(len(re.findall(r'name="authors-\d+-name"', page))):
        data[f"authors-{index}-name"] = value(page, f"authors-{index}-name")
        data[f"authors-{index}-credentials"] = value(page, f"authors-{index}-credentials")
        data[f"authors-{index}-disclosures"] = textarea(page, f"authors-{index}-disclosures")
    return data | fields


@pytest.fixture
def board_member(make_user):
    return make_user(Role.BOARD, name="Pr Board Only")


# --- who may propose ----------------------------------------------------------------------

PAGES = [FRONT_MATTER, SETTINGS, OUTLINE, NEW_REFERENCE, reference_url(), SITE_TEXTS]
PAGES += [site_text_url()]


@pytest.mark.parametrize("url", PAGES)
def test_contributors_and_editors_may_open_every_proposal_page(
    client, login, make_article, contributor, editor, url
):
    make_article()
    for person in (contributor, editor):
        login(person)
        assert client.get(url).status_code == 200, (person, url)


@pytest.mark.parametrize("url", PAGES)
def test_readers_and_board_only_accounts_cannot_propose(
    client, login, make_article, board_member, make_user, url
):
    make_article()
    before = version_count()
    assert client.get(url).status_code == 302  # anonymous: sent to sign in
    login(board_member)
    assert client.get(url).status_code == 403
    if url != SITE_TEXTS:  # the list is only read
        response = client.post(url, data={"intent": "submit", "csrf_token": _token(client)})
        assert response.status_code == 403
    login(make_user(Role.ADMIN))
    assert client.get(url).status_code == 403
    assert version_count() == before


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/board/")


def test_unknown_article_reference_or_site_text_is_404(client, login, make_article, contributor):
    make_article()
    login(contributor)
    assert client.get("/review/articles/nope/front-matter").status_code == 404
    assert client.get(reference_url("no-such-ref")).status_code == 404
    missing = client.get(site_text_url("footer"))
    assert missing.status_code == 404
    assert "Unknown site text" in missing.text


# --- front matter ---------------------------------------------------------------------------


def test_front_matter_is_proposed_through_its_page(
    client, login, make_article, contributor, post_form
):
    make_article()
    chain = part_chains.front_matter_part(article())
    approved = newest(chain)
    login(contributor)
    page = client.get(FRONT_MATTER).text
    assert value(page, "title") == "Quelle est la question ?"
    assert hidden(page, "base_version_id") == str(approved.id)
    assert value(page, "authors-0-name") == "Dr Author"
    assert value(page, "authors-1-name") == ""  # a row to add an author
    data = front_matter_data(
        page,
        title="Quelle est la meilleure question ?",
        specialty="oncology",
        change_summary="Titre précisé.",
        **{
            "authors-1-name": "Dr Second",
            "authors-1-credentials": "PhD",
            "authors-1-disclosures": "Honoraria, Lab X",
        },
    )
    response = post_form(FRONT_MATTER, data)
    version = db.session.get(Version, version_id_of(response))
    assert version.kind == Kind.FRONT_MATTER.value
    assert version.parent_id == approved.id
    assert version.workflow_state is State.SUBMITTED
    values = part_chains.payload_of(version)
    assert values["title"] == "Quelle est la meilleure question ?"
    assert values["specialty"] == "oncology"
    # Empty rows are no author; the filled one is added after the first.
    assert [a["name"] for a in values["authors"]] == ["Dr Author", "Dr Second"]
    # An approved front matter stays what readers see until the proposal is approved.
    assert article().title == "Quelle est la question ?"
    review = client.get(response.headers["Location"]).text
    assert "Submitted version 2 of the front matter for review." in review
    assert re.search(r"<ins>\s*meilleure\s*</ins>", review)


def test_removing_an_author_by_emptying_the_row(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    page = client.get(FRONT_MATTER).text
    data = front_matter_data(
        page,
        change_summary="Auteur retiré.",
        **{"authors-0-name": "", "authors-0-credentials": "", "authors-0-disclosures": ""},
    )
    version = db.session.get(Version, version_id_of(post_form(FRONT_MATTER, data)))
    assert part_chains.payload_of(version)["authors"] == []
    assert "Authors: none listed" in version.body


def test_preview_shows_the_readable_values_and_the_diff_and_saves_nothing(
    client, login, make_article, contributor, post_form
):
    make_article()
    before = version_count()
    login(contributor)
    page = client.get(FRONT_MATTER).text
    data = front_matter_data(page, title="Une autre question ?", intent="preview")
    response = post_form(FRONT_MATTER, data)
    assert response.status_code == 200
    assert "Nothing has been stored" in response.text
    preview = part(response.text, "preview-heading")
    assert "Title (the clinical question): Une autre question ?" in html_module.unescape(preview)
    assert "Your values compared with version 1" in preview
    # The title line is rewritten: its words change within it, before and after.
    marked = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", preview)
    assert "<del>Quelle est la</del> question ?" in marked
    assert "<ins>Une autre</ins> question ?" in marked
    assert value(response.text, "title") == "Une autre question ?"
    assert version_count() == before


def test_preview_warns_of_values_that_will_be_refused(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    page = client.get(FRONT_MATTER).text
    response = post_form(FRONT_MATTER, front_matter_data(page, title="", intent="preview"))
    assert response.status_code == 200
    assert "These values will be refused" in response.text
    assert "The title (the clinical question) is required." in response.text


def test_invalid_front_matter_is_refused_at_the_top_with_the_values_kept(
    client, login, make_article, contributor, post_form
):
    make_article()
    before = version_count()
    login(contributor)
    page = client.get(FRONT_MATTER).text
    data = front_matter_data(page, title="", specialty="cardiologie", change_summary="Essai.")
    response = post_form(FRONT_MATTER, data)
    assert response.status_code == 422
    top = top_of(response.text)
    assert "There is a problem" in top
    assert "The title (the clinical question) is required." in top
    # The field is marked where it can be corrected.
    assert 'aria-invalid="true"' in response.text.split('name="title"')[0].rsplit("<input", 1)[1]
    assert value(response.text, "specialty") == "cardiologie"
    assert version_count() == before
    refused = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "version.submit", AuditEvent.outcome == "refused"
        )
    )
    assert refused is not None


def test_change_summary_is_required_once_approved(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    page = client.get(FRONT_MATTER).text
    response = post_form(FRONT_MATTER, front_matter_data(page, title="Nouvelle ?"))
    assert response.status_code == 422
    assert "say what changed and why" in top_of(response.text)
    assert value(response.text, "title") == "Nouvelle ?"


def test_stale_base_is_refused_with_the_typed_values_kept(
    client, login, make_article, contributor, editor, post_form
):
    make_article()
    chain = part_chains.front_matter_part(article())
    login(contributor)
    page = client.get(FRONT_MATTER).text
    # Meanwhile an editor submits a version of the front matter.
    values = part_chains.proposed_values(chain) | {"specialty": "oncologie"}
    theirs = submit_part(
        editor, chain, values, base_version_id=newest(chain).id, change_summary="Spécialité."
    )
    db.session.commit()
    before = version_count()
    data = front_matter_data(page, title="Ma question ?", change_summary="Titre.")
    response = post_form(FRONT_MATTER, data)
    assert response.status_code == 409
    top = top_of(response.text)
    assert f"Someone submitted version {theirs.number} of the front matter since you started" in top
    assert value(response.text, "title") == "Ma question ?"
    assert f"Version {theirs.number} was submitted since you started" in response.text
    assert re.search(r"<ins>\s*oncologie\s*</ins>", part(response.text, "in-between-heading"))
    assert version_count() == before
    # Having read it, the contributor submits on top of it.
    again = post_form(
        FRONT_MATTER,
        data | {"seen_version_id": hidden(response.text, "seen_version_id"), "build_on_seen": "y"},
    )
    mine = db.session.get(Version, version_id_of(again))
    assert mine.parent_id == theirs.id
    db.session.refresh(theirs)
    assert theirs.workflow_state is State.SUPERSEDED


def test_a_hostile_row_number_is_ignored_not_a_failure(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    page = client.get(FRONT_MATTER).text
    data = front_matter_data(page, intent="preview")
    data["authors-" + "9" * 5000 + "-name"] = "Nobody"
    data["authors-²-name"] = "Nobody either"
    response = post_form(FRONT_MATTER, data)
    assert response.status_code == 200
    assert "Nobody" not in response.text


# --- review settings --------------------------------------------------------------------------


def test_settings_are_proposed_and_their_page_says_the_settings_in_force_apply(
    client, login, make_article, contributor, editor, post_form
):
    make_article()
    login(contributor)
    page = client.get(SETTINGS).text
    assert selected(page, "publication") == "approved-only"
    assert value(page, "required_signoffs") == "1"
    data = {
        "base_version_id": hidden(page, "base_version_id"),
        "publication": "pending-with-caution",
        "required_signoffs": "3",
        "review_interval_months": "6",
        "change_summary": "Plus de signatures.",
        "intent": "submit",
    }
    version = db.session.get(Version, version_id_of(post_form(SETTINGS, data)))
    assert part_chains.payload_of(version) == rules.settings(
        publication="pending-with-caution", required_signoffs=3, review_interval_months=6
    )
    assert article().required_signoffs == 1  # still the approved settings
    login(editor)
    review = client.get(f"/review/versions/{version.id}").text
    assert "signed under the settings in force now" in review
    assert "needs <strong>1 board sign-off</strong>" in review
    board = client.get(f"/board/versions/{version.id}").text
    assert "signed under the settings in force now" in board
    assert "Board signatures (0 of 1 required)" in board


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("required_signoffs", "0", "Board sign-offs required must be a whole number from 1 to 20."),
        ("required_signoffs", "deux", "Board sign-offs required must be a whole number"),
        ("review_interval_months", "-3", "Review interval (months) must be a whole number"),
        ("publication", "everything", "The policy must be"),
    ],
)
def test_invalid_settings_are_refused_with_the_domain_message(
    client, login, make_article, contributor, post_form, field, typed, message
):
    make_article()
    before = version_count()
    login(contributor)
    page = client.get(SETTINGS).text
    data = {
        "base_version_id": hidden(page, "base_version_id"),
        "publication": "approved-only",
        "required_signoffs": "2",
        "review_interval_months": "12",
        "change_summary": "Essai.",
        "intent": "submit",
    } | {field: typed}
    response = post_form(SETTINGS, data)
    assert response.status_code == 422
    assert message in html_module.unescape(top_of(response.text))
    if field != "publication":
        assert value(response.text, field) == typed
    assert version_count() == before


# --- outline --------------------------------------------------------------------------------


def outline_data(page: str, **fields) -> dict:
    data = {
        "base_version_id": hidden(page, "base_version_id"),
        "new_key": "",
        "new_level": "2",
        "new_position": "",
        "change_summary": "",
        "intent": "submit",
    }
    for index in range(len(re.findall(r'name="sections-\d+-key"', page))):
        for name in ("key", "position"):
            data[f"sections-{index}-{name}"] = value(page, f"sections-{index}-{name}")
        for name in ("keep", "level"):
            data[f"sections-{index}-{name}"] = selected(page, f"sections-{index}-{name}")
    return data | fields


def test_outline_is_reordered_retired_and_extended_through_its_page(
    client, login, make_article, contributor, post_form
):
    make_article(sections=3)
    login(contributor)
    page = client.get(OUTLINE).text
    keys = [value(page, f"sections-{index}-key") for index in range(4)]
    assert keys == ["summary", "s1", "s2", "s3"]
    data = outline_data(
        page,
        change_summary="Nouvel ordre.",
        new_key="suivi",
        new_level="3",
        **{
            "sections-1-position": "3",  # s1 after s2
            "sections-2-position": "2",
            "sections-3-keep": "retire",  # s3 leaves the outline
        },
    )
    version = db.session.get(Version, version_id_of(post_form(OUTLINE, data)))
    assert part_chains.payload_of(version) == rules.outline(
        [("summary", 1), ("s2", 2), ("s1", 2), ("suivi", 3)], ["s3"]
    )
    assert "Retired: s3" in version.body
    # The new section has a row, out of the outline until the outline is approved.
    added = db.session.scalar(select(Section).where(Section.key == "suivi"))
    assert added is not None
    assert not added.in_outline
    # The next proposal starts from this one, the new section included.
    again = client.get(OUTLINE).text
    assert [value(again, f"sections-{index}-key") for index in range(5)] == [
        "summary",
        "s2",
        "s1",
        "suivi",
        "s3",
    ]
    assert selected(again, "sections-4-keep") == "retire"


def test_an_outline_without_the_summary_first_is_refused(
    client, login, make_article, contributor, post_form
):
    make_article(sections=2)
    login(contributor)
    page = client.get(OUTLINE).text
    data = outline_data(page, change_summary="Essai.", **{"sections-0-position": "9"})
    response = post_form(OUTLINE, data)
    assert response.status_code == 422
    assert "The outline starts with the answer&#39;s summary" in top_of(response.text)
    assert value(response.text, "sections-0-position") == "9"


def test_an_outline_level_out_of_range_is_refused(
    client, login, make_article, contributor, post_form
):
    make_article(sections=2)
    login(contributor)
    page = client.get(OUTLINE).text
    response = post_form(OUTLINE, outline_data(page, **{"sections-1-level": "7"}))
    assert response.status_code == 422
    assert "the level must be 1, 2 or 3" in top_of(response.text)


# --- references -----------------------------------------------------------------------------


def reference_data(page: str, **fields) -> dict:
    data = {"base_version_id": hidden(page, "base_version_id"), "intent": "submit"}
    data["kind"] = selected(page, "kind")
    for name in rules.REFERENCE_FIELDS:
        data[name] = textarea(page, name) if name == "note" else value(page, name)
    return data | {"change_summary": ""} | fields


def test_a_reference_is_changed_through_its_page(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    page = client.get(reference_url()).text
    assert value(page, "title") == "Reference title 0"
    assert value(page, "year") == "2020"
    assert selected(page, "kind") == "article"
    data = reference_data(
        page, kind="guideline", year="2024", pmid="123456", change_summary="Nouvelle édition."
    )
    version = db.session.get(Version, version_id_of(post_form(reference_url(), data)))
    values = part_chains.payload_of(version)
    assert values["kind"] == "guideline"
    assert values["year"] == 2024
    assert values["pmid"] == "123456"
    assert version.reference_id == reference().id
    assert reference().year == 2020  # readers keep the approved reference


def test_a_bad_year_is_refused_with_the_domain_message(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    page = client.get(reference_url()).text
    response = post_form(reference_url(), reference_data(page, year="vingt", change_summary="x"))
    assert response.status_code == 422
    assert "The year must be a four-digit number." in top_of(response.text)
    assert value(response.text, "year") == "vingt"


def test_a_new_reference_is_proposed_through_its_page(
    client, login, make_article, editor, post_form
):
    make_article()
    login(editor)
    page = client.get(NEW_REFERENCE).text
    assert hidden(page, "base_version_id") == ""
    data = {
        "key": "who-2024",
        "kind": "guideline",
        "title": "WHO guideline",
        "authors": "World Health Organization",
        "year": "2024",
        "intent": "submit",
    }
    preview = post_form(NEW_REFERENCE, data | {"intent": "preview"})
    assert preview.status_code == 200
    assert "Key: who-2024" in preview.text
    assert reference("who-2024") is None  # a preview makes no row
    version = db.session.get(Version, version_id_of(post_form(NEW_REFERENCE, data)))
    assert version.number == 1
    assert version.reference.key == "who-2024"
    assert part_chains.payload_of(version)["title"] == "WHO guideline"
    # Listed on the overview, with a link to propose its next version.
    overview = client.get(f"/review/articles/{SLUG}").text
    assert "Reference who-2024" in overview
    assert f'href="{reference_url("who-2024")}"' in overview


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ref-0", "The article already has a reference &#39;ref-0&#39;."),
        ("bad key!", "may use letters, digits and _ . : - only."),
    ],
)
def test_a_new_reference_with_a_taken_or_bad_key_is_refused(
    client, login, make_article, contributor, post_form, key, message
):
    make_article()
    references = db.session.scalar(select(func.count(Reference.id)))
    login(contributor)
    data = {"key": key, "kind": "article", "title": "T", "authors": "A", "year": "2020"}
    response = post_form(NEW_REFERENCE, data | {"intent": "submit"})
    assert response.status_code == 422
    assert message in top_of(response.text)
    assert value(response.text, "key") == key
    assert db.session.scalar(select(func.count(Reference.id))) == references


def test_a_reference_version_lists_the_sections_citing_it(
    client, login, make_article, contributor, editor, board_member
):
    make_article(sections=3, references=2)
    chain = part_chains.reference_part(reference("ref-1"))
    values = part_chains.proposed_values(chain) | {"title": "Reference title 1, revised"}
    version = submit_part(
        contributor, chain, values, base_version_id=newest(chain).id, change_summary="Révision."
    )
    db.session.commit()
    login(editor)
    page = client.get(f"/review/versions/{version.id}").text
    citing = part(page, "citing-heading")
    # Sections 1 and 3 cite ref-1 ([@ref-{index % 2}]); the summary and section 2 cite ref-0.
    assert "(2)" in citing
    assert "(s1)" in citing
    assert "(s3)" in citing
    assert "(s2)" not in citing
    s1 = db.session.scalar(select(Section).where(Section.key == "s1"))
    s1_version = part_chains.newest_in_chain(f"section:{s1.id}:clinician")
    assert f'href="/review/versions/{s1_version.id}"' in citing
    login(board_member)
    board = client.get(f"/board/versions/{version.id}").text
    assert "(s1)" in part(board, "citing-heading")
    assert f'href="/board/versions/{s1_version.id}"' in board


# --- site texts -----------------------------------------------------------------------------


def test_site_texts_are_listed_and_proposed_from_the_editor_home(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    assert f'href="{SITE_TEXTS}"' in client.get("/review/").text
    listing = client.get(SITE_TEXTS).text
    for key in rules.SITE_TEXT_KEYS:
        assert f'href="{site_text_url(key)}"' in listing
    page = client.get(site_text_url()).text
    assert "everyday words" in textarea(page, "text")  # the shipped default
    typed = "Une information **générale**, pas un avis médical."
    preview = post_form(site_text_url(), {"text": typed, "intent": "preview"})
    assert "<strong>générale</strong>" in preview.text
    version = db.session.get(
        Version,
        version_id_of(
            post_form(
                site_text_url(),
                {
                    "base_version_id": hidden(page, "base_version_id"),
                    "text": typed,
                    "change_summary": "Plus court.",
                    "intent": "submit",
                },
            )
        ),
    )
    assert version.kind == Kind.SITE_TEXT.value
    assert version.article_id is None
    assert version.site_text_key == "disclaimer.patient"
    review = client.get(f"/review/versions/{version.id}").text
    assert "Site text: patient disclaimer" in review
    assert "<strong>générale</strong>" in review


def test_a_disclaimer_in_one_language_is_opened_by_its_key(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    opened = client.get(f"{SITE_TEXTS}?key=disclaimer.patient.fr")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(site_text_url("disclaimer.patient.fr"))
    response = post_form(
        site_text_url("disclaimer.patient.fr"),
        {"text": "Texte pour les patients.", "intent": "submit"},
    )
    version = db.session.get(Version, version_id_of(response))
    assert version.site_text_key == "disclaimer.patient.fr"
    assert "Site text: patient disclaimer (fr)" in client.get(SITE_TEXTS).text
    refused = client.get(f"{SITE_TEXTS}?key=footer.fr")
    assert refused.status_code == 422
    assert "Unknown site text &#39;footer.fr&#39;" in refused.text


def test_an_empty_site_text_is_refused(client, login, make_article, contributor, post_form):
    make_article()
    login(contributor)
    response = post_form(site_text_url(), {"text": "  ", "intent": "submit"})
    assert response.status_code == 422
    assert "The text is empty." in top_of(response.text)


# --- the queue, the board and the histories ---------------------------------------------------


def _propose_front_matter(author, title: str = "Nouvelle question ?") -> Version:
    chain = part_chains.front_matter_part(article())
    values = part_chains.proposed_values(chain) | {"title": title}
    version = submit_part(
        author, chain, values, base_version_id=newest(chain).id, change_summary="Titre."
    )
    db.session.commit()
    return version


def test_the_queue_lists_a_front_matter_version(client, login, make_article, contributor, editor):
    make_article()
    version = _propose_front_matter(contributor)
    login(editor)
    submitted = part(client.get("/review/").text, "queue-heading")
    assert "Front matter" in submitted
    assert f'href="/review/versions/{version.id}"' in submitted
    assert "Camille Writer" in submitted
    login(contributor)
    own = part(client.get("/review/").text, "own-heading")
    assert "Front matter" in own


def test_the_queue_lists_site_texts_under_their_own_heading(
    client, login, make_article, contributor, editor
):
    make_article()
    chain = part_chains.site_text_part("editorial_policy")
    version = submit_part(
        contributor,
        chain,
        {"key": "editorial_policy", "text": "Notre politique."},
        base_version_id=newest(chain).id if newest(chain) else None,
        change_summary="Réécrite.",
    )
    db.session.commit()
    login(editor)
    submitted = part(client.get("/review/").text, "queue-heading")
    assert f'href="{SITE_TEXTS}">Site texts</a>' in submitted
    assert "Site text: editorial policy" in submitted
    assert f'href="/review/versions/{version.id}"' in submitted


def test_the_whole_workflow_of_a_part_through_the_pages(
    client, login, make_article, contributor, editor, make_user, post_form
):
    make_article()
    version = _propose_front_matter(contributor, "Question approuvée ?")
    login(editor)
    review = f"/review/versions/{version.id}"
    assert 'value="start_review"' in client.get(review).text
    assert (
        post_form(f"{review}/actions", {"action": "start_review"}, page=review).status_code == 302
    )
    assert post_form(f"{review}/actions", {"action": "approve"}, page=review).status_code == 302
    member = make_user(Role.BOARD, name="Pr Signe")
    login(member)
    home = client.get("/board/").text
    assert f'href="/board/versions/{version.id}"' in home
    assert "Front matter" in home
    board = f"/board/versions/{version.id}"
    signed = post_form(
        f"{board}/sign", {"meaning": "Approved for publication", "password": TEST_PASSWORD}, board
    )
    assert signed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Version, version.id).workflow_state is State.APPROVED
    assert article().title == "Question approuvée ?"


def test_a_reviewer_of_a_part_version_may_not_sign_it(
    client, login, make_article, contributor, editor, make_user, post_form
):
    make_article()
    both = make_user(Role.EDITOR, Role.BOARD, name="Dr Both Roles")
    version = _propose_front_matter(contributor)
    transition(both, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    login(both)
    board = f"/board/versions/{version.id}"
    assert f'action="{board}/sign"' not in client.get(board).text
    response = post_form(
        f"{board}/sign", {"meaning": "Approved for publication", "password": TEST_PASSWORD}, board
    )
    assert response.status_code == 403
    assert "You reviewed this version" in response.text


def test_board_history_of_each_part_is_linked_from_the_article_history(
    client, login, make_article, contributor, editor, board_members, make_user
):
    make_article()
    first = newest(part_chains.front_matter_part(article()))
    second = _propose_front_matter(contributor)
    login(make_user(Role.BOARD))
    history = client.get(f"/board/articles/{SLUG}/history").text
    chains = [
        part_chains.front_matter_part(article()).chain,
        part_chains.settings_part(article()).chain,
        part_chains.outline_part(article()).chain,
        part_chains.reference_part(reference("ref-0")).chain,
        part_chains.reference_part(reference("ref-1")).chain,
    ]
    for chain in chains:
        assert f'href="/board/chains/{chain}/history"' in history
    timeline = client.get(f"/board/chains/{chains[0]}/history")
    assert timeline.status_code == 200
    assert timeline.text.index("Version 2") < timeline.text.index("Version 1")
    assert "Signed by <strong>Pr Ada Board, MD</strong>" in timeline.text
    diff = client.get(f"/board/diff?from={first.id}&to={second.id}").text
    assert "<ins>Nouvelle</ins>" in diff
    page = client.get(f"/board/versions/{second.id}").text
    assert 'id="changes-heading">What changed' in page
    assert f'href="/board/chains/{chains[0]}/history"' in page


@pytest.mark.parametrize(
    "chain", ["article:999999:front_matter", "article:1:wording", "reference:x", "nothing"]
)
def test_an_unknown_chain_has_no_history(client, login, make_article, editor, chain):
    make_article()
    login(editor)
    response = client.get(f"/board/chains/{chain}/history")
    assert response.status_code == 404
    assert "There is no part" in response.text


def test_a_site_text_history_is_linked_from_the_board_home(
    client, login, make_article, contributor, make_user
):
    make_article()
    chain = part_chains.site_text_part("disclaimer.clinician")
    submit_part(
        contributor,
        chain,
        {"key": "disclaimer.clinician", "text": "Pour les professionnels."},
        base_version_id=newest(chain).id if newest(chain) else None,
        change_summary="Plus court.",
    )
    db.session.commit()
    login(make_user(Role.BOARD))
    home = client.get("/board/").text
    assert f'href="/board/chains/{chain.chain}/history"' in home
    timeline = client.get(f"/board/chains/{chain.chain}/history")
    assert timeline.status_code == 200
    assert "Pour les professionnels" not in timeline.text  # the timeline lists, the page shows
    assert "Camille Writer" in timeline.text


def test_queue_queries_do_not_grow_with_pending_parts(
    client, login, make_article, contributor, editor, count_queries
):
    make_article(references=2)
    _pending_references(contributor, ["ref-0", "ref-1"])
    login(editor)
    db.session.remove()  # each request starts from an empty session, as in production
    with count_queries() as small:
        assert client.get("/review/").status_code == 200
    # Ten times the references, each with a pending version, a front matter and a site text.
    the_article = article()
    from reviewapp.domain.parts import new_reference

    keys = []
    for index in range(20):
        added = new_reference(db.session.merge(contributor), the_article, f"extra-{index}")
        keys.append(added.key)
        submit_part(
            db.session.merge(contributor),
            part_chains.reference_part(added),
            rules.reference(added.key, {"kind": "article", "title": f"Source {index}"}),
            base_version_id=None,
        )
    _propose_front_matter(db.session.merge(contributor))
    chain = part_chains.site_text_part("editorial_policy")
    submit_part(
        db.session.merge(contributor),
        chain,
        {"key": "editorial_policy", "text": "Notre politique."},
        base_version_id=newest(chain).id if newest(chain) else None,
        change_summary="Réécrite.",
    )
    db.session.commit()
    db.session.remove()
    with count_queries() as large:
        page = client.get("/review/")
    assert page.status_code == 200
    assert "Reference extra-19" in page.text
    assert "Site text: editorial policy" in page.text
    assert large.count == small.count, [
        s[:70] for s in small.statements + ["----"] + large.statements
    ]


@pytest.mark.parametrize("url", ["/board/", f"/review/articles/{SLUG}", SITE_TEXTS])
def test_board_home_overview_and_site_texts_queries_do_not_grow_with_parts(
    client, login, make_article, contributor, editor, board_members, make_user, count_queries, url
):
    make_article(references=2)
    _pending_references(contributor, ["ref-0", "ref-1"], approve=(editor, board_members))
    everyone = make_user(Role.EDITOR, Role.CONTRIBUTOR, Role.BOARD, name="Dr Everything")
    login(everyone)
    db.session.remove()
    with count_queries() as small:
        assert client.get(url).status_code == 200
    from reviewapp.domain.parts import new_reference

    for index in range(20):
        added = new_reference(db.session.merge(contributor), article(), f"extra-{index}")
        version = submit_part(
            db.session.merge(contributor),
            part_chains.reference_part(added),
            rules.reference(added.key, {"kind": "article", "title": f"Source {index}"}),
            base_version_id=None,
        )
        transition(db.session.merge(editor), version, Action.START_REVIEW)
        transition(db.session.merge(editor), version, Action.APPROVE)
    for key in ("disclaimer.patient.fr", "disclaimer.clinician.fr", "disclaimer.patient.de"):
        submit_part(
            db.session.merge(contributor),
            part_chains.site_text_part(key),
            {"key": key, "text": f"Texte {key}."},
            base_version_id=None,
        )
    db.session.commit()
    db.session.remove()
    with count_queries() as large:
        page = client.get(url)
    assert page.status_code == 200
    assert large.count == small.count, [
        s[:70] for s in small.statements + ["----"] + large.statements
    ]


def _pending_references(author, keys, approve=None) -> None:
    for key in keys:
        chain = part_chains.reference_part(reference(key))
        values = part_chains.proposed_values(chain) | {"note": f"Vérifié ({key})."}
        version = submit_part(
            author, chain, values, base_version_id=newest(chain).id, change_summary="Note."
        )
        if approve is not None:
            editor, _ = approve
            transition(editor, version, Action.START_REVIEW)
            transition(editor, version, Action.APPROVE)
    db.session.commit()


def test_a_carried_over_version_without_author_is_shown(
    client, login, make_article, editor, board_members
):
    make_article()
    version = newest(part_chains.settings_part(article()))
    version.author_id = None
    db.session.commit()
    login(editor)
    page = client.get(f"/review/versions/{version.id}")
    assert page.status_code == 200
    assert "(carried over, no author)" in page.text
    board = client.get(f"/board/versions/{version.id}")
    assert board.status_code == 200
    assert "(carried over, no author)" in board.text


def test_the_overview_links_every_part_to_its_proposal_page(
    client, login, make_article, contributor, editor
):
    make_article()
    _propose_front_matter(contributor)
    login(contributor)
    overview = part(client.get(f"/review/articles/{SLUG}").text, "parts-heading")
    for url in (FRONT_MATTER, SETTINGS, OUTLINE, reference_url("ref-0"), reference_url("ref-1")):
        assert f'href="{url}"' in overview
    assert "History" not in overview  # the board's histories are for editors and the board
    login(editor)
    page = client.get(f"/review/articles/{SLUG}").text
    assert f'href="{NEW_REFERENCE}"' in page
    row = page[page.index('<th scope="row">Front matter') :].split("</tr>")[0]
    assert "version 1</a>, approved" in row
    assert "version 2</a>" in row
    assert "Submitted" in row
    assert "/history" in row


def test_a_row_that_is_not_a_number_is_named_in_the_summary(
    client, login, make_article, contributor, post_form
):
    make_article(sections=2)
    login(contributor)
    page = client.get(OUTLINE).text
    response = post_form(OUTLINE, outline_data(page, **{"sections-2-position": "third"}))
    assert response.status_code == 422
    summary = top_of(response.text)
    assert "What you typed is kept below" in summary
    assert 'href="#sections-2-position"' in summary
    assert summary.count("Sections, row 3, Position: Use a whole number from 1") == 1
    assert value(response.text, "sections-2-position") == "third"
