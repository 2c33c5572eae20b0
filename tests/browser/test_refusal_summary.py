"""A refused decision in the browser: the error summary is on top and focused, the text kept.

The refusal is recorded in the audit trail, so this test gets its own demo and server.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import select

from reviewapp import create_app
from reviewapp.cli.demo import load_demo
from reviewapp.domain.comments import add_comment
from reviewapp.domain.engine import allowed_actions
from reviewapp.extensions import db
from reviewapp.models import User, Version
from reviewapp.rules.states import Action
from tests.browser.conftest import TIMEOUT_MS, LiveServer, sign_in
from tests.browser.pages import EDITOR

TYPED = "Préciser la dose chez l'insuffisant rénal.\nEt citer la source."


@pytest.fixture(scope="module")
def blocked_approval(tmp_path_factory) -> Iterator[tuple[LiveServer, int]]:
    """The demo served live, with a version the editor may approve but for an open comment."""
    database = tmp_path_factory.mktemp("refusal") / "reviewapp.sqlite"
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        flask_migrate.upgrade()
        load_demo(Path(app.config["CONTENT_DIR"]))
        editor = db.session.scalar(select(User).where(User.email == EDITOR))
        version = next(
            v
            for v in db.session.scalars(select(Version).order_by(Version.id))
            if v.is_wording and Action.APPROVE in allowed_actions(editor, v)
        )
        add_comment(editor, version, "La source date de 2019 : en existe-t-il une plus récente ?")
        version_id = version.id
        db.session.commit()
        db.session.remove()
    with LiveServer(app) as server:
        yield server, version_id
    with app.app_context():
        db.engine.dispose()


def test_a_refused_approval_focuses_the_summary_and_keeps_the_comment(browser, blocked_approval):
    from playwright.sync_api import expect

    server, version_id = blocked_approval
    context = browser.new_context(base_url=server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, EDITOR)
        page.goto(f"/review/versions/{version_id}")
        page.get_by_label("Comment for the author").fill(TYPED)
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("^Approve")).click()

        summary = page.locator("main > .error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("There is a problem")
        expect(summary).to_contain_text("still unresolved")
        # First in <main>, and where the focus is, so it is read first and seen first.
        assert page.evaluate(
            "document.querySelector('main').firstElementChild.classList.contains('error-summary')"
        )
        expect(summary).to_be_focused()
        assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
        # Near the top of the document, where the refusal used to be 1,300 px further down.
        assert summary.bounding_box()["y"] + page.evaluate("window.scrollY") < 300
        # The typed comment is still in the one box, ready for the next button.
        expect(page.get_by_label("Comment for the author")).to_have_value(TYPED)
    finally:
        context.close()
