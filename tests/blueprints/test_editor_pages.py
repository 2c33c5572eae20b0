"""The contributor and editor pages, through HTTP: queue, overview, editing, review."""

import html as html_module
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.domain.comments import add_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Comment, Reference, Section, Version
from reviewapp.rules.clock import utcnow
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD

C, P = Audience.CLINICIAN, Audience.PATIENT
SLUG = "test-article"
OVERVIEW = f"/review/articles/{SLUG}"


def edit_url(key: str = "s1", audience: Audience = C) -> str:
    return f"/review/articles/{SLUG}/sections/{key}/{audience.value}/edit"


def review_url(version: Version) -> str:
    return f"/review/versions/{version.id}"


def section(key: str) -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def newest(key: str = "s1", audience: Audience = C) -> Version:
    db.session.expire_all()
    return latest_version(section(key), audience)


def version_count() -> int:
    return db.session.scalar(select(func.count(Version.id)))


def refusals(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome == "refused")
    ).all()


def hidden(page: str, name: str) -> str:
    """Return the value of a hidden input on a page."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def textarea(page: str, name: str) -> str:
    """Return the text of a textarea as a browser would show it."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return html_module.unescape(match.group(1))


def part(page: str, heading_id: str) -> str:
    """Return the HTML of the page section whose heading has this id."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def edit_data(page: str, **fields) -> dict:
    """Fill the edit form as a browser would: the page's hidden fields plus typed fields."""
    return {
        "base_version": hidden(page, "base_version"),
        "seen_version": hidden(page, "seen_version"),
        "heading": "Section 1",
        "body": textarea(page, "body"),
        "change_summary": "",
        "public_note": "",
        "intent": "submit",
        **fields,
    }


@pytest.fixture
def second_editor(make_user):
    return make_user(Role.EDITOR, name="Dr Zoe Second")


@pytest.fixture
def board_member(make_user):
    return make_user(Role.BOARD, name="Pr Board Only")


# --- who may see the pages -------------------------------------------------------------


PAGES = [
    "/review/",
    OVERVIEW,
    edit_url(),
    "/review/versions/1",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, make_article, url):
    make_article()
    response = client.get(url)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_board_only_accounts_are_refused(client, login, make_article, board_member, url):
    make_article()
    login(board_member)
    assert client.get(url).status_code == 403


def test_editors_without_contributor_role_cannot_open_the_edit_form(
    client, login, make_article, editor
):
    make_article()
    login(editor)
    assert client.get(edit_url()).status_code == 403
    assert "Edit clinician wording" not in client.get(OVERVIEW).text


def test_unknown_article_section_or_audience_is_404(client, login, make_article, contributor):
    make_article()
    login(contributor)
    assert client.get("/review/articles/nope").status_code == 404
    assert client.get(f"/review/articles/{SLUG}/sections/nope/clinician/edit").status_code == 404
    assert client.get(f"/review/articles/{SLUG}/sections/s1/robot/edit").status_code == 404
    assert client.get("/review/versions/999").status_code == 404


# --- the queue and the overview ----------------------------------------------------------


def test_queue_for_editors(client, login, make_article, editor, second_editor):
    make_article(approve=(("summary", C),), under_review=(("s2", C),))
    transition(second_editor, newest("s3"), Action.START_REVIEW)
    transition(second_editor, newest("s3"), Action.REQUEST_CHANGES, "Préciser.")
    db.session.commit()

    login(editor)
    page = client.get("/review/").text
    waiting = part(page, "queue-heading")
    assert "(3)" in waiting
    assert "Section 1" in waiting
    assert "Summary" not in waiting  # approved: nothing waits
    card = waiting[waiting.index("Section 2") :].split("</li>")[0]
    assert "Under Review" in card
    assert "Written by a person" in card
    assert "Camille Writer" in card
    assert "<dt>Held by</dt><dd>Dr Eve Editor" in card
    card = waiting[waiting.index("Section 3") :].split("</li>")[0]
    assert "Changes requested" in card
    assert "Dr Zoe Second" in card
    needed = part(page, "action-heading")
    assert 'Assigned to you <span class="count">(1)</span>' in needed
    assert 'Submitted, held by nobody <span class="count">(1)</span>' in needed


def test_queue_for_contributors_lists_their_versions(
    client, login, make_article, contributor, make_user
):
    make_article(approve=(("s1", C),))
    other = make_user(Role.CONTRIBUTOR, name="Other Writer")
    submit_version(
        other, section("s2"), C, heading="Section 2", body="Autre.", base_version_id=newest("s2").id
    )
    db.session.commit()
    login(contributor)
    page = client.get("/review/").text
    assert "due-heading" not in page  # the editors' parts
    own = part(page, "own-heading")
    assert "Approved" in own
    assert "Submitted" in own
    assert "Superseded" in own
    assert "Other Writer" not in own
    login(other)
    own = part(client.get("/review/").text, "own-heading")
    assert "Section 2" in own
    assert "Section 1" not in own


def test_review_due_is_in_the_editors_queue(client, login, make_article, editor):
    make_article(approve=(("s1", C), ("s2", C)))
    old = newest("s1")
    # Approved and last reviewed (at its approval) more than the interval ago.
    old.approved_at = old.last_reviewed_at = utcnow() - timedelta(days=400)
    db.session.commit()
    login(editor)
    due = part(client.get("/review/").text, "due-heading")
    assert "Section 1" in due
    assert "Section 2" not in due
    assert "(1)" in due
    overview = client.get(OVERVIEW).text
    assert "Review due since" in overview


def test_overview_shows_each_section_and_audience(client, login, make_article, contributor):
    make_article(approve=(("s1", C),), under_review=(("s2", C),), patient=True)
    login(contributor)
    page = client.get(OVERVIEW).text
    row = part(page, "section-s1").split("</tr>")[0]
    assert "Published:" in row
    assert "version 1</a>" in row
    assert "none: readers see the clinician wording" in row
    row = page[page.index('id="section-s2"') :].split("</tr>")[0]
    assert "Under Review" in row
    assert f'href="{edit_url("s2", P)}"' in row
    assert f'href="{edit_url("s2", C)}"' in row


@pytest.mark.parametrize("url", ["/review/?sort=newest", OVERVIEW])
def test_queue_and_overview_queries_do_not_grow_with_sections(
    client, login, make_article, editor, second_editor, count_queries, url
):
    make_article(sections=5, patient=True, approve=(("s1", C),), under_review=(("s2", P),))
    _waiting_in_every_state(second_editor, range(3, 6, 2))
    login(editor)
    db.session.remove()  # each request starts from an empty session, as in production
    with count_queries() as small:
        assert client.get(url).status_code == 200
    # Ten times the sections, each with wording in both audiences, in every waiting state.
    for index in range(6, 51):
        _add_section(index)
    _waiting_in_every_state(db.session.merge(second_editor), range(6, 51, 2))
    db.session.remove()
    with count_queries() as large:
        page = client.get(url)
    assert page.status_code == 200
    assert "Section 50" in page.text
    assert large.count == small.count, [
        s[:70] for s in small.statements + ["----"] + large.statements
    ]


def _waiting_in_every_state(editor, indexes) -> None:
    for index in indexes:
        transition(editor, newest(f"s{index}"), Action.START_REVIEW)
        transition(editor, newest(f"s{index}", P), Action.START_REVIEW)
        transition(editor, newest(f"s{index}", P), Action.APPROVE)
    db.session.commit()


def _add_section(index: int) -> None:
    from reviewapp.models import Article, User

    article = db.session.scalar(select(Article))
    author = db.session.scalar(select(User).where(User.name == "Camille Writer"))
    new = Section(article_id=article.id, key=f"s{index}", level=2, position=index)
    db.session.add(new)
    db.session.flush()
    for audience in Audience:
        submit_version(
            author,
            new,
            audience,
            heading=f"Section {index}",
            body=f"Texte {index} [@ref-0].",
            base_version_id=None,
        )


# --- editing: preview, submit, refusals ---------------------------------------------------


def test_edit_form_is_prefilled_from_the_newest_version(client, login, make_article, contributor):
    make_article()
    login(contributor)
    page = client.get(edit_url()).text
    assert textarea(page, "body").startswith("Texte de la section 1 [@ref-1].")
    assert hidden(page, "base_version") == str(newest().id)
    assert 'lang="fr"' in page
    assert "Submitting marks it <strong>Superseded</strong>" in page


def test_preview_renders_citations_and_stores_nothing(
    client, login, make_article, contributor, post_form
):
    make_article()
    login(contributor)
    before = version_count()
    page = client.get(edit_url()).text
    body = "Nouveau texte [@ref-1], encore [@ref-0; @ref-1] et [@inconnu]."
    response = post_form(edit_url(), edit_data(page, body=body, intent="preview"))
    assert response.status_code == 200
    assert '<a href="#ref-ref-1">1</a>' in response.text
    assert '<a href="#ref-ref-0">2</a>,<a href="#ref-ref-1">1</a>' in response.text
    assert "Unknown citation key" in response.text
    assert "[@inconnu]" in response.text
    assert "Nothing has been stored" in response.text
    assert textarea(response.text, "body") == body
    assert version_count() == before


def test_live_preview_fragment(client, login, make_article, contributor, post_form):
    make_article(patient=True)
    login(contributor)
    url = f"/review/articles/{SLUG}/sections/s1/patient/preview"
    response = post_form(
        url, {"body": "Un texte simple [@ref-0].", "heading": "T"}, page=edit_url()
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert '<a href="#ref-ref-0">1</a>' in response.text
    assert "Readability (Kandel–Moles, fr):" in response.text


def test_submit_stores_a_version_and_redirects(client, login, make_article, contributor, post_form):
    make_article()
    login(contributor)
    base = newest()
    page = client.get(edit_url()).text
    response = post_form(edit_url(), edit_data(page, body="Texte révisé [@ref-0]."))
    assert response.status_code == 302
    created = newest()
    assert response.headers["Location"].endswith(review_url(created))
    assert created.number == 2
    assert created.parent_id == base.id
    assert created.provenance == "human"
    assert created.body == "Texte révisé [@ref-0]."
    assert newest().workflow_state is State.SUBMITTED
    assert db.session.get(Version, base.id).workflow_state is State.SUPERSEDED
    follow = client.get(response.headers["Location"]).text
    assert "Submitted version 2 for review." in follow
    assert "Written by a person" in follow


def test_stale_submit_is_refused_with_the_text_kept_and_the_change_shown(
    client, login, make_article, contributor, make_user, post_form
):
    make_article()
    other = make_user(Role.CONTRIBUTOR, name="Other Writer")
    login(contributor)
    mine = client.get(edit_url()).text  # started from version 1
    login(other)
    theirs = client.get(edit_url()).text
    assert (
        post_form(edit_url(), edit_data(theirs, body="Leur version corrigée.")).status_code == 302
    )
    their_version = newest()

    login(contributor)
    typed = "Ma version, tapée avec soin."
    response = post_form(edit_url(), edit_data(mine, body=typed), page=edit_url())
    assert response.status_code == 409
    assert textarea(response.text, "body") == typed
    assert 'role="alert"' in response.text
    assert "Someone submitted version 2" in response.text
    changed = part(response.text, "in-between-heading")
    # Where they started, their version and the typed text, side by side, not interleaved.
    assert 'class="three-way"' in changed
    assert "Version 1, where you started" in changed
    assert "Added line: </span>Leur version corrigée." in changed
    assert "Added line: </span>Ma version, tapée avec soin." in changed
    assert "Leur version, tapée" not in changed
    assert "Your text has not been submitted." in changed
    assert hidden(response.text, "base_version") == hidden(mine, "base_version")
    assert hidden(response.text, "seen_version") == str(their_version.id)
    assert newest().id == their_version.id
    assert len(refusals("version.submit")) == 1

    # Submitting again without saying so is refused again; ticking the box builds on theirs.
    again = edit_data(response.text, body=typed)
    assert post_form(edit_url(), again, page=edit_url()).status_code == 409
    built = post_form(edit_url(), {**again, "build_on_seen": "y"}, page=edit_url())
    assert built.status_code == 302
    mine_now = newest()
    assert mine_now.body == typed
    assert mine_now.parent_id == their_version.id
    assert db.session.get(Version, their_version.id).workflow_state is State.SUPERSEDED


def test_unknown_citation_is_refused_with_the_key_named(
    client, login, make_article, contributor, post_form
):
    make_article()
    before = version_count()
    login(contributor)
    page = client.get(edit_url()).text
    typed = "Un texte.\n\nAvec une source [@introuvable]."
    response = post_form(edit_url(), edit_data(page, body=typed))
    assert response.status_code == 422
    assert "Unknown citation key &#39;introuvable&#39;" in response.text
    assert "on line 3" in response.text
    assert textarea(response.text, "body") == typed
    assert version_count() == before


def test_change_summary_is_required_once_approved(
    client, login, make_article, contributor, post_form
):
    make_article(approve=(("s1", C),))
    login(contributor)
    page = client.get(edit_url()).text
    typed = "Texte modifié [@ref-1]."
    response = post_form(edit_url(), edit_data(page, body=typed))
    assert response.status_code == 422
    assert "say what changed and why" in response.text
    assert textarea(response.text, "body") == typed
    assert newest().number == 1
    ok = post_form(
        edit_url(),
        edit_data(
            page, body=typed, change_summary="Mise à jour 2025.", public_note="Texte mis à jour."
        ),
    )
    assert ok.status_code == 302
    assert newest().change_summary == "Mise à jour 2025."


def test_identical_wording_is_refused(client, login, make_article, contributor, post_form):
    make_article()
    login(contributor)
    page = client.get(edit_url()).text
    response = post_form(edit_url(), edit_data(page))
    assert response.status_code == 422
    assert "identical to version 1" in response.text


# --- the review screen --------------------------------------------------------------------


def test_review_screen_shows_wording_diffs_and_facts(
    client, login, make_article, contributor, editor
):
    make_article(approve=(("s1", C),))
    submit_version(
        contributor,
        section("s1"),
        C,
        heading="Section 1",
        body="Texte de la section 1 révisée [@ref-1].",
        base_version_id=newest().id,
        change_summary="Précision.",
    )
    db.session.commit()
    version = newest()
    login(editor)
    page = client.get(review_url(version)).text
    assert "Version 2 of the clinician wording" in page
    assert "Against the published version 1 (also its parent)" in page
    assert re.search(r"<ins>\s*révisée\s*</ins>", page)
    assert version.content_hash[:12] in page
    assert version.content_hash in page
    assert "Précision." in page
    assert '<div class="wording" lang="fr">' in page
    decision = page.split('id="decision-heading"')[-1]
    assert 'value="start_review"' in decision
    assert 'value="approve"' not in decision
    side = client.get(review_url(version) + "?diff=side").text
    assert 'class="diff-view diff-side"' in side


def test_tool_drafted_versions_say_so(client, login, make_article, contributor, editor):
    make_article()
    submit_version(
        contributor,
        section("s2"),
        C,
        heading="Section 2",
        body="Brouillon automatique [@ref-0].",
        base_version_id=newest("s2").id,
        provenance="tool:drafter 2.1",
    )
    db.session.commit()
    login(editor)
    assert "Drafted by software (drafter 2.1)" in part(client.get("/review/").text, "queue-heading")
    page = client.get(review_url(newest("s2"))).text
    assert "Drafted by software (drafter 2.1)" in page
    assert "drafted by software: check every statement" in page
    assert "Written by a person" not in page.split("About this version")[0]


def test_readability_is_shown_for_patient_wording_only(client, login, make_article, editor):
    make_article(patient=True)
    login(editor)
    patient = client.get(review_url(newest("s1", P))).text
    assert "Readability (Kandel–Moles, fr):" in patient
    clinician = client.get(review_url(newest("s1", C))).text
    assert "Readability" not in clinician


def test_incomplete_and_unknown_references_are_flagged(client, login, make_article, editor):
    make_article()
    reference = db.session.scalar(select(Reference).where(Reference.key == "ref-1"))
    reference.year = None
    db.session.commit()
    login(editor)
    page = client.get(review_url(newest("s1"))).text
    assert "Incomplete reference:</strong> missing year" in page
    reference.key = "renamed"
    db.session.commit()
    page = client.get(review_url(newest("s1"))).text
    assert "Unknown reference:</strong>" in page


def test_patient_wording_is_flagged_when_the_clinician_wording_moves_on(
    client, login, make_article, contributor, second_editor, editor, board_members
):
    make_article(patient=True, approve="all")
    login(editor)
    assert "Possibly stale" not in client.get(OVERVIEW).text

    submit_version(
        contributor,
        section("s1"),
        C,
        heading="Section 1",
        body="Nouvelle recommandation [@ref-1].",
        base_version_id=newest("s1").id,
        change_summary="Nouvelle donnée.",
    )
    db.session.commit()
    overview = client.get(OVERVIEW).text
    assert "clinician version 2 (Submitted) has been submitted since" in overview

    transition(second_editor, newest("s1"), Action.START_REVIEW)
    transition(second_editor, newest("s1"), Action.APPROVE)
    db.session.commit()
    signed_off_if_needed(newest("s1"), board_members[0])
    overview = client.get(OVERVIEW).text
    row = overview[overview.index('id="section-s1"') :].split("</tr>")[0]
    assert "the published clinician wording is now version 2" in row
    assert "Possibly stale" not in overview[overview.index('id="section-s2"') :]
    page = client.get(review_url(newest("s1", P))).text
    assert "Possibly stale patient wording." in page
    assert re.search(r"<ins>[^<]*recommandation[^<]*</ins>", page)


# --- the workflow through the pages --------------------------------------------------------


def signed_off_if_needed(version: Version, board_member) -> None:
    """Let the board sign when the workflow asks for its sign-off after an editor's approval."""
    db.session.expire_all()
    if version.workflow_state is State.AWAITING_SIGNOFF:
        sign_version(board_member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
        db.session.commit()


def act(post_form, version: Version, action: str, comment: str = ""):
    return post_form(
        f"/review/versions/{version.id}/actions",
        {"action": action, "comment": comment},
        page=review_url(version),
    )


def test_whole_workflow_through_the_pages(
    client, login, make_article, contributor, editor, board_member, post_form
):
    make_article(approve="all", policy="pending-with-caution")
    public = client.get(f"/articles/{SLUG}/clinician").text
    assert "Texte de la section 1" in public

    # The contributor submits version 2.
    login(contributor)
    page = client.get(edit_url()).text
    sent = post_form(
        edit_url(),
        edit_data(
            page,
            body="Deuxième rédaction [@ref-1].",
            change_summary="Mise à jour.",
            public_note="Texte reformulé.",
        ),
    )
    assert sent.status_code == 302
    second = newest()
    assert "Deuxième rédaction" not in client.get(f"/articles/{SLUG}/clinician").text

    # The editor starts the review and must say why to request changes.
    login(editor)
    assert act(post_form, second, "start_review").status_code == 302
    assert newest().workflow_state is State.UNDER_REVIEW
    empty = act(post_form, second, "request_changes", "  ")
    assert empty.status_code == 422
    assert "a comment is required to request changes" in empty.text
    assert 'aria-describedby="comment-hint comment-error" aria-invalid="true"' in empty.text
    assert newest().workflow_state is State.UNDER_REVIEW
    asked = act(post_form, second, "request_changes", "Citer la recommandation de 2024.")
    assert asked.status_code == 302
    assert "Changes requested on version 2" in client.get(asked.headers["Location"]).text
    assert newest().workflow_state is State.CHANGES_REQUESTED

    # The author sees what was asked and answers with version 3, whose parent is version 2.
    login(contributor)
    page = client.get(edit_url()).text
    assert "Citer la recommandation de 2024." in part(page, "feedback-heading")
    sent = post_form(
        edit_url(),
        edit_data(
            page,
            body="Troisième rédaction [@ref-1; @ref-0].",
            change_summary="Citée.",
            public_note="Une recommandation de 2024 est citée.",
        ),
    )
    assert sent.status_code == 302
    third = newest()
    assert third.number == 3
    assert third.parent_id == second.id
    assert db.session.get(Version, second.id).workflow_state is State.CHANGES_REQUESTED

    # Review, comment, approval refused while the comment is open, resolve, approve.
    login(editor)
    assert act(post_form, third, "start_review").status_code == 302
    commented = post_form(
        f"/review/versions/{third.id}/comments",
        {"comment": "Vérifier la posologie."},
        page=review_url(third),
    )
    assert commented.status_code == 302
    comment = db.session.scalar(select(Comment))
    page = client.get(review_url(third)).text
    assert "Vérifier la posologie." in page
    assert "1 open" in page
    assert "approval will be refused until it is resolved" in page
    refused = act(post_form, third, "approve")
    assert refused.status_code == 409
    assert "1 comment is still unresolved" in refused.text
    assert newest().workflow_state is State.UNDER_REVIEW
    resolved = post_form(f"/review/comments/{comment.id}/resolve", page=review_url(third))
    assert resolved.status_code == 302
    assert db.session.get(Comment, comment.id).is_resolved
    approved = act(post_form, third, "approve")
    assert approved.status_code == 302
    assert "Version 3 approved" in client.get(approved.headers["Location"]).text
    signed_off_if_needed(third, board_member)
    assert newest().workflow_state is State.APPROVED

    public = client.get(f"/articles/{SLUG}/clinician").text
    assert "Troisième rédaction" in public
    assert "Deuxième rédaction" not in public
    assert "Pending human review" not in public


def test_nobody_reviews_their_own_version(
    client, login, make_article, make_user, editor, post_form
):
    make_article()
    both = make_user(Role.CONTRIBUTOR, Role.EDITOR, name="Writer Editor")
    submit_version(
        both, section("s1"), C, heading="Section 1", body="Le mien.", base_version_id=newest().id
    )
    db.session.commit()
    own = newest()
    login(both)
    page = client.get(review_url(own)).text
    assert "You wrote this version" in page
    assert 'name="action"' not in page
    response = act(post_form, own, "start_review")
    assert response.status_code == 403
    assert "Nobody reviews, approves or signs a version they authored." in response.text
    assert newest().workflow_state is State.SUBMITTED
    [refused] = refusals("version.start_review")
    assert refused.actor_id == both.id

    # Another editor takes it into review; its author still cannot approve it.
    transition(editor, newest(), Action.START_REVIEW)
    db.session.commit()
    response = act(post_form, own, "approve")
    assert response.status_code == 403
    assert newest().workflow_state is State.UNDER_REVIEW
    assert len(refusals("version.approve")) == 1


def test_contributors_cannot_take_review_actions(
    client, login, make_article, contributor, make_user, editor, post_form
):
    make_article(under_review=(("s1", C),))
    writer = make_user(Role.CONTRIBUTOR, name="Not An Editor")
    login(writer)
    page = client.get(review_url(newest())).text
    assert 'name="action"' not in page
    response = act(post_form, newest(), "approve")
    assert response.status_code == 403
    assert "editor can approve a version" in response.text
    assert newest().workflow_state is State.UNDER_REVIEW
    assert len(refusals("version.approve")) == 1


S, UR, CR, RJ, AP = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.CHANGES_REQUESTED,
    State.REJECTED,
    State.APPROVED,
)


def _drive_to(state: State, editor, board_member) -> Version:
    version = newest()
    if state is not S:
        transition(editor, version, Action.START_REVIEW)
    follow = {CR: Action.REQUEST_CHANGES, RJ: Action.REJECT, AP: Action.APPROVE}
    if state in follow:
        transition(editor, version, follow[state], "Raison.")
    db.session.commit()
    if state is AP:
        signed_off_if_needed(version, board_member)
    return version


@pytest.mark.parametrize(
    ("state", "action", "status"),
    [
        (S, "approve", 409),
        (S, "reject", 409),
        (S, "request_changes", 409),
        (UR, "start_review", 409),
        (CR, "approve", 409),
        (CR, "start_review", 409),
        (RJ, "approve", 409),
        (AP, "approve", 409),
        (AP, "reject", 409),
    ],
)
def test_forbidden_transitions_change_nothing(
    client,
    login,
    make_article,
    editor,
    second_editor,
    board_members,
    post_form,
    state,
    action,
    status,
):
    make_article()
    version = _drive_to(state, editor, board_members[0])
    login(second_editor)
    response = act(post_form, version, action, "Un commentaire.")
    assert response.status_code == status
    assert 'role="alert"' in response.text
    assert textarea(response.text, "comment") == "Un commentaire."
    assert newest().workflow_state is state
    assert len(refusals(f"version.{action}")) == 1


def test_unknown_action_is_refused(client, login, make_article, editor, post_form):
    make_article()
    login(editor)
    response = act(post_form, newest(), "publish_now")
    assert response.status_code == 422
    assert newest().workflow_state is State.SUBMITTED


def test_an_overlong_comment_is_refused_and_kept(client, login, make_article, editor, post_form):
    make_article(under_review=(("s1", C),))
    login(editor)
    typed = "x" * 10_001
    response = act(post_form, newest(), "request_changes", typed)
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert textarea(response.text, "comment") == typed
    assert newest().workflow_state is State.UNDER_REVIEW


def test_reject_needs_a_comment(client, login, make_article, editor, post_form):
    make_article(under_review=(("s1", C),))
    login(editor)
    assert act(post_form, newest(), "reject").status_code == 422
    assert newest().workflow_state is State.UNDER_REVIEW
    response = act(post_form, newest(), "reject", "Hors sujet.")
    assert response.status_code == 302
    assert newest().workflow_state is State.REJECTED
    assert "Hors sujet." in client.get(review_url(newest())).text


def test_a_newer_submission_supersedes_a_pending_one(
    client, login, make_article, contributor, editor, post_form
):
    make_article(under_review=(("s1", C),))
    login(contributor)
    page = client.get(edit_url()).text
    assert "Version 1 is Under Review. Submitting marks it" in page
    assert post_form(edit_url(), edit_data(page, body="Remplace [@ref-0].")).status_code == 302
    login(editor)
    old = db.session.scalar(
        select(Version).where(Version.number == 1, Version.section_id == section("s1").id)
    )
    page = client.get(review_url(old)).text
    assert "Superseded" in page
    assert "A newer version of this wording exists" in page
    assert 'name="action"' not in page


def test_comments_need_text_and_the_right_person_to_resolve(
    client, login, make_article, contributor, editor, make_user, post_form
):
    make_article(under_review=(("s1", C),))
    version = newest()
    login(editor)
    empty = post_form(
        f"/review/versions/{version.id}/comments", {"comment": " "}, page=review_url(version)
    )
    assert empty.status_code == 422
    assert '<p class="error" id="comment-error">The comment is empty.</p>' in empty.text
    assert 'href="#comment"' in empty.text
    add_comment(editor, version, "À revoir.")
    db.session.commit()
    comment = db.session.scalar(select(Comment))
    stranger = make_user(Role.CONTRIBUTOR, name="Stranger")
    login(stranger)
    assert "Mark resolved" not in client.get(review_url(version)).text
    response = post_form(f"/review/comments/{comment.id}/resolve", page=review_url(version))
    assert response.status_code == 403
    assert not db.session.get(Comment, comment.id).is_resolved
    assert len(refusals("comment.resolve")) == 1


# --- CSRF -----------------------------------------------------------------------------------


def test_every_mutating_post_needs_a_csrf_token(client, login, make_article, editor, contributor):
    make_article(under_review=(("s1", C),))
    version = newest()
    add_comment(editor, version, "Ouvert.")
    db.session.commit()
    comment = db.session.scalar(select(Comment))
    before = (version_count(), db.session.scalar(select(func.count(Comment.id))))

    login(contributor)
    for url, data in [
        (edit_url("s2"), {"heading": "X", "body": "Y", "intent": "submit", "base_version": ""}),
        (f"/review/articles/{SLUG}/sections/s2/clinician/preview", {"body": "Y"}),
    ]:
        assert client.post(url, data=data).status_code == 400
    login(editor)
    for url, data in [
        (f"/review/versions/{version.id}/actions", {"action": "approve"}),
        (f"/review/versions/{version.id}/comments", {"comment": "Sans jeton."}),
        (f"/review/comments/{comment.id}/resolve", {}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "CSRF" in response.text
    db.session.expire_all()
    assert (version_count(), db.session.scalar(select(func.count(Comment.id)))) == before
    assert newest().workflow_state is State.UNDER_REVIEW
    assert not db.session.get(Comment, comment.id).is_resolved


def test_writing_the_first_patient_wording_of_a_section(
    client, login, make_article, contributor, post_form
):
    make_article(approve=(("s1", C),))
    login(contributor)
    url = edit_url("s1", P)
    page = client.get(url).text
    assert "Write the patient wording" in page
    assert hidden(page, "base_version") == ""
    assert 'value="Section 1"' in page  # the heading starts from the clinician wording
    assert "The clinician wording you write from" in part(page, "clinician-heading")
    sent = post_form(url, edit_data(page, heading="Section 1", body="Des mots simples [@ref-1]."))
    assert sent.status_code == 302
    patient = newest("s1", P)
    assert patient.number == 1
    assert patient.source_clinician_id == newest("s1", C).id


def test_possibly_stale_patient_wording_is_flagged_in_the_queue(
    client, login, make_article, contributor, editor
):
    make_article(patient=True, approve=(("s1", C),))
    submit_version(
        contributor,
        section("s1"),
        C,
        heading="Section 1",
        body="Changement clinique [@ref-1].",
        base_version_id=newest("s1").id,
        change_summary="Nouvelle étude.",
    )
    db.session.commit()
    login(editor)
    submitted = part(client.get("/review/").text, "queue-heading")
    assert "Possibly stale:" in submitted
    assert "clinician version 2 (Submitted) has been submitted since" in submitted
