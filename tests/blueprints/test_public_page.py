"""The public article page, through HTTP."""

import json
import re

import pytest

from reviewapp.rules.states import Audience

C, P = Audience.CLINICIAN, Audience.PATIENT
URL = "/articles/test-article"
CLINICIAN_URL, PATIENT_URL = URL + "/clinician", URL + "/patient"


def section_ids(html: str) -> list[str]:
    return re.findall(r'<section class="section[^"]*" id="section-([^"]+)"', html)


def citation_numbers(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="#ref-([^"]+)">(\d+)</a>', html)


def test_index_lists_articles(client, make_article):
    make_article(approve="all")
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/articles/test-article"' in response.text


def test_index_without_articles(client):
    assert "No articles yet." in client.get("/").text


def test_missing_article_is_a_404_page(client):
    response = client.get("/articles/no-such-thing")
    assert response.status_code == 404
    assert "There is no article at /articles/no-such-thing." in response.text
    assert "<h1>Page not found</h1>" in response.text


def test_unknown_audience_is_refused_with_a_message(client, make_article):
    make_article(approve="all")
    response = client.get(URL + "?audience=robot")
    assert response.status_code == 400
    assert "Unknown audience &#39;robot&#39;" in response.text
    assert client.get(URL + "/robot").status_code == 404


def test_page_shows_question_language_and_approved_wording(client, make_article, editor):
    make_article(approve="all", patient=True)
    html = client.get(CLINICIAN_URL).text
    assert '<html lang="fr">' in html
    assert "Quelle est la question ?" in html
    assert section_ids(html) == ["summary", "s1", "s2", "s3"]
    assert "Texte de la section 1" in html
    assert "En attente de relecture humaine" not in html
    assert "<strong>Les 4 sections sont relues</strong>" in html
    # The editor's name links to their declaration of interests.
    assert f'par <a href="/people/{editor.id}/declaration?lang=fr">Dr Eve Editor, MD<span' in html


def test_audiences_show_their_own_wording(client, make_article):
    make_article(approve="all", patient=True)
    clinician = client.get(CLINICIAN_URL).text
    patient = client.get(PATIENT_URL).text
    assert "Texte de la section 1" in clinician
    assert "Mots simples s1" not in clinician
    assert "Mots simples s1" in patient
    assert "Texte de la section 1" not in patient
    # The shipped French disclaimers: the article is in French.
    assert "Avertissement à l’intention des professionnels de santé" in clinician
    assert "destinées aux professionnels de santé" in clinician
    assert "Avertissement médical" in patient
    assert "appelez le 15 (SAMU) ou le 112" in patient


def test_each_audience_has_its_own_address(client, make_article):
    make_article(approve="all", patient=True)
    clinician, patient = client.get(CLINICIAN_URL), client.get(PATIENT_URL)
    assert clinician.status_code == patient.status_code == 200
    assert "Texte de la section 1" in clinician.text
    assert "Mots simples s1" in patient.text
    canonical = '<link rel="canonical" href="http://reviewapp.test/articles/test-article/{}">'
    alternate = '<link rel="alternate" href="http://reviewapp.test/articles/test-article/{}"'
    assert canonical.format("clinician") in clinician.text
    assert alternate.format("patient") in clinician.text
    assert canonical.format("patient") in patient.text
    assert alternate.format("clinician") in patient.text


def test_the_plain_address_sends_a_new_reader_to_the_clinician_page(client, make_article):
    make_article(approve="all", patient=True)
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"] == CLINICIAN_URL
    # It reads the reader's cookie: private, never kept by a shared cache.
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers


def test_audience_choice_is_remembered_in_a_cookie(client, make_article):
    make_article(approve="all", patient=True)
    response = client.get(URL + "/choose/patient")
    assert response.status_code == 303
    assert response.headers["Location"] == PATIENT_URL
    assert "audience=patient" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "private, no-store"
    follow_up = client.get(URL, follow_redirects=True)
    assert follow_up.request.path == PATIENT_URL
    assert "Mots simples s1" in follow_up.text
    assert 'id="audience-patient" href="/articles/test-article/patient" aria-current="page"' in (
        follow_up.text
    )


def test_chooser_is_one_plain_link_to_the_other_wording(client, make_article):
    make_article(approve="all", patient=True)
    html = client.get(CLINICIAN_URL).text
    assert "Qui êtes-vous ?" in html
    assert (
        '<a class="current" id="audience-clinician" href="/articles/test-article/clinician"'
        ' aria-current="page">Professionnel de santé</a>'
    ) in html
    assert (
        '<a id="audience-patient" href="/articles/test-article/choose/patient" rel="nofollow">'
        "Patient ou proche aidant</a>"
    ) in html
    assert "<script src" not in html
    assert "<form" not in html.split("<main", 1)[1]


def test_old_audience_links_move_for_good(client, make_article):
    make_article(approve="all", patient=True)
    for audience, address in (("patient", PATIENT_URL), ("clinician", CLINICIAN_URL)):
        response = client.get(f"{URL}?audience={audience}")
        assert response.status_code == 301
        assert response.headers["Location"] == address
        assert "Set-Cookie" not in response.headers


def test_choosing_for_a_missing_article_is_a_404(client):
    assert client.get("/articles/no-such-thing/choose/patient").status_code == 404
    assert client.get("/articles/no-such-thing/patient").status_code == 404
    assert client.get("/articles/no-such-thing/choose/robot").status_code == 404


def test_patient_page_falls_back_to_clinician_wording_and_says_so(client, make_article):
    make_article(approve=(("summary", C), ("s1", C), ("s2", C), ("summary", P)), patient=True)
    html = client.get(PATIENT_URL).text
    assert "Mots simples summary" in html
    assert "Texte de la section 1" in html  # no approved patient wording for s1
    assert html.count("Affiché dans le texte destiné aux professionnels de santé") == 2
    assert "Mots simples s1" not in html  # pending patient wording is not shown over approved


def test_citations_numbered_by_first_appearance_across_sections(client, make_article):
    # summary cites ref-0; s1 cites ref-1; s2 cites ref-2 and ref-0 again; s3 cites ref-1.
    bodies = {1: "Un [@ref-1].", 2: "Deux [@ref-2; @ref-0].", 3: "Trois [@ref-1]."}
    make_article(approve="all", references=3, body=bodies.__getitem__)
    html = client.get(CLINICIAN_URL).text
    assert citation_numbers(html) == [
        ("ref-0", "1"),
        ("ref-1", "2"),
        ("ref-2", "3"),
        ("ref-0", "1"),
        ("ref-1", "2"),
    ]
    references = re.findall(r'<li id="ref-([^"]+)" value="(\d+)">', html)
    assert references == [("ref-0", "1"), ("ref-1", "2"), ("ref-2", "3")]
    assert 'href="https://doi.org/10.1000/test.1"' in html


def test_numbering_depends_on_the_audience_page(client, make_article):
    bodies = {1: "Un [@ref-2].", 2: "Deux [@ref-1]."}
    make_article(
        approve=(("summary", C), ("s1", C), ("s2", C), ("summary", P)),
        references=3,
        sections=2,
        patient=True,
        body=bodies.__getitem__,
    )
    clinician = client.get(CLINICIAN_URL).text
    patient = client.get(PATIENT_URL).text
    assert citation_numbers(clinician) == [("ref-0", "1"), ("ref-2", "2"), ("ref-1", "3")]
    # The patient summary cites nothing, so the clinician wording shown below starts at 1.
    assert citation_numbers(patient) == [("ref-2", "1"), ("ref-1", "2")]


def test_approved_only_leaves_unapproved_sections_out(client, make_article):
    make_article(approve=(("summary", C), ("s1", C)), policy="approved-only")
    html = client.get(CLINICIAN_URL).text
    assert section_ids(html) == ["summary", "s1"]
    assert "Texte de la section 2" not in html
    assert "2 sections attendent encore leur relecture et ne sont pas affichées." in html
    assert "En attente de relecture humaine" not in html
    assert "<strong>2 sections relues sur 4</strong> · 2 en attente" in html


def test_pending_with_caution_shows_newest_wording_under_a_warning(client, make_article):
    make_article(
        approve=(("summary", C), ("s1", C)),
        under_review=(("s2", C),),
        policy="pending-with-caution",
    )
    html = client.get(CLINICIAN_URL).text
    assert section_ids(html) == ["summary", "s1", "s2", "s3"]
    assert html.count("<strong>En attente de relecture humaine.</strong>") == 2
    assert "À visée éducative uniquement." in html
    assert 'class="section pending" id="section-s2"' in html
    assert 'class="section" id="section-s1"' in html
    assert "<strong>2 sections relues sur 4</strong> · 2 en attente" in html


def test_nothing_pending_looks_reviewed(client, make_article):
    make_article(policy="pending-with-caution")
    html = client.get(CLINICIAN_URL).text
    assert "<strong>0 sections relues sur 4</strong> · 4 en attente</p>" in html
    assert "Aucune section de ce texte n’a encore été approuvée." in html
    assert html.count("<strong>En attente de relecture humaine.</strong>") == 4
    assert "lastReviewed" not in html
    assert "reviewedBy" not in html


def test_incomplete_reference_is_flagged_not_hidden(client, make_article, app):
    from reviewapp.extensions import db
    from reviewapp.models import Reference

    article = make_article(approve="all")
    reference = db.session.scalar(db.select(Reference).where(Reference.key == "ref-1"))
    reference.title, reference.year = "", None
    db.session.commit()
    html = client.get(CLINICIAN_URL).text
    assert "Source non identifiée" in html
    assert "Référence incomplète :</strong> éléments manquants : titre, année." in html
    assert article.slug == "test-article"


def test_json_ld_describes_the_medical_web_page(client, make_article):
    make_article(approve="all", patient=True)

    def json_ld(audience: str) -> dict:
        html = client.get(f"{URL}/{audience}").text
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        return json.loads(block.group(1))

    assert json_ld("patient")["medicalAudience"]["audienceType"] == "Patient"
    assert json_ld("patient")["citation"] == []  # the patient wording cites nothing
    data = json_ld("clinician")
    assert data["@type"] == "MedicalWebPage"
    assert data["medicalAudience"]["audienceType"] == "Clinician"
    assert data["inLanguage"] == "fr"
    assert data["reviewedBy"] == [
        {"@type": "Person", "name": "Dr Eve Editor, MD"},
        {"@type": "Person", "name": "Pr Ada Board, MD"},
    ]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["lastReviewed"])
    assert [c["name"] for c in data["citation"]] == ["Reference title 0", "Reference title 1"]
    assert data["url"] == "http://reviewapp.test/articles/test-article/clinician"


def test_json_ld_names_no_reviewer_while_pending_wording_is_shown(client, make_article):
    make_article(
        approve=(("summary", C), ("s1", C)),
        under_review=(("s2", C),),
        policy="pending-with-caution",
    )
    html = client.get(CLINICIAN_URL).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert "reviewedBy" not in data
    assert "lastReviewed" not in data
    assert "pour les sections relues uniquement" in html  # the credits say so too


def test_page_is_cacheable_and_revalidates(client, make_article):
    make_article(approve="all")
    first = client.get(CLINICIAN_URL)
    assert first.headers["Cache-Control"].startswith("public")
    assert "Vary" not in first.headers
    etag = first.headers["ETag"]
    again = client.get(CLINICIAN_URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    # RFC 9110 15.4.5: what a cache needs to update its copy, and no other metadata.
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert "Vary" not in again.headers
    assert "Last-Modified" not in again.headers
    assert "Content-Type" not in again.headers
    assert first.headers["Last-Modified"]
    patient = client.get(PATIENT_URL)
    assert patient.headers["ETag"] != etag


def test_approval_changes_the_etag(client, make_article, editor, board_members, change_signal):
    """A worker's own commits move its page states at once, before any other signal does."""
    from reviewapp.domain.engine import transition
    from reviewapp.domain.signoffs import MEANINGS, sign_version
    from reviewapp.domain.versions import latest_version
    from reviewapp.extensions import db
    from reviewapp.models import Section
    from reviewapp.rules.states import Action
    from tests.conftest import TEST_PASSWORD

    make_article(approve=(("summary", C),), under_review=(("s1", C),))
    etag = client.get(CLINICIAN_URL).headers["ETag"]
    section = db.session.scalar(db.select(Section).where(Section.key == "s1"))
    version = latest_version(section, C)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    waiting = client.get(CLINICIAN_URL, headers={"If-None-Match": etag})
    assert "Texte de la section 1" not in waiting.text  # an editor's approval is not enough
    sign_version(board_members[0], version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    response = client.get(CLINICIAN_URL, headers={"If-None-Match": waiting.headers["ETag"]})
    assert response.status_code == 200
    assert "Texte de la section 1" in response.text


def test_security_headers(client, make_article):
    make_article(approve="all")
    headers = client.get(CLINICIAN_URL).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[clic](javascript:alert(1))",
        "[clic](JaVaScRiPt:alert(1))",
        "<img src=x onerror=alert(1)>",
        '<a href="#" onclick="alert(1)">x</a>',
        "[clic](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](javascript:alert(1))",
    ],
)
def test_markdown_payloads_come_out_inert(client, make_article, payload):
    make_article(approve="all", body=lambda index: payload)
    html = client.get(CLINICIAN_URL).text
    answer = html.split('<div class="answer"', 1)[1].split('<div class="chrome"', 1)[0]
    assert "<script" not in answer
    assert "<img" not in answer
    assert 'href="javascript' not in answer.lower()
    assert 'href="data:' not in answer
    assert "onerror=" not in answer.replace("onerror=alert(1)&gt;", "")
    assert not re.search(r"<[^>]+\son\w+=", answer)


def test_editorial_policy_page(client):
    response = client.get("/editorial-policy")
    assert response.status_code == 200
    assert "<h1>Editorial policy</h1>" in response.text
    assert "pending human review" in response.text


def test_changelog_lists_approved_changes(client, make_article):
    make_article(approve=(("summary", C), ("s1", C)))
    html = client.get(URL + "/changelog").text
    # The article is in French, and so is the changelog's chrome.
    assert html.count("Premier texte approuvé") == 2
    assert "Section 1" in html
    assert "Section 2" not in html


@pytest.mark.parametrize("policy", ["approved-only", "pending-with-caution"])
def test_query_count_does_not_grow_with_sections(
    client, make_article, count_queries, change_signal, policy
):
    # No signal: every request reads the article's revision, then assembles the page.
    change_signal.known = False
    make_article(slug="small", sections=5, approve="all", policy=policy)
    make_article(slug="large", sections=50, approve="all", policy=policy)
    counts = []
    for slug in ("small", "large"):
        with count_queries() as counter:
            response = client.get(f"/articles/{slug}/clinician")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts == [4, 4]  # the revision, then article, sections with wording, reviews


@pytest.mark.parametrize("policy", ["approved-only", "pending-with-caution"])
def test_assembly_takes_three_queries_whatever_the_history(
    client, make_article, count_queries, change_signal, contributor, policy
):
    from reviewapp.domain.versions import latest_version, submit_version
    from reviewapp.extensions import db
    from reviewapp.models import Section

    make_article(sections=20, approve=(("summary", C), ("s1", C)), policy=policy)
    section = db.session.scalar(db.select(Section).where(Section.key == "s2"))
    for number in range(5):
        base = latest_version(section, C)
        submit_version(
            contributor,
            section,
            C,
            heading="Section 2",
            body=f"Texte {number} [@ref-0].",
            base_version_id=base.id,
        )
    db.session.commit()
    client.get(PATIENT_URL)  # the article's state is now known to this worker
    with count_queries() as counter:
        response = client.get(CLINICIAN_URL)
    assert response.status_code == 200
    assert len(counter.statements) == 3, counter.statements
    if policy == "pending-with-caution":
        assert "Texte 4" in response.text  # the newest pending wording, marked as such
        assert "Texte 3" not in response.text


def test_revalidation_reads_only_the_revision_when_no_signal_is_known(
    client, make_article, count_queries, change_signal
):
    change_signal.known = False
    make_article(approve="all")
    etag = client.get(CLINICIAN_URL).headers["ETag"]
    with count_queries() as counter:
        assert client.get(CLINICIAN_URL, headers={"If-None-Match": etag}).status_code == 304
    assert counter.count == 1  # the article row, for its revision


def test_revalidation_needs_no_query_while_nothing_changed(
    client, make_article, count_queries, change_signal
):
    make_article(approve="all")
    etag = client.get(CLINICIAN_URL).headers["ETag"]
    with count_queries() as counter:
        assert client.get(CLINICIAN_URL, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(CLINICIAN_URL, headers={"If-None-Match": etag}).status_code == 304
    assert counter.statements == []


def test_repeat_views_are_served_from_the_page_cache(
    client, make_article, count_queries, change_signal
):
    make_article(approve="all")
    first = client.get(CLINICIAN_URL)
    with count_queries() as counter:
        second = client.get(CLINICIAN_URL)
    assert second.data == first.data
    assert counter.statements == []
    change_signal.move()
    with count_queries() as counter:
        third = client.get(CLINICIAN_URL)
    assert third.data == first.data
    assert counter.count == 1  # the signal moved: the article row, for its revision


def test_last_modified_moves_with_public_changes(client, make_article, editor):
    from reviewapp.domain.engine import transition
    from reviewapp.domain.versions import latest_version
    from reviewapp.extensions import db
    from reviewapp.models import Section
    from reviewapp.rules.states import Action

    make_article(approve=(("summary", C),), under_review=(("s1", C),))
    before = client.get(CLINICIAN_URL).headers["Last-Modified"]
    section = db.session.scalar(db.select(Section).where(Section.key == "s1"))
    transition(editor, latest_version(section, C), Action.REJECT, "Hors sujet.")
    db.session.commit()
    after = client.get(CLINICIAN_URL)
    assert after.headers["Last-Modified"] >= before
    assert after.last_modified is not None


def test_as_of_is_for_board_members_only(client, make_article, login, make_user):
    from reviewapp.rules.states import Role

    make_article(approve="all")
    response = client.get(CLINICIAN_URL + "?as_of=2030-01-01T00:00:00Z")
    assert response.status_code == 403
    login(make_user(Role.EDITOR))
    assert client.get(CLINICIAN_URL + "?as_of=2030-01-01T00:00:00Z").status_code == 403


def test_as_of_rejects_a_malformed_time(client, make_article, login, make_user):
    from reviewapp.rules.states import Role

    make_article(approve="all")
    login(make_user(Role.BOARD))
    response = client.get(CLINICIAN_URL + "?as_of=last-tuesday")
    assert response.status_code == 400
    assert "ISO 8601" in response.text


def test_signed_in_readers_never_get_or_fill_the_shared_page(
    client, make_article, login, make_user, post_form
):
    from reviewapp.rules.states import Role

    make_article(approve="all")
    board = make_user(Role.BOARD, name="Pr Private Person")
    login(board)
    personal = client.get(CLINICIAN_URL)
    assert "Pr Private Person" in personal.text
    assert personal.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in personal.headers
    post_form("/sign-out", page="/")
    client.get("/")  # shows, and so clears, the "signed out" message
    shared = client.get(CLINICIAN_URL)
    assert "Pr Private Person" not in shared.text
    assert shared.headers["Cache-Control"].startswith("public")


def test_signed_in_pages_are_private(client, login, make_user):
    from reviewapp.rules.states import Role

    login(make_user(Role.EDITOR))
    assert client.get("/review/").headers["Cache-Control"] == "private, no-store"
    assert client.get("/").headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("{etag}", 304),
        ('"elsewhere", {etag}', 304),
        ("*", 304),
        ('"elsewhere"', 200),
        ("", 200),
    ],
)
def test_revalidation_reads_every_form_of_if_none_match(
    client, make_article, if_none_match, status
):
    make_article(approve="all")
    etag = client.get(CLINICIAN_URL).headers["ETag"]
    response = client.get(CLINICIAN_URL, headers={"If-None-Match": if_none_match.format(etag=etag)})
    assert response.status_code == status
    assert response.headers["ETag"] == etag


@pytest.mark.parametrize("address", [CLINICIAN_URL, PATIENT_URL])
def test_audience_pages_can_be_kept_by_any_cache(client, make_article, address):
    make_article(approve="all", patient=True)
    client.get(URL + "/choose/patient")  # a reader with a remembered audience
    first = client.get(address)
    again = client.get(address, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    for response in (first, again):
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
        directives = dict(
            (part.strip().split("=") + [""])[:2]
            for part in response.headers["Cache-Control"].split(",")
        )
        assert "public" in directives
        assert int(directives["s-maxage"]) <= 10
        assert int(directives["stale-while-revalidate"]) > 0
        assert "must-revalidate" not in directives  # it would forbid serving stale


def test_a_remembered_audience_is_not_sent_again(client, make_article):
    make_article(approve="all", patient=True)
    client.get(URL + "/choose/patient")
    response = client.get(URL)
    assert response.headers["Location"] == PATIENT_URL
    assert "Set-Cookie" not in response.headers


def test_an_unknown_remembered_audience_falls_back_to_clinicians(app, client, make_article):
    make_article(approve="all", patient=True)
    client.set_cookie("audience", "robot", domain=app.config["SERVER_NAME"])
    response = client.get(URL)
    assert response.headers["Location"] == CLINICIAN_URL
    assert "Set-Cookie" not in response.headers


def test_a_session_cookie_without_an_account_gets_the_shared_page(app, client, make_article):
    make_article(approve="all")
    etag = client.get(CLINICIAN_URL).headers["ETag"]
    client.set_cookie(
        app.config["SESSION_COOKIE_NAME"], "not-a-session", domain=app.config["SERVER_NAME"]
    )
    assert client.get(CLINICIAN_URL, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(CLINICIAN_URL).headers["Cache-Control"].startswith("public")


def test_a_flashed_message_makes_the_page_private_once(
    client, make_article, login, make_user, post_form
):
    from reviewapp.rules.states import Role

    make_article(approve="all")
    login(make_user(Role.BOARD))
    post_form("/sign-out", page="/")
    flashed = client.get(CLINICIAN_URL)
    assert "You are signed out." in flashed.text
    assert flashed.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in flashed.headers
    shared = client.get(CLINICIAN_URL)  # the message was shown: the shared page, which never had it
    assert "You are signed out." not in shared.text
    assert shared.headers["Cache-Control"].startswith("public")
