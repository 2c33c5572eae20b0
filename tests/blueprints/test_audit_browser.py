"""The board's audit browser as an auditor uses it: a section's whole trail (signatures,
comments and refusals included), named by section and version number, actions from a list,
before and after as labelled fields, in a fixed number of queries per page."""

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Comment, Section, Version
from reviewapp.rules.audit_actions import ACTION_LABELS, WORKFLOW_LABELS
from reviewapp.rules.states import TRANSITIONS, Audience, Role
from tests.conftest import TEST_PASSWORD, next_version

C = Audience.CLINICIAN
SUBJECT = "Section “Section 1” (s1), clinician wording, Version 2"


def section(key: str, slug: str = "test-article") -> Section:
    return db.session.scalar(
        select(Section).where(Section.key == key, Section.article.has(slug=slug))
    )


def rows(page_text: str) -> list[str]:
    return re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", page_text, flags=re.S)


@pytest.fixture
def reviewed(client, make_article, contributor, editor, board_members, login, post_form):
    """Section s1's version 2 taken through the app: submitted, reviewed, commented on,
    refused approval while the comment was open, approved, refused a signature with a wrong
    password, and signed."""
    make_article()
    s1 = section("s1")
    login(contributor)
    edit = "/review/articles/test-article/sections/s1/clinician/edit"
    first = latest_version(s1, C)
    submitted = post_form(
        edit,
        {
            "heading": "Section 1",
            "body": "Texte révisé de la section 1 [@ref-1].",
            "change_summary": "Précision.",
            "base_version": str(first.id),
            "seen_version": str(first.id),
            "intent": "submit",
        },
        page=f"/review/versions/{first.id}",
    )
    assert submitted.status_code == 302, submitted.text
    version = latest_version(s1, C)
    assert version.number == 2
    page = f"/review/versions/{version.id}"
    login(editor)
    assert post_form(f"{page}/actions", {"action": "start_review"}, page=page).status_code == 302
    commented = post_form(f"{page}/comments", {"comment": "Source ?"}, page=page)
    assert commented.status_code == 302
    assert post_form(f"{page}/actions", {"action": "approve"}, page=page).status_code == 409
    comment = db.session.scalar(select(Comment).where(Comment.version_id == version.id))
    assert post_form(f"/review/comments/{comment.id}/resolve", {}, page=page).status_code == 302
    assert post_form(f"{page}/actions", {"action": "approve"}, page=page).status_code == 302
    login(board_members[0])
    board_page = f"/board/versions/{version.id}"
    sign = {"meaning": "Approved for publication", "password": "not the password"}
    assert post_form(f"{board_page}/sign", sign, page=board_page).status_code == 403
    signed = post_form(f"{board_page}/sign", sign | {"password": TEST_PASSWORD}, page=board_page)
    assert signed.status_code == 302
    return db.session.get(Version, version.id)


@pytest.fixture
def auditor(make_user, login):
    user = make_user(Role.BOARD, name="Pr Audit")
    login(user)
    return user


def test_a_sections_trail_lists_its_sign_offs_comments_and_refusals(client, reviewed, auditor):
    page = client.get("/board/audit?section=s1")
    assert page.status_code == 200
    found = rows(page.text)
    labels = [re.search(r"<td>([^<]+) <span class=\"muted\">", row).group(1) for row in found]
    expected = [
        "Board quorum reached, published",
        "Signed by a board member",
        "Signed by a board member",  # the wrong password, refused
        "Editor approved, sent to the board",
        "Comment resolved",
        "Editor approved, sent to the board",  # refused: the comment was open
        "Comment added",
        "Review started",
        "Version submitted",
        "Superseded by a newer version",
        "Version submitted",  # version 1, by the import
    ]
    # Newest first, the refusals where they happened (other events may come between).
    remaining = iter(labels)
    assert all(label in remaining for label in expected), labels
    refused = [row for row in found if 'class="refused"' in row]
    assert len(refused) == 2
    assert any("still unresolved" in row for row in refused)
    assert any("Refused" in row and "password" in row.lower() for row in refused)
    signature = next(
        row for row in found if "Signed by a board member" in row and row not in refused
    )
    assert f"Signature on {SUBJECT}" in signature
    assert "<dt>Printed name</dt><dd>Pr Ada Board, MD</dd>" in signature
    assert any(f"Comment on {SUBJECT}" in row and "Source ?" in row for row in found)
    assert "Section “Section 1” (s1), clinician wording, Version 1" in found[-1]
    # No other section's events, and versions named by number, never by database id.
    assert "(s2)" not in page.text
    assert f"version {reviewed.id}" not in page.text.lower()


def test_before_and_after_read_as_labelled_fields(client, reviewed, auditor):
    page = client.get("/board/audit?section=s1&action=version.approve").text
    approved = next(row for row in rows(page) if 'class="refused"' not in row)
    assert "<dt>State</dt><dd>Under Review</dd>" in approved
    assert "<dt>State</dt><dd>Awaiting board sign-off</dd>" in approved
    assert "<dt>Part</dt><dd>Wording</dd>" in approved
    assert "&#34;state&#34;" not in approved
    assert '"state"' not in approved
    superseded = client.get("/board/audit?section=s1&action=version.supersede").text
    assert "<dt>Superseded by</dt><dd>" + SUBJECT + "</dd>" in superseded
    assert "Section “Section 1” (s1), clinician wording, Version 1" in superseded


def test_actions_are_chosen_from_a_list_of_labels(client, reviewed, auditor):
    page = client.get("/board/audit").text
    select_html = page.split('<select id="action"')[1].split("</select>")[0]
    assert select_html.startswith(' name="action"><option value="">Any action</option>')
    assert '<optgroup label="Review and sign-off">' in select_html
    assert '<option value="signoff.sign">Signed by a board member</option>' in select_html
    assert {row.event for row in TRANSITIONS.values()} <= set(WORKFLOW_LABELS)
    assert set(WORKFLOW_LABELS) <= set(ACTION_LABELS)
    chosen = client.get("/board/audit?action=signoff.sign").text
    assert '<option selected value="signoff.sign">Signed by a board member</option>' in chosen
    signatures = rows(chosen)
    recorded = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "signoff.sign")
    )
    assert len(signatures) == recorded > 2
    assert all("Signed by a board member" in row for row in signatures)
    assert client.get("/board/audit?action=not.an.action").status_code == 400


def test_a_key_several_articles_use_needs_the_article(client, reviewed, auditor, make_article):
    make_article(slug="other-article", parts_approved=False)
    ambiguous = client.get("/board/audit?section=s1")
    assert ambiguous.status_code == 400
    assert "Several articles have a section &#39;s1&#39;" in ambiguous.text
    within = client.get("/board/audit?article=other-article&section=s1")
    assert within.status_code == 200
    assert SUBJECT not in within.text
    assert len(rows(within.text)) == 1  # its version 1, submitted by the import
    assert client.get("/board/audit?section=nowhere").status_code == 400


def test_the_export_names_section_and_version(client, reviewed, auditor):
    exported = json.loads(client.get("/board/audit/export.json?section=s1").text)
    signature = next(
        row for row in exported if row["action"] == "signoff.sign" and row["outcome"] == "done"
    )
    assert signature["section_key"] == "s1"
    assert signature["version_number"] == 2
    assert signature["version_id"] == reviewed.id
    assert signature["subject"] == SUBJECT
    assert signature["action_label"] == "Signed by a board member"
    table = list(csv.DictReader(io.StringIO(client.get("/board/audit/export.csv?section=s1").text)))
    assert [row["id"] for row in table] == [str(row["id"]) for row in exported]
    assert table[0]["subject"] == exported[0]["subject"]


def test_a_page_takes_the_same_queries_for_5_events_as_for_50(
    client, make_article, contributor, auditor, count_queries
):
    make_article(parts_approved=False)
    s1 = section("s1")

    def page_queries() -> int:
        with count_queries() as counter:
            assert client.get("/board/audit?section=s1").status_code == 200
        return counter.count

    for _ in range(4):
        next_version(contributor, s1, C)
    db.session.commit()
    assert len(rows(client.get("/board/audit?section=s1").text)) < 10
    few = page_queries()
    for _ in range(25):
        next_version(contributor, s1, C)
    db.session.commit()
    many = client.get("/board/audit?section=s1").text
    assert len(rows(many)) == 50
    assert page_queries() == few
