"""The board's sign-off page shows what changed, the whole review, the references that moved,
and whether this member may sign; the board's home splits what waits for whom."""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from reviewapp.domain import part_chains
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.parts import submit_part
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Reference, Section, User, Version
from reviewapp.rules.states import Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD, approve_fully

C = Audience.CLINICIAN
KEPT_LINE = "Une phrase que le résumé dit retirée."


def section(key: str) -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def part(html: str, heading_id: str) -> str:
    """Return the section of the page that `heading_id` heads."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


@dataclass
class People:
    writer: User  # wrote the version under sign-off (and sits on the board)
    reviewer: User  # the editor who reviewed it (and sits on the board)
    commenter: User  # a board member who commented during its review
    signer: User  # a board member who signs it in the test
    fresh: User  # a board member who has done nothing with it


@pytest.fixture
def people(make_user) -> People:
    return People(
        writer=make_user(Role.CONTRIBUTOR, Role.BOARD, name="Dr Writer"),
        reviewer=make_user(Role.EDITOR, Role.BOARD, name="Dr Reviewer"),
        commenter=make_user(Role.BOARD, name="Dr Commenter"),
        signer=make_user(Role.BOARD, name="Dr Signer"),
        fresh=make_user(Role.BOARD, name="Dr Fresh"),
    )


def build_chain(key: str, people: People, *, rounds: int, comments: int) -> list[Version]:
    """On top of the published version 1 of section `key`: `rounds` versions sent back for
    changes, each with `comments` comments, then a version awaiting sign-off whose summary
    says a line was removed while it keeps it."""
    chain = [latest_version(section(key), C)]
    for round_number in range(rounds):
        version = submit_version(
            people.writer,
            section(key),
            C,
            heading=chain[-1].heading,
            body=f"{chain[0].body}\n\n{KEPT_LINE}\n\nBrouillon {round_number}.",
            base_version_id=chain[-1].id,
            change_summary=f"Brouillon {round_number}.",
        )
        transition(people.reviewer, version, Action.START_REVIEW)
        for number in range(comments):
            add_comment(people.reviewer, version, f"Retirez la phrase ({round_number}.{number}).")
        transition(
            people.reviewer, version, Action.REQUEST_CHANGES, comment="Voir les commentaires."
        )
        chain.append(version)
    final = submit_version(
        people.writer,
        section(key),
        C,
        heading=chain[-1].heading,
        body=f"Texte révisé de la {key} [@ref-0] [@ref-1].\n\n{KEPT_LINE}",
        base_version_id=chain[-1].id,
        change_summary="Phrase retirée.",
    )
    transition(people.reviewer, final, Action.START_REVIEW)
    question = add_comment(people.commenter, final, "Une question du comité ?")
    resolve_comment(people.reviewer, question)
    transition(people.reviewer, final, Action.APPROVE, comment="Bon pour le comité.")
    chain.append(final)
    db.session.commit()
    return chain


@pytest.fixture
def chain(make_article, people, contributor, editor, board_members) -> list[Version]:
    article = make_article(approve="all")
    article.required_signoffs = 2
    # ref-1 is revised and approved after the published wording of s1 was signed with it.
    reference = db.session.scalar(select(Reference).where(Reference.key == "ref-1"))
    ref_part = part_chains.reference_part(reference)
    revised = submit_part(
        contributor,
        ref_part,
        part_chains.proposed_values(ref_part) | {"title": "Reference title 1, revised"},
        base_version_id=ref_part.newest().id,
        change_summary="Titre corrigé.",
    )
    approve_fully(editor, board_members, revised)
    db.session.commit()
    return build_chain("s1", people, rounds=1, comments=1)


def test_the_diff_is_against_the_published_version_by_default(client, login, people, chain):
    published, sent_back, final = chain
    login(people.fresh)
    page = client.get(f"/board/versions/{final.id}").text
    changes = part(page, "changes-heading")
    assert f'href="/board/versions/{published.id}">version 1</a>' in changes
    assert "the published version: what readers see now" in changes
    assert "Phrase retirée." in changes  # the summary, next to the lines that contradict it
    # Against what readers see, the line the summary says is removed is a new line.
    assert re.search(
        r'<div class="diff-line diff-insert">.*?Added line: </span>' + re.escape(KEPT_LINE),
        changes,
    )
    assert "1 line added" in changes


def test_the_diff_against_another_version_of_the_chain(client, login, people, chain):
    published, sent_back, final = chain
    login(people.fresh)
    page = client.get(f"/board/versions/{final.id}?against={sent_back.id}&mode=side").text
    changes = part(page, "changes-heading")
    assert "the version you chose" in changes
    assert f'<option value="{sent_back.id}" selected>' in changes
    assert 'class="diff-view diff-side"' in changes
    # Against version 2 the kept line did not change, and the draft line went away.
    assert f'<span class="diff-text">{KEPT_LINE}</span>' in changes
    assert "Removed line: </span>Brouillon 0." in changes
    other_chain = latest_version(section("s2"), C)
    assert client.get(f"/board/versions/{final.id}?against={other_chain.id}").status_code == 400
    assert client.get(f"/board/versions/{final.id}?against={final.id}").status_code == 400
    assert client.get(f"/board/versions/{final.id}?against=two").status_code == 400
    assert client.get(f"/board/versions/{final.id}?mode=soup").status_code == 400


def test_the_whole_conversation_of_the_chain_in_time_order(client, login, people, chain):
    published, sent_back, final = chain
    login(people.fresh)
    page = client.get(f"/board/versions/{final.id}").text
    said = part(page, "conversation-heading")
    expected_in_order = [
        "Approved for publication",  # version 1's signature
        "Retirez la phrase (0.0).",  # version 2's comment
        "Requested changes",
        "Voir les commentaires.",
        "Une question du comité ?",  # version 3's comment, resolved
        "Approved (editor)",
        "Bon pour le comité.",
    ]
    place = 0
    for text in expected_in_order:  # each one after the one before
        place = said.index(text, place)
    items = re.findall(r"<li class=\"said-[^\"]*\">(.*?)</li>", said, flags=re.S)
    labels = [re.search(r"Version (\d+)", item).group(1) for item in items]
    assert labels[0] == "1"
    assert "2" in labels
    assert labels[-1] == "3"
    assert "(resolved)" in said
    assert "Dr Commenter" in said


def test_changed_references_since_the_published_wording(client, login, people, chain):
    published, sent_back, final = chain
    login(people.fresh)
    page = client.get(f"/board/versions/{final.id}").text
    refs = part(page, "reference-changes-heading")
    ref_1 = re.search(r"<code>ref-1</code>:(.*?)</li>", refs, flags=re.S).group(1)
    assert "changed" in ref_1
    assert "reference version 1" in ref_1
    assert "cites version 2" in ref_1
    assert "What changed in the reference" in ref_1
    ref_0 = re.search(r"<code>ref-0</code>:(.*?)</li>", refs, flags=re.S).group(1)
    assert "newly cited" in ref_0


def test_a_citation_dropped_since_the_published_wording(
    client, login, make_article, people, editor
):
    make_article(approve="all")
    s2 = section("s2")  # published version 1 cites ref-0
    version = submit_version(
        people.writer,
        s2,
        C,
        heading="Section 2",
        body="Texte de la section 2 [@ref-1].",
        base_version_id=latest_version(s2, C).id,
        change_summary="Autre source.",
    )
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    login(people.fresh)
    refs = part(client.get(f"/board/versions/{version.id}").text, "reference-changes-heading")
    assert re.search(r"<code>ref-0</code>:\s*<strong>no longer cited</strong>", refs)
    assert re.search(r"<code>ref-1</code>:\s*<strong>newly cited</strong>", refs)


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("writer", "Nobody reviews, approves or signs a version they authored."),
        ("reviewer", "You reviewed this version"),
        ("commenter", "You reviewed this version"),
        ("editor", "Only a Medical Advisory Board member can sign a version."),
        ("fresh", None),
    ],
)
def test_whether_you_may_sign_and_why_not(client, login, people, editor, chain, who, reason):
    final = chain[-1]
    login(editor if who == "editor" else getattr(people, who))
    page = client.get(f"/board/versions/{final.id}").text
    note = re.search(r'<p class="[^"]*" id="may-sign">(.*?)</p>', page, flags=re.S).group(1)
    if reason is None:
        assert "You may sign this version." in note
        assert f'action="/board/versions/{final.id}/sign"' in page
    else:
        assert "You may not sign this version." in note
        assert reason in note
        assert f'action="/board/versions/{final.id}/sign"' not in page


def test_after_signing_the_page_says_you_signed(client, login, post_form, people, chain):
    final = chain[-1]
    login(people.signer)
    page = f"/board/versions/{final.id}"
    response = post_form(
        f"{page}/sign", {"meaning": MEANINGS[0], "password": TEST_PASSWORD}, page=page
    )
    assert response.status_code == 302
    note = re.search(r'id="may-sign">(.*?)</p>', client.get(page).text, flags=re.S).group(1)
    assert f"You have already signed version {final.number}." in note


def home_sections(html: str) -> dict[str, str]:
    found = {}
    for heading_id in ("needs-heading", "signed-heading", "not-yours-heading"):
        if f'id="{heading_id}"' in html:
            start = html.index(f'id="{heading_id}"')
            end = html.find("<h2", start + 1)
            found[heading_id] = html[start:end]
    return found


def test_board_home_separates_needs_your_signature_from_signed_by_you(client, login, people, chain):
    final = chain[-1]
    link = f'href="/board/versions/{final.id}"'
    sign_version(people.signer, final, password=TEST_PASSWORD, meaning=MEANINGS[0])
    db.session.commit()
    assert final.workflow_state is State.AWAITING_SIGNOFF  # one of two signatures

    login(people.signer)
    home = home_sections(client.get("/board/").text)
    assert link not in home["needs-heading"]
    assert link in home["signed-heading"]
    assert "1 of 2" in home["signed-heading"]

    login(people.fresh)
    home = home_sections(client.get("/board/").text)
    assert link in home["needs-heading"]
    assert link not in home["signed-heading"]

    login(people.writer)
    home = home_sections(client.get("/board/").text)
    assert link not in home["needs-heading"]
    assert link in home["not-yours-heading"]
    assert "You wrote it." in home["not-yours-heading"]


def test_query_counts_do_not_grow_with_versions_comments_or_waiting_work(
    client, login, make_article, people, count_queries
):
    article = make_article(approve="all")
    article.required_signoffs = 2
    db.session.commit()
    short = build_chain("s1", people, rounds=1, comments=1)[-1]
    login(people.fresh)
    client.get("/board/")  # warm whatever a first request loads once
    with count_queries() as home_with_one:
        assert client.get("/board/").status_code == 200
    long = build_chain("s2", people, rounds=4, comments=5)[-1]
    client.get("/board/")  # the commit above expired what the first look had loaded
    with count_queries() as home_with_two:
        assert client.get("/board/").status_code == 200
    for warm_up in (short, long):  # whatever a first look loads, it loads for both
        client.get(f"/board/versions/{warm_up.id}")
    with count_queries() as few:
        assert client.get(f"/board/versions/{short.id}").status_code == 200
    with count_queries() as many:
        page = client.get(f"/board/versions/{long.id}")
    assert page.status_code == 200
    assert "Retirez la phrase (3.4)." in page.text  # the twentieth comment is there
    assert many.count == few.count
    assert home_with_two.count == home_with_one.count


def test_a_board_comment_after_approval_keeps_the_member_independent(
    client, login, people, editor, chain
):
    final = chain[-1]
    add_comment(people.fresh, final, "Question du comité, après l'approbation.")
    # Another version approved later must not make that comment count as part of the review.
    later = submit_version(
        people.writer,
        section("s2"),
        C,
        heading="Section 2",
        body="Texte de la section 2, revu [@ref-0].",
        base_version_id=latest_version(section("s2"), C).id,
        change_summary="Revu.",
    )
    transition(editor, later, Action.START_REVIEW)
    transition(editor, later, Action.APPROVE)
    db.session.commit()
    login(people.fresh)
    home = home_sections(client.get("/board/").text)
    assert f'href="/board/versions/{final.id}"' in home["needs-heading"]
    page = client.get(f"/board/versions/{final.id}").text
    assert "You may sign this version." in page
