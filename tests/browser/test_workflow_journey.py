"""The whole workflow in the browser: write, review, sign, read; and signing by keyboard alone.

These tests change data, so they get their own demo and server instead of the shared one.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest

from reviewapp import create_app
from reviewapp.cli.demo import load_demo
from reviewapp.extensions import db
from tests.browser.conftest import TIMEOUT_MS, LiveServer, sign_in
from tests.browser.pages import PASSWORDS, SEED

EDIT = "/review/articles/necrotic-metastatic-tumor/sections/points-de-vigilance/clinician/edit"
NEW_WORDING = "- Réévaluer la réponse tous les 2 à 3 mois [@guideline-overview]"
CORRECTED = NEW_WORDING + "\n- Discuter chaque cas en réunion de concertation pluridisciplinaire"


@pytest.fixture(scope="module")
def workflow_server(tmp_path_factory) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("journey") / "reviewapp.sqlite"
    app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        flask_migrate.upgrade()
        load_demo(Path(app.config["CONTENT_DIR"]))
        db.session.commit()
        db.session.remove()
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def person(browser, workflow_server):
    """Open a signed-in page for a demo account, each in its own browser context."""
    contexts = []

    def open_as(email: str | None):
        context = browser.new_context(base_url=workflow_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if email:
            sign_in(page, email)
        return page

    yield open_as
    for context in contexts:
        context.close()


def decide(page, button: str, comment: str = "") -> None:
    if comment:
        page.get_by_label("Comment for the author").fill(comment)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(f"^{button}")).click()


def sign(page, version_url: str, email: str) -> None:
    from playwright.sync_api import expect

    page.goto(version_url)
    page.get_by_label("Meaning of your signature").select_option("Approved for publication")
    page.get_by_label("Your password, to sign").fill(PASSWORDS[email])
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Sign as")).click()
    expect(page.get_by_role("status").filter(has_text="Signed version")).to_be_visible()


def test_write_review_sign_and_read(person):
    from playwright.sync_api import expect

    writer = person("contributor@example.org")
    writer.goto(EDIT)
    writer.get_by_label("Wording (Markdown)").fill(NEW_WORDING)
    with writer.expect_navigation():
        writer.get_by_role("button", name="Preview").click()
    expect(writer.locator("#preview-region")).to_contain_text("Réévaluer la réponse")
    expect(writer.locator("#preview-region sup.citation")).to_have_count(1)
    with writer.expect_navigation():
        writer.get_by_role("button", name="Submit for review").click()
    expect(writer.get_by_text("Submitted version 2 for review.")).to_be_visible()
    second_version = writer.url

    editor = person("editor@example.org")
    editor.goto(second_version)
    expect(editor.get_by_text("Written by a person").first).to_be_visible()
    decide(editor, "Start review")
    decide(editor, "Request changes", "Ajouter la concertation pluridisciplinaire.")
    expect(editor.locator(".badge").first).to_contain_text("Changes requested")

    writer.goto(EDIT)
    expect(writer.get_by_text("Ajouter la concertation pluridisciplinaire.")).to_be_visible()
    writer.get_by_label("Wording (Markdown)").fill(CORRECTED)
    writer.get_by_label("Change summary").fill("Concertation ajoutée à la demande de l'éditrice.")
    with writer.expect_navigation():
        writer.get_by_role("button", name="Submit for review").click()
    third_version = writer.url
    version_id = third_version.rstrip("/").rsplit("/", 1)[1]

    editor.goto(third_version)
    decide(editor, "Start review")
    decide(editor, "Approve")
    expect(editor.locator(".badge").first).to_contain_text("Awaiting board sign-off")

    for email in ("board@example.org", "board2@example.org"):
        sign(person(email), f"/board/versions/{version_id}", email)

    reader = person(None)
    reader.goto(SEED)
    section = reader.locator("#section-points-de-vigilance")
    expect(section).to_contain_text("Discuter chaque cas en réunion de concertation")
    expect(section.locator(".pending-warning")).to_have_count(0)
    expect(section.locator(".review-badge summary")).to_contain_text("2 signatures du comité")
    expect(section).to_contain_text("Signé par Pr Anne Lefèvre")
    expect(section).to_contain_text("Signé par Dr Youssef Benali")


def test_sign_off_form_by_keyboard_alone(person):
    from playwright.sync_api import expect

    from tests.browser.test_keyboard import assert_focus_visible, focused

    member = person("board2@example.org")
    member.goto("/board/")
    link = member.locator("a[href^='/board/versions/']").first
    version_url = link.get_attribute("href")
    member.goto(version_url)
    member.get_by_label("Meaning of your signature").focus()
    assert_focus_visible(focused(member))
    member.keyboard.press("ArrowDown")  # "Reviewed, no objection"
    member.keyboard.press("Tab")
    element = focused(member)
    assert element["id"] == "password"
    assert_focus_visible(element)
    member.keyboard.type(PASSWORDS["board2@example.org"])
    member.keyboard.press("Tab")
    assert focused(member)["text"].startswith("Sign as")
    assert_focus_visible(focused(member))
    with member.expect_navigation():
        member.keyboard.press("Enter")
    expect(member.get_by_role("status").filter(has_text="Signed version")).to_be_visible()
    expect(member.locator(".signature").last).to_contain_text("Reviewed, no objection")
