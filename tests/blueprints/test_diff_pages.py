"""The diffs on the edit page: the preview says what the typed text changes, and a stale
submission is shown as where you started, their version and yours, side by side."""

import re

from reviewapp.rules.states import Role
from tests.blueprints.test_editor_pages import edit_data, edit_url, part, textarea

HIDDEN = re.compile(r'<span class="visually-hidden">[^<]*</span>')

BASE = "Premier paragraphe, inchangé.\n\nLa décision est tracée.\n\nDernier paragraphe."


def test_the_preview_shows_what_the_typed_text_changes(
    client, login, make_article, contributor, post_form
):
    make_article(body=lambda index: BASE)
    login(contributor)
    page = client.get(edit_url()).text
    typed = BASE.replace("est tracée.", "est tracée après information <b>loyale</b>.")
    response = post_form(edit_url(), edit_data(page, body=typed, intent="preview"))
    assert response.status_code == 200
    preview = part(response.text, "preview-heading")
    assert "What your text changes in version 1" in preview
    marked = HIDDEN.sub("", preview)
    assert (
        "La décision est tracée <ins>après information &lt;b&gt;loyale&lt;/b&gt;</ins>." in marked
    )
    assert "<b>loyale</b>" not in preview.split("diff-view")[1]
    assert "1 rewritten" in preview


def test_a_stale_submission_shows_three_columns(
    client, login, make_article, contributor, make_user, post_form
):
    make_article(body=lambda index: BASE)
    other = make_user(Role.CONTRIBUTOR, name="Other Writer")
    login(contributor)
    mine = client.get(edit_url()).text
    login(other)
    theirs_page = client.get(edit_url()).text
    theirs = BASE.replace("est tracée.", "est tracée après information.")
    assert post_form(edit_url(), edit_data(theirs_page, body=theirs)).status_code == 302

    login(contributor)
    yours = BASE.replace("Dernier paragraphe.", "Dernier paragraphe, selon vos préférences.")
    response = post_form(edit_url(), edit_data(mine, body=yours, heading="Section un"))
    assert response.status_code == 409
    assert textarea(response.text, "body") == yours
    columns = part(response.text, "in-between-heading")
    marked = HIDDEN.sub("", columns)
    assert "Version 1, where you started" in columns
    assert "Version 2, submitted since" in columns
    # Their change in their column, yours in yours: no sentence mixes the two.
    rows = re.findall(r'<div class="three-way-row three-way-(\w+)">', columns)
    # Your heading, the shared first lines, their line, your line (blank lines need no row).
    assert rows == ["yours", "same", "theirs", "yours"]
    assert "est tracée <ins>après information</ins>." in marked
    assert "Dernier paragraphe<ins>, selon vos préférences</ins>." in marked
    assert "Same in all three" in columns
    assert "The heading" in columns
    assert "Section <ins>un</ins>" in marked
    assert "préférences, décision" not in marked
