"""A refused form says so at the top of the page, marks its fields, and keeps what was typed."""

import html as html_module
import re

import pytest
from sqlalchemy import select

from reviewapp.domain.comments import add_comment
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import Comment, Section, Version
from reviewapp.rules.states import Audience, Role, State

C = Audience.CLINICIAN
TYPED = "Vérifier la posologie <chez l'enfant> & la source."
SUMMARY = 'class="form-errors error-summary" role="alert"'


def newest() -> Version:
    db.session.expire_all()
    section = db.session.scalar(select(Section).where(Section.key == "s1"))
    return latest_version(section, C)


def review_url(version: Version) -> str:
    return f"/review/versions/{version.id}"


def box(page: str) -> str:
    """Return the text of the review screen's one comment box, as a browser shows it."""
    match = re.search(r'<textarea[^>]*name="comment"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, "no comment box"
    return html_module.unescape(match.group(1))


def main_of(page: str) -> str:
    """Return what <main> holds, from just after its opening tag."""
    return page[page.index("<main") :].split(">", 1)[1].lstrip()


def summary_of(page: str) -> str:
    start = page.index(SUMMARY)
    return page[start : page.index("</div>", start)]


def assert_summary_on_top(page: str, *messages: str) -> None:
    # First in <main>, before the flashes and the heading; focused by a script, never inline.
    assert main_of(page).startswith(f'<div {SUMMARY} aria-labelledby="error-summary-title"')
    assert page.count(SUMMARY) == 1
    summary = summary_of(page)
    assert 'tabindex="-1"' in summary
    assert ">There is a problem</h2>" in summary
    for message in messages:
        assert message in html_module.unescape(summary)
    assert '<script src="/static/error-summary.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


@pytest.fixture
def under_review(make_article, editor, login):
    """A version under review by the signed-in editor."""
    make_article(under_review=(("s1", C),))
    login(editor)
    return newest()


def test_a_plain_page_has_no_summary(client, under_review):
    page = client.get(review_url(under_review)).text
    assert "error-summary" not in page
    assert "There is a problem" not in page


def test_approving_over_an_open_comment_shows_the_summary_and_keeps_the_comment(
    client, editor, under_review, post_form
):
    add_comment(editor, under_review, "Source ?")
    db.session.commit()
    refused = post_form(
        f"{review_url(under_review)}/actions",
        {"action": "approve", "comment": TYPED},
        page=review_url(under_review),
    )
    assert refused.status_code == 409
    assert_summary_on_top(refused.text, "1 comment is still unresolved")
    assert box(refused.text) == TYPED
    assert newest().workflow_state is State.UNDER_REVIEW


@pytest.mark.parametrize("action", ["approve", "reject", "request_changes"])
def test_every_decision_button_refused_keeps_the_typed_comment(
    client, make_article, editor, login, post_form, action
):
    make_article()  # submitted: no decision is open before the review starts
    login(editor)
    version = newest()
    refused = post_form(
        f"{review_url(version)}/actions",
        {"action": action, "comment": TYPED},
        page=review_url(version),
    )
    assert refused.status_code == 409
    assert_summary_on_top(refused.text)
    assert box(refused.text) == TYPED
    assert newest().workflow_state is State.SUBMITTED


def test_starting_a_review_twice_keeps_the_typed_comment(client, under_review, post_form):
    refused = post_form(
        f"{review_url(under_review)}/actions",
        {"action": "start_review", "comment": TYPED},
        page=review_url(under_review),
    )
    assert refused.status_code == 409
    assert_summary_on_top(refused.text)
    assert box(refused.text) == TYPED


@pytest.mark.parametrize("action", ["reject", "request_changes"])
def test_a_decision_that_needs_a_comment_marks_the_box(client, under_review, post_form, action):
    refused = post_form(
        f"{review_url(under_review)}/actions",
        {"action": action, "comment": "  "},
        page=review_url(under_review),
    )
    assert refused.status_code == 422
    assert_summary_on_top(refused.text, "a comment is required")
    assert '<a href="#comment">' in summary_of(refused.text)
    # The message sits above the box, which points at it and says it is invalid.
    error = refused.text.index('<p class="error" id="comment-error">')
    assert error < refused.text.index('<textarea aria-describedby="comment-hint comment-error"')
    assert 'aria-invalid="true"' in refused.text


def test_the_comment_box_and_the_decision_buttons_are_one_form(client, under_review):
    page = client.get(review_url(under_review)).text
    start = page.index('<form method="post" id="review-form"')
    form = page[start : page.index("</form>", start)]
    assert f'action="{review_url(under_review)}/comments"' in form
    assert form.count('name="comment"') == 1
    actions = f'formaction="{review_url(under_review)}/actions"'
    for value in ("request_changes", "reject", "approve"):
        assert re.search(rf'name="action" value="{value}" {re.escape(actions)}', form)
    assert ">Add comment</button>" in form
    assert page.count("<textarea") == 1


def test_an_empty_comment_is_marked_on_the_box(client, under_review, post_form):
    refused = post_form(
        f"{review_url(under_review)}/comments", {"comment": " "}, page=review_url(under_review)
    )
    assert refused.status_code == 422
    assert_summary_on_top(refused.text, "The comment is empty.")
    assert '<p class="error" id="comment-error">The comment is empty.</p>' in refused.text


def test_resolving_a_comment_keeps_what_is_being_typed(client, editor, under_review, post_form):
    add_comment(editor, under_review, "Source ?")
    db.session.commit()
    comment = db.session.scalar(select(Comment))
    page = client.get(review_url(under_review)).text
    # "Mark resolved" belongs to the review form, so it sends the box's text along.
    assert (
        f'<button type="submit" form="review-form" '
        f'formaction="/review/comments/{comment.id}/resolve"' in page
    )
    resolved = post_form(
        f"/review/comments/{comment.id}/resolve", {"comment": TYPED}, page=review_url(under_review)
    )
    assert resolved.status_code == 200
    assert "Comment marked resolved." in resolved.text
    assert box(resolved.text) == TYPED
    assert db.session.get(Comment, comment.id).is_resolved
    again = post_form(
        f"/review/comments/{comment.id}/resolve", {"comment": TYPED}, page=review_url(under_review)
    )
    assert again.status_code == 409
    assert_summary_on_top(again.text, "This comment is already resolved.")
    assert box(again.text) == TYPED
    # With nothing typed, the page follows Post/Redirect/Get as before.
    add_comment(editor, under_review, "Et la dose ?")
    db.session.commit()
    second = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
    plain = post_form(f"/review/comments/{second.id}/resolve", page=review_url(under_review))
    assert plain.status_code == 302


def test_text_sent_with_a_button_no_longer_offered_comes_back(
    client, make_article, contributor, login, post_form
):
    make_article(under_review=(("s1", C),))
    version = newest()
    login(contributor)  # the author: may answer in the comments, may take no decision
    refused = post_form(
        f"{review_url(version)}/actions",
        {"action": "approve", "comment": TYPED},
        page=review_url(version),
    )
    assert refused.status_code == 403
    assert_summary_on_top(refused.text)
    assert box(refused.text) == TYPED
    assert "Your answer to the reviewers" in refused.text


def test_a_refused_password_change_is_summarised_at_the_top(client, login, make_user, post_form):
    login(make_user(Role.EDITOR))
    refused = post_form(
        "/account/password",
        {"current_password": "wrong", "new_password": "short", "confirm_password": "short"},
    )
    assert refused.status_code == 422
    assert_summary_on_top(refused.text, "New password: The new password must have")
    assert "passwords are never sent back: type them again" in refused.text
    assert '<a href="#new_password">' in summary_of(refused.text)


def test_admin_forms_get_one_summary(client, login, make_user, post_form):
    login(make_user(Role.ADMIN))
    refused = post_form("/admin/users/new", {"email": "not-an-email"})
    assert refused.status_code == 422
    assert_summary_on_top(refused.text)
