"""The public changelog, through HTTP: each approved change as readers are told it, linked to
its section, in the article's language, and never the staff's change summary."""

import re

from sqlalchemy import select

from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, Section, Version
from reviewapp.rules.states import Audience
from tests.conftest import approve_fully

C, P = Audience.CLINICIAN, Audience.PATIENT
URL = "/articles/test-article/changelog"
SUMMARY = "Reformulé à la demande de l'éditrice, après la réunion du 3 mars."


def section(key: str) -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def revise(contributor, editor, board, key: str, audience: Audience, note: str | None) -> Version:
    """Submit and approve the next version of a chain, with the staff summary and `note`."""
    previous = latest_version(section(key), audience)
    version = submit_version(
        contributor,
        section(key),
        audience,
        heading=previous.heading,
        body=f"{previous.body} Révision {previous.number + 1}.",
        base_version_id=previous.id,
        change_summary=SUMMARY,
        public_note=note,
    )
    approve_fully(editor, board, version)
    db.session.commit()
    return version


def row_of(html: str, *texts: str) -> str:
    """Return the one entry of the changelog that holds every one of `texts`."""
    rows = re.findall(r"<li>.*?</li>", html, re.S)
    found = [row for row in rows if all(text in row for text in texts)]
    assert len(found) == 1, (texts, found)
    return found[0]


def test_each_row_shows_its_note_and_links_to_its_section(
    client, make_article, contributor, editor, board_members
):
    make_article(approve="all", patient=True)
    revise(contributor, editor, board_members, "s1", C, "La dose maximale est précisée.")
    revise(contributor, editor, board_members, "s2", P, "Des mots plus simples.")
    response = client.get(URL)
    assert response.status_code == 200
    html = response.text

    clinician = row_of(html, "La dose maximale est précisée.")
    assert '<a href="/articles/test-article/clinician#section-s1" lang="fr">Section 1</a>' in (
        clinician
    )
    assert '<span lang="fr">La dose maximale est précisée.</span>' in clinician
    assert "Version 2<" in clinician
    patient = row_of(html, "Des mots plus simples.")
    assert 'href="/articles/test-article/patient#section-s2"' in patient
    assert "Patient ou proche aidant" in patient
    # The anchors are there on each audience's own page.
    assert 'id="section-s1"' in client.get("/articles/test-article/clinician").text
    assert 'id="section-s2"' in client.get("/articles/test-article/patient").text
    # Newest first: the patient revision was approved last.
    assert html.index("Des mots plus simples.") < html.index("La dose maximale est précisée.")


def test_the_internal_change_summary_never_reaches_readers(
    client, make_article, contributor, editor, board_members
):
    make_article(approve="all")
    revise(contributor, editor, board_members, "s1", C, "Texte précisé.")
    # A version without a note (from before notes existed, or imported without one).
    revise(contributor, editor, board_members, "s2", C, None)
    html = client.get(URL).text
    assert SUMMARY not in html
    assert "l&#39;éditrice" not in html
    s2 = 'href="/articles/test-article/clinician#section-s2"'
    assert "Texte révisé" in row_of(html, s2, "Version 2<")
    assert "Premier texte approuvé" in row_of(html, s2, "Version 1<")


def test_the_chrome_is_in_the_article_s_language(client, make_article):
    make_article(approve="all")
    html = client.get(URL).text
    assert '<html lang="fr">' in html
    assert '<h1 id="changelog-heading">Historique des modifications</h1>' in html
    for words in ("Professionnel de santé", "Les deux", "Retour à l’article", "Référence ajoutée"):
        assert words in html
    assert "Healthcare professional" not in html

    article = db.session.scalar(select(Article))
    article.language = "en"
    db.session.commit()
    english = client.get(URL).text
    assert '<html lang="en">' in english
    assert '<h1 id="changelog-heading">Changelog</h1>' in english
    assert "First approved wording" in english
    assert "Historique" not in english


def test_parts_link_to_the_article_and_references_to_their_entry(client, make_article):
    make_article(approve="all")
    html = client.get(URL).text
    reference = row_of(html, "<cite>Reference title 0</cite>")
    assert "Référence" in reference
    assert 'href="/articles/test-article#ref-ref-0"' in reference
    assert "Les deux" in reference
    assert 'id="ref-ref-0"' in client.get("/articles/test-article/clinician").text
    front_matter = row_of(html, "Titre et auteurs approuvés pour la première fois")
    assert 'href="/articles/test-article"' in front_matter


def test_a_section_no_longer_on_the_page_is_not_linked(client, make_article):
    make_article(approve="all")
    section("s3").in_outline = False
    db.session.commit()
    row = row_of(client.get(URL).text, "Section 3")
    assert "<a " not in row
    assert "ne figure plus sur la page" in row


def test_nothing_approved_says_so(client, make_article):
    make_article(parts_approved=False)
    html = client.get(URL).text
    assert "Rien de cet article n’a encore été approuvé." in html


def test_query_count_does_not_grow_with_the_number_of_versions(
    client, make_article, contributor, editor, board_members, count_queries
):
    make_article(approve="all", patient=True)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for number in range(6):
        for key, audience in (("s1", C), ("s2", P), ("summary", C)):
            revise(contributor, editor, board_members, key, audience, f"Note {key} {number}.")
    with count_queries() as many:
        html = client.get(URL).text
    assert "Note summary 5." in html
    assert many.count == few.count
