"""A reader opens the seed article, switches to patient wording and back, follows a citation."""

import re

from tests.browser.pages import SEED

SUMMARY_CLINICIAN = "Traitement des Tumeurs Nécrosantes Métastatiques"
SUMMARY_PATIENT = "Traiter une tumeur métastatique nécrosante : ce qu'il faut savoir"


def choose(page, label: str) -> None:
    """Pick an audience in the chooser and submit it, as a reader would with the mouse."""
    chooser = page.get_by_role("group", name="Which best describes you?")
    chooser.get_by_label(label).check()
    with page.expect_navigation():
        chooser.get_by_role("button", name="Show this wording").click()


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
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What is the best course of treatment for a necrotic metastatic tumor?"
    )
    expect(page.locator(".status-strip [aria-current=step]")).to_contain_text("Under Review")
    expect(page.locator(".showing")).to_contain_text("healthcare professionals")
    expect(page.get_by_role("heading", name=SUMMARY_CLINICIAN)).to_be_visible()
    expect(page.get_by_label("Healthcare professional")).to_be_checked()
    expect(page.get_by_text("Pending human review.").first).to_be_visible()

    choose(page, "Patient or caregiver")
    expect(page).to_have_url(re.compile(r"[?&]audience=patient\b"))
    expect(page.locator(".showing")).to_contain_text("patients and caregivers")
    expect(page.get_by_role("heading", name=SUMMARY_PATIENT)).to_be_visible()
    expect(page.get_by_label("Patient or caregiver")).to_be_checked()
    expect(page.get_by_role("heading", name="Medical disclaimer")).to_be_visible()

    # The choice is remembered: the plain address now opens the patient wording.
    page.goto(SEED)
    expect(page.get_by_role("heading", name=SUMMARY_PATIENT)).to_be_visible()

    choose(page, "Healthcare professional")
    expect(page).to_have_url(re.compile(r"[?&]audience=clinician\b"))
    expect(page.locator(".showing")).to_contain_text("healthcare professionals")
    expect(page.get_by_role("heading", name=SUMMARY_CLINICIAN)).to_be_visible()
    expect(page.get_by_role("heading", name="Professional Medical Disclaimer")).to_be_visible()

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
