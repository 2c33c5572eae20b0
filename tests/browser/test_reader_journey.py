"""A reader opens the seed article, switches to patient wording and back, follows a citation."""

import re

from tests.browser.pages import SEED

SUMMARY_CLINICIAN = "Traitement des Tumeurs Nécrosantes Métastatiques"
SUMMARY_PATIENT = "Traiter une tumeur métastatique nécrosante : ce qu'il faut savoir"


def choose(page, label: str) -> None:
    """Pick an audience in the chooser, one click, as a reader would with the mouse."""
    chooser = page.get_by_role("navigation", name="Qui êtes-vous ?")
    with page.expect_navigation():
        chooser.get_by_role("link", name=label).click()


def test_reader_switches_wording_and_follows_a_citation(page):
    from playwright.sync_api import expect

    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(SEED)
    expect(page).to_have_url(re.compile(r"/articles/[\w-]+/clinician$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What is the best course of treatment for a necrotic metastatic tumor?"
    )
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "en")
    expect(page.locator(".review-status")).to_contain_text(re.compile(r"\d+ sections relues sur"))
    expect(page.locator(".showing")).to_contain_text("professionnels de santé")
    expect(page.get_by_role("heading", name=SUMMARY_CLINICIAN)).to_be_visible()
    expect(page.locator("#audience-clinician")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("En attente de relecture humaine.").first).to_be_visible()
    status = page.locator(".review-status").inner_text()

    # One click shows the other wording, with the same status for the article.
    choose(page, "Patient ou proche aidant")
    expect(page).to_have_url(re.compile(r"/articles/[\w-]+/patient$"))
    expect(page.locator(".showing")).to_contain_text("patients et proches aidants")
    expect(page.get_by_role("heading", name=SUMMARY_PATIENT)).to_be_visible()
    expect(page.get_by_role("heading", name=SUMMARY_CLINICIAN)).to_have_count(0)
    expect(page.locator("#audience-patient")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Avertissement médical")).to_be_visible()
    expect(page.locator(".disclaimer")).to_contain_text("appelez le 15 (SAMU) ou le 112")
    assert page.locator(".review-status").inner_text() == status

    # The choice is remembered: the plain address now opens the patient wording.
    page.goto(SEED)
    expect(page).to_have_url(re.compile(r"/patient$"))
    expect(page.get_by_role("heading", name=SUMMARY_PATIENT)).to_be_visible()

    choose(page, "Professionnel de santé")
    expect(page).to_have_url(re.compile(r"/clinician$"))
    expect(page.get_by_role("heading", name=SUMMARY_CLINICIAN)).to_be_visible()
    expect(
        page.get_by_role("heading", name="Avertissement à l’intention des professionnels de santé")
    ).to_be_visible()

    # A section's review details open on demand.
    badge = page.locator(
        "#section-"
        + page.locator(".answer .section").first.get_attribute("id").removeprefix("section-")
        + " details.review-badge"
    )
    expect(badge.locator("a", has_text="Vérifier ce qui a été signé")).not_to_be_visible()
    badge.locator("summary").click()
    expect(badge.locator("a", has_text="Vérifier ce qui a été signé")).to_be_visible()

    citation = page.locator(".answer sup.citation a").first
    number = citation.inner_text()
    target = citation.get_attribute("href")
    assert target is not None
    assert target.startswith("#ref-"), target
    citation.click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    reference = page.locator(target)
    expect(reference).to_be_in_viewport()
    expect(reference).to_have_attribute("value", number)
    expect(reference).to_contain_text("Guideline Directed Topic Overview")
    assert reference.evaluate("item => item.matches(':target')")
    assert not problems, problems


def test_first_screen_on_a_phone_shows_question_status_and_answer(browser, live_server):
    """At 390 px the first screen holds the question, the status and the start of the answer."""
    from tests.browser.conftest import _new_context

    context = _new_context(browser, live_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(SEED + "/patient")
        height = page.viewport_size["height"]
        for selector in ("h1", ".review-status", ".answer .section .body p"):
            box = page.locator(selector).first.bounding_box()
            assert box is not None, selector
            assert box["y"] < height, f"{selector} starts at {box['y']}px, below {height}px"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_a_printout_keeps_the_warnings_and_adds_where_and_when(page):
    from playwright.sync_api import expect

    page.goto(SEED + "/patient")
    expect(page.locator(".print-record")).to_be_hidden()
    page.emulate_media(media="print")
    record = page.locator(".print-record")
    expect(record).to_be_visible()
    expect(record).to_contain_text("/articles/necrotic-metastatic-tumor/patient")
    expect(record).to_contain_text("Imprimé le")
    expect(record).to_contain_text("patients et proches aidants")
    expect(record).to_contain_text("sections relues sur")
    expect(page.locator(".caution").first).to_be_visible()
    expect(page.locator(".review-badge.pending-warning").first).to_be_visible()
    expect(page.locator(".disclaimer")).to_be_visible()
    expect(page.locator(".audience-chooser")).to_be_hidden()
