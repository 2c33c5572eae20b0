"""What the public page shows of the parts besides wording: only what was approved, marked
pending under caution, and as it was at a past moment in the board's as-of view."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewapp.domain import part_chains
from reviewapp.domain.content import import_article
from reviewapp.domain.parts import new_reference, submit_part
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import Article, Section, Signoff, Version
from reviewapp.rules import parts as rules
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Audience, Role
from tests.conftest import TEST_PASSWORD, approve_fully, article_files

URL = "/articles/test-article/clinician"
C = Audience.CLINICIAN


def article() -> Article:
    return db.session.scalar(select(Article).where(Article.slug == "test-article"))


def test_an_article_whose_front_matter_was_never_approved_is_not_public(client, contributor):
    import_article(contributor, article_files(policy="pending-with-caution"))
    db.session.commit()
    # Until its review settings are approved, an article shows nothing unreviewed.
    assert client.get(URL).status_code == 404
    assert "Quelle est la question" not in client.get("/").text


def test_under_caution_a_never_approved_title_and_reference_show_as_pending(
    client, contributor, editor, board_members
):
    report = import_article(contributor, article_files(policy="pending-with-caution"))
    settings = next(v for v in report.versions if v.kind == "settings")
    approve_fully(editor, board_members, settings)
    db.session.commit()
    page = client.get(URL)
    assert page.status_code == 200
    assert "Le titre, la langue et les auteurs de cet article n’ont pas encore été approuvés" in (
        page.text
    )
    assert "les détails de cette référence n’ont pas été approuvés" in page.text
    assert "Quelle est la question" in client.get("/").text


def test_under_approved_only_an_unapproved_reference_is_withheld(
    client, make_article, contributor, editor, board_members
):
    make_article(approve="all")
    new = new_reference(contributor, article(), "ref-new")
    values = {"kind": "article", "title": "Unreviewed trial", "authors": "Doe J", "year": 2024}
    submit_part(
        contributor,
        part_chains.reference_part(new),
        rules.reference("ref-new", values),
        base_version_id=None,
    )
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    newest = latest_version(section, C)
    from reviewapp.domain.versions import submit_version

    wording = submit_version(
        contributor,
        section,
        C,
        heading=newest.heading,
        body=newest.body + " [@ref-new]",
        base_version_id=newest.id,
        change_summary="Cite the new trial.",
    )
    approve_fully(editor, board_members, wording)
    db.session.commit()
    page = client.get(URL)
    assert "Référence en attente de relecture" in page.text
    assert "Unreviewed trial" not in page.text
    # The signature names the reference version the signer saw.
    signed = db.session.scalar(select(Signoff).where(Signoff.version_id == wording.id))
    cited = {entry["key"]: entry for entry in json.loads(signed.cited_references)}
    assert cited["ref-new"]["approved"] is False
    assert cited["ref-new"]["content_hash"] == part_chains.reference_part(new).newest().content_hash
    assert cited["ref-1"]["approved"] is True


def test_the_as_of_view_shows_the_title_and_references_of_that_moment(
    client, make_article, contributor, editor, board_members, login, make_user
):
    make_article(approve="all")
    before_change = utcnow()
    part = part_chains.front_matter_part(article())
    values = part_chains.proposed_values(part) | {"title": "Une nouvelle question ?"}
    approve_fully(
        editor,
        board_members,
        submit_part(
            contributor,
            part,
            values,
            base_version_id=part.newest().id,
            change_summary="Question reformulée.",
        ),
    )
    reference = next(r for r in article().references if r.key == "ref-0")
    ref_part = part_chains.reference_part(reference)
    changed = part_chains.proposed_values(ref_part) | {"doi": "10.1000/corrected"}
    approve_fully(
        editor,
        board_members,
        submit_part(
            contributor,
            ref_part,
            changed,
            base_version_id=ref_part.newest().id,
            change_summary="DOI corrigé.",
        ),
    )
    db.session.commit()
    assert "Une nouvelle question ?" in client.get(URL).text
    login(make_user(Role.BOARD, name="Dr Archive"))
    moment = (before_change + timedelta(microseconds=1)).isoformat().replace("+00:00", "Z")
    archived = client.get(f"{URL}?as_of={moment}")
    assert archived.status_code == 200
    assert "Quelle est la question ?" in archived.text
    assert "Une nouvelle question ?" not in archived.text
    assert "10.1000/test.0" in archived.text
    assert "10.1000/corrected" not in archived.text
    now = client.get(f"{URL}?as_of={utcnow().isoformat().replace('+00:00', 'Z')}")
    assert "Une nouvelle question ?" in now.text
    assert "10.1000/corrected" in now.text


def test_a_disclaimer_in_the_article_s_language_is_shown_once_approved(
    client, make_article, editor, board_members, make_user
):
    make_article(approve="all")
    editor2 = make_user(Role.EDITOR, name="Dr Second Editor")
    part = part_chains.site_text_part("disclaimer.clinician.fr")
    wording = "Information destinée aux professionnels de santé."
    version = submit_part(
        editor2, part, {"key": "disclaimer.clinician.fr", "text": wording}, base_version_id=None
    )
    db.session.commit()
    assert wording not in client.get(URL).text
    approve_fully(editor, board_members, version)
    db.session.commit()
    assert wording in client.get(URL).text
    assert wording not in client.get("/articles/test-article/patient").text


def test_a_retired_section_leaves_the_page_only_once_the_outline_is_approved(
    client, make_article, contributor, editor, board_members
):
    make_article(approve="all")
    part = part_chains.outline_part(article())
    proposal = submit_part(
        contributor,
        part,
        rules.outline([("summary", 1), ("s1", 2), ("s3", 2)], ["s2"]),
        base_version_id=part.newest().id,
        change_summary="s2 is out of date.",
    )
    db.session.commit()
    assert 'id="section-s2"' in client.get(URL).text
    approve_fully(editor, board_members, proposal)
    db.session.commit()
    page = client.get(URL).text
    assert 'id="section-s2"' not in page
    assert page.index('id="section-s1"') < page.index('id="section-s3"')


def test_a_signer_who_reviewed_a_part_cannot_sign_it(make_article, contributor, make_user):
    from reviewapp.domain.engine import transition
    from reviewapp.domain.errors import PermissionDenied
    from reviewapp.rules.states import Action

    make_article(approve="all")
    both = make_user(Role.EDITOR, Role.BOARD, name="Dr Both")
    part = part_chains.settings_part(article())
    values = part_chains.proposed_values(part) | {"required_signoffs": 2}
    version = submit_part(
        contributor,
        part,
        values,
        base_version_id=part.newest().id,
        change_summary="Two signatures from now on.",
    )
    transition(both, version, Action.START_REVIEW)
    transition(both, version, Action.APPROVE)
    with pytest.raises(PermissionDenied, match="independent"):
        sign_version(both, version, password=TEST_PASSWORD, meaning=MEANINGS[0])


def test_every_reviewed_section_links_to_a_verification_anyone_can_recompute(client, make_article):
    import hashlib
    import re

    make_article(approve="all", patient=True)
    page = client.get(URL).text
    links = re.findall(r'href="/verify/([0-9a-f]{64})"', page)
    assert len(links) == page.count('class="section"') + page.count('class="section pending"')
    for content_hash in links:
        answer = client.get(f"/verify/{content_hash}", headers={"Accept": "application/json"})
        assert answer.status_code == 200
        body = answer.json
        assert hashlib.sha256(body["payload"].encode()).hexdigest() == content_hash
        assert body["sha256"] == content_hash
        [version] = body["versions"]
        assert version["state"] == "approved"
        assert version["published"] is True
        assert [s["printed_name"] for s in version["signatures"]]
        assert all(s["signed_at"].endswith("Z") for s in version["signatures"])
        assert json.loads(body["payload"])["article"] == "test-article"
        # The checkpoint signed at its publication covers it and its signatures.
        assert version["checkpoint"]["event_id"] >= 1
        assert version["checkpoint"]["signature"]
        html = client.get(f"/verify/{content_hash}")
        assert "Signed by" in html.text
        assert content_hash in html.text


def test_verification_of_unknown_or_unapproved_hashes_is_404(client, make_article):
    make_article()  # nothing approved but the parts
    pending = latest_version(db.session.scalar(select(Section).where(Section.key == "s1")), C)
    assert client.get(f"/verify/{pending.content_hash}").status_code == 404
    assert client.get("/verify/not-a-hash").status_code == 404
    part = db.session.scalar(select(Version).where(Version.kind == "front_matter"))
    answer = client.get(f"/verify/{part.content_hash}", headers={"Accept": "application/json"})
    assert answer.json["versions"][0]["kind"] == "front_matter"


def test_the_changelog_lists_approved_changes_to_the_title_and_references(
    client, make_article, contributor, editor, board_members
):
    make_article(approve="all")
    part = part_chains.front_matter_part(article())
    values = part_chains.proposed_values(part) | {"title": "Une question précisée ?"}
    approve_fully(
        editor,
        board_members,
        submit_part(
            contributor,
            part,
            values,
            base_version_id=part.newest().id,
            change_summary="Question précisée.",
        ),
    )
    db.session.commit()
    changelog = client.get("/articles/test-article/changelog").text
    assert "Titre, langue ou auteurs révisés" in changelog
    # The change summary is for the staff: readers never see it.
    assert "Question précisée." not in changelog
    assert changelog.count("Premier texte approuvé") == 4  # the summary and three sections


def test_the_archived_view_keeps_its_moment_across_the_audience_chooser(
    client, make_article, login, make_user
):
    make_article(approve="all", patient=True)
    login(make_user(Role.BOARD, name="Dr Archive"))
    moment = utcnow().isoformat().replace("+00:00", "Z")
    archived = client.get(f"{URL}?as_of={moment}").text
    link = re.search(r'<a id="audience-patient" href="([^"]+)"', archived).group(1)
    assert "as_of=" in link
    chosen = client.get(link.replace("&amp;", "&"), follow_redirects=True)
    assert chosen.request.path == "/articles/test-article/patient"
    assert "as_of" in chosen.request.args
    assert "Vue d’archive pour le comité consultatif médical." in chosen.text
    assert "Mots simples s1" in chosen.text
    # The plain address keeps it too.
    plain = client.get(f"/articles/test-article?as_of={moment}")
    assert plain.headers["Location"].startswith("/articles/test-article/patient?as_of=")


def test_the_archived_view_before_the_first_approval_says_nothing_was_published(
    client, make_article, login, make_user
):
    make_article(approve="all")
    login(make_user(Role.BOARD, name="Dr Archive"))
    html = client.get(f"{URL}?as_of=2000-01-01T00:00:00Z").text
    assert "Rien n’était publié à ce moment." in html
    assert "attendent encore leur relecture" not in html
    assert "n’avaient pas de texte publié" not in html
    assert 'class="section' not in html
